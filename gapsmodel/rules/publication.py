"""The publication step (DOMAIN.md §7): the only place where exact counts of protected indicators turn
into the figures a visitor may see. Every public figure is computed from its output, never from exact
figures, so that no combination of public views says more about a count than its own published figure.

What is protected: every indicator of a ``protected_sectors`` sector (``trata``, ``vbg``, ``ninez``) and
every indicator marked ``small_cell`` in the catalog.

The cell that is published is one **monthly figure**: one indicator, one district (or the region-wide
figure), one month, after steps 1-3 of DOMAIN.md §5 (total over parts, carry-forward of stocks, the rule
across institutions). Its published figure depends on that cell's exact value alone, so the same cell
publishes the same figure on every page, period, level and as-of date that reaches it:

* below ``small_cell_threshold`` (default 5), zeros included: ``<5``, meaning 0 to 4;
* otherwise rounded to the nearest multiple of ``rounding_base`` (default 5; halves round up): 6 → 5,
  8 → 10, 17 → 15. A published 15 means 13 to 17; a published 5 means 5 to 7 (3 and 4 are ``<5``).

Figures derived from several cells (a quarter from its months, a province or the region from its
districts, coverage, unmet need, severity, cards, sentences, charts, maps) are computed from published
figures with **published arithmetic**: a rounded figure counts as itself, a ``<5`` as anything from 0 to
4. A derived count is therefore a range: ``15`` when every part was rounded (5 + 10), ``15–19`` when one
part was ``<5``; ``<5`` when its only part was. Its midpoint (a ``<5`` counting 2) is what charts draw and
what coverage and severity are computed from.

The region-wide figure of a protected indicator is published only for a month with no district figure of
that indicator: it is partly the sum of district reports, so beside them it would tell their sum.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .catalog import Catalog
from .protection import protected_indicators
from .territory import Territory

DEFAULT_ROUNDING_BASE = 5
UNDETERMINED = "indeterminada"
"""Severity of a public row whose published range of coverage spans more than one band."""


def rounding_base(catalog: Catalog) -> int:
    return int(catalog.settings.get("protection", {}).get("rounding_base", DEFAULT_ROUNDING_BASE))


def publish(values, threshold: int, base: int) -> tuple[np.ndarray, np.ndarray]:
    """(published figure, small) for exact counts: the figure is NaN where the count is small (``<5``)."""
    exact = np.asarray(values, dtype=float)
    small = exact < threshold
    rounded = base * np.floor(exact / base + 0.5)
    figure = np.where(small | np.isnan(exact), np.nan, np.maximum(rounded, base * math.ceil(threshold / base)))
    return figure, small & ~np.isnan(exact)


def true_interval(figure: float, small: bool, threshold: int, base: int) -> tuple[int, int]:
    """The whole counts a published figure stands for: ``<5`` → 0..4; a rounded 15 → 13..17; 5 → 5..7."""
    if small:
        return 0, threshold - 1
    lowest = base * math.ceil(threshold / base)  # every count from the threshold up rounds to it at least
    low = threshold if int(figure) == lowest else int(figure) - base // 2
    return low, int(figure) + (base - 1) // 2


def publish_monthly(monthly: pd.DataFrame, catalog: Catalog, territory: Territory) -> pd.DataFrame:
    """Monthly figures as published. Adds ``value_min`` and ``value_max`` (the figure in published
    arithmetic: equal for a rounded figure, 0 and threshold − 1 for ``<5``) and ``value_small``; ``value``
    becomes the midpoint. Unprotected rows keep their exact value (min = max = value)."""
    out = monthly.copy()
    threshold, base = catalog.small_cell_threshold, rounding_base(catalog)
    protected = out["indicator"].isin(protected_indicators(catalog)).to_numpy()
    exact = out["value"].to_numpy(dtype=float)
    figure, small = publish(exact, threshold, base)
    small &= protected
    low = np.where(protected, np.where(small, 0.0, figure), exact)
    high = np.where(protected, np.where(small, threshold - 1.0, figure), exact)
    out["value_min"], out["value_max"], out["value_small"] = low, high, small
    out["value"] = (low + high) / 2
    # the range of figures across institutions is exact: it never passes the publication step
    for col in ("low", "high", "low_institution", "high_institution"):
        if col in out:
            out[col] = out[col].where(~protected)
    region = out["ubigeo"].astype(str).eq(territory.region_ubigeo).to_numpy()
    if (protected & region).any():
        in_district = out.loc[protected & ~region, ["indicator", "period"]].drop_duplicates()
        key = pd.MultiIndex.from_frame(out[["indicator", "period"]])
        shadowed = key.isin(pd.MultiIndex.from_frame(in_district)) & protected & region
        out = out[~shadowed]
    return out.reset_index(drop=True)


def count_text(row, col: str, threshold: int, number) -> str | None:
    """How a published count reads: ``<5``, a range ``15–19`` or a single figure (``number`` formats a
    figure); None when the row carries no published range for ``col`` (an exact view)."""
    low, high = row.get(f"{col}_min"), row.get(f"{col}_max")
    if low is None or high is None or low != low or high != high:
        return None
    if bool(row.get(f"{col}_suppressed", False)):
        return f"<{threshold}"
    low, high = round(float(low)), round(float(high))
    return number(low) if low == high else f"{number(low)}–{number(high)}"
