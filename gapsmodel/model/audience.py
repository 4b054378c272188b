"""Which figures a viewer sees: exact for those allowed ``view_exact``, the protected public view for
anyone else (the rules themselves are :mod:`gapsmodel.rules.protection`)."""
from __future__ import annotations

import pandas as pd

from ..records.permissions import Actor
from ..rules.catalog import Catalog
from ..rules.protection import suppress_gaps, suppress_values
from ..rules.territory import Territory


def gaps_for(actor: Actor, gap_table: pd.DataFrame, catalog: Catalog, territory: Territory) -> pd.DataFrame:
    """Exact figures for an actor allowed ``view_exact``; the suppressed public view for anyone else."""
    if actor.can("view_exact"):
        return gap_table
    return suppress_gaps(gap_table, catalog, territory)


def values_for(actor: Actor, frame: pd.DataFrame, catalog: Catalog, value_col: str = "value",
               territory: Territory | None = None) -> pd.DataFrame:
    """Exact values for an actor allowed ``view_exact``; suppressed values for anyone else."""
    if actor.can("view_exact"):
        return frame
    return suppress_values(frame, catalog, value_col, territory)
