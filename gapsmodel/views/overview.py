"""The overview's figures: headline counts, per-sector cards and the tables behind its charts."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..rules.catalog import NO_DATA, Catalog
from ..rules.gaps import SEVERITY_ORDER, sector_summary
from ..i18n import Translator
from ..rules.protection import format_count
from ..rules.publication import count_text as published_count_text
from ..rules.quality import overall


@dataclass(frozen=True)
class Headline:
    critical: int                 # region-level gaps in critical severity
    total: int                    # region-level gaps
    district_critical: int        # district-level gaps in critical severity
    completeness: float | None    # obligations reported / due
    critical_delta: int | None = None
    district_critical_delta: int | None = None
    completeness_delta: float | None = None


def _counts(table: pd.DataFrame, region: str) -> tuple[int, int, int]:
    at_region = table[table["ubigeo"].eq(region)]
    districts = table[table["level"].eq("district")]
    return (int(at_region["severity"].eq("critica").sum()), len(at_region),
            int(districts["severity"].eq("critica").sum()))


def headline(table: pd.DataFrame, status: pd.DataFrame, catalog: Catalog, region: str,
             before: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> Headline:
    """Counts for the cards; ``before`` = (gap table, reporting status) as shown at the last session."""
    critical, total, district_critical = _counts(table, region)
    completeness = overall(status)
    if before is None:
        return Headline(critical, total, district_critical, completeness)
    b_critical, _, b_district = _counts(before[0], region)
    b_completeness = overall(before[1])
    delta = None if completeness is None or b_completeness is None else completeness - b_completeness
    return Headline(critical, total, district_critical, completeness, critical - b_critical,
                    district_critical - b_district, delta)


def sector_cards(table: pd.DataFrame, catalog: Catalog, region: str,
                 before: pd.DataFrame | None = None, t: Translator | None = None) -> pd.DataFrame:
    """Per sector at the region: unmet need (when its gaps share a unit), worst severity, change."""
    now = sector_summary(table, catalog)
    now = now[now["ubigeo"].eq(region)].set_index("sector")
    # one card per sector that has gaps in the catalog (a sector may be left without any by a catalog edit)
    out = pd.DataFrame(index=catalog.sectors.index[catalog.sectors.index.isin(catalog.gaps["sector"])])
    now = now.reindex(out.index)
    out["unmet"] = now["unmet"].where(now["unit"].notna())
    out["unit"] = now["unit"].fillna("")
    out["severity"] = now["worst_severity"].fillna(NO_DATA)
    if before is not None and not before.empty:
        then = sector_summary(before, catalog)
        then = then[then["ubigeo"].eq(region)].set_index("sector")
        out["delta"] = out["unmet"] - then["unmet"].where(then["unit"].notna())
        # a public range ("12–60") has a midpoint nobody published: its change is not a figure either
        ranged = _ranged_sectors(table, region) | _ranged_sectors(before, region)
        out.loc[out.index.isin(ranged), "delta"] = float("nan")
    else:
        out["delta"] = float("nan")
    at_region = table[table["ubigeo"].eq(region) & table["severity"].ne(NO_DATA)]
    units = at_region["gap_code"].map(catalog.gaps["unit"])
    # the unmet need of each gap as (number or None when suppressed, unit, text for a public view)
    shown = display_counts(at_region, "unmet", t) if t is not None else at_region["unmet"].astype(str)
    out["parts"] = pd.Series({sector: [(u if u == u else None, units[i], shown[i]) for i, u in part["unmet"].items()]
                              for sector, part in at_region.groupby("sector")}).reindex(out.index)
    out["parts"] = [p if isinstance(p, list) else [] for p in out["parts"]]
    out["rank"] = out["severity"].map(SEVERITY_ORDER)
    return out.reset_index(names="sector").sort_values(["rank", "sector"], kind="stable").drop(columns="rank")


def _ranged_sectors(table: pd.DataFrame, region: str) -> set[str]:
    """Sectors whose unmet need at the region is shown as a range in this (public) table."""
    if "unmet_min" not in table or "unmet_max" not in table:
        return set()
    rows = table[table["ubigeo"].eq(region)]
    low, high = pd.to_numeric(rows["unmet_min"], errors="coerce"), pd.to_numeric(rows["unmet_max"], errors="coerce")
    return set(rows.loc[low.notna() & high.notna() & low.ne(high), "sector"])


def region_only_gaps(table: pd.DataFrame, region: str) -> list[str]:
    rows = table[table["ubigeo"].eq(region) & table["basis"].eq("region_report")]
    return sorted(rows["gap_code"].unique())


def _display(frame: pd.DataFrame, t: Translator, columns: dict[str, str]) -> pd.DataFrame:
    out = frame[list(columns)].copy()
    if "severity" in out:
        out["severity"] = out["severity"].map(t.severity)
    for col in ("need", "supply", "unmet", "coverage"):
        flag = f"{col}_suppressed"
        if col in out and flag in frame and frame[flag].fillna(False).astype(bool).any():
            out[col] = display_counts(frame, col, t)
    return out.rename(columns={k: t(v) for k, v in columns.items()})


def display_counts(frame: pd.DataFrame, col: str, t: Translator, threshold: int = 5) -> pd.Series:
    """A count column as text for a public view: '<5' or 'reservado' where suppressed, else the number."""
    flag, extra = frame.get(f"{col}_suppressed"), frame.get(f"{col}_complementary")
    if col != "coverage" and f"{col}_min" in frame:
        texts = [published_count_text(r, col, threshold, t.number) for r in frame.to_dict("records")]
        if any(x is not None for x in texts):
            plain = frame[col].map(t.number)
            return pd.Series([x if x is not None else p for x, p in zip(texts, plain)], index=frame.index,
                             dtype=object)
    if flag is None:
        return frame[col].map(lambda v: t.percent(v) if col == "coverage" else t.number(v))
    out = []
    for value, hidden, other in zip(frame[col], flag.fillna(False),
                                    extra.fillna(False) if extra is not None else [False] * len(frame)):
        if col == "coverage":
            out.append(format_count(value, True, threshold, t.lang, True) if hidden else t.percent(value))
        else:
            out.append(format_count(value, bool(hidden), threshold, t.lang, bool(other)) if hidden
                       else t.number(value))
    return pd.Series(out, index=frame.index, dtype=object)


def bars_table(table: pd.DataFrame, catalog: Catalog, t: Translator, ubigeo: str) -> pd.DataFrame:
    rows = table[table["ubigeo"].eq(ubigeo)].copy()
    rows["sector"] = [catalog.label("sectors", s, t.lang) for s in rows["sector"]]
    rows["gap"] = [catalog.label("gaps", g, t.lang) for g in rows["gap_code"]]
    rows["unit"] = rows["gap_code"].map(catalog.gaps["unit"])
    return _display(rows, t, {"sector": "columns.sector", "gap": "columns.gap", "need": "columns.need",
                              "supply": "columns.supply", "coverage": "columns.coverage", "unmet": "columns.unmet",
                              "unit": "columns.unit", "severity": "columns.severity",
                              "no_data_districts": "columns.no_data_districts"})


def trend_table(series: pd.DataFrame, catalog: Catalog, t: Translator, ubigeo: str) -> pd.DataFrame:
    rows = series[series["ubigeo"].eq(ubigeo)].copy()
    rows["gap"] = [catalog.label("gaps", g, t.lang) for g in rows["gap_code"]]
    wide = rows.pivot_table(index="period", columns="gap", values="coverage", aggfunc="first")
    return wide.reset_index().rename(columns={"period": t("columns.month")})


def worst_table(worst: pd.DataFrame, t: Translator) -> pd.DataFrame:
    return _display(worst, t, {"place": "columns.place", "gap": "columns.gap", "need": "columns.need",
                               "supply": "columns.supply", "coverage": "columns.coverage", "unmet": "columns.unmet",
                               "unit": "columns.unit", "severity": "columns.severity"})
