"""The session's deck as PowerPoint: read back with python-pptx, same slides as Presentación, native charts,
the footer on every slide, and a public deck that holds published figures only."""
from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date, datetime

import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE

from gapsmodel import cli
from gapsmodel.i18n import Translator
from gapsmodel.records.permissions import Actor
from gapsmodel.records.sessions import add_agreement, add_session
from gapsmodel.views.deck import STAMP, build_pptx, office_program
from gapsmodel.views.presentation import build_slides, session_data
from tests.helpers import values
from tests.helpers import shelter_rows

ADMIN = Actor("ana", "admin")
NEED, SUPPLY = "victimas_trata_identificadas", "victimas_trata_atendidas"
EXACT = {"2024-01": (6, 5), "2024-02": (3, 2), "2024-03": (8, 6)}   # Aguas Verdes (240302): need, supply




@pytest.fixture
def corrected(store):
    """May 2022 uploaded on 5 June, a session on 20 June, a correction of the beds uploaded on 1 July."""
    store.add_batch(shelter_rows("2022-05", 1234, 567), institution="ACNUR", uploaded_at=datetime(2022, 6, 5, 15))
    add_session(store, date(2022, 6, 20), "Sesión de junio", notes="Acta: <b>uno</b>", actor=ADMIN)
    add_agreement(store, date(2022, 6, 20), "Abrir **albergue**", "ACNUR", date(2022, 7, 31), actor=ADMIN)
    store.add_batch(shelter_rows("2022-05", 1234, 890), institution="ACNUR", uploaded_at=datetime(2022, 7, 1, 9))
    return store


@pytest.fixture
def small(store):
    """Trafficking counts below and just above the threshold in one district, a session after them."""
    rows = []
    for month, (need, supply) in EXACT.items():
        rows += [("MIMP", NEED, "240302", month, need), ("MIMP", SUPPLY, "240302", month, supply),
                 ("MIMP", NEED, "240301", month, 40), ("MIMP", SUPPLY, "240301", month, 12)]
    store.add_batch(values(*rows), institution="MIMP", uploaded_at=datetime(2024, 4, 5))
    add_session(store, date(2024, 4, 20), "Sesión de abril", actor=ADMIN)
    return store


def read(content: bytes) -> Presentation:
    return Presentation(io.BytesIO(content))


def texts(slide) -> list[str]:
    """Every text on a slide: text boxes and table cells."""
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out += [cell.text for row in shape.table.rows for cell in row.cells]
    return out


def charts(slide):
    return [shape.chart for shape in slide.shapes if shape.has_chart]


def test_deck_has_the_presentation_slides_in_order_with_native_charts(corrected, catalog, territory):
    day = date(2022, 6, 20)
    t = Translator("es")
    data = session_data(corrected, catalog, territory, day)
    expected = [s.title for s in build_slides(data, catalog, territory, t)]
    deck = read(build_pptx(corrected, catalog, territory, day))

    titles = [s.shapes.title.text for s in deck.slides]
    firsts = []
    for title in titles:        # a slide, then one slide per table behind it, under the same title
        if not firsts or firsts[-1] != title:
            firsts.append(title)
    assert firsts == [f"{i}. {title}" for i, title in enumerate(expected, start=1)]

    for slide in deck.slides:   # session, period, as-of instant and version on every slide
        stamp = next(shape.text_frame.text for shape in slide.shapes if shape.name == STAMP)
        assert "Sesión del 20 jun. 2022" in stamp and "periodo mayo 2022" in stamp
        assert "datos al 2022-06-20 18:59 (hora de Lima)" in stamp and "versión pública" in stamp

    first = "\n".join(texts(deck.slides[0]))
    assert "Selección de esta presentación:" in first
    assert "Territorio: Tumbes" in first and "meses hasta 2022-06" in first and "Cifras: versión pública" in first
    assert "Acta: <b>uno</b>" in first          # user text kept as plain text

    everything = "\n".join(x for s in deck.slides for x in texts(s))
    assert "1,234" in everything and "567" in everything and "667" in everything
    assert "890" not in everything              # the correction uploaded after the session
    assert "Abrir **albergue**" in everything

    kinds = {c.chart_type for s in deck.slides for c in charts(s)}
    assert XL_CHART_TYPE.BAR_CLUSTERED in kinds and XL_CHART_TYPE.LINE_MARKERS in kinds
    sectors = next(s for s in deck.slides if s.shapes.title.text.startswith("3. ") and charts(s))
    bars = charts(sectors)[0]
    points = dict(zip(bars.plots[0].categories, bars.plots[0].series[0].values))
    assert points["Alojamiento temporal — Camas de albergue"] == pytest.approx(567 / 1234)


