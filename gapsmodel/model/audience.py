"""Which figures a viewer sees: exact for those allowed ``view_exact``; for anyone else the public view,
computed from published figures only (:mod:`gapsmodel.rules.publication`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..records.permissions import Actor
from ..rules.catalog import NO_DATA, Catalog
from ..rules.gaps import compute_gaps
from ..rules.protection import BREAKDOWN_COLUMNS, protected_gap_codes
from ..rules.publication import UNDETERMINED, publish_monthly
from ..rules.territory import Territory


def is_public(actor: Actor) -> bool:
    """Does this viewer see published figures (anyone not allowed ``view_exact``)?"""
    return not actor.can("view_exact")


def gap_table_for(actor: Actor, monthly: pd.DataFrame, catalog: Catalog, territory: Territory,
                  periods: list) -> pd.DataFrame:
    """Exact gaps for a viewer allowed ``view_exact``; the public gap table for anyone else."""
    if is_public(actor):
        return public_gap_table(monthly, catalog, territory, periods)
    return compute_gaps(monthly, catalog, territory, periods)


# --- the public gap table: computed from published figures only ------------------------------------------
TINY = 1e-9  # a need of "<5" at its low end: still a reported need (the row keeps its data), counting ~0
PUBLISHED_COUNTS = ("need", "supply", "unmet")


def _variant(published: pd.DataFrame, catalog: Catalog, need_end: str, supply_end: str) -> pd.DataFrame:
    """Monthly figures with needs at one end of their published range and supplies at the other."""
    is_need = published["indicator"].map(catalog.indicators["role"]).eq("need").to_numpy()
    need = published[f"value_{need_end}"].to_numpy(dtype=float)
    need = np.where(published["value_small"].to_numpy() & (need == 0), TINY, need)
    return published.assign(value=np.where(is_need, need, published[f"value_{supply_end}"].to_numpy(dtype=float)))


def public_gap_table(monthly: pd.DataFrame, catalog: Catalog, territory: Territory,
                     periods: list) -> pd.DataFrame:
    """The gap table a visitor sees: every figure computed from the published monthly figures
    (:func:`gapsmodel.rules.publication.publish_monthly`), never from exact ones.

    Protected gaps carry, for need, supply and unmet, ``<col>_min`` and ``<col>_max``: the published range
    (equal when every part was a rounded figure). ``<col>`` is its midpoint, NaN with ``<col>_suppressed``
    when the range is exactly one ``<5``. Coverage and gap share come from the midpoints; severity is the band
    that the whole published range of coverage falls in, or ``indeterminada`` when it spans several (then
    coverage and gap share are NaN and flagged ``_suppressed``, as when need or supply is a lone ``<5``). The range of needs across
    institutions is blank: public views do not break protected counts down by institution.
    """
    published = publish_monthly(monthly, catalog, territory)
    table = compute_gaps(published, catalog, territory, periods).reset_index(drop=True)
    protected_gaps = protected_gap_codes(catalog)
    protected = table["gap_code"].isin(protected_gaps).to_numpy()
    threshold = catalog.small_cell_threshold
    for col in PUBLISHED_COUNTS:
        table[f"{col}_min"] = table[col].where(protected)
        table[f"{col}_max"] = table[col].where(protected)
    if protected.any():
        indicators = {i for g in protected_gaps for i in catalog.gaps.loc[g, ["need", "supply"]] if i}
        subset = published[published["indicator"].isin(indicators)]
        low_need = compute_gaps(_variant(subset, catalog, "min", "max"), catalog, territory, periods)
        high_need = compute_gaps(_variant(subset, catalog, "max", "min"), catalog, territory, periods)
        key = ["gap_code", "ubigeo", "period", "level"]
        rows = table.loc[protected, key]
        low = rows.merge(low_need, on=key, how="left")
        high = rows.merge(high_need, on=key, how="left")
        ends = {"need": (low["need"], high["need"]), "supply": (high["supply"], low["supply"]),
                "unmet": (low["unmet"], high["unmet"])}
        for col, (bottom, top) in ends.items():
            table.loc[protected, f"{col}_min"] = pd.to_numeric(bottom, errors="coerce").round(6).to_numpy()
            table.loc[protected, f"{col}_max"] = pd.to_numeric(top, errors="coerce").round(6).to_numpy()
        # severity only where the whole published range of coverage falls in one band
        lowest = high["severity"].fillna(NO_DATA).astype(str).to_numpy()
        highest = low["severity"].fillna(NO_DATA).astype(str).to_numpy()
        current = table.loc[protected, "severity"].astype(str).to_numpy()
        severities = np.where((current != NO_DATA) & (lowest != highest), UNDETERMINED, current)
        table["severity"] = table["severity"].astype(object)
        table.loc[protected, "severity"] = severities
        table["severity"] = table["severity"].astype(str)
    for col in PUBLISHED_COUNTS:
        lone_small = protected & table[f"{col}_min"].eq(0).to_numpy() & table[f"{col}_max"].eq(threshold - 1).to_numpy()
        table[f"{col}_suppressed"] = lone_small
        table[f"{col}_complementary"] = False
        table[col] = table[col].where(~lone_small)
    undetermined = table["severity"].eq(UNDETERMINED)
    table["coverage_suppressed"] = table["need_suppressed"] | table["supply_suppressed"] | undetermined
    table["coverage"] = table["coverage"].where(~table["coverage_suppressed"])
    table["gap_share_suppressed"] = table["need_suppressed"] | table["unmet_suppressed"] | undetermined
    table["gap_share"] = table["gap_share"].where(~table["gap_share_suppressed"])
    for col in BREAKDOWN_COLUMNS:
        table[col] = table[col].where(~protected)
    return table
