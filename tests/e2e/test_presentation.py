"""The presentation mode in a real browser: one slide at a time filling a 16:9 screen, stepped with the
buttons and the arrow keys, left with Esc. Every slide is screenshot in tests/artifacts/."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from gapsmodel.i18n import Translator

from conftest import ARTIFACTS, AppDriver
import layout_checks as layout

pytestmark = pytest.mark.browser

ES = Translator("es")


def counter(page):
    return page.locator(".st-key-slide_counter")


def slide_heading(page):
    return page.locator(".st-key-slide .slide-message").first


def shown_number(page) -> tuple[int, int]:
    text = counter(page).inner_text().strip()
    match = re.fullmatch(r"(\d+)\s*/\s*(\d+)", text)
    assert match, text
    return int(match.group(1)), int(match.group(2))


def test_presentation_steps_through_its_slides(page, app, app_server):
    app.open(f"{app_server.url}/presentacion")
    expect(counter(page)).to_have_text(re.compile(r"^\s*1\s*/\s*\d+\s*$"))
    number, total = shown_number(page)
    assert total >= 3, f"a session should give several slides, got {total}"
    prev_button = page.get_by_role("button", name=ES("presentation.prev"))
    next_button = page.get_by_role("button", name=ES("presentation.next"))
    expect(prev_button).to_be_disabled()
    titles = [slide_heading(page).inner_text()]

    next_button.click()
    app.wait()
    expect(counter(page)).to_have_text(re.compile(rf"^\s*2\s*/\s*{total}\s*$"))
    expect(slide_heading(page)).not_to_have_text(titles[0])
    titles.append(slide_heading(page).inner_text())
    expect(prev_button).to_be_enabled()
    assert re.search(r"slide=2", page.url), page.url

    slide_heading(page).click()  # focus the page (a heading, not a widget) so the key goes to the app
    page.keyboard.press("ArrowRight")
    app.wait()
    expect(counter(page)).to_have_text(re.compile(rf"^\s*3\s*/\s*{total}\s*$"))
    titles.append(slide_heading(page).inner_text())
    assert len(set(titles)) == 3, titles

    prev_button.click()
    app.wait()
    expect(counter(page)).to_have_text(re.compile(rf"^\s*2\s*/\s*{total}\s*$"))
    expect(slide_heading(page)).to_have_text(titles[1])
    expect(page.locator(app.errors)).to_have_count(0)


@pytest.mark.parametrize("width, height, lang", [(1280, 720, "es"), (1920, 1080, "es"), (1280, 720, "en")])
def test_every_slide_fits_the_screen_with_large_text(browser, app_server, width, height, lang):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="es-PE")
    page = context.new_page()
    try:
        app = AppDriver(page)
        app.open(f"{app_server.url}/presentacion?lang={lang}")
        _, total = shown_number(page)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for n in range(1, total + 1):
            if n > 1:
                page.keyboard.press("ArrowRight")
                app.wait()
                expect(counter(page)).to_have_text(re.compile(rf"^\s*{n}\s*/\s*{total}\s*$"))
            assert layout.settled(page, layout.SLIDE_FITS) == [], f"slide {n} at {width}x{height}"
            assert page.evaluate(layout.SLIDE_TEXT_MIN_PX) >= 28, f"slide {n}: text under 28 px"
            chart = page.evaluate(layout.SLIDE_CHART_TEXT_PX)
            if chart["median"] is not None:
                assert chart["charts"] == 1, f"slide {n}: {chart['charts']} charts shown"
            if chart["median"] is not None and width > 1280:
                # the chart's text grows with the screen as the slide's own text does: against the same
                # slide at 1280×720, in proportion to the width
                page.set_viewport_size({"width": 1280, "height": 720})
                small = layout.settled_value(page, layout.SLIDE_CHART_TEXT_PX,
                                             lambda c: c["charts"] == 1 and c["median"] is not None)
                page.set_viewport_size({"width": width, "height": height})
                layout.settled_value(page, layout.SLIDE_CHART_TEXT_PX, lambda c: c["median"] == chart["median"])
                assert chart["median"] >= small["median"] * width / 1280 * 0.95, f"slide {n}: {chart} {small}"
            assert layout.problems(page) == {}, f"slide {n} at {width}x{height}"
            page.screenshot(path=str(ARTIFACTS / f"slide_{lang}_{width}x{height}_{n:02d}.png"))
        assert page.locator(".slide-list td").count() > 0      # the last slide lists the agreements
    finally:
        context.close()


def test_escape_leaves_the_presentation_for_the_sessions_page(page, app, app_server):
    app.open(f"{app_server.url}/presentacion")
    slide_heading(page).click()
    page.keyboard.press("Escape")
    app.wait()
    page.wait_for_url(re.compile(r"/sesiones"))
    expect(page.locator(".st-key-slide")).to_have_count(0)


def test_the_deck_downloads_as_powerpoint_with_native_charts(page, app, app_server, tmp_path):
    import io

    from pptx import Presentation

    app.open(f"{app_server.url}/presentacion")
    expect(counter(page)).to_have_text(re.compile(r"^\s*1\s*/\s*\d+\s*$"))
    _, total = shown_number(page)
    page.get_by_role("button", name=ES("deck.downloads")).click()     # the bar's download menu
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name=ES("deck.download")).click()
    path = tmp_path / "deck.pptx"
    download.value.save_as(path)
    assert download.value.suggested_filename.endswith(".pptx")
    deck = Presentation(io.BytesIO(path.read_bytes()))
    firsts = list(dict.fromkeys(s.shapes.title.text for s in deck.slides))
    assert len(firsts) == total and firsts[0].startswith("1. ")
    assert any(shape.has_chart for s in deck.slides for shape in s.shapes)
    stamps = {shape.text_frame.text for s in deck.slides for shape in s.shapes if shape.name == "stamp"}
    assert stamps and all("versión pública" in text for text in stamps)