def test_public_deck_holds_published_figures_only_and_the_exact_one_the_exact(small, catalog, territory):
    day = date(2024, 4, 20)

    def trata(deck) -> tuple[str, list[float]]:
        slides = [s for s in deck.slides if "Trata de personas" in s.shapes.title.text]
        text = "\n".join(x for s in slides for x in texts(s))
        values = [v for s in slides for c in charts(s) for series in c.plots[0].series for v in series.values
                  if v is not None]
        return text, values

    public_text, public_values = trata(read(build_pptx(small, catalog, territory, day)))
    exact_text, exact_values = trata(read(build_pptx(small, catalog, territory, day, public=False)))
    cells = set(public_text.split("\n"))
    # the deck's month is February (the latest complete one): Aguas Verdes need 3, supply 2 → <5;
    # the region: need 43, supply 14 → 40–44 and 10–14
    assert "<5" in cells and "40–44" in cells and "10–14" in cells
    assert not {"3", "2", "43", "14", "12"} & cells
    assert {"3", "2", "43", "14"} <= set(exact_text.split("\n"))
    # the trend of the region's coverage: exact 17/46 and 14/43 never drawn in the public deck
    for exact in (17 / 46, 14 / 43):
        assert exact == pytest.approx(min(exact_values, key=lambda v: abs(v - exact)))
        assert all(abs(v - exact) > 1e-6 for v in public_values)
    assert "versión pública" in public_text and "versión exacta" in exact_text


def test_report_command_writes_pptx(corrected, tmp_path, monkeypatch, capsys):
    url = corrected.engine.url.render_as_string(hide_password=False)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["report", "--session", "2022-06-20", "--format", "pptx", "--lang", "en", "--db", url]) == 0
    deck = read((tmp_path / "sesion_2022-06-20.pptx").read_bytes())
    assert deck.slides[0].shapes.title.text == "1. Sesión de junio"
    assert any("public version" in x for x in texts(deck.slides[0]))
    assert cli.main(["report", "--session", "2022-06-20", "--db", url]) == 0        # html stays the default
    assert (tmp_path / "sesion_2022-06-20.html").read_text("utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.skipif(office_program() is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (soffice) or pdftotext not installed: apt-get install "
                           "libreoffice-impress-nogui poppler-utils")
def test_pdf_has_the_same_slides_with_extractable_text(corrected, catalog, territory, tmp_path):
    day = date(2022, 6, 20)
    content = build_pptx(corrected, catalog, territory, day)
    pdf = tmp_path / "deck.pdf"
    url = corrected.engine.url.render_as_string(hide_password=False)
    assert cli.main(["report", "--session", "2022-06-20", "--format", "pdf", "-o", str(pdf), "--db", url]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [" ".join(p.split()) for p in pages.split("\f") if p.strip()]
    deck = read(content)
    assert len(pages) == len(deck.slides)                       # one page per slide
    for page, slide in zip(pages, deck.slides):
        assert slide.shapes.title.text in page
        assert "versión pública" in page and "Sesión del 20 jun. 2022" in page
    text = "\n".join(pages)
    assert "1,234" in text and "567" in text and "890" not in text


def test_pdf_without_libreoffice_is_a_clear_error(corrected, tmp_path, monkeypatch, capsys):
    from gapsmodel.views import deck
    monkeypatch.setattr(deck, "office_program", lambda: None)
    url = corrected.engine.url.render_as_string(hide_password=False)
    out = tmp_path / "deck.pdf"
    assert cli.main(["report", "--session", "2022-06-20", "--format", "pdf", "-o", str(out), "--db", url]) == 2
    assert "hace falta LibreOffice" in capsys.readouterr().err and not out.exists()
