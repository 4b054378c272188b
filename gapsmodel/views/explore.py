"""Exploring the gaps: the shared filter state and the figures behind the analysis pages.

Pure functions (no Streamlit). Units: ``value``, ``need``, ``supply`` and ``unmet`` keep the unit of their
indicator or gap (personas, camas, casos, ...); ``coverage`` and ``completeness`` are ratios (1.0 = 100 %).

* :class:`Filters` is the state shared by the pages (period, sector, gap, place, sex, age group), read from
  and written to URL query parameters (:func:`parse_filters`, :meth:`Filters.to_params`), every value
  validated against the catalog, the territory and the data.
* :func:`contributions`: which institutions report the need and the supply of a gap at a place and period,
  each one's figure, and how the catalog rule (``max``, ``sum``, ``mean``, ``source:<inst>``) combined them;
  carried-forward stocks (*dato arrastrado*) and missing reports marked as such.
* :func:`disaggregation`: the parts by sex or age group institutions sent for a gap's indicators.
* :func:`changes`: what changed most between two gap tables (two periods or two sessions).
* :func:`completeness_matrix`, :func:`missing_reports`, :func:`flagged_outliers`: data quality views.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..rules.catalog import NO_DATA, Catalog
from ..rules.validation_rules import evaluate as evaluate_rules
from ..rules.combine import REPORT, carry_forward, region_wide, report_figures
from ..rules.gaps import SEVERITY_ORDER
from ..rules.periods import KINDS, Period, PeriodError, parse_period
from ..rules.quality import completeness, outliers
from ..rules.territory import Territory

SESSION = "session"
PERIOD_KINDS = KINDS + (SESSION,)          # month, quarter, year, or "as of a session"
SEXES = ("total", "mujer", "hombre")
AGES = ("total", "0-17", "18-59", "60+")
DIMENSIONS = ("sex", "age")
# Filters field -> URL query parameter
PARAMS = {"period": "period", "session": "session", "sector": "sector", "gap": "gap", "province": "prov",
          "district": "dist", "sex": "sex", "age": "age"}
ROLES = ("need", "supply")
STATUS_REPORTED, STATUS_CARRIED, STATUS_MISSING = "reported", "carried", "missing"
STATUS_REGION_ONLY = "region_only"   # reported for the region as a whole, not for this area's districts


# --- the filter state ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filters:
    """What the analyst is looking at. Empty strings mean "all" (sector, gap) or "the region" (place).

    ``kind`` is ``month``, ``quarter``, ``year`` or ``session``; for ``session`` the period is the one the
    table looked at in that session (``session`` holds the session's date, ISO ``YYYY-MM-DD``), otherwise
    ``period`` holds a period code (``2024-05``, ``2024-Q2``, ``2024``).
    """
    kind: str = "month"
    period: str = ""
    session: str = ""
    sector: str = ""
    gap: str = ""
    province: str = ""
    district: str = ""
    sex: str = "total"
    age: str = "total"

    def place(self, territory: Territory) -> str:
        """The selected area: the district, else the province, else the region."""
        return self.district or self.province or territory.region_ubigeo

    def with_(self, **changes) -> "Filters":
        return replace(self, **changes)

    def to_params(self) -> dict[str, str]:
        """Query parameters for this state (defaults left out, so links stay short)."""
        values = asdict(self)
        out = {}
        if self.kind == SESSION:
            if self.session:
                out["session"] = self.session
        elif self.period:
            out["period"] = self.period
        for field in ("sector", "gap", "province", "district"):
            if values[field]:
                out[PARAMS[field]] = values[field]
        for field in DIMENSIONS:
            if values[field] != "total":
                out[PARAMS[field]] = values[field]
        return out


def _parent_and_child(parent: str, child: str, parents, parent_of: pd.Series) -> tuple[str, str]:
    """A link's parent and child filter (sector and gap, province and district): unknown codes are dropped,
    a child implies its parent, and a child of another parent than the one asked for is dropped."""
    parent = parent if parent in parents else ""
    if child not in parent_of.index:
        return parent, ""
    owner = str(parent_of[child])
    if parent and parent != owner:
        return parent, ""
    return owner, child


def _first(params: Mapping, name: str) -> str:
    value = params.get(name, "")
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return str(value).strip() if value is not None else ""


def parse_filters(params: Mapping, catalog: Catalog, territory: Territory,
                  session_dates: Sequence[date] = (), months: tuple[str, str] | None = None) -> Filters:
    """The filter state from URL query parameters; anything unknown or inconsistent is dropped, never raised.

    ``months`` = (first, last) month with data: a period outside it is dropped. A gap implies its sector
    and a district its province; a gap of another sector, or a district of another province, is dropped.
    """
    f = Filters()
    session = _first(params, PARAMS["session"])
    if session:
        try:
            day = date.fromisoformat(session)
        except ValueError:
            day = None
        if day is not None and day in set(session_dates):
            f = f.with_(kind=SESSION, session=day.isoformat())
    period = _first(params, PARAMS["period"])
    if f.kind != SESSION and period:
        try:
            p = parse_period(period)
        except PeriodError:
            p = None
        if p is not None and (months is None or (p.end >= months[0] and p.start <= months[1])):
            f = f.with_(kind=p.kind, period=p.code)
    sector = _first(params, PARAMS["sector"])
    gap = _first(params, PARAMS["gap"])
    sector, gap = _parent_and_child(sector, gap, catalog.sectors.index, catalog.gaps["sector"])
    province = _first(params, PARAMS["province"])
    district = _first(params, PARAMS["district"])
    province, district = _parent_and_child(province, district, territory.provinces.index,
                                           territory.districts["province_ubigeo"])
    sex = _first(params, PARAMS["sex"])
    age = _first(params, PARAMS["age"])
    return f.with_(sector=sector, gap=gap, province=province, district=district,
                   sex=sex if sex in SEXES else "total", age=age if age in AGES else "total")


def gaps_of(catalog: Catalog, sector: str = "") -> list[str]:
    """Gap codes of a sector (all gaps when ``sector`` is empty), in catalog order."""
    gaps = catalog.gaps
    codes = list(gaps.index if not sector else gaps.index[gaps["sector"].eq(sector)])
    order = catalog.sectors["order"] if "order" in catalog.sectors else pd.Series(range(len(catalog.sectors)),
                                                                                      index=catalog.sectors.index)
    return sorted(codes, key=lambda g: (order.get(gaps.at[g, "sector"], 99), codes.index(g)))


def selected_gaps(filters: Filters, catalog: Catalog) -> list[str]:
    return [filters.gap] if filters.gap else gaps_of(catalog, filters.sector)


def area_districts(ubigeo: str, territory: Territory) -> list[str]:
    """The districts inside an area (a district is its own only one)."""
    if ubigeo in territory.districts.index:
        return [ubigeo]
    if ubigeo in territory.provinces.index:
        return list(territory.districts.index[territory.districts["province_ubigeo"].eq(ubigeo)])
    return territory.district_codes


def filter_gaps(table: pd.DataFrame, filters: Filters, catalog: Catalog, territory: Territory,
                with_districts: bool = True) -> pd.DataFrame:
    """Rows of a gap table for the selected gaps, at the selected area and (optionally) its districts."""
    place = filters.place(territory)
    places = {place} | (set(area_districts(place, territory)) if with_districts else set())
    rows = table[table["gap_code"].isin(selected_gaps(filters, catalog)) & table["ubigeo"].isin(places)]
    return rows.reset_index(drop=True)


def data_dimensions(values: pd.DataFrame) -> dict[str, list[str]]:
    """For sex and age: the groups the data actually has besides ``total`` (empty list: none)."""
    out = {}
    for dim, allowed in (("sex", SEXES), ("age", AGES)):
        present = set(values[dim].dropna().unique().tolist()) if dim in values and not values.empty else set()
        out[dim] = [g for g in allowed if g != "total" and g in present]
    return out


# --- per-institution figures -------------------------------------------------------------------------
def institution_figures(values: pd.DataFrame, catalog: Catalog, territory: Territory) -> pd.DataFrame:
    """Steps 1-2 of the combination for each institution: one figure per institution, indicator, place
    and month, stocks carried forward (``carried`` True, ``carried_from`` the month reported), plus each
    institution's region-wide figure (its region report, or the sum of its district reports).

    Columns: institution, indicator, ubigeo, period, value, carried, carried_from, from_parts, scope
    (``district``; for region rows ``region_report`` when the institution sent a region-wide figure, else
    ``region_sum``).
    """
    cols = REPORT + ["value", "carried", "carried_from", "from_parts", "scope"]
    if values.empty:
        return pd.DataFrame(columns=cols)
    figures, _ = report_figures(values)
    figures = carry_forward(figures, catalog, values["period"].max())
    districts = figures[figures["ubigeo"].isin(territory.district_codes)]
    region = region_wide(figures, territory)
    own = figures[figures["ubigeo"].eq(territory.region_ubigeo)].set_index(REPORT)
    region = region.join(own[["carried_from", "from_parts"]].assign(scope="region_report"), on=REPORT)
    region["scope"] = region["scope"].fillna("region_sum")
    districts = districts.assign(scope="district")
    region["carried_from"] = region["carried_from"].fillna(region["period"])
    region["from_parts"] = region["from_parts"].astype("boolean").fillna(False).astype(bool)
    out = pd.concat([districts[cols], region[cols]], ignore_index=True)
    out["carried"] = out["carried"].astype(bool)
    return out


def _period_value(frame: pd.DataFrame, time: str, period: Period, keys: list[str]) -> pd.DataFrame:
    """Flows sum their months, stocks take the period's last month (DOMAIN.md §5 step 4)."""
    if time == "stock":
        last = frame[frame["period"].eq(period.end)]
        return last.groupby(keys, observed=True).agg(
            value=("value", "sum"), carried=("carried", "any"), carried_from=("carried_from", "max"),
            months=("period", "nunique")).reset_index()
    return frame.groupby(keys, observed=True).agg(
        value=("value", "sum"), carried=("carried", "any"), carried_from=("carried_from", "max"),
        months=("period", "nunique")).reset_index()


def contributions(figures: pd.DataFrame, monthly: pd.DataFrame, catalog: Catalog, territory: Territory,
                  gap: str, ubigeo: str, period: Period) -> pd.DataFrame:
    """Who contributes to a gap's need and supply at ``ubigeo`` over ``period``, and how the rule combined them.

    ``figures``: :func:`institution_figures`; ``monthly``: the snapshot's monthly figures (steps 1-3).
    One row per role (need, supply) and institution, with:

    * ``value``: the institution's own figure for the period (flows: sum of its months; stocks: the
      period's last month, possibly carried forward), in the indicator's unit; for a province or the
      region, the sum of its district figures (the region: its region-wide figure);
    * ``status``: ``reported``, ``carried`` (a stock standing in from ``carried_from``), ``region_only``
      (an institution obliged to report it that sent only a region-wide figure) or ``missing`` (obliged,
      and sent nothing for the period);
    * ``months``: months of the period it reported (or carried);
    * ``rule``: the indicator's rule in the catalog; ``combined``: the figure the rule produced for the
      place (district: its rule result; province or region: the sum of the district results; when no
      district has a figure, the region-wide result), the same on every row of a role;
    * ``chosen``: for ``max``/``source:`` rules, True on the institution whose figure was taken in the
      period's last month with data (for a province or the region: in at least one of its districts);
      for ``sum``/``mean`` every reporting institution counts.
    """
    cols = ["role", "indicator", "institution", "value", "status", "carried_from", "months", "rule", "combined",
            "chosen", "unit"]
    if gap not in catalog.gaps.index:
        raise ValueError(f"unknown gap '{gap}'; allowed: {sorted(catalog.gaps.index)}")
    row = catalog.gaps.loc[gap]
    months = period.months
    districts = area_districts(ubigeo, territory)
    out = []
    for role in ROLES:
        indicator = row[role] if role == "supply" else (row["need"] or "")
        if not indicator:
            continue
        info = catalog.indicators.loc[indicator]
        mine = figures[figures["indicator"].eq(indicator) & figures["period"].isin(months)]
        month_rows = monthly[monthly["indicator"].eq(indicator) & monthly["period"].isin(months)]
        if ubigeo == territory.region_ubigeo:
            place_rows = mine[mine["ubigeo"].eq(ubigeo)]
        else:
            place_rows = mine[mine["ubigeo"].isin(districts)]
        if place_rows.empty:
            per_inst = pd.DataFrame(columns=["institution", "value", "carried", "carried_from", "months"])
        else:
            per_inst = _period_value(place_rows, info["time"], period, ["institution"])
        # what the rule produced
        dist_rows = month_rows[month_rows["ubigeo"].isin(districts)]
        if dist_rows.empty and ubigeo == territory.region_ubigeo:
            dist_rows = month_rows[month_rows["ubigeo"].eq(ubigeo)]
        if dist_rows.empty:
            combined = np.nan
        elif info["time"] == "stock":
            last = dist_rows[dist_rows["period"].eq(period.end)]
            combined = float(last["value"].sum()) if not last.empty else np.nan
        else:
            combined = float(dist_rows["value"].sum())
        rule = str(info["rule"])
        chosen = set()
        if not dist_rows.empty and (rule == "max" or rule.startswith("source:")):
            last_month = dist_rows["period"].max()
            at_last = dist_rows[dist_rows["period"].eq(last_month)]
            if rule.startswith("source:") and (at_last["chosen_by"].astype(str) == rule).any():
                chosen = {rule.split(":", 1)[1]}
            else:
                chosen = set(at_last["high_institution"].dropna().astype(str))
        per_inst = per_inst.assign(status=np.where(per_inst["carried"].astype(bool) & (
            info["time"] == "stock"), STATUS_CARRIED, STATUS_REPORTED))
        obliged = set(catalog.obligations.loc[catalog.obligations["indicator"].eq(indicator), "institution"])
        missing = sorted(obliged - set(per_inst["institution"]))
        if missing:
            at_region = set(mine.loc[mine["scope"].eq("region_report"), "institution"])
            per_inst = pd.concat([per_inst, pd.DataFrame({
                "institution": missing, "value": np.nan, "carried": False, "carried_from": None, "months": 0,
                "status": [STATUS_REGION_ONLY if i in at_region else STATUS_MISSING for i in missing]})],
                ignore_index=True)
        per_inst["role"] = role
        per_inst["indicator"] = indicator
        per_inst["rule"] = rule
        per_inst["combined"] = combined
        if rule in ("sum", "mean"):
            per_inst["chosen"] = per_inst["status"].isin([STATUS_REPORTED, STATUS_CARRIED])
        else:
            per_inst["chosen"] = per_inst["institution"].isin(chosen)
        per_inst["unit"] = str(info["unit"])
        per_inst["carried_from"] = per_inst["carried_from"].where(per_inst["status"].eq(STATUS_CARRIED), None)
        out.append(per_inst)
    if not out:
        return pd.DataFrame(columns=cols)
    frame = pd.concat(out, ignore_index=True)[cols]
    frame["months"] = frame["months"].fillna(0).astype(int)
    order = {STATUS_REPORTED: 0, STATUS_CARRIED: 1, STATUS_REGION_ONLY: 2, STATUS_MISSING: 3}
    frame = frame.assign(_r=frame["role"].map({"need": 0, "supply": 1}), _s=frame["status"].map(order))
    frame = frame.sort_values(["_r", "_s", "value", "institution"], ascending=[True, True, False, True])
    return frame.drop(columns=["_r", "_s"]).reset_index(drop=True)


def reporters(figures: pd.DataFrame, catalog: Catalog, territory: Territory, gap: str,
              period: Period) -> pd.Series:
    """Per district (and the region), the institutions that reported (not carried) the gap's need or
    supply in the period, as a sorted list."""
    row = catalog.gaps.loc[gap]
    indicators = [i for i in (row["need"], row["supply"]) if i]
    rows = figures[figures["indicator"].isin(indicators) & figures["period"].isin(period.months)
                   & ~figures["carried"].astype(bool)]
    places = territory.district_codes + [territory.region_ubigeo]
    grouped = rows.groupby("ubigeo")["institution"].agg(lambda s: sorted(set(s)))
    return pd.Series({p: grouped.get(p, []) for p in places}, dtype=object)


def disaggregation(values: pd.DataFrame, catalog: Catalog, territory: Territory, indicators: Sequence[str],
                   ubigeo: str, period: Period, dimension: str = "sex") -> pd.DataFrame:
    """The parts by ``dimension`` (sex or age) institutions reported for ``indicators`` in the area.

    One row per indicator, institution and group: ``value`` (flows: sum over the period's months; stocks:
    the period's last month; parts are never carried forward), ``total`` (the same institution's total
    row for those months and places, when it sent one), ``share`` = value / sum of the groups.
    Only rows whose other dimensions are ``total`` count, so groups of one dimension add up.
    """
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension '{dimension}'; allowed: {DIMENSIONS}")
    cols = ["indicator", "institution", "group", "value", "total", "share", "unit"]
    if values.empty:
        return pd.DataFrame(columns=cols)
    others = [d for d in ("sex", "age", "nationality") if d != dimension]
    places = {ubigeo} if ubigeo == territory.region_ubigeo else set()
    places |= set(area_districts(ubigeo, territory))
    rows = values[values["indicator"].isin(list(indicators)) & values["ubigeo"].isin(places)
                  & values["period"].isin(period.months)]
    for other in others:
        rows = rows[rows[other].eq("total")]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    time = rows["indicator"].map(catalog.indicators["time"])
    rows = rows[time.eq("flow") | rows["period"].eq(period.end)]
    parts = rows[rows[dimension].ne("total")]
    if parts.empty:
        return pd.DataFrame(columns=cols)
    totals = rows[rows[dimension].eq("total")]
    keys = ["indicator", "institution"]
    grouped = parts.groupby(keys + [dimension], observed=True)["value"].sum().reset_index()
    grouped = grouped.rename(columns={dimension: "group"})
    # the total row over the same places and months as the parts
    part_keys = parts[keys + ["ubigeo", "period"]].drop_duplicates()
    matched = totals.merge(part_keys, on=keys + ["ubigeo", "period"])
    total = matched.groupby(keys, observed=True)["value"].sum()
    has_total = matched.groupby(keys, observed=True).size()
    grouped["total"] = [total.get((i, n), np.nan) if has_total.get((i, n), 0) else np.nan
                        for i, n in zip(grouped["indicator"], grouped["institution"])]
    group_sum = grouped.groupby(keys, observed=True)["value"].transform("sum")
    grouped["share"] = (grouped["value"] / group_sum).where(group_sum > 0)
    grouped["unit"] = grouped["indicator"].map(catalog.indicators["unit"])
    allowed = SEXES if dimension == "sex" else AGES
    grouped["_o"] = grouped["group"].map({g: i for i, g in enumerate(allowed)}).fillna(99)
    return grouped.sort_values(keys + ["_o"]).drop(columns="_o").reset_index(drop=True)[cols]


def filter_values(values: pd.DataFrame, filters: Filters, catalog: Catalog, territory: Territory,
                  period: Period) -> pd.DataFrame:
    """The stored values behind the current view: the selected gaps' indicators, area, months, and group.

    A sex or age filter other than ``total`` keeps only the rows of that group; ``total`` keeps them all.
    """
    if values.empty:
        return values
    gaps = catalog.gaps.loc[selected_gaps(filters, catalog)]
    indicators = set(gaps["supply"]) | set(gaps["need"][gaps["need"].ne("")])
    place = filters.place(territory)
    places = set(area_districts(place, territory)) | ({place} if place == territory.region_ubigeo else set())
    rows = values[values["indicator"].isin(indicators) & values["ubigeo"].isin(places)
                  & values["period"].isin(period.months)]
    for dim in DIMENSIONS:
        chosen = getattr(filters, dim)
        if chosen != "total":
            rows = rows[rows[dim].eq(chosen)]
    return rows.sort_values(["period", "indicator", "ubigeo", "institution", "sex", "age"]).reset_index(drop=True)


# --- comparisons -------------------------------------------------------------------------------------
def changes(before: pd.DataFrame, after: pd.DataFrame, ubigeo: str) -> pd.DataFrame:
    """Per gap at ``ubigeo``: coverage and unmet need before and after, and the change.

    ``coverage_change`` is in percentage points as a ratio (0.05 = +5 pp); ``unmet_change`` in the gap's
    unit. Sorted by the size of the coverage change (gaps without data on either side last).
    """
    cols = ["gap_code", "sector", "coverage_before", "coverage_after", "coverage_change", "unmet_before",
            "unmet_after", "unmet_change", "severity_before", "severity_after"]
    keep = ["gap_code", "sector", "coverage", "unmet", "severity"]
    a = before[before["ubigeo"].eq(ubigeo)][keep].set_index("gap_code")
    b = after[after["ubigeo"].eq(ubigeo)][keep].set_index("gap_code")
    codes = list(dict.fromkeys(list(b.index) + list(a.index)))
    out = pd.DataFrame({"gap_code": codes})
    out["sector"] = b["sector"].reindex(codes).fillna(a["sector"].reindex(codes)).to_numpy()
    for col in ("coverage", "unmet"):
        out[f"{col}_before"] = pd.to_numeric(a[col].reindex(codes), errors="coerce").to_numpy()
        out[f"{col}_after"] = pd.to_numeric(b[col].reindex(codes), errors="coerce").to_numpy()
        out[f"{col}_change"] = out[f"{col}_after"] - out[f"{col}_before"]
    out["severity_before"] = a["severity"].reindex(codes).fillna(NO_DATA).to_numpy()
    out["severity_after"] = b["severity"].reindex(codes).fillna(NO_DATA).to_numpy()
    out["_k"] = out["coverage_change"].abs().fillna(-1)
    return out.sort_values("_k", ascending=False, kind="stable").drop(columns="_k").reset_index(drop=True)[cols]


def district_rows(table: pd.DataFrame, gap: str, territory: Territory) -> pd.DataFrame:
    """One row per district of the territory for a gap (districts absent from the table: sin_datos)."""
    rows = table[table["gap_code"].eq(gap) & table["level"].eq("district")].set_index("ubigeo")
    rows = rows.reindex(territory.district_codes)
    rows["severity"] = rows["severity"].fillna(NO_DATA)
    rows["gap_code"] = gap
    rows["place"] = [territory.name(u) for u in rows.index]
    rows["province"] = territory.districts["province_ubigeo"].reindex(rows.index).to_numpy()
    return rows.reset_index(names="ubigeo")


def largest_gap(rows: pd.DataFrame) -> pd.Series | None:
    """The row with the most unmet need (ties: lowest coverage), among rows with data."""
    valid = rows[rows["severity"].ne(NO_DATA) & pd.to_numeric(rows["unmet"], errors="coerce").notna()]
    if valid.empty:
        return None
    valid = valid.assign(_u=pd.to_numeric(valid["unmet"]), _c=pd.to_numeric(valid["coverage"], errors="coerce"))
    return valid.sort_values(["_u", "_c"], ascending=[False, True]).iloc[0]


def worst_severity(severities: Sequence[str]) -> str:
    ranked = sorted(severities, key=lambda s: SEVERITY_ORDER.get(s, 9))
    return ranked[0] if ranked else NO_DATA


# --- data quality ------------------------------------------------------------------------------------
def completeness_matrix(status: pd.DataFrame) -> pd.DataFrame:
    """Institution × month completeness (ratio of obligations reported), from ``quality.obligation_status``.

    Rows: institutions (sorted by overall completeness, lowest first); columns: months; NaN where the
    institution had nothing due that month.
    """
    if status.empty:
        return pd.DataFrame()
    per = completeness(status, ["institution", "month"])
    wide = per.pivot(index="institution", columns="month", values="completeness")
    overall = completeness(status, ["institution"]).set_index("institution")["completeness"]
    order = overall.reindex(wide.index).sort_values(kind="stable").index
    return wide.loc[order]


def missing_reports(status: pd.DataFrame) -> pd.DataFrame:
    """Obligations due and not reported: institution, indicator, period, deadline."""
    if status.empty:
        return pd.DataFrame(columns=["institution", "indicator", "period", "deadline"])
    rows = status[~status["reported"].astype(bool)]
    return rows[["institution", "indicator", "period", "deadline"]].sort_values(
        ["institution", "indicator", "period"]).reset_index(drop=True)


def late_reports(status: pd.DataFrame) -> pd.DataFrame:
    """Obligations reported after their deadline."""
    if status.empty:
        return pd.DataFrame(columns=["institution", "indicator", "period", "deadline", "first_upload"])
    rows = status[status["reported"].astype(bool) & ~status["on_time"].astype(bool)]
    return rows[["institution", "indicator", "period", "deadline", "first_upload"]].reset_index(drop=True)


def flagged_outliers(values: pd.DataFrame, months: Sequence[str], indicators: Sequence[str] | None = None,
                     places: Sequence[str] | None = None, settings: dict | None = None) -> pd.DataFrame:
    """Values far from the institution's own history (``quality.outliers`` on the per-report figures),
    kept for ``months`` (and optionally some indicators and places); ``settings``: Catalog.outlier_settings."""
    figures, _ = report_figures(values)
    if figures.empty:
        return figures.assign(median=[], ratio=[])
    settings = settings or {}
    flagged = outliers(figures, min_history=settings.get("min_months", 4), factor=settings.get("factor", 3.0),
                       history_months=settings.get("history_months", 12))
    keep = flagged["period"].isin(list(months))
    if indicators is not None:
        keep &= flagged["indicator"].isin(list(indicators))
    if places is not None:
        keep &= flagged["ubigeo"].isin(list(places))
    return flagged[keep].reset_index(drop=True)


def failing_rules(values: pd.DataFrame, rules: pd.DataFrame, months: Sequence[str]) -> pd.DataFrame:
    """The catalog's checks between indicators over the stored figures: which rule fails where, since when.

    One row per rule × institution ('' across institutions) × place that fails in one of ``months``, with
    the first month it failed (over the whole history) and how many months it has failed.
    """
    columns = ["rule", "level", "institution", "ubigeo", "since", "last", "months", "message_es", "message_en"]
    if values.empty or rules.empty:
        return pd.DataFrame(columns=columns)
    failures = evaluate_rules(rules, values)
    if failures.empty:
        return pd.DataFrame(columns=columns)
    out = failures.groupby(["rule", "level", "institution", "ubigeo", "message_es", "message_en"],
                           as_index=False).agg(since=("period", "min"), last=("period", "max"),
                                               months=("period", "nunique"))
    current = failures[failures["period"].isin(list(months))][["rule", "institution", "ubigeo"]].drop_duplicates()
    return out.merge(current, on=["rule", "institution", "ubigeo"])[columns].sort_values(
        ["level", "since", "rule"]).reset_index(drop=True)


# --- catalog ------------------------------------------------------------------------------------------
def indicator_catalog(catalog: Catalog, lang: str = "es") -> pd.DataFrame:
    """Indicators with their definition, sector, role, time, unit, rule and who must report them."""
    ind = catalog.indicators
    ob = catalog.obligations
    who = ob.groupby("indicator").apply(
        lambda g: ", ".join(f"{i} ({f})" for i, f in zip(g["institution"], g["frequency"])), include_groups=False)
    return pd.DataFrame({
        "code": ind.index, "name": ind[f"name_{lang}"].to_numpy(),
        "sector": [catalog.label("sectors", s, lang) for s in ind["sector"]],
        "role": ind["role"].to_numpy(), "time": ind["time"].to_numpy(), "unit": ind["unit"].to_numpy(),
        "rule": ind["rule"].to_numpy(), "protected": ind["small_cell"].to_numpy(dtype=bool)
        | ind["sector"].isin(catalog.protected_sectors).to_numpy(),
        "obligations": [who.get(c, "") for c in ind.index]})


def gap_catalog(catalog: Catalog, lang: str = "es") -> pd.DataFrame:
    """Gaps with sector, supply and need indicators (or fixed target), unit and severity thresholds."""
    g = catalog.gaps
    return pd.DataFrame({
        "code": g.index, "name": g[f"name_{lang}"].to_numpy(),
        "sector": [catalog.label("sectors", s, lang) for s in g["sector"]],
        "supply": g["supply"].to_numpy(), "need": g["need"].to_numpy(),
        "fixed_target_per_district": g["fixed_target_per_district"].to_numpy(),
        "target_coverage": g["target_coverage"].to_numpy(), "unit": g["unit"].to_numpy(),
        "threshold_adecuada": g["threshold_adecuada"].to_numpy(),
        "threshold_moderada": g["threshold_moderada"].to_numpy(),
        "threshold_alta": g["threshold_alta"].to_numpy()})
