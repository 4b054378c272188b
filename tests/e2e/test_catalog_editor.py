"""An administrator edits a catalog cell in the browser: a wrong value is refused with the problem named and
nothing written; the corrected value is saved and audited (on a copy of the catalog, never the repository's)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from gapsmodel.rules.catalog import load_catalog
from gapsmodel.records.catalog_edit import read_table
from gapsmodel.i18n import Translator

pytestmark = pytest.mark.browser

ES = Translator("es")
GAP = "camas_albergue"


def edit_cell(page, app, row: int, column: str, text: str) -> None:
    """Type into one cell of the editor: select the top-left cell, move with the arrow keys, open the cell
    editor with Enter, replace its text, and confirm with Enter (the grid is drawn on a canvas)."""
    columns = list(read_table("gaps.csv").columns)
    grid = page.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 60, box["y"] + 35 + 17)      # below the 35-pixel header, first column
    # a loaded machine (tests run two at a time) drops keys sent before the grid has taken the focus
    page.wait_for_timeout(400)
    for _ in range(row):
        page.keyboard.press("ArrowDown", delay=30)
        page.wait_for_timeout(40)
    for _ in range(columns.index(column)):
        page.keyboard.press("ArrowRight", delay=30)
        page.wait_for_timeout(40)
    page.keyboard.press("Enter")
    # the grid's cell editor opens in an overlay: type only once it is there (a loaded machine is slow)
    page.locator("textarea.gdg-input, input.gdg-input").first.wait_for(state="visible", timeout=10_000)
    page.keyboard.press("Control+A")
    page.keyboard.type(text, delay=50)
    page.wait_for_timeout(200)
    page.keyboard.press("Enter")
    app.wait()


def open_catalog(page, app, url: str, account: dict) -> None:
    app.open(f"{url}/ingresar")
    page.get_by_label(ES("accounts.username")).fill(account["username"])
    page.get_by_label(ES("accounts.password"), exact=True).fill(account["password"])
    page.get_by_role("button", name=ES("accounts.login_button")).click()
    app.wait()
    app.sidebar_link(ES("accounts_nav.catalog")).click()
    app.wait()
    expect(page.locator("h1").first).to_have_text(ES("catalog_admin.title"))


def test_admin_edits_a_catalog_cell_a_wrong_value_is_refused_and_a_good_one_saved(admin_server, admin_catalog,
                                                                                 admin_account, page, app):
    original = (admin_catalog / "gaps.csv").read_bytes()
    row = list(read_table("gaps.csv", admin_catalog)["code"]).index(GAP)
    open_catalog(page, app, admin_server.url, admin_account)

    edit_cell(page, app, row, "target_coverage", "90")
    page.get_by_role("button", name=ES("catalog_admin.save")).click()
    app.wait()
    error = page.locator('[data-testid="stAlertContentError"]')
    expect(error).to_contain_text(ES("catalog_admin.refused"))
    expect(error).to_contain_text(f"{GAP}: target_coverage")
    assert (admin_catalog / "gaps.csv").read_bytes() == original

    # leave and come back: the editor starts again from the saved table
    app.sidebar_link(ES("nav.overview")).click()
    app.wait()
    app.sidebar_link(ES("accounts_nav.catalog")).click()
    app.wait()
    edit_cell(page, app, row, "target_coverage", "0.8")
    page.get_by_role("button", name=ES("catalog_admin.save")).click()
    app.wait()
    expect(page.locator('[data-testid="stAlertContentSuccess"]')).to_contain_text("gaps.csv")
    expect(page.locator(app.errors)).to_have_count(0)
    assert load_catalog(admin_catalog).gaps.at[GAP, "target_coverage"] == 0.8
    assert list((admin_catalog / ".history").glob("gaps.*.csv"))
