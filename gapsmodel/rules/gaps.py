"""Steps 4 and 5 of DOMAIN.md §5: from monthly figures to gaps per period and place, and their severity.

For one gap, place and period, with N the need (need × target coverage, or the fixed target) and S the
supply, both in the gap's unit:

* ``coverage = S / N`` (a ratio, 1.0 = fully covered; may exceed 1);
* ``unmet = max(N − S, 0)`` (units of the gap: personas, camas, casos, ...);
* ``gap_share = unmet / N``;
* ``severity`` from coverage with the gap's thresholds (≥ adecuada, ≥ moderada, ≥ alta, else critica);
* ``sin_datos`` when N is missing or zero or S is missing: never 0, never full coverage.

Over a period, flows sum their months and stocks take the period's last month. A province or region pools
the districts that have both need and supply (coverage = ΣS / ΣN, unmet = Σ district unmet) and counts
those without; with no such district the region row uses the region-wide figures, otherwise sin_datos.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .catalog import NO_DATA, Catalog
from .periods import Period
from .publication import UNDETERMINED
from .territory import Territory

GAP_COLUMNS = ["gap_code", "sector", "period", "ubigeo", "level", "need", "supply", "coverage", "unmet",
               "gap_share", "severity", "no_data_districts", "basis", "carried", "months_in_period",
               "need_months", "supply_months", "need_low", "need_high", "need_low_institution",
               "need_high_institution", "need_institutions"]
CSV_COLUMNS = ["gap_code", "sector", "period", "ubigeo", "level", "need", "supply", "coverage", "unmet",
               "severity", "no_data_districts"]
SEVERITY_ORDER = {"critica": 0, "alta": 1, "moderada": 2, "adecuada": 3, UNDETERMINED: 4, NO_DATA: 5}


def severity(coverage: pd.Series, adecuada: pd.Series | float, moderada: pd.Series | float,
             alta: pd.Series | float) -> pd.Series:
    """Severity word for each coverage; NaN coverage gives ``sin_datos``."""
    out = np.select([coverage.isna(), coverage >= adecuada, coverage >= moderada, coverage >= alta],
                    [NO_DATA, "adecuada", "moderada", "alta"], default="critica")
    return pd.Series(out, index=coverage.index)


def _period_map(periods: list[Period]) -> pd.DataFrame:
    rows = [(p.code, m, m == p.end, len(p.months)) for p in periods for m in p.months]
    return pd.DataFrame(rows, columns=["period_code", "period", "is_last", "months_in_period"])


def period_figures(monthly: pd.DataFrame, catalog: Catalog, periods: list[Period]) -> pd.DataFrame:
    """Step 4: flows sum their months, stocks take the period's last month.

    Columns: indicator, ubigeo, period (the period code), value, carried, months (with data),
    low, high, low_institution, high_institution, n_institutions (of the last month for stocks).
    """
    pmap = _period_map(periods)
    # the period's months first: the merge then copies a few rows, not every month of the history
    frame = monthly[monthly["period"].isin(pmap["period"])].merge(pmap, on="period")
    time = frame["indicator"].map(catalog.indicators["time"])
    stocks = frame[time.eq("stock") & frame["is_last"]]
    flows = frame[time.eq("flow")].sort_values(["indicator", "ubigeo", "period"], kind="stable")
    keys = ["indicator", "ubigeo", "period_code"]
    flow_sum = flows.groupby(keys, sort=False, observed=True).agg(
        value=("value", "sum"), carried=("carried", "any"), months=("period", "nunique"),
        low=("low", "sum"), high=("high", "sum"), n_institutions=("n_institutions", "max"),
        low_institution=("low_institution", "last"), high_institution=("high_institution", "last"),
    ).reset_index()
    stock_last = stocks[keys + ["value", "carried", "low", "high", "n_institutions", "low_institution",
                                "high_institution"]].assign(months=1)
    out = pd.concat([flow_sum, stock_last], ignore_index=True)
    return out.rename(columns={"period_code": "period"})


def _gap_inputs(figures: pd.DataFrame, catalog: Catalog, places: list[str], periods: list[str]) -> pd.DataFrame:
    """One row per gap, place and period with the need and supply figures behind it."""
    gaps = catalog.gaps.reset_index().rename(columns={"code": "gap_code"})
    fig = figures.set_index(["indicator", "ubigeo", "period"])
    grid = pd.MultiIndex.from_product([gaps["gap_code"], places, periods],
                                      names=["gap_code", "ubigeo", "period"]).to_frame(index=False)
    grid = grid.merge(gaps, on="gap_code")
    supply = fig.reindex(pd.MultiIndex.from_arrays([grid["supply"], grid["ubigeo"], grid["period"]]))
    need = fig.reindex(pd.MultiIndex.from_arrays([grid["need"].replace("", None), grid["ubigeo"],
                                                  grid["period"]]))
    grid["supply_value"] = supply["value"].to_numpy()
    grid["supply_months"] = supply["months"].to_numpy()
    grid["need_raw"] = need["value"].to_numpy()
    grid["need_months"] = need["months"].to_numpy()
    grid["need_low"] = need["low"].to_numpy()
    grid["need_high"] = need["high"].to_numpy()
    grid["need_low_institution"] = need["low_institution"].to_numpy()
    grid["need_high_institution"] = need["high_institution"].to_numpy()
    grid["need_institutions"] = need["n_institutions"].to_numpy()
    grid["carried"] = supply["carried"].fillna(False).to_numpy(dtype=bool) | need["carried"].fillna(
        False).to_numpy(dtype=bool)
    return grid


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    valid = frame["need"].notna() & frame["need"].gt(0) & frame["supply"].notna()
    frame["coverage"] = (frame["supply"] / frame["need"]).where(valid)
    frame["severity"] = severity(frame["coverage"], frame["threshold_adecuada"], frame["threshold_moderada"],
                                 frame["threshold_alta"])
    frame["gap_share"] = (frame["unmet"] / frame["need"]).where(valid)
    frame["unmet"] = frame["unmet"].where(valid)
    return frame


def compute_gaps(monthly: pd.DataFrame, catalog: Catalog, territory: Territory,
                 periods: list[Period]) -> pd.DataFrame:
    """The gap table for every gap, period and place (districts, provinces, region): GAP_COLUMNS."""
    if monthly.empty or not periods:
        return pd.DataFrame(columns=GAP_COLUMNS)
    figures = period_figures(monthly, catalog, periods)
    all_periods = [p.code for p in periods]
    districts = territory.district_codes
    region = territory.region_ubigeo
    grid = _gap_inputs(figures, catalog, districts + [region], all_periods)
    fixed = grid["fixed_target_per_district"]
    n_districts = np.where(grid["ubigeo"].eq(region), len(districts), 1)
    grid["need"] = np.where(fixed.notna(), fixed * n_districts, grid["need_raw"] * grid["target_coverage"])
    grid["need"] = grid["need"].astype(float)
    grid["supply"] = grid["supply_value"].astype(float)
    grid["months_in_period"] = grid["period"].map({p.code: len(p.months) for p in periods})
    grid["unmet"] = (grid["need"] - grid["supply"]).clip(lower=0)

    dist = _finish(grid[grid["ubigeo"].isin(districts)].copy())
    dist["level"] = "district"
    dist["no_data_districts"] = np.where(dist["severity"].eq(NO_DATA), 1, 0)
    dist["basis"] = "district"

    with_data = dist[dist["severity"].ne(NO_DATA)].copy()
    dist_province = territory.districts["province_ubigeo"]
    with_data["province"] = with_data["ubigeo"].map(dist_province)
    pooled_cols = dict(need=("need", "sum"), supply=("supply", "sum"), unmet=("unmet", "sum"),
                       carried=("carried", "any"), n=("ubigeo", "nunique"))
    gap_attrs = grid.drop_duplicates("gap_code").set_index("gap_code")[
        ["sector", "threshold_adecuada", "threshold_moderada", "threshold_alta"]]

    def pooled(frame: pd.DataFrame, area_col: str, areas: pd.Series, level: str) -> pd.DataFrame:
        total = pd.MultiIndex.from_product([catalog.gaps.index, areas.index, all_periods],
                                           names=["gap_code", "ubigeo", "period"])
        agg = frame.groupby(["gap_code", area_col, "period"], observed=True).agg(**pooled_cols)
        agg.index = agg.index.set_names(["gap_code", "ubigeo", "period"])
        agg = agg.reindex(total).reset_index()
        agg["no_data_districts"] = agg["ubigeo"].map(areas) - agg["n"].fillna(0).astype(int)
        agg["level"] = level
        agg["basis"] = np.where(agg["n"].notna(), "districts", "")
        return agg.join(gap_attrs, on="gap_code")

    province_sizes = dist_province.value_counts()
    provinces = pooled(with_data, "province", province_sizes, "province")
    provinces["unmet"] = provinces["unmet"].where(provinces["n"].notna())
    provinces = _finish(provinces)

    with_data["region"] = region
    regions = pooled(with_data, "region", pd.Series({region: len(districts)}), "region")
    fallback = grid[grid["ubigeo"].eq(region)].set_index(["gap_code", "ubigeo", "period"])
    regions = regions.set_index(["gap_code", "ubigeo", "period"])
    use_fallback = regions["n"].isna()
    for col in ("need", "supply", "unmet", "carried"):
        regions[col] = regions[col].where(~use_fallback, fallback[col].reindex(regions.index))
    regions["basis"] = np.where(use_fallback, "region_report", "districts")
    regions = _finish(regions.reset_index())
    regions.loc[regions["severity"].eq(NO_DATA), "basis"] = ""
    region_need = fallback[["need_low", "need_high", "need_low_institution", "need_high_institution",
                            "need_institutions", "need_months", "supply_months"]]
    regions = regions.join(region_need, on=["gap_code", "ubigeo", "period"])
    for frame in (provinces, regions):
        frame["months_in_period"] = frame["period"].map({p.code: len(p.months) for p in periods})
    out = pd.concat([dist, provinces, regions], ignore_index=True)
    out["no_data_districts"] = out["no_data_districts"].astype(int)
    out["carried"] = out["carried"].fillna(False).astype(bool)
    return out.reindex(columns=GAP_COLUMNS)


def sector_summary(gap_table: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """One row per sector, period and place: pooled coverage when the sector's gaps share a unit,
    otherwise no pooled coverage; always the worst severity and the unmet need per unit."""
    frame = gap_table.assign(unit=gap_table["gap_code"].map(catalog.gaps["unit"]))
    keys = ["sector", "period", "ubigeo", "level"]
    frame["rank"] = frame["severity"].map(SEVERITY_ORDER)
    frame["no_data"] = frame["severity"].eq(NO_DATA)
    valid = frame[~frame["no_data"]]
    agg = valid.groupby(keys, observed=True).agg(need=("need", "sum"), supply=("supply", "sum"),
                                                 unmet=("unmet", "sum"), units=("unit", "nunique"))
    worst = frame.groupby(keys, observed=True).agg(rank=("rank", "min"), gaps=("gap_code", "nunique"),
                                                   gaps_no_data=("no_data", "sum"),
                                                   units_all=("unit", "nunique"))
    out = worst.join(agg)
    out["worst_severity"] = out["rank"].map({v: k for k, v in SEVERITY_ORDER.items()})
    shared_unit = out["units_all"].eq(1)
    out["coverage"] = (out["supply"] / out["need"]).where(shared_unit & out["need"].gt(0))
    out["unit"] = frame.groupby(keys, observed=True)["unit"].first().where(shared_unit)
    return out.reset_index().drop(columns=["rank", "units"])
