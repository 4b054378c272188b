"""gapsmodel.rules.publication and the public gap table: published figures by hand, and every public
figure derived from them (the three attacks of a visitor fail)."""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from gapsmodel import model
from gapsmodel.model.audience import public_gap_table
from gapsmodel.rules.combine import monthly_figures
from gapsmodel.rules.periods import parse_period
from gapsmodel.rules.publication import count_text, publish, publish_monthly, true_interval
from tests.helpers import values

AGUAS_VERDES, ZARUMILLA, MATAPALO = "240302", "240301", "240303"
NEED, SUPPLY = "victimas_trata_identificadas", "victimas_trata_atendidas"


@pytest.mark.parametrize("exact, figure, small, interval", [
    (0, np.nan, True, (0, 4)), (3, np.nan, True, (0, 4)), (4, np.nan, True, (0, 4)),
    (5, 5, False, (5, 7)), (7, 5, False, (5, 7)), (8, 10, False, (8, 12)), (12, 10, False, (8, 12)),
    (13, 15, False, (13, 17)), (17, 15, False, (13, 17)), (102, 100, False, (98, 102)),
])
def test_a_count_publishes_as_small_or_rounded_to_five(exact, figure, small, interval):
    shown, is_small = publish([exact], 5, 5)
    assert bool(is_small[0]) is small
    assert (np.isnan(shown[0]) and np.isnan(figure)) or shown[0] == figure
    assert true_interval(shown[0], small, 5, 5) == interval
    assert interval[0] <= exact <= interval[1]


def _monthly(catalog, territory, *rows):
    return monthly_figures(values(*rows), catalog, territory)


def test_the_same_cell_publishes_the_same_figure_whatever_else_is_in_the_table(catalog, territory):
    one = publish_monthly(_monthly(catalog, territory, ("MIMP", NEED, AGUAS_VERDES, "2024-03", 3),
                                   ("MIMP", NEED, AGUAS_VERDES, "2024-01", 17)), catalog, territory)
    other = publish_monthly(_monthly(catalog, territory, ("MIMP", NEED, AGUAS_VERDES, "2024-03", 3),
                                     ("MIMP", NEED, ZARUMILLA, "2024-03", 40)), catalog, territory)
    march = lambda f: f[(f["ubigeo"] == AGUAS_VERDES) & (f["period"] == "2024-03")].iloc[0]  # noqa: E731
    for frame in (one, other):
        assert (march(frame)["value_min"], march(frame)["value_max"], bool(march(frame)["value_small"])) == (0, 4, True)
    assert one.loc[one["period"].eq("2024-01"), "value"].iloc[0] == 15


def test_exact_breakdowns_never_pass_the_publication_step(catalog, territory):
    monthly = _monthly(catalog, territory, ("MIMP", NEED, AGUAS_VERDES, "2024-01", 6),
                       ("PNP", NEED, AGUAS_VERDES, "2024-01", 9))
    published = publish_monthly(monthly, catalog, territory)
    row = published[published["ubigeo"].eq(AGUAS_VERDES)].iloc[0]
    assert row["value"] == 10 and pd.isna(row["low"]) and pd.isna(row["high"])


def test_region_wide_figure_is_dropped_where_districts_report_the_month(catalog, territory):
    monthly = _monthly(catalog, territory, ("MIMP", NEED, AGUAS_VERDES, "2024-01", 3),
                       ("MIMP", NEED, ZARUMILLA, "2024-01", 3), ("MIMP", NEED, "24", "2024-02", 9))
    published = publish_monthly(monthly, catalog, territory)
    region = published[published["ubigeo"].eq("24")]
    assert list(region["period"]) == ["2024-02"]  # January's region figure would be the two districts' 6


def _quarter_store(catalog, territory):
    rows = [("MIMP", NEED, AGUAS_VERDES, "2024-01", 6), ("MIMP", NEED, AGUAS_VERDES, "2024-02", 8),
            ("MIMP", NEED, AGUAS_VERDES, "2024-03", 3), ("MIMP", SUPPLY, AGUAS_VERDES, "2024-01", 5),
            ("MIMP", SUPPLY, AGUAS_VERDES, "2024-02", 6), ("MIMP", SUPPLY, AGUAS_VERDES, "2024-03", 2)]
    return _monthly(catalog, territory, *rows)


def _row(table, ubigeo, period, gap="atencion_trata"):
    return table[(table["gap_code"] == gap) & (table["ubigeo"] == ubigeo) & (table["period"] == period)].iloc[0]


