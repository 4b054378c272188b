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


def check_pages(browser, base_url: str, pages: list[str], size: str, lang: str, tag: str = "",
                storage_state: dict | None = None) -> None:
    """Open each page at one size and language, run the layout checks, take its screenshot, and fail
    naming every page with a problem (the findings also go to a JSON file beside the screenshots)."""
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="es-PE",
                                  is_mobile=size == "phone", has_touch=size == "phone", storage_state=storage_state)
    page = context.new_page()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    found = {}
    try:
        app = AppDriver(page)
        for name in pages:
            app.open(f"{base_url}/{name}?lang={lang}")     # "" is the overview, the main page
            page.wait_for_timeout(500)     # charts size themselves to their box after the run
            problems = layout.problems(page)
            if problems:
                found[name or "resumen"] = problems
            full_length_screenshot(page, ARTIFACTS / f"page{tag}_{name or 'resumen'}_{lang}_{width}x{height}.png")
    finally:
        context.close()
    report = ARTIFACTS / f"layout{tag}_{lang}_{width}x{height}.json"
    report.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    assert found == {}, f"see {report.name}: " + "; ".join(f"{p}: {sorted(v)}" for p, v in found.items())


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_keeps_its_text_whole(browser, app_server, size, lang):
    check_pages(browser, app_server.url, PAGES, size, lang)
