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


# Integer keys. The key columns are text; grouping, sorting and matching on them row by row is what made
# steps 1-3 slow on large stores, so the steps below work on integer codes of them and turn back to text
# only for their (much smaller) results.
Codes = dict[str, tuple[np.ndarray, pd.Index]]


def factorised(frame: pd.DataFrame, columns: list[str]) -> Codes:
    """Each text column as integer codes (-1 where missing) and its distinct values: work out once, and
    pass to the steps that group or match on the same columns of the same frame."""
    return {col: pd.factorize(frame[col]) for col in columns}


def _with_rows_appended(codes: Codes, frame: pd.DataFrame, start: int) -> Codes:
    """``codes`` of the first ``start`` rows of ``frame``, extended to all its rows: only the rows from
    ``start`` on are looked up, and values first seen there get new codes."""
    extended = {}
    for col, (column, distinct) in codes.items():
        added = frame[col].iloc[start:]
        distinct = distinct.append(pd.Index(added.dropna().unique()).difference(distinct, sort=False))
        extended[col] = (np.concatenate([column, distinct.get_indexer(added)]), distinct)
    return extended


def _rows_where(codes: tuple[np.ndarray, pd.Index], test) -> np.ndarray:
    """Rows whose value passes ``test`` (run on the distinct values only); a missing value never does."""
    column, distinct = codes
    return np.append(np.asarray(test(distinct), dtype=bool), False)[column]  # code -1 picks the False


def _key_codes(frame: pd.DataFrame, columns: list[str], codes: Codes | None = None
               ) -> tuple[np.ndarray, list[pd.Index]]:
    """One int64 per row for its combination of ``columns`` (-1 where one of them is missing), and each
    column's distinct values. Grouping and matching on one integer is much faster than on several text
    columns (each text column is factorised once, and no text is copied row by row)."""
    codes = codes or factorised(frame, columns)
    key = np.zeros(len(frame), dtype=np.int64)
    missing = np.zeros(len(frame), dtype=bool)
    uniques = []
    for col in columns:
        codes_of_col, distinct = codes[col]
        key = key * max(len(distinct), 1) + codes_of_col
        missing |= codes_of_col < 0
        uniques.append(distinct)
    key[missing] = -1
    return key, uniques


def _key_frame(keys: np.ndarray, uniques: list[pd.Index], columns: list[str]) -> pd.DataFrame:
    """The text columns back from the keys of ``_key_codes`` (one row per key)."""
    out = {}
    for col, distinct in zip(reversed(columns), reversed(uniques)):
        keys, codes = np.divmod(keys, max(len(distinct), 1))
        out[col] = distinct.take(codes)
    return pd.DataFrame({col: out[col] for col in columns})


def _groups(key: np.ndarray) -> tuple[pd.Categorical, np.ndarray]:
    """Group of each row, numbered in order of first appearance (as ``groupby(sort=False)`` orders them;
    a missing key is no group, as groupby drops it), and the key of each group. The groups are returned as
    a categorical of those numbers: pandas then groups on the numbers as they are, without hashing again."""
    group = np.full(len(key), -1, dtype=np.int64)
    present = key >= 0
    group[present], group_keys = pd.factorize(key[present])
    return pd.Categorical.from_codes(group, categories=pd.RangeIndex(len(group_keys))), np.asarray(group_keys)


# the label of each breakdown pattern (one bit per dimension): '' for a total row, 'sex', 'age', 'sex+age', ...
_BREAKDOWN_LABELS = np.array(["+".join(d for i, d in enumerate(DIMENSIONS) if pattern >> i & 1)
                              for pattern in range(2 ** len(DIMENSIONS))], dtype=object)


def _breakdown(values: pd.DataFrame) -> np.ndarray:
    """Which dimensions each row breaks down, as a bit pattern (0 for a total row; labels in
    _BREAKDOWN_LABELS): no string work per row."""
    bits = np.zeros(len(values), dtype=np.int64)
    for i, dim in enumerate(DIMENSIONS):
        bits |= values[dim].ne("total").fillna(True).to_numpy(dtype=bool).astype(np.int64) << i
    return bits


