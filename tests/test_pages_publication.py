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


@pytest.fixture
def demo_url(tmp_path):
    """Replaces the demo store of the ``app`` fixture with one of hand-made small counts."""
    store = Store.open(f"sqlite:///{tmp_path / 'small.db'}")
    rows = []
    for month, (need, supply) in EXACT.items():
        rows += [("MIMP", NEED, "240302", month, need), ("MIMP", SUPPLY, "240302", month, supply),
                 ("MIMP", NEED, "240301", month, 40), ("MIMP", SUPPLY, "240301", month, 12)]
    store.add_batch(values(*rows), institution="MIMP", uploaded_at=datetime(2024, 4, 5))
    return store.url


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
