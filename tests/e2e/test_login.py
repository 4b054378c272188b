"""Signing in across page reloads: "keep me signed in" survives a reload, logging out forgets it, and
without it a reload signs out (the cookie holds only a random token)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from gapsmodel.i18n import Translator

pytestmark = pytest.mark.browser

ES = Translator("es")
COOKIE = "gapsmodel_sesion"


def sign_in(page, app, url: str, account: dict, remember: bool) -> None:
    app.open(f"{url}/ingresar")
    page.get_by_label(ES("accounts.username")).fill(account["username"])
    page.get_by_label(ES("accounts.password"), exact=True).fill(account["password"])
    if remember:
        page.get_by_text(ES("accounts.remember", hours="12")).click()
    page.get_by_role("button", name=ES("accounts.login_button")).click()
    app.wait()
    expect(signed_in_line(page, account)).to_have_count(1)


def remembered_cookie(page, timeout_ms: int = 20_000) -> dict | None:
    """The remembered sign-in cookie once the page's script has set it (it runs with the next drawing)."""
    for _ in range(timeout_ms // 250):
        found = [c for c in page.context.cookies() if c["name"] == COOKIE and c["value"]]
        if found:
            return found[0]
        page.wait_for_timeout(250)
    return None


def signed_in_line(page, account: dict):
    return page.locator('[data-testid="stSidebar"]').get_by_text(ES("accounts.sidebar_user", user=account["username"]))


def test_keep_me_signed_in_survives_a_reload_and_logging_out_forgets_it(partner_server, partner, page, app):
    sign_in(page, app, partner_server.url, partner, remember=True)
    cookie = remembered_cookie(page)
    assert cookie, page.context.cookies()
    assert partner["password"] not in cookie["value"] and cookie["sameSite"] == "Strict"

    app.open(partner_server.url)                       # a reload: a new Streamlit session
    expect(signed_in_line(page, partner)).to_have_count(1)
    expect(page.locator(app.errors)).to_have_count(0)

    app.sidebar_link(ES("accounts_nav.my_account")).click()
    app.wait()
    page.get_by_role("button", name=ES("accounts.logout_button")).click()
    app.wait()
    expect(signed_in_line(page, partner)).to_have_count(0)
    app.open(partner_server.url)
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text(ES("accounts.sidebar_public")[:20])
    expect(signed_in_line(page, partner)).to_have_count(0)
    for _ in range(80):       # the ended token is cleared from the browser by the next drawing
        if not [c for c in page.context.cookies() if c["name"] == COOKIE and c["value"]]:
            break
        page.wait_for_timeout(250)
    assert not [c for c in page.context.cookies() if c["name"] == COOKIE and c["value"]]


def test_without_keep_me_signed_in_a_reload_signs_out(partner_server, partner, page, app):
    sign_in(page, app, partner_server.url, partner, remember=False)
    assert remembered_cookie(page, timeout_ms=2_000) is None
    app.open(partner_server.url)
    expect(signed_in_line(page, partner)).to_have_count(0)
