"""The presentation mode in a real browser: one slide at a time, stepped with the buttons and the arrow keys."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from gapsmodel.i18n import Translator

pytestmark = pytest.mark.browser

ES = Translator("es")


def counter(page):
    return page.locator(".st-key-counter")


def slide_heading(page):
    return page.locator(".st-key-slide h1").first


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


def test_the_deck_downloads_as_powerpoint_with_native_charts(page, app, app_server, tmp_path):
    import io

    from pptx import Presentation

    app.open(f"{app_server.url}/presentacion")
    expect(counter(page)).to_have_text(re.compile(r"^\s*1\s*/\s*\d+\s*$"))
    _, total = shown_number(page)
    title = slide_heading(page).inner_text().strip()
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name=ES("deck.download")).click()
    path = tmp_path / "deck.pptx"
    download.value.save_as(path)
    assert download.value.suggested_filename.endswith(".pptx")
    deck = Presentation(io.BytesIO(path.read_bytes()))
    firsts = list(dict.fromkeys(s.shapes.title.text for s in deck.slides))
    assert len(firsts) == total and firsts[0] == f"1. {title}"
    assert any(shape.has_chart for s in deck.slides for shape in s.shapes)
    stamps = {shape.text_frame.text for s in deck.slides for shape in s.shapes if shape.name == "stamp"}
    assert stamps and all("versión pública" in text for text in stamps)
