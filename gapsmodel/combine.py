"""Steps 1 to 3 of DOMAIN.md §5: from stored values to one monthly figure per indicator and place.

1. Within one institution's report for a month and place, a total row wins over its parts; parts without
   a total are summed (one breakdown: the one with fewest dimensions, sex before age before nationality).
2. Stocks only: each institution's own series is carried forward up to ``carry_forward_months`` months
   where it reported nothing (flagged ``carried``). Flows are never carried.
3. Across institutions, per month and place, by the indicator's rule: ``max``, ``sum``, ``mean`` or
   ``source:<institution>`` (that institution's figure wins; when it is missing the others are combined
   by the role's default: ``max`` for a need, ``sum`` for a supply).

Values keep the unit of their indicator (personas, camas, casos, ...).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .catalog import Catalog
from .periods import month_index
from .territory import Territory

REPORT = ["institution", "indicator", "ubigeo", "period"]
PLACE_MONTH = ["indicator", "ubigeo", "period"]
DIMENSIONS = ["sex", "age", "nationality"]
_PART_PRIORITY = {("sex",): 0, ("age",): 1, ("nationality",): 2}


def _breakdown(values: pd.DataFrame) -> pd.Series:
    """Which dimensions a row breaks down, as text ('' for a total row): 'sex', 'age', 'sex+age', ..."""
    # one bit per dimension, then one label per bit pattern (8 patterns): no string work per row
    bits = np.zeros(len(values), dtype=np.int64)
    for i, dim in enumerate(DIMENSIONS):
        bits |= values[dim].ne("total").fillna(True).to_numpy(dtype=bool).astype(np.int64) << i
    labels = np.array(["+".join(d for i, d in enumerate(DIMENSIONS) if pattern >> i & 1)
                       for pattern in range(2 ** len(DIMENSIONS))], dtype=object)
    return pd.Series(labels[bits], index=values.index, dtype=object)


def report_figures(values: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Step 1. Return (figures, disagreements).

    figures: one row per REPORT key with ``value``, ``from_parts`` and ``uploaded_at`` (latest of its rows).
    disagreements: reports whose total differs from the sum of one of its breakdowns.
    """
    if values.empty:
        cols = REPORT + ["value", "from_parts", "uploaded_at"]
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=REPORT + ["breakdown", "total", "parts_sum"])
    values = values.assign(breakdown=_breakdown(values))
    is_total = values["breakdown"].eq("")
    totals = values.loc[is_total, REPORT + ["value", "uploaded_at"]].assign(from_parts=False)
    parts = values.loc[~is_total]
    disagreements = pd.DataFrame(columns=REPORT + ["breakdown", "total", "parts_sum"])
    if parts.empty:
        return totals.reset_index(drop=True), disagreements
    sums = parts.groupby(REPORT + ["breakdown"], sort=False, observed=True).agg(
        value=("value", "sum"), uploaded_at=("uploaded_at", "max")).reset_index()
    compared = sums.merge(totals[REPORT + ["value"]].rename(columns={"value": "total"}), on=REPORT)
    disagreements = compared.loc[~np.isclose(compared["value"], compared["total"]),
                                 REPORT + ["breakdown", "total", "value"]].rename(columns={"value": "parts_sum"})
    sums["priority"] = sums["breakdown"].map(lambda b: _PART_PRIORITY.get(tuple(b.split("+")), 10 + b.count("+")))
    sums = sums.sort_values(["priority", "breakdown"], kind="stable").drop_duplicates(REPORT, keep="first")
    keyed = totals.set_index(REPORT).index
    only_parts = sums.loc[~sums.set_index(REPORT).index.isin(keyed), REPORT + ["value", "uploaded_at"]]
    figures = pd.concat([totals, only_parts.assign(from_parts=True)], ignore_index=True)
    return figures, disagreements.reset_index(drop=True)


