"""What is protected, for views that are not behind a login (DOMAIN.md §7).

Protected: the indicators marked ``small_cell`` in the catalog and every indicator of a
``protected_sectors`` sector (``trata``, ``vbg``, ``ninez``); a gap is protected when its sector is, or its
need or supply indicator is. How their figures are published, and how every public figure is derived from
published ones, is :mod:`gapsmodel.rules.publication`; the proof that no combination of public views takes
them apart is :mod:`gapsmodel.model.disclosure`. Public views do not break protected counts down by
institution (:func:`public_institution_breakdown_allowed`).
"""
from __future__ import annotations

import math


from .catalog import Catalog

COUNT_COLUMNS = ("need", "supply", "unmet")
BREAKDOWN_COLUMNS = ("need_low", "need_high", "need_low_institution", "need_high_institution")
WITHHELD = {"es": "reservado", "en": "withheld"}
NO_FIGURE = "—"


# --- what is protected --------------------------------------------------------------------------
def is_protected_indicator(indicator: str, catalog: Catalog) -> bool:
    """True for a ``small_cell`` indicator or any indicator of a protected sector."""
    if indicator in catalog.indicators.index:
        return bool(catalog.is_protected(indicator)
                    or catalog.indicators.at[indicator, "sector"] in catalog.protected_sectors)
    return False


def protected_indicators(catalog: Catalog) -> set[str]:
    """Every protected indicator code."""
    return {code for code in catalog.indicators.index if is_protected_indicator(code, catalog)}


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
