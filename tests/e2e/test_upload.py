"""A partner signs in, uploads a messy CSV (Windows-1252, ';', '1.234,5', Spanish headers, district names
in any case, an institution alias) and sees the overview change."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from gapsmodel.rules.catalog import load_catalog
from gapsmodel.i18n import Translator

pytestmark = pytest.mark.browser

ES = Translator("es")
DISTRICTS = ["TUMBES", "corrales", "La Cruz", "Pampas de Hospital", "SAN JACINTO", "San Juan de la Virgen", "Zorritos",
             "casitas", "Canoas de Punta Sal", "Zarumilla", "AGUAS VERDES", "Matapalo", "Papayal"]


def messy_upload() -> bytes:
    """ACNUR's shelter beds for June 2024 in every district: far more than anyone needs, so the shelter gap of
    the overview's default month (June 2024) closes."""
    lines = ["Período;Institución;Indicador;Distrito;Sexo;Valor;Nota"]
    for i, name in enumerate(DISTRICTS):
        lines.append(f"junio 2024;Acnur Perú;camas_albergue;{name};Total;{5 + i}.234,5;ampliación de albergues")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def shelter_card(page):
    label = load_catalog().label("sectors", "alojamiento", "es")
    return page.locator('[data-testid="stMetric"]').filter(has_text=label).locator('[data-testid="stMetricValue"]')


def test_partner_signs_in_uploads_a_messy_csv_and_the_overview_changes(partner_server, partner, page, app,
                                                                       tmp_path):
    # (the server is requested first so that it is stopped after the page's closing screenshot)
    app.open(partner_server.url)
    before_all = app.settled_metric_values()
    before_shelter = shelter_card(page).inner_text()
    assert before_shelter.strip() and not before_shelter.startswith("0 "), before_shelter

    # sign in
    app.open(f"{partner_server.url}/ingresar")
    page.get_by_label(ES("accounts.username")).fill(partner["username"])
    page.get_by_label(ES("accounts.password"), exact=True).fill(partner["password"])
    page.get_by_role("button", name=ES("accounts.login_button")).click()
    app.wait()
    expect(page.get_by_text(re.compile(re.escape(partner["username"])))).not_to_have_count(0)
    expect(page.locator(app.errors)).to_have_count(0)

    # upload through the dropzone, check the preview, confirm
    app.sidebar_link(ES("upload_nav.upload")).click()
    app.wait()
    expect(page.locator("h1").first).to_have_text(ES("upload.title"))
    # the file picker reads in Spanish: Streamlit's own "Upload" and "200MB per file" are written over
    shown = page.evaluate("""() => [...document.querySelectorAll(
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p, '
        + '[data-testid="stFileUploaderDropzoneInstructions"] span')].map(e => [
        parseFloat(getComputedStyle(e).fontSize), getComputedStyle(e, '::after').content])""")
    assert shown == [[0, f'"{ES("app.st_upload_button")}"'], [0, f'"{ES("app.st_upload_hint")}"']], shown
    path = tmp_path / "camas ACNUR junio.csv"
    path.write_bytes(messy_upload())
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    app.wait()
    confirm = page.get_by_role("button", name=re.compile(re.escape(ES("upload.confirm", n="13").split("13")[0])))
    expect(confirm).to_be_visible(timeout=60_000)
    expect(page.locator(app.errors)).to_have_count(0)
    confirm.click()
    app.wait()
    expect(page.locator('[data-testid="stAlertContentSuccess"]')).to_contain_text(
        ES("upload.saved", batch="", n="", institution="").split(":")[0])

    # the overview now counts the new beds
    app.sidebar_link(ES("nav.overview")).click()
    app.wait()
    expect(shelter_card(page)).not_to_have_text(before_shelter)
    expect(shelter_card(page)).to_have_text(re.compile(r"^\s*0\s"))   # every district now has beds for all
    assert app.settled_metric_values() != before_all
    expect(page.locator(app.errors)).to_have_count(0)
