"""What changed since the previous session, in figures and in short sentences a room can read aloud.

Two steps, both pure:

* :func:`changes` lines up two gap tables (the one shown at this session and the one shown at the
  previous session: each for its own period, as known on its own date) by gap and place and classifies
  each pair: ``became_critical``, ``worsened``, ``improved``, ``stable``, ``new_data`` or ``lost_data``
  (``""`` when there is no previous session). Coverage is the ratio supply / need (1.0 = covered);
  ``unmet`` is in the gap's unit (personas, camas, ...). A pair is worse when its severity dropped a step
  or its coverage fell by at least :data:`COVERAGE_STEP` (5 percentage points), better the other way.
* :func:`key_sentences` and :func:`sector_sentences` write the main changes as sentences from the
  i18n templates in ``[narrative]`` (Spanish or English), with rounded figures (:func:`round_figure`).
  A figure masked by small-cell suppression (NaN) is never put into a sentence: that pair is skipped.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..rules.catalog import NO_DATA, Catalog
from ..rules.gaps import SEVERITY_ORDER
from ..i18n import Translator
from ..rules.territory import Territory

COVERAGE_STEP = 0.05
CHANGE_KINDS = ("became_critical", "worsened", "improved", "new_data", "lost_data", "stable")
CHANGE_COLUMNS = ["gap_code", "sector", "ubigeo", "level", "severity_before", "severity_now", "coverage_before",
                  "coverage_now", "unmet_before", "unmet_now", "delta_coverage", "delta_unmet", "change"]
_CARRIED = ("coverage", "unmet", "need", "supply")


def changes(now: pd.DataFrame, before: pd.DataFrame | None) -> pd.DataFrame:
    """One row per gap and place of ``now`` with its figures now and at the previous session.

    ``now`` and ``before`` are gap tables (GAP_COLUMNS) for one period each; suppression flags
    (``<col>_suppressed``, ``<col>_complementary``) are carried as ``<col>_now_…`` / ``<col>_before_…``.
    """
    keys = ["gap_code", "ubigeo"]
    cur = now[keys + ["sector", "level", "severity"] + _carried(now)]
    cur = cur.rename(columns=lambda c: c if c in keys + ["sector", "level"] else _tag(c, "now"))
    if before is None:
        out = cur.copy()
        for col in ("severity", "coverage", "unmet", "need", "supply"):
            out[f"{col}_before"] = np.nan
        out["change"] = ""
    else:
        prev = before[keys + ["severity"] + _carried(before)]
        prev = prev.rename(columns=lambda c: c if c in keys else _tag(c, "before"))
        out = cur.merge(prev, on=keys, how="left")
        out["change"] = [_kind(b, n, cb, cn) for b, n, cb, cn in zip(
            out["severity_before"], out["severity_now"], out["coverage_before"], out["coverage_now"])]
    out["delta_coverage"] = out["coverage_now"] - out["coverage_before"]
    out["delta_unmet"] = out["unmet_now"] - out["unmet_before"]
    rest = [c for c in out.columns if c not in CHANGE_COLUMNS]
    return out[CHANGE_COLUMNS + rest].reset_index(drop=True)


def _carried(frame: pd.DataFrame) -> list[str]:
    """The figures compared, and their suppression flags when the table went through suppression."""
    return [c for c in frame.columns if c in _CARRIED or (c.split("_")[0] in _CARRIED and c.endswith(
        ("_suppressed", "_complementary", "_min", "_max")))]


def _tag(column: str, when: str) -> str:
    """'unmet' -> 'unmet_now'; 'unmet_suppressed' -> 'unmet_now_suppressed'."""
    for base in ("gap_share", "severity") + _CARRIED:
        if column == base:
            return f"{base}_{when}"
        if column.startswith(base + "_"):
            return f"{base}_{when}{column[len(base):]}"
    return f"{column}_{when}"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _kind(sev_before, sev_now, cov_before, cov_now) -> str:
    if _missing(sev_before):
        sev_before = NO_DATA
    if sev_before == NO_DATA and sev_now == NO_DATA:
        return "stable"
    if sev_now == NO_DATA:
        return "lost_data"
    if sev_before == NO_DATA:
        return "new_data"
    if sev_now == "critica" and sev_before != "critica":
        return "became_critical"
    rank_before, rank_now = SEVERITY_ORDER[sev_before], SEVERITY_ORDER[sev_now]
    delta = np.nan if _missing(cov_before) or _missing(cov_now) else cov_now - cov_before
    if rank_now < rank_before or (delta == delta and delta <= -COVERAGE_STEP):
        return "worsened"
    if rank_now > rank_before or (delta == delta and delta >= COVERAGE_STEP):
        return "improved"
    return "stable"


# --- sentences ----------------------------------------------------------------------------------
def round_figure(value: float) -> float:
    """A figure rounded for speech: whole numbers below 100, else two significant digits
    (347 → 350, 1,234 → 1,200, 12,345 → 12,000)."""
    if value is None or value != value:
        return value
    value = float(value)
    if abs(value) < 100:
        return float(round(value))
    digits = int(math.floor(math.log10(abs(value)))) - 1
    return float(round(value, -digits))


def lower_first(label: str) -> str:
    """'Camas de albergue' -> 'camas de albergue'; an acronym ('SIS …') stays as it is."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _unit(t: Translator, unit: str) -> str:
    return t.unit(unit)


def _place(t: Translator, territory: Territory, ubigeo: str) -> str:
    if ubigeo == territory.region_ubigeo:
        return t("narrative.region_place", name=territory.region_name)
    return territory.name(ubigeo)


