"""The pages an administrator sees, signed in, at a projector's and a phone's size, in Spanish and English:
the same checks as the public pages (nothing wider than the screen, no chart text outside its chart, no
text cut with an ellipsis, no mode bar over a title). One server and one sign-in for all of them: the
browser is remembered (its cookie) and every size and language opens the pages with it."""
from __future__ import annotations

import pytest

from conftest import ADMIN, AppDriver, _server_with_account
from test_layout import SIZES, check_pages
from test_login import remembered_cookie, sign_in

pytestmark = pytest.mark.browser

# what an administrator sees beyond the public pages, plus the public pages whose content changes once
# signed in (the quality table by institution, the data with the download, the account page)
SIGNED_IN_PAGES = ["cargar", "historial", "usuarios", "auditoria", "catalogo", "calidad", "datos", "ingresar"]


@pytest.fixture(scope="module")
def signed_in_admin(tmp_path_factory, chromium_path, browser):
    """The administrator's server and a browser state remembered as signed in to it."""
    server = _server_with_account(tmp_path_factory, "e2e_layout_admin", ADMIN, "admin")
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="es-PE")
    try:
        page = context.new_page()
        sign_in(page, AppDriver(page), server.url, ADMIN, remember=True)
        assert remembered_cookie(page) is not None
        yield server, context.storage_state()
    finally:
        context.close()
        server.stop()


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("size", list(SIZES))
def test_every_signed_in_page_keeps_its_text_whole(browser, signed_in_admin, size, lang):
    server, state = signed_in_admin
    check_pages(browser, server.url, SIGNED_IN_PAGES, size, lang, tag="_admin", storage_state=state)