def carry_forward(figures: pd.DataFrame, catalog: Catalog, until: str | None = None) -> pd.DataFrame:
    """Step 2. Add carried rows for stock indicators; flags: ``carried`` and ``carried_from``."""
    figures = figures.assign(carried=False, carried_from=figures["period"])
    stock_codes = catalog.indicators.index[catalog.indicators["time"].eq("stock")]
    stocks = figures[figures["indicator"].isin(stock_codes)]
    if stocks.empty or catalog.carry_forward_months <= 0:
        return figures
    # Integer keys instead of text: a series (institution, indicator, place) and its month number. A carried
    # row's key is its series and month + k; only stock rows can share such a key.
    month_codes, months = pd.factorize(stocks["period"])
    month_no = month_index(pd.Series(months)).to_numpy()[month_codes]
    first_month = int(month_no.min())
    month_no = month_no - first_month
    series_no = stocks.groupby(REPORT[:3], sort=False, observed=True).ngroup().to_numpy()
    span = int(month_no.max()) + catalog.carry_forward_months + 1
    taken = np.zeros((int(series_no.max()) + 1) * span, dtype=bool)
    taken[series_no * span + month_no] = True  # a real report (lag 0) always wins
    limit = np.iinfo(np.int64).max if until is None else int(month_index(pd.Series([until])).iloc[0]) - first_month
    rows, target = [], []
    for k in range(1, catalog.carry_forward_months + 1):  # the nearest earlier report wins
        ok = np.flatnonzero(month_no + k <= limit)
        keys = series_no[ok] * span + month_no[ok] + k
        free = ~taken[keys]
        taken[keys[free]] = True
        rows.append(ok[free])
        target.append(month_no[ok[free]] + k + first_month)
    rows, target = np.concatenate(rows), np.concatenate(target)
    names = np.unique(target)
    text = pd.Series(names // 12).astype(str).str.zfill(4) + "-" + pd.Series(names % 12 + 1).astype(str).str.zfill(2)
    carried = stocks.iloc[rows].assign(carried=True)
    carried["period"] = pd.Series(text.to_numpy()[np.searchsorted(names, target)], index=carried.index,
                                  dtype=stocks["period"].dtype)
    return pd.concat([figures, carried], ignore_index=True)


def _rule_frame(catalog: Catalog) -> pd.DataFrame:
    ind = catalog.indicators
    rule = ind["rule"]
    source = rule.where(rule.str.startswith("source:"), "").str.removeprefix("source:")
    fallback = np.where(ind["role"].eq("need"), "max", "sum")
    base = rule.where(~rule.str.startswith("source:"), pd.Series(fallback, index=ind.index))
    return pd.DataFrame({"indicator": ind.index, "base_rule": base.values, "source": source.values})


def across_institutions(figures: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Step 3. One figure per indicator, place and month, with the range across institutions.

    Columns: indicator, ubigeo, period, value, carried, n_institutions, low, low_institution, high,
    high_institution, chosen_by (the rule applied).
    """
    cols = PLACE_MONTH + ["value", "carried", "n_institutions", "low", "low_institution", "high",
                          "high_institution", "chosen_by"]
    if figures.empty:
        return pd.DataFrame(columns=cols)
    # rows in institution order, so that within every group ties for lowest and highest go to the first
    # institution alphabetically whatever the input order (groups need not be contiguous for that)
    frame = figures.sort_values("institution", kind="stable").reset_index(drop=True)
    # the indicator's rule by lookup, not by a merge (a merge copies every text column of the frame again)
    # (through the few distinct indicators: a lookup per row of text is slow on a large frame)
    codes, indicators = pd.factorize(frame["indicator"])
    rules = _rule_frame(catalog).set_index("indicator").reindex(indicators)
    for col in ("base_rule", "source"):
        frame[col] = pd.Series(rules[col].to_numpy(dtype=object)[codes], index=frame.index).where(codes >= 0)
    frame["is_source"] = frame["institution"].eq(frame["source"])
    frame["source_value"] = frame["value"].where(frame["is_source"])
    grouped = frame.groupby(PLACE_MONTH, sort=False, observed=True)
    out = grouped.agg(total=("value", "sum"), high=("value", "max"), mean=("value", "mean"),
                      low=("value", "min"), n_institutions=("institution", "nunique"),
                      carried=("carried", "any"), source_value=("source_value", "max"),
                      base_rule=("base_rule", "first"), source=("source", "first"))
    hi = frame.loc[grouped["value"].idxmax(), PLACE_MONTH + ["institution"]].set_index(PLACE_MONTH)
    lo = frame.loc[grouped["value"].idxmin(), PLACE_MONTH + ["institution"]].set_index(PLACE_MONTH)
    out["high_institution"] = hi["institution"]
    out["low_institution"] = lo["institution"]
    by_rule = np.select([out["base_rule"].eq("sum"), out["base_rule"].eq("max"), out["base_rule"].eq("mean")],
                        [out["total"], out["high"], out["mean"]], default=np.nan)
    has_source = out["source_value"].notna()
    out["value"] = np.where(has_source, out["source_value"], by_rule)
    out["chosen_by"] = np.where(has_source, "source:" + out["source"], out["base_rule"])
    return out.reset_index()[cols]


def region_wide(figures: pd.DataFrame, territory: Territory) -> pd.DataFrame:
    """Per institution, its region-wide figure: its region report (ubigeo of the region) or, failing that,
    the sum of its district reports. Returned with ubigeo = the region's code."""
    region = territory.region_ubigeo
    own_region = figures[figures["ubigeo"].eq(region)]
    districts = figures[figures["ubigeo"].isin(territory.district_codes)]
    summed = districts.groupby(REPORT[:2] + ["period"], sort=False, observed=True).agg(
        value=("value", "sum"), carried=("carried", "any")).reset_index().assign(ubigeo=region)
    have_region = own_region.set_index(["institution", "indicator", "period"]).index
    summed = summed.loc[~summed.set_index(["institution", "indicator", "period"]).index.isin(have_region)]
    return pd.concat([own_region[REPORT + ["value", "carried"]], summed[REPORT + ["value", "carried"]]],
                     ignore_index=True)


def monthly_figures(values: pd.DataFrame, catalog: Catalog, territory: Territory,
                    until: str | None = None) -> pd.DataFrame:
    """Steps 1-3 for every month: district rows and one region-wide row per indicator and month."""
    figures, _ = report_figures(values)
    if until is None and not figures.empty:
        until = figures["period"].max()
    figures = carry_forward(figures, catalog, until)
    districts = figures[figures["ubigeo"].isin(territory.district_codes)]
    return pd.concat([across_institutions(districts, catalog),
                      across_institutions(region_wide(figures, territory), catalog)], ignore_index=True)
