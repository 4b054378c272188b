"""On a phone (390×844, touch): a partner signs in, types its month on *Reportar*, gets a rule warning,
keeps the draft across a page change, confirms, and the overview then shows the reported month.

MIMP reports GBV cases in Tumbes: 30 reported (27 women + 10 men = 37, above the total: rule
``partes_sexo_total`` warns, does not block) and 20 attended. No other institution reports that month,
so the overview moves to it and its GBV card reads 30 − 20 = 10 cases not attended.
"""
from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from conftest import APP_IDLE, APP_RUN_TIMEOUT_MS, ARTIFACTS, AppDriver, _server_with_account
from gapsmodel.i18n import Translator
from gapsmodel.ingest.form import form_grid
from gapsmodel.records.store import Store
from gapsmodel.rules.catalog import load_catalog
from gapsmodel.rules.periods import add_months, month_of
from test_login import sign_in

pytestmark = pytest.mark.browser

ES = Translator("es")
MIMP = {"username": "socia.mimp", "password": "clave-de-prueba-e2e-2024", "institution": "MIMP"}
PHONE = {"width": 390, "height": 844}
TUMBES = "240101"
# (indicator, sex, figure) in the order they are typed: the attended cases first, so no intermediate
# state breaks the error rule "attended <= reported"
TYPED = [("casos_vbg_atendidos", "total", 20), ("casos_vbg_reportados", "total", 30),
         ("casos_vbg_reportados", "hombre", 10), ("casos_vbg_reportados", "mujer", 27)]
VALUE_COLUMN = 3          # indicator, place, sex, then the figure to type (pages/reportar.py FORM_ORDER)


@pytest.fixture
def mimp_server(tmp_path_factory, chromium_path):
    server = _server_with_account(tmp_path_factory, "e2e_report_form", MIMP, "partner")
    yield server
    server.stop()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="es-PE", is_mobile=True, has_touch=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield page
    finally:   # the last state, whether the test passed or not
        page.screenshot(path=str(ARTIFACTS / "report_form_last_390x844.png"), full_page=True)
        context.close()


def shot(page, step: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"report_form_{step}_390x844.png"))


def go_to(page, app: AppDriver, title: str) -> None:
    """Open the collapsed sidebar, tap a page, close the sidebar again (it stays open on a phone)."""
    page.locator('[data-testid="stExpandSidebarButton"]').tap()
    app.sidebar_link(title).tap()
    app.wait()
    # a page's first run may be followed by another (it writes its view into the address): let it pass
    for _ in range(2):
        page.wait_for_selector(APP_IDLE, timeout=APP_RUN_TIMEOUT_MS)
        page.wait_for_timeout(500)
    collapse = page.locator('[data-testid="stSidebarCollapseButton"] button')
    if collapse.is_visible():
        collapse.tap()
        page.wait_for_timeout(400)


def form_rows(server, month: str) -> list[int]:
    """Where each TYPED cell sits in the form, from the same grid the page builds on the server's data."""
    grid = form_grid(load_catalog(), MIMP["institution"], month, Store.open(f"sqlite:///{server.db_path}").values())
    rows = []
    for indicator, sex, _ in TYPED:
        match = grid.index[grid["indicator"].eq(indicator) & grid["ubigeo"].eq(TUMBES) & grid["sex"].eq(sex)
                           & grid["age"].eq("total")]
        assert len(match) == 1, (indicator, sex)
        rows.append(int(match[0]))
    return rows


def preview(new: int) -> str:
    return ES("report_form.preview", new=str(new), replaced="0")


def sector_card(page, sector: str):
    label = load_catalog().label("sectors", sector, "es")
    return page.locator('[data-testid="stMetric"]').filter(has_text=label).locator('[data-testid="stMetricValue"]')


