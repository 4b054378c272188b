"""A gap table from the months it needs only (``take_snapshot_for``) is the gap table of the whole store."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from gapsmodel import model
from gapsmodel.model import snapshot as snapshots
from gapsmodel.records.store import Scope
from gapsmodel.rules.periods import parse_period


def table(snap, catalog, territory, period, public):
    out = model.gap_table(snap, catalog, territory, [period], public=public)
    return out.sort_values(["gap_code", "level", "ubigeo"]).reset_index(drop=True)


@pytest.mark.parametrize("code", ["2024-05", "2023-Q2", "2023", "2022-08"])
@pytest.mark.parametrize("public", [False, True])
def test_the_months_of_a_period_give_the_whole_stores_gap_table(demo_store, catalog, territory, code, public):
    period = parse_period(code)
    whole = model.take_snapshot(demo_store, catalog, territory)
    part = model.take_snapshot_for(demo_store, catalog, territory, [period])
    assert part is not None and len(part.values) < len(whole.values)
    pd.testing.assert_frame_equal(table(part, catalog, territory, period, public),
                                  table(whole, catalog, territory, period, public))


def test_as_of_a_past_instant_too(demo_store, catalog, territory):
    period, as_of = parse_period("2023-Q4"), datetime(2024, 1, 20)
    whole = model.take_snapshot(demo_store, catalog, territory, as_of=as_of)
    part = model.take_snapshot_for(demo_store, catalog, territory, [period], as_of=as_of)
    pd.testing.assert_frame_equal(table(part, catalog, territory, period, False),
                                  table(whole, catalog, territory, period, False))


def test_without_the_carry_forward_window_stock_gaps_would_differ(demo_store, catalog, territory):
    """The window before the period is what makes the tables equal: read without it, they are not."""
    period = parse_period("2024-05")
    whole = table(model.take_snapshot(demo_store, catalog, territory), catalog, territory, period, False)
    values = demo_store.values(within=Scope(frozenset(["2024-05"])))
    short = model.Snapshot(values, snapshots.monthly_figures(values, catalog, territory, until="2024-05"),
                           demo_store.report_times(), None, "2024-05", "2024-05")
    assert not table(short, catalog, territory, period, False).equals(whole)


def test_a_period_past_the_stores_last_month_is_left_to_the_whole_store(demo_store, catalog, territory):
    last = model.take_snapshot(demo_store, catalog, territory).last_month
    year = parse_period(last[:4])
    assert year.end > last
    assert model.take_snapshot_for(demo_store, catalog, territory, [year]) is None
