"""Every public page at a projector's and a phone's size, in Spanish and English: nothing wider than the
screen, no chart text outside its chart, no text cut with an ellipsis. Screenshots in tests/artifacts/."""
from __future__ import annotations

import json

import pytest

import layout_checks as layout
from conftest import ARTIFACTS, AppDriver

pytestmark = pytest.mark.browser

PAGES = ["", "sesiones", "acuerdos", "sectores", "mapa", "tendencias", "calidad", "datos", "cargar",
         "historial", "ingresar"]
SIZES = {"projector": (1280, 720), "phone": (390, 844)}


def full_length_screenshot(page, path) -> None:
    """The whole page: Streamlit scrolls inside its main block, so the window is made as tall as that
    block for the picture (after the checks, which ran at the real size), then put back."""
    size = page.viewport_size
    tall = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 0")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(tall), 12000))})
    page.wait_for_timeout(400)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_keeps_its_text_whole(browser, app_server, size, lang):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="es-PE",
                                  is_mobile=size == "phone", has_touch=size == "phone")
    page = context.new_page()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    found = {}
    try:
        app = AppDriver(page)
        for name in PAGES:
            app.open(f"{app_server.url}/{name}?lang={lang}")     # "" is the overview, the main page
            page.wait_for_timeout(500)     # charts size themselves to their box after the run
            problems = layout.problems(page)
            if problems:
                found[name or "resumen"] = problems
            full_length_screenshot(page, ARTIFACTS / f"page_{name or 'resumen'}_{lang}_{width}x{height}.png")
    finally:
        context.close()
    report = ARTIFACTS / f"layout_{lang}_{width}x{height}.json"
    report.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    assert found == {}, f"see {report.name}: " + "; ".join(f"{p}: {sorted(v)}" for p, v in found.items())


# what an administrator sees beyond the public pages (the public ones with their signed-in extras too:
# the upload form, editable agreements, exact figures); one server, one sign-in kept across reloads
SIGNED_IN_PAGES = ["", "sesiones", "acuerdos", "calidad", "datos", "cargar", "historial", "usuarios", "auditoria",
                   "catalogo", "ingresar"]


def test_every_signed_in_page_keeps_its_text_whole(browser, admin_server, admin_account):
    from test_login import sign_in
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="es-PE")
    page = context.new_page()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    found = {}
    try:
        app = AppDriver(page)
        sign_in(page, app, admin_server.url, admin_account, remember=True)
        for size, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            for lang in ("es", "en"):
                for name in SIGNED_IN_PAGES:
                    app.open(f"{admin_server.url}/{name}?lang={lang}")
                    page.wait_for_timeout(300)
                    assert page.locator(app.errors).count() == 0, f"{name} {lang}: an error is shown"
                    problems = layout.problems(page)
                    if problems:
                        found[f"{name or 'resumen'} {lang} {size}"] = problems
                    full_length_screenshot(page, ARTIFACTS / f"admin_{name or 'resumen'}_{lang}_{width}x{height}.png")
    finally:
        context.close()
    report = ARTIFACTS / "layout_admin.json"
    report.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    assert found == {}, f"see {report.name}: " + "; ".join(f"{p}: {sorted(v)}" for p, v in found.items())