def report_figures(values: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Step 1. Return (figures, disagreements).

    figures: one row per REPORT key with ``value``, ``from_parts`` and ``uploaded_at`` (latest of its rows).
    disagreements: reports whose total differs from the sum of one of its breakdowns.
    """
    if values.empty:
        cols = REPORT + ["value", "from_parts", "uploaded_at"]
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=REPORT + ["breakdown", "total", "parts_sum"])
    breakdown = _breakdown(values)
    is_total = breakdown == 0
    totals = values.loc[is_total, REPORT + ["value", "uploaded_at"]].assign(from_parts=False)
    # the breakdown as a text column of the part rows only (one for every total row is slow to make)
    labels = pd.Series(_BREAKDOWN_LABELS[breakdown[~is_total]], index=values.index[~is_total], dtype=object)
    parts = values.loc[~is_total].assign(breakdown=labels)
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


def carry_forward(figures: pd.DataFrame, catalog: Catalog, until: str | None = None,
                  codes: Codes | None = None) -> pd.DataFrame:
    """Step 2. Add carried rows for stock indicators (after the rows of ``figures``); flags: ``carried`` and
    ``carried_from``. ``codes``: ``factorised(figures, REPORT)`` if the caller has it already."""
    figures = figures.assign(carried=False, carried_from=figures["period"])
    codes = codes or factorised(figures, REPORT)
    stock_codes = catalog.indicators.index[catalog.indicators["time"].eq("stock")]
    stock_rows = np.flatnonzero(_rows_where(codes["indicator"], lambda indicators: indicators.isin(stock_codes)))
    if len(stock_rows) == 0 or catalog.carry_forward_months <= 0:
        return figures
    # Integer keys instead of text: a series (institution, indicator, place) and its month number. A carried
    # row's key is its series and month + k; only stock rows can share such a key. (Keys are taken for the
    # stock rows by position: copying the text columns of every stock row costs more than all of this.)
    month_codes, months = codes["period"]
    month_no = month_index(pd.Series(months)).to_numpy()[month_codes[stock_rows]]
    first_month = int(month_no.min())
    month_no = month_no - first_month
    series_no = _groups(_key_codes(figures, REPORT[:3], codes)[0][stock_rows])[0].codes.astype(np.int64)
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
    carried = figures.iloc[stock_rows[rows]].assign(carried=True)
    carried["period"] = pd.Series(text.to_numpy()[np.searchsorted(names, target)], index=carried.index,
                                  dtype=figures["period"].dtype)
    return pd.concat([figures, carried], ignore_index=True)


def _rule_frame(catalog: Catalog) -> pd.DataFrame:
    ind = catalog.indicators
    rule = ind["rule"]
    source = rule.where(rule.str.startswith("source:"), "").str.removeprefix("source:")
    fallback = np.where(ind["role"].eq("need"), "max", "sum")
    base = rule.where(~rule.str.startswith("source:"), pd.Series(fallback, index=ind.index))
    return pd.DataFrame({"indicator": ind.index, "base_rule": base.values, "source": source.values})


def across_institutions(figures: pd.DataFrame, catalog: Catalog, codes: Codes | None = None) -> pd.DataFrame:
    """Step 3. One figure per indicator, place and month, with the range across institutions.

    Columns: indicator, ubigeo, period, value, carried, n_institutions, low, low_institution, high,
    high_institution, chosen_by (the rule applied). ``codes``: ``factorised(figures, REPORT)`` if the
    caller has it already.
    """
    cols = PLACE_MONTH + ["value", "carried", "n_institutions", "low", "low_institution", "high",
                          "high_institution", "chosen_by"]
    if figures.empty:
        return pd.DataFrame(columns=cols)
    # rows in institution order, so that within every group ties for lowest and highest go to the first
    # institution alphabetically whatever the input order; groups come in order of first appearance.
    # Only integer codes and numbers are reordered: the text columns are never copied.
    codes = codes or factorised(figures, REPORT)
    institution, institutions = codes["institution"]
    institutions = institutions.sort_values()  # codes renumbered alphabetically; a missing one sorts last
    institution = np.append(institutions.get_indexer(codes["institution"][1]), len(institutions))[institution]
    order = np.argsort(institution, kind="stable")
    institution = institution[order]
    place_month, uniques = _key_codes(figures, PLACE_MONTH, codes)
    group, group_keys = _groups(place_month[order])
    if len(group_keys) == 0:  # no row with indicator, place and month all known
        return pd.DataFrame(columns=cols)
    out = _key_frame(group_keys, uniques, PLACE_MONTH)
    # the indicator's rule, looked up for the few distinct indicators and spread to the groups
    indicator, indicators = pd.factorize(out["indicator"])
    rules = _rule_frame(catalog).set_index("indicator").reindex(indicators)
    base_rule = rules["base_rule"].to_numpy(dtype=object)[indicator]
    source = rules["source"].fillna("").to_numpy(dtype=object)[indicator]
    # the source institution's own figure: rows whose institution is their group's source
    source_of_group = institutions.get_indexer(rules["source"].fillna(""))[indicator]
    source_of_row = source_of_group[np.maximum(group.codes, 0)]
    value = pd.Series(figures["value"].to_numpy(dtype=float)[order])
    rows = pd.DataFrame({"value": value, "carried": figures["carried"].to_numpy(dtype=bool)[order],
                         "source_value": value.where(source_of_row == institution)})
    grouped = rows.groupby(group, observed=True)
    stats = grouped.agg(total=("value", "sum"), high=("value", "max"), mean=("value", "mean"),
                        low=("value", "min"), carried=("carried", "any"), source_value=("source_value", "max"))
    # institutions per group: mark (group, institution) pairs in a small table, then count (no hashing)
    present = group.codes >= 0
    reported = np.zeros((len(group_keys), len(institutions) + 1), dtype=bool)
    reported[group.codes[present], institution[present]] = True
    name = institutions.append(pd.Index([np.nan], dtype=institutions.dtype)).array  # code → text (last: missing)
    out["carried"] = stats["carried"].to_numpy()
    out["n_institutions"] = reported[:, :len(institutions)].sum(axis=1)
    out["low"] = stats["low"].to_numpy()
    out["low_institution"] = name.take(institution[grouped["value"].idxmin().to_numpy()])
    out["high"] = stats["high"].to_numpy()
    out["high_institution"] = name.take(institution[grouped["value"].idxmax().to_numpy()])
    by_rule = np.select([base_rule == "sum", base_rule == "max", base_rule == "mean"],
                        [stats["total"], stats["high"], stats["mean"]], default=np.nan)
    has_source = stats["source_value"].notna().to_numpy()
    out["value"] = np.where(has_source, stats["source_value"], by_rule)
    out["chosen_by"] = pd.array(np.where(has_source, "source:" + source, base_rule), dtype="str")
    return out[cols]


def region_wide(figures: pd.DataFrame, territory: Territory, codes: Codes | None = None) -> pd.DataFrame:
    """Per institution, its region-wide figure: its region report (ubigeo of the region) or, failing that,
    the sum of its district reports. Returned with ubigeo = the region's code. ``codes``:
    ``factorised(figures, REPORT)`` if the caller has it already."""
    region = territory.region_ubigeo
    codes = codes or factorised(figures, REPORT)
    in_region = _rows_where(codes["ubigeo"], lambda ubigeos: ubigeos == region)
    in_district = _rows_where(codes["ubigeo"], lambda ubigeos: ubigeos.isin(territory.district_codes))
    series_month = ["institution", "indicator", "period"]
    key, uniques = _key_codes(figures, series_month, codes)
    # sums of district reports, only where the institution sent no region report for that month
    summed_key = np.where(in_district & ~np.isin(key, key[in_region]), key, -1)
    group, group_keys = _groups(summed_key)
    rows = pd.DataFrame({"value": figures["value"].to_numpy(dtype=float),
                         "carried": figures["carried"].to_numpy(dtype=bool)})
    sums = rows.groupby(group, observed=True).agg(value=("value", "sum"), carried=("carried", "any"))
    summed = _key_frame(group_keys, uniques, series_month).assign(
        ubigeo=pd.array([region] * len(group_keys), dtype=figures["ubigeo"].dtype),
        value=sums["value"].to_numpy(), carried=sums["carried"].to_numpy())
    own_region = figures.loc[in_region, REPORT + ["value", "carried"]]
    return pd.concat([own_region, summed[REPORT + ["value", "carried"]]], ignore_index=True)


def monthly_figures(values: pd.DataFrame, catalog: Catalog, territory: Territory,
                    until: str | None = None) -> pd.DataFrame:
    """Steps 1-3 for every month: district rows and one region-wide row per indicator and month."""
    figures, _ = report_figures(values)
    if until is None and not figures.empty:
        until = figures["period"].max()
    # each key column factorised once, for steps 2 and 3 (carried rows come after the others and are the
    # only ones looked up again)
    codes = factorised(figures, REPORT)
    reported = len(figures)
    figures = carry_forward(figures, catalog, until, codes)[REPORT + ["value", "carried"]]
    codes = _with_rows_appended(codes, figures, reported)
    # combined over every place, then the district rows kept: filtering the (much smaller) result is
    # cheaper than copying the text columns of a million figures (the region's own reports are combined
    # from region_wide instead, with each institution's sum of districts where it sent none)
    by_place = across_institutions(figures, catalog, codes)
    districts = by_place[by_place["ubigeo"].isin(territory.district_codes)]
    return pd.concat([districts, across_institutions(region_wide(figures, territory, codes), catalog)],
                     ignore_index=True)