def test_a_quarter_is_the_published_arithmetic_of_its_months(catalog, territory):
    """Attack 1 (a quarter minus its months): exact 6 + 8 + 3 = 17 would give March = 3. Published: the
    months read 5, 10 and <5 and the quarter 15–19, so the quarter minus its months says March is 0..4."""
    periods = [parse_period(p) for p in ("2024-01", "2024-02", "2024-03", "2024-Q1")]
    table = public_gap_table(_quarter_store(catalog, territory), catalog, territory, periods)
    number = lambda x: f"{x:g}"  # noqa: E731
    shown = {p: count_text(_row(table, AGUAS_VERDES, p), "need", 5, number)
             for p in ("2024-01", "2024-02", "2024-03", "2024-Q1")}
    assert shown == {"2024-01": "5", "2024-02": "10", "2024-03": "<5", "2024-Q1": "15–19"}
    quarter = _row(table, AGUAS_VERDES, "2024-Q1")
    assert (quarter["supply_min"], quarter["supply_max"]) == (10, 14)   # 5 + 5 + <5
    assert (quarter["unmet_min"], quarter["unmet_max"]) == (1, 9)       # max(15−14, 0) .. max(19−10, 0)


def test_severity_is_the_band_of_the_whole_published_range_or_undetermined(catalog, territory):
    """Attack 2 (one row): need 6 and supply 5 exactly give coverage 0.83, 'moderada', which beside the old
    masks pinned supply to 5. Published, both read 5: coverage 5/5 says nothing the two figures do not. A
    row with a <5 part spans several bands: 'indeterminada', with no coverage."""
    monthly = _monthly(catalog, territory, ("MIMP", NEED, AGUAS_VERDES, "2024-01", 6),
                       ("MIMP", SUPPLY, AGUAS_VERDES, "2024-01", 5), ("MIMP", NEED, ZARUMILLA, "2024-01", 40),
                       ("MIMP", SUPPLY, ZARUMILLA, "2024-01", 10), ("MIMP", NEED, MATAPALO, "2024-01", 12),
                       ("MIMP", SUPPLY, MATAPALO, "2024-01", 3))
    table = public_gap_table(monthly, catalog, territory, [parse_period("2024-01")])
    aguas_verdes = _row(table, AGUAS_VERDES, "2024-01")
    assert aguas_verdes["severity"] == "adecuada" and aguas_verdes["coverage"] == 1.0   # 5 of 5
    matapalo = _row(table, MATAPALO, "2024-01")                 # <5 of 10: 0..0.4, critica or alta
    assert matapalo["severity"] == "indeterminada" and pd.isna(matapalo["coverage"])
    zarumilla = _row(table, ZARUMILLA, "2024-01")               # 10 of 40: 0.25, critica
    assert zarumilla["severity"] == "critica" and zarumilla["coverage"] == pytest.approx(0.25)


def test_two_sessions_differ_only_by_the_published_figure_of_the_late_district(store, catalog, territory):
    """Attack 3 (two sessions): the region's need rose by exactly Matapalo's late report (3). Published,
    it rises by Matapalo's <5 (0..4), whatever the two dates."""
    store.add_batch(values(("MIMP", NEED, AGUAS_VERDES, "2024-05", 9), ("MIMP", SUPPLY, AGUAS_VERDES, "2024-05", 5),
                           ("MIMP", NEED, ZARUMILLA, "2024-05", 8), ("MIMP", SUPPLY, ZARUMILLA, "2024-05", 5)),
                    institution="MIMP", uploaded_at=datetime(2024, 6, 5))
    store.add_batch(values(("MIMP", NEED, MATAPALO, "2024-05", 3), ("MIMP", SUPPLY, MATAPALO, "2024-05", 1)),
                    institution="MIMP", uploaded_at=datetime(2024, 7, 1))
    region = {}
    for day in ("2024-06-12", "2024-07-10"):
        snap = model.take_snapshot(store, catalog, territory, as_of=day)
        table = model.gap_table(snap, catalog, territory, [parse_period("2024-05")], public=True)
        row = _row(table, "24", "2024-05")
        region[day] = (row["need_min"], row["need_max"])
    assert region == {"2024-06-12": (20, 20), "2024-07-10": (20, 24)}


def test_the_public_table_is_a_function_of_published_figures_only(catalog, territory):
    """Two stores whose exact counts differ but publish the same (6 and 7 → 5, 8 and 12 → 10, 3 and 1 → <5)
    give the same public table to the last digit: nothing exact gets through."""
    periods = [parse_period(p) for p in ("2024-01", "2024-02", "2024-03", "2024-Q1", "2024")]
    one = _quarter_store(catalog, territory)
    other = _monthly(catalog, territory, *[
        ("MIMP", NEED, AGUAS_VERDES, "2024-01", 7), ("MIMP", NEED, AGUAS_VERDES, "2024-02", 12),
        ("MIMP", NEED, AGUAS_VERDES, "2024-03", 1), ("MIMP", SUPPLY, AGUAS_VERDES, "2024-01", 7),
        ("MIMP", SUPPLY, AGUAS_VERDES, "2024-02", 5), ("MIMP", SUPPLY, AGUAS_VERDES, "2024-03", 0)])
    protected = lambda t: t[t["gap_code"].eq("atencion_trata")].reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(protected(public_gap_table(one, catalog, territory, periods)),
                                  protected(public_gap_table(other, catalog, territory, periods)))
    assert protected(public_gap_table(one, catalog, territory, periods))[
        ["need_low", "need_high", "need_low_institution"]].isna().all().all()