def within_screen(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_partner_reports_the_month_on_a_phone_and_the_overview_shows_it(mimp_server, phone):
    page, app = phone, AppDriver(phone)
    month = add_months(month_of(date.today()), -1)   # the form's first offer
    rows = form_rows(mimp_server, month)
    rule = load_catalog().rules.set_index("code").loc["partes_sexo_total", "message_es"]

    sign_in(page, app, mimp_server.url, MIMP, remember=False)
    go_to(page, app, ES("nav.overview"))
    period = page.get_by_role("combobox", name=ES("periods.select"), exact=True)
    expect(period).to_have_value(ES.period("2024-06"))           # the demo's last complete month
    expect(sector_card(page, "vbg")).not_to_have_text(re.compile(r"^\s*10 "))

    go_to(page, app, ES("upload_nav.report"))
    expect(page.get_by_role("combobox", name=ES("report_form.month"))).to_have_value(ES.period(month))
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"], box
    shot(page, "1_form")

    # keyboard moves within the grid after one tap on its first cell (the canvas has no cells to tap by name)
    page.touchscreen.tap(box["x"] + 30, box["y"] + 80)
    expect(page.locator('[data-testid="stDataFrame"] td[aria-selected="true"]')).to_have_count(1)
    page.wait_for_function("() => document.querySelector('[data-testid=stDataFrame]').contains(document.activeElement)"
                           " && document.activeElement !== document.body")
    for _ in range(VALUE_COLUMN):
        page.keyboard.press("ArrowRight")
    at = 0
    for typed, ((_, _, figure), row) in enumerate(zip(TYPED, rows), start=1):
        for _ in range(row - at):
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")                             # opens the cell's editor
        editor = page.locator("input.gdg-input")
        expect(editor).to_be_focused()
        if at == 0:
            # the phone's numeric keyboard: the grid's number editor asks for it (not on an iPhone, where
            # react-number-format leaves inputmode out)
            assert editor.get_attribute("inputmode") == "numeric", editor.evaluate("e => e.outerHTML")
            shot(page, "2_typing")
        editor.type(str(figure))
        expect(editor).to_have_value(str(figure))              # the editor holds it before it is saved
        page.wait_for_timeout(300)    # the grid takes the typed text into its state a moment after (no DOM sign)
        page.keyboard.press("Enter")                             # saves the cell and moves one row down
        # each saved cell reruns the page: its count of new figures tells that this cell arrived
        expect(page.get_by_text(preview(typed))).to_be_visible(timeout=60_000)
        at = row + 1

    warning = page.locator('[data-testid="stAlertContentWarning"]').filter(has_text=rule)
    expect(warning).to_have_count(1)
    expect(warning).to_contain_text("37 frente a 30")
    expect(page.locator(app.errors)).to_have_count(0)

    confirm = page.get_by_role("button", name=ES("upload.confirm", n="4"))
    confirm.scroll_into_view_if_needed()
    warning.scroll_into_view_if_needed()
    assert within_screen(warning) and within_screen(confirm)
    shot(page, "3_warning")

    # the typed figures are a draft of this session: another page and back keeps them
    go_to(page, app, ES("nav.overview"))
    go_to(page, app, ES("upload_nav.report"))
    expect(page.get_by_text(preview(len(TYPED)))).to_be_visible()
    expect(warning).to_have_count(1)

    confirm.scroll_into_view_if_needed()
    confirm.tap()
    app.wait()
    expect(page.locator('[data-testid="stAlertContentSuccess"]')).to_contain_text(
        ES("upload.saved", batch="", n="", institution="").split(":")[0])
    shot(page, "4_saved")

    # the reported month is now the overview's: GBV cases 30 reported − 20 attended = 10 not attended,
    # and the sectors nobody reported for it say so
    go_to(page, app, ES("nav.overview"))
    expect(period).to_have_value(ES.period(month))
    expect(sector_card(page, "vbg")).to_have_text(re.compile(r"^\s*10 casos\s*$"))
    expect(sector_card(page, "alojamiento")).to_have_text(re.compile(re.escape(ES.severity("sin_datos"))))
    expect(page.locator(app.errors)).to_have_count(0)
    shot(page, "5_overview")
