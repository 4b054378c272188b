"""Small-cell suppression for views that are not behind a login, and for exports made from them
(DOMAIN.md §7).

Which figures are protected: the indicators marked ``small_cell`` in the catalog and every indicator of a
``protected_sectors`` sector (``trata``, ``vbg``, ``ninez``); a gap is protected when its sector is, or its
need or supply indicator is.

Primary suppression. In a protected row a count (``need``, ``supply``: persons, cases, channels ...) below
``catalog.small_cell_threshold`` (default 5) is masked, **zero included**: if true zeros were shown, ``<5``
would read as "1 to 4", i.e. "someone here is a survivor". ``unmet`` (persons not served) is masked when
it is between 1 and the threshold; a zero unmet (full coverage) says nothing about a small group and stays.

Row rules, so a masked count cannot be rebuilt from its own row (``unmet = need − supply`` in a district):
* need or supply masked → unmet masked;
* unmet masked while need and supply are both shown → supply masked as well (need is the denominator
  the table most needs to see);
* coverage (S/N) masked when need or supply is; gap_share (unmet/N) when need or unmet is;
* the range of needs across institutions (``need_low``, ``need_high`` and who reported them) is
  blanked for protected gaps: public views do not break protected counts down by institution.

Complementary suppression, so a masked cell cannot be recomputed by subtraction. For one gap and period
a province row is the sum of its districts with data, and a region row pooled from districts is the sum of
the provinces and of the districts (need, supply and unmet alike; DOMAIN.md §5). For each such sum and each
count, the cells of the sum (the total and its parts) must hold either no masked cell or at least two. When
exactly one is masked, **the smallest shown part is masked too** (preferring a part whose row already hides
another count; the total is masked only when no part is left): totals are what the table reads in session, so they are kept visible. This is repeated, together
with the row rules, until nothing changes. In a tree of sums (districts ⊂ provinces ⊂ region) "never exactly
one unknown per sum" means no masked cell is fixed by the shown ones, whatever combination of sums is used;
``tests/test_protection.py`` checks it with linear algebra on random tables.

Cells masked only to protect another one are flagged ``<col>_complementary``: their true value is not
small, so they are shown as *reservado / withheld*, not as ``<5`` (which would mislead the table).

Limits: suppression covers the sums inside the table it is given. Suppress the complete gap table (every
district, province and region row of the period), then filter it for display. Two different public tables
(a quarter and its months, or two as-of dates) are not protected against each other.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .catalog import NO_DATA, Catalog
from .territory import Territory

COUNT_COLUMNS = ("need", "supply", "unmet")
RATIO_COLUMNS = ("coverage", "gap_share")
BREAKDOWN_COLUMNS = ("need_low", "need_high", "need_low_institution", "need_high_institution")
DIMENSIONS = ("sex", "age", "nationality")
VALUE_KEY = ("institution", "indicator", "ubigeo", "period", "sex", "age", "nationality")
WITHHELD = {"es": "reservado", "en": "withheld"}
NO_FIGURE = "—"


# --- what is protected --------------------------------------------------------------------------
def is_protected_indicator(indicator: str, catalog: Catalog) -> bool:
    """True for a ``small_cell`` indicator or any indicator of a protected sector."""
    if indicator in catalog.indicators.index:
        return bool(catalog.is_protected(indicator)
                    or catalog.indicators.at[indicator, "sector"] in catalog.protected_sectors)
    return False


def protected_gap_codes(catalog: Catalog) -> set[str]:
    """Gaps whose sector is protected or whose need or supply indicator is protected."""
    out = set()
    for code, row in catalog.gaps.iterrows():
        if (row["sector"] in catalog.protected_sectors or is_protected_indicator(row["supply"], catalog)
                or (row["need"] and is_protected_indicator(row["need"], catalog))):
            out.add(code)
    return out


def public_institution_breakdown_allowed(indicator: str, catalog: Catalog) -> bool:
    """May a public view show this indicator's (or gap's) counts by institution? Not for protected ones."""
    if indicator in catalog.gaps.index and indicator not in catalog.indicators.index:
        return indicator not in protected_gap_codes(catalog)
    return not is_protected_indicator(indicator, catalog)


# --- the engine ----------------------------------------------------------------------------------
def _complete(values: dict[str, np.ndarray], masked: dict[str, np.ndarray],
              constraints: list[tuple[int, list[int]]], row_rule=None) -> None:
    """Add masks (in place) until every sum has zero or at least two masked cells, for every measure."""
    def apply_row_rule() -> bool:
        return bool(row_rule(values, masked)) if row_rule else False

    def cost(measure: str, cell: int) -> tuple:
        # a row already masked in another count costs nothing more to mask; then the smallest value
        other = any(masked[m][cell] for m in masked if m != measure)
        return (0 if other else 1, values[measure][cell])

    changed = True
    while changed:
        changed = apply_row_rule()
        for measure, vals in values.items():
            mask = masked[measure]
            for total, parts in constraints:
                cells = [c for c in [total, *parts] if not np.isnan(vals[c])]
                if len(cells) < 2 or sum(mask[c] for c in cells) != 1:
                    continue
                shown = [c for c in cells if c != total and not mask[c]]
                pick = min(shown, key=lambda c: cost(measure, c)) if shown else total
                mask[pick] = True
                changed = True
            changed = apply_row_rule() or changed


def _as_float(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


# --- gap tables ---------------------------------------------------------------------------------
def _gap_constraints(frame: pd.DataFrame, territory: Territory) -> list[tuple[int, list[int]]]:
    """(total position, part positions) for every sum in the table, within each gap and period."""
    level = frame["level"].astype(str).to_numpy()
    ubigeo = frame["ubigeo"].astype(str).to_numpy()
    need = _as_float(frame["need"])
    supply = _as_float(frame["supply"])
    if "severity" in frame:
        has_data = frame["severity"].astype(str).ne(NO_DATA).to_numpy() & ~np.isnan(need)
    else:
        has_data = ~np.isnan(need) & ~np.isnan(supply)
    basis = frame["basis"].astype(str).to_numpy() if "basis" in frame else np.full(len(frame), "districts")
    province_of = territory.districts["province_ubigeo"].to_dict()
    out: list[tuple[int, list[int]]] = []
    groups = frame.groupby(["gap_code", "period"], sort=False, observed=True).indices
    for positions in groups.values():
        districts = [p for p in positions if level[p] == "district" and has_data[p]]
        provinces = [p for p in positions if level[p] == "province" and has_data[p]]
        regions = [p for p in positions if level[p] == "region" and has_data[p] and basis[p] != "region_report"]
        for p in provinces:
            parts = [d for d in districts if province_of.get(ubigeo[d]) == ubigeo[p]]
            if parts:
                out.append((p, parts))
        for r in regions:
            if provinces:
                out.append((r, provinces))
            if districts:
                out.append((r, districts))
    return out


def suppress_gaps(gap_table: pd.DataFrame, catalog: Catalog, territory: Territory) -> pd.DataFrame:
    """The gap table as a public view may show it (see the module docstring for the rules).

    Masked values become NaN. Added columns, all boolean: ``need_suppressed``, ``supply_suppressed``,
    ``unmet_suppressed``, ``coverage_suppressed``, ``gap_share_suppressed`` (masked for any reason) and
    ``need_complementary``, ``supply_complementary``, ``unmet_complementary`` (masked only to protect
    another cell: not a small value). ``severity`` stays. Rows of unprotected gaps are unchanged.
    """
    out = gap_table.copy().reset_index(drop=True)
    threshold = catalog.small_cell_threshold
    protected = out["gap_code"].isin(protected_gap_codes(catalog)).to_numpy()
    values = {c: _as_float(out[c]) for c in COUNT_COLUMNS}
    small = {c: protected & ~np.isnan(values[c]) & (values[c] < threshold) for c in COUNT_COLUMNS}
    small["unmet"] &= values["unmet"] > 0
    masked = {c: small[c].copy() for c in COUNT_COLUMNS}

    def row_rule(vals, mask) -> bool:
        n, s, u = (vals[c] for c in COUNT_COLUMNS)
        before = sum(int(m.sum()) for m in mask.values())
        hide_u = (mask["need"] | mask["supply"]) & ~np.isnan(u)
        mask["unmet"] |= hide_u
        lone_u = mask["unmet"] & ~mask["need"] & ~mask["supply"]
        mask["supply"] |= lone_u & ~np.isnan(s)
        mask["need"] |= lone_u & np.isnan(s) & ~np.isnan(n)
        return sum(int(m.sum()) for m in mask.values()) != before

    if protected.any():
        _complete(values, masked, _gap_constraints(out, territory), row_rule)
    ratio_mask = {"coverage": masked["need"] | masked["supply"], "gap_share": masked["need"] | masked["unmet"]}
    for col in COUNT_COLUMNS:
        out[col] = pd.Series(values[col]).where(~masked[col])
        out[f"{col}_suppressed"] = masked[col]
        out[f"{col}_complementary"] = masked[col] & ~small[col]
    for col in RATIO_COLUMNS:
        if col in out:
            out[col] = _as_float(out[col])
            out[col] = out[col].where(~ratio_mask[col])
        out[f"{col}_suppressed"] = ratio_mask[col]
    for col in BREAKDOWN_COLUMNS:
        if col in out:
            out[col] = out[col].where(~protected)
    return out


# --- value tables --------------------------------------------------------------------------------
def _value_constraints(frame: pd.DataFrame, territory: Territory | None) -> list[tuple[int, list[int]]]:
    key = [c for c in VALUE_KEY if c in frame.columns]
    out: list[tuple[int, list[int]]] = []
    for dim in [d for d in DIMENSIONS if d in frame.columns]:
        rest = [c for c in key if c != dim]
        is_total = frame[dim].astype(str).eq("total").to_numpy()
        for positions in frame.groupby(rest, sort=False, observed=True, dropna=False).indices.values():
            totals = [p for p in positions if is_total[p]]
            parts = [p for p in positions if not is_total[p]]
            if totals and parts:
                out.extend((t, parts) for t in totals)
    if territory is not None and "ubigeo" in frame.columns:
        rest = [c for c in key if c != "ubigeo"]
        ubigeo = frame["ubigeo"].astype(str).to_numpy()
        districts = set(territory.district_codes)
        for positions in frame.groupby(rest, sort=False, observed=True, dropna=False).indices.values():
            totals = [p for p in positions if ubigeo[p] == territory.region_ubigeo]
            parts = [p for p in positions if ubigeo[p] in districts]
            if totals and parts:
                out.extend((t, parts) for t in totals)
    return out


def suppress_values(frame: pd.DataFrame, catalog: Catalog, value_col: str = "value",
                    territory: Territory | None = None) -> pd.DataFrame:
    """A table of values (one per indicator and key: ``indicator`` column required) for a public view.

    Values of protected indicators below the threshold (zero included) become NaN, flagged in
    ``<value_col>_suppressed``; complementary masks (flagged ``<value_col>_complementary``) keep a masked
    part from being recomputed from a ``total`` row of sex, age or nationality, and, when ``territory`` is
    given, a region row from its district rows. Breakdowns by institution of protected indicators must not
    be shown publicly at all: see :func:`public_institution_breakdown_allowed`.
    """
    out = frame.copy().reset_index(drop=True)
    threshold = catalog.small_cell_threshold
    protected = out["indicator"].map(lambda c: is_protected_indicator(c, catalog)).to_numpy(dtype=bool)
    vals = _as_float(out[value_col])
    small = protected & ~np.isnan(vals) & (vals < threshold)
    masked = {value_col: small.copy()}
    if protected.any():
        constraints = [(t, parts) for t, parts in _value_constraints(out, territory) if protected[t]]
        _complete({value_col: vals}, masked, constraints)
    out[value_col] = pd.Series(vals).where(~masked[value_col])
    out[f"{value_col}_suppressed"] = masked[value_col]
    out[f"{value_col}_complementary"] = masked[value_col] & ~small
    return out


# --- display ------------------------------------------------------------------------------------
def format_count(value: object, suppressed: bool, threshold: int, locale: str = "es",
                 complementary: bool = False) -> str:
    """Text for a count: ``<5`` when suppressed as small, *reservado / withheld* when masked to protect
    another cell, ``—`` when there is no figure, else the number with Peru's marks (``1,234`` or
    ``1,234.5``, the same in Spanish and English)."""
    if suppressed:
        return WITHHELD.get(locale, WITHHELD["es"]) if complementary else f"<{threshold}"
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return NO_FIGURE
    if math.isnan(number):
        return NO_FIGURE
    return f"{number:,.0f}" if number == round(number) else f"{number:,.1f}"
