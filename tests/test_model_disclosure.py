"""The disclosure audit: nothing narrows on the demo store and on stores full of counts of 1-4; a planted
leak (the publication step switched off, or one exact derived figure) makes it fail.

Scope in the test suite: every month, quarter and year, every level, as of now and of the latest two
session dates of the demo store (about 6 s); the command line audits every session date by default."""
from __future__ import annotations

from datetime import date, datetime

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gapsmodel.cli import main as cli
from gapsmodel.model import audience, disclosure
from gapsmodel.records.sessions import add_session
from gapsmodel.records.store import Store
from gapsmodel.rules import publication
from gapsmodel.rules.gaps import compute_gaps
from tests.helpers import values

NEED, SUPPLY = "victimas_trata_identificadas", "victimas_trata_atendidas"
PLACES = ["240302", "240301", "240303", "240101", "24"]  # four districts and the region-wide figure


def test_the_demo_store_passes(demo_url, catalog, territory):
    result = disclosure.audit(Store.open(demo_url), catalog, territory, sessions=2)
    assert len(result.moments) == 3 and result.cells > 1000 and result.figures > 5000
    assert result.findings == [] and result.narrowed == [] and result.passed


def test_switching_the_publication_step_off_is_caught(demo_url, catalog, territory, monkeypatch):
    monkeypatch.setattr(publication, "publish", lambda v, t, b: (np.asarray(v, float), np.zeros(len(v), bool)))
    result = disclosure.audit(Store.open(demo_url), catalog, territory, sessions=0)
    assert not result.passed
    assert any(f.detail.startswith("feasible") and "published interval 0..4" in f.detail for f in result.narrowed)


def _small_store(tmp_path, counts) -> Store:
    store = Store.open(f"sqlite:///{tmp_path / 'small.db'}")
    rows = [("MIMP", indicator, district, month, value) for (indicator, district, month), value in counts.items()]
    store.add_batch(values(*rows), institution="MIMP", uploaded_at=datetime(2024, 5, 5))
    return store


def test_one_exact_derived_figure_is_caught_and_pins_the_small_month(tmp_path, catalog, territory, monkeypatch):
    """The quarter of Aguas Verdes shown exactly (7 + 12 + 3 = 22) beside its months (5: 5..7, 10: 8..12,
    <5): March is at least 22 − 7 − 12 = 3, so 3..4 instead of 0..4."""
    counts = {(NEED, "240302", "2024-01"): 7, (NEED, "240302", "2024-02"): 12, (NEED, "240302", "2024-03"): 3,
              (SUPPLY, "240302", "2024-01"): 5, (SUPPLY, "240302", "2024-02"): 5, (SUPPLY, "240302", "2024-03"): 1}
    store = _small_store(tmp_path, counts)
    original = audience.public_gap_table

    def leaky(monthly, catalog, territory, periods):
        table = original(monthly, catalog, territory, periods)
        exact = compute_gaps(monthly, catalog, territory, periods)
        quarter = ((table["gap_code"] == "atencion_trata") & (table["ubigeo"] == "240302")
                   & (table["period"] == "2024-Q1")).to_numpy()
        table.loc[quarter, ["need", "need_min", "need_max"]] = float(exact.loc[quarter, "need"].iloc[0])
        return table

    assert disclosure.audit(store, catalog, territory).passed
    monkeypatch.setattr(audience, "public_gap_table", leaky)
    result = disclosure.audit(store, catalog, territory)
    assert not result.passed
    assert any(f.what == "sum" and "2024-Q1" in f.where for f in result.findings)
    march = [f for f in result.narrowed if f.where == f"{NEED} 240302 2024-03"]
    assert march and march[0].detail.startswith("feasible 3..4")


def test_an_exact_severity_word_is_caught(tmp_path, catalog, territory, monkeypatch):
    """Need 6, supply 5 publish as 5 and 5 ('adecuada' from published figures). The exact word 'moderada'
    (0.83) would tell 0.6·N ≤ S < 0.9·N, which with N and S in 5..7 leaves N = 6 or 7 and S = 5 or 6."""
    store = _small_store(tmp_path, {(NEED, "240302", "2024-01"): 6, (SUPPLY, "240302", "2024-01"): 5})
    original = audience.public_gap_table

    def leaky(monthly, catalog, territory, periods):
        table = original(monthly, catalog, territory, periods)
        exact = compute_gaps(monthly, catalog, territory, periods)
        rows = ((table["gap_code"] == "atencion_trata") & (table["level"] == "district")).to_numpy()
        table.loc[rows, "severity"] = exact.loc[rows, "severity"].to_numpy()
        return table

    monkeypatch.setattr(audience, "public_gap_table", leaky)
    result = disclosure.audit(store, catalog, territory)
    assert any(f.what == "severity" for f in result.findings)
    narrowed = {f.where: f.detail.split(",")[0] for f in result.narrowed}
    assert narrowed == {f"{NEED} 240302 2024-01": "feasible 6..7", f"{SUPPLY} 240302 2024-01": "feasible 5..6"}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from([NEED, SUPPLY]), st.sampled_from(PLACES),
                          st.sampled_from(["2024-01", "2024-02", "2024-03", "2024-04"]), st.integers(0, 9),
                          st.booleans()),
                min_size=4, max_size=24))
def test_stores_full_of_small_counts_pass(tmp_path_factory, catalog, territory, rows):
    """Counts of 0-9 by district and region-wide, some uploaded after a session (a late report, or a
    correction of a figure the session saw): now and as of the session, nothing narrows."""
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('small') / 'small.db'}")
    for late, uploaded in ((False, datetime(2024, 5, 5)), (True, datetime(2024, 6, 5))):
        counts = {(i, p, m): v for i, p, m, v, is_late in rows if is_late == late}
        if counts:
            store.add_batch(values(*[("MIMP", i, p, m, v) for (i, p, m), v in counts.items()]),
                            institution="MIMP", uploaded_at=uploaded)
    add_session(store, date(2024, 5, 20), "Sesión ordinaria")
    result = disclosure.audit(store, catalog, territory)
    assert result.findings == [] and result.narrowed == [], (result.findings[:3], result.narrowed[:3])


def test_command_line_audit(demo_url, capsys):
    code = cli(["protection", "audit", "--db", demo_url, "--sessions", "1"])
    out = capsys.readouterr().out
    assert code == 0 and "Ninguna cifra protegida se puede estrechar" in out   # the terminal's Spanish
