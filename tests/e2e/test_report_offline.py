"""The session report opened in Chromium with every network request refused: each chart draws (the
embedded plotly.js is enough) and the page is no wider than a phone or a projector."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from conftest import ARTIFACTS
from gapsmodel.records.permissions import Actor
from gapsmodel.records.sessions import add_session
from gapsmodel.views.report import build_report
from tests.helpers import shelter_rows

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1280])
def test_report_draws_every_chart_offline(browser, store, catalog, territory, tmp_path, width):
    store.add_batch(shelter_rows("2022-05", 1234, 567), institution="ACNUR", uploaded_at=datetime(2022, 6, 5, 15))
    add_session(store, date(2022, 6, 20), "Sesión de junio", actor=Actor("ana", "admin"))
    path = tmp_path / "informe.html"
    path.write_text(build_report(store, catalog, territory, date(2022, 6, 20)), encoding="utf-8")
    context = browser.new_context(viewport={"width": width, "height": 844}, is_mobile=width < 500)
    page = context.new_page()
    asked, errors = [], []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
               else (asked.append(route.request.url), route.abort()))
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(path.as_uri())
        page.wait_for_function("() => [...document.querySelectorAll('.figure')].every("
                               "f => f.querySelector('.js-plotly-plot .main-svg'))", timeout=30_000)
        figures = page.locator(".figure").count()
        drawn = page.evaluate("() => [...document.querySelectorAll('.figure .js-plotly-plot')]"
                              ".filter(p => p.querySelectorAll('.trace').length > 0).length")
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"report_{width}.png"), full_page=True)
    finally:
        context.close()
    assert figures >= 3 and drawn == figures
    assert errors == [] and asked == []
    assert wide <= width          # wide tables and charts scroll inside themselves
