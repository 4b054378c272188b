"""The public pages, signed out, on a store built to have counts of 1-4: what a visitor reads is published
figures and what follows from them, never an exact protected count (DOMAIN.md §7)."""
from __future__ import annotations

from datetime import datetime

import pytest

from gapsmodel.records.store import Store
from tests.helpers import values

SECTORS, DATOS = "pages/sectores.py", "pages/datos.py"
NEED, SUPPLY = "victimas_trata_identificadas", "victimas_trata_atendidas"
EXACT = {"2024-01": (6, 5), "2024-02": (8, 6), "2024-03": (3, 2)}   # Aguas Verdes: need, supply


def _small_store(path) -> Store:
    """Aguas Verdes with the small counts of EXACT, Zarumilla with large ones, uploaded on 5 April 2024."""
    store = Store.open(f"sqlite:///{path}")
    rows = []
    for month, (need, supply) in EXACT.items():
        rows += [("MIMP", NEED, "240302", month, need), ("MIMP", SUPPLY, "240302", month, supply),
                 ("MIMP", NEED, "240301", month, 40), ("MIMP", SUPPLY, "240301", month, 12)]
    store.add_batch(values(*rows), institution="MIMP", uploaded_at=datetime(2024, 4, 5))
    return store


@pytest.fixture
def demo_url(tmp_path):
    """Replaces the demo store of the ``app`` fixture with one of hand-made small counts."""
    return _small_store(tmp_path / "small.db").url


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _everything(at) -> str:
    parts = [e.value for kind in ("title", "header", "subheader", "caption", "markdown", "info") for e in getattr(at, kind)]
    parts += [m.value for m in at.metric] + [d.value.to_csv() for d in at.dataframe]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("period, need, supply", [
    ("2024-01", "5 personas", "5 personas"), ("2024-02", "10 personas", "5 personas"),
    ("2024-03", "<5 personas", "<5 personas"), ("2024-Q1", "15–19 personas", "10–14 personas"),
])
def test_sectors_page_shows_published_figures_for_a_district(app, period, need, supply):
    at = app(role="public", page=SECTORS, query={"sector": "trata", "period": period, "dist": "240302"})
    assert not at.exception and not at.error
    cards = _metrics(at)
    assert cards["Necesidad"] == need and cards["Oferta"] == supply
    assert "En la vista pública" in _everything(at)


def test_no_exact_quarter_or_month_of_the_small_district_reaches_a_public_page(app):
    for period in ("2024-Q1", "2024-03", "2024"):
        for page in (SECTORS, DATOS):
            at = app(role="public", page=page, query={"sector": "trata", "period": period, "dist": "240302"})
            text = _everything(at)
            assert "17 personas" not in text and "3 personas" not in text and ",17," not in text


def test_signed_in_members_keep_exact_figures(app):
    at = app(role="analyst", page=SECTORS, query={"sector": "trata", "period": "2024-Q1", "dist": "240302"})
    assert _metrics(at)["Necesidad"] == "17 personas" and _metrics(at)["Oferta"] == "13 personas"


def _session_store(tmp_path):
    """The small store with a session on 20 April 2024."""
    from gapsmodel.records.sessions import add_session
    store = _small_store(tmp_path / "session.db")
    add_session(store, datetime(2024, 4, 20).date(), "Sesión ordinaria")
    return store


def test_gaps_public_on_the_command_line_prints_published_figures(tmp_path, capsys):
    import csv
    import io

    from gapsmodel.cli import main
    store = _session_store(tmp_path)
    shown = {}
    for period in ("2024-01", "2024-02", "2024-03", "2024-Q1"):
        assert main(["gaps", "--db", store.url, "--period", period, "--format", "csv", "--public"]) == 0
        rows = csv.DictReader(io.StringIO(capsys.readouterr().out))
        row = next(r for r in rows if r["gap_code"] == "atencion_trata" and r["ubigeo"] == "240302")
        shown[period] = (row["need"], row["supply"])
    assert shown == {"2024-01": ("5", "5"), "2024-02": ("10", "5"), "2024-03": ("<5", "<5"),
                     "2024-Q1": ("15-19", "10-14")}


def _report_text(html: str) -> str:
    import re
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_public_report_and_its_slides_hold_no_exact_small_count(tmp_path, catalog, territory):
    """The session's slides show February (need 8, supply 6 in Aguas Verdes): the exact report says so,
    the public one says 10 and 5 and derives coverage and severity from them."""
    from gapsmodel.views.report import build_report
    store = _session_store(tmp_path)
    day = datetime(2024, 4, 20).date()
    exact = _report_text(build_report(store, catalog, territory, day, public=False))
    public = _report_text(build_report(store, catalog, territory, day, public=True))
    assert "Aguas Verdes 8 6 75 %" in exact
    assert "Aguas Verdes 10 5 50 %" in public and "Aguas Verdes 8 6" not in public
    assert "Moderada" not in public.split("Aguas Verdes 10 5 50 %")[1][:40]