def _words(row, catalog: Catalog, territory: Territory, t: Translator) -> dict:
    gap = catalog.label("gaps", row.gap_code, t.lang)
    return dict(gap=gap, gap_lc=lower_first(gap), place=_place(t, territory, row.ubigeo),
                unit=_unit(t, str(catalog.gaps.at[row.gap_code, "unit"])))


def _pct(t: Translator, value: float) -> str:
    return t.percent(value)


def _one_figure(row, when: str) -> bool:
    """Is the unmet figure one number? A public range (protected gaps: "10–20") has a midpoint that nobody
    published, so a sentence never states it as a count."""
    low, high = getattr(row, f"unmet_{when}_min", None), getattr(row, f"unmet_{when}_max", None)
    return _missing(low) or _missing(high) or low == high


def change_sentence(row, catalog: Catalog, territory: Territory, t: Translator) -> str | None:
    """The sentence for one row of :func:`changes`, or None when it has nothing sayable (masked or
    unchanged after rounding)."""
    w = _words(row, catalog, territory, t)
    cov_b, cov_n = row.coverage_before, row.coverage_now
    un_b, un_n = row.unmet_before, row.unmet_now
    if row.change == "became_critical":
        if _missing(cov_b) or _missing(cov_n):
            return None
        return t("narrative.became_critical", before=_pct(t, cov_b), now=_pct(t, cov_n), **w)
    if row.change == "lost_data":
        return t("narrative.lost_data", **w)
    if row.change not in ("worsened", "improved"):
        return None
    if not (_missing(un_b) or _missing(un_n)) and _one_figure(row, "before") and _one_figure(row, "now"):
        before, now = round_figure(un_b), round_figure(un_n)
        grew = now > before
        if before != now and grew == (row.change == "worsened"):
            key = "narrative.gap_grew" if grew else "narrative.gap_shrank"
            return t(key, before=t.number(before), now=t.number(now), **w)
    if _missing(cov_b) or _missing(cov_n) or _pct(t, cov_b) == _pct(t, cov_n):
        return None
    key = "narrative.coverage_fell" if cov_n < cov_b else "narrative.coverage_rose"
    return t(key, before=_pct(t, cov_b), now=_pct(t, cov_n), **w)


def _ordered(frame: pd.DataFrame, kind: str, region: str) -> pd.DataFrame:
    rows = frame[frame["change"].eq(kind) & frame["level"].isin(["region", "district"])]
    weight = rows["delta_coverage"].abs().fillna(0)
    return rows.assign(_r=rows["ubigeo"].ne(region), _w=-weight).sort_values(["_r", "_w", "gap_code", "ubigeo"])


def key_sentences(frame: pd.DataFrame, catalog: Catalog, territory: Territory, t: Translator, *,
                  completeness: float | None = None, completeness_before: float | None = None,
                  per_kind: int = 2) -> list[str]:
    """The main changes since the previous session, most important first.

    Up to ``per_kind`` sentences for gaps that became critical, worsened and improved (region rows
    first, then the districts whose coverage moved most), then the reporting completeness.
    """
    out: list[str] = []
    has_previous = frame["change"].ne("").any() if not frame.empty else False
    region = territory.region_ubigeo
    at_region = frame[frame["ubigeo"].eq(region)]
    if not at_region.empty:
        critical = int(at_region["severity_now"].eq("critica").sum())
        out.append(t.plural("narrative.critical_count", critical, total=t.number(len(at_region))))
    if not has_previous:
        out.append(t("narrative.first_session"))
    else:
        said = 0
        for kind in ("became_critical", "worsened", "improved"):
            n = 0
            for row in _ordered(frame, kind, region).itertuples():
                if n >= per_kind:
                    break
                text = change_sentence(row, catalog, territory, t)
                if text:
                    out.append(text)
                    n += 1
            said += n
        if not said:
            out.append(t("narrative.nothing_changed"))
    if completeness is not None:
        if completeness_before is None:
            out.append(t("narrative.completeness_first", now=_pct(t, completeness)))
        else:
            out.append(t("narrative.completeness", now=_pct(t, completeness), before=_pct(t, completeness_before)))
    return out


def sector_sentences(frame: pd.DataFrame, sector: str, catalog: Catalog, territory: Territory,
                     t: Translator) -> list[str]:
    """One sentence per gap of ``sector`` at the region: where its coverage stands (and stood). Gaps with no
    coverage to state and the same severity share one sentence ("A y b en la región Tumbes: …")."""
    rows = frame[frame["sector"].eq(sector) & frame["ubigeo"].eq(territory.region_ubigeo)]
    out = []
    without_figure: dict[str, list[str]] = {}   # severity -> gaps: "A y b en la región: sin datos", said once
    for row in rows.sort_values("gap_code").itertuples():
        w = _words(row, catalog, territory, t)
        if row.severity_now == NO_DATA or _missing(row.coverage_now):
            without_figure.setdefault(row.severity_now, []).append(w["gap"])
        elif _missing(row.coverage_before):
            out.append(t("narrative.coverage_level", now=_pct(t, row.coverage_now), **w))
        elif _pct(t, row.coverage_now) == _pct(t, row.coverage_before):
            # "62 % (antes 62 %)" reads as a misprint: the figure did not move as the table saw it
            out.append(t("narrative.coverage_level_same", now=_pct(t, row.coverage_now), **w))
        else:
            out.append(t("narrative.coverage_level_before", now=_pct(t, row.coverage_now),
                         before=_pct(t, row.coverage_before), **w))
    place = _place(t, territory, territory.region_ubigeo)
    for severity, gaps in without_figure.items():
        gap = t.listing([gaps[0]] + [lower_first(g) for g in gaps[1:]])
        if severity == NO_DATA:
            out.append(t("narrative.no_data", gap=gap, place=place))
        else:
            out.append(t("narrative.severity_only", gap=gap, place=place,
                         severity=lower_first(t.severity(severity))))
    return out
