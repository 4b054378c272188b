"""The browser layout checks themselves, on planted faults: each must find the fault it looks for, say
nothing on the same page without it, and let a passing moment of drawing settle instead of failing on it."""
from __future__ import annotations

import pytest

import layout_checks as layout

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    yield page
    context.close()


def main(page, body: str) -> None:
    page.set_content(f'<body style="margin:0"><div data-testid="stMain" style="width:390px">{body}</div></body>')


def test_an_element_wider_than_the_phone_is_found_and_one_scrolling_inside_itself_is_not(phone_page):
    main(phone_page, '<div style="width:600px">Una tabla demasiado ancha</div>')
    assert phone_page.evaluate(layout.WIDER_THAN_VIEWPORT) == ['div "Una tabla demasiado ancha" spans 0..600 of 390']
    main(phone_page, '<div style="overflow-x:auto"><div style="width:600px">Una tabla que se desplaza</div></div>')
    assert phone_page.evaluate(layout.WIDER_THAN_VIEWPORT) == []


def test_text_cut_with_an_ellipsis_is_found_unless_a_tooltip_gives_it_whole(phone_page):
    cut = ('<p style="width:80px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis">'
           'Documentación y regularización</p>')
    main(phone_page, cut)
    assert phone_page.evaluate(layout.ELLIPSIS_CUT) == ['p "Documentación y regularización"']
    main(phone_page, f'<div title="Documentación y regularización">{cut}</div>')
    assert phone_page.evaluate(layout.ELLIPSIS_CUT) == []


def test_a_toolbar_over_a_caption_is_found_and_one_with_room_above_its_table_is_not(phone_page):
    table = ('<div data-testid="stElementContainer" style="position:relative;padding-top:{pad}px">'
             '<div data-testid="stElementToolbar" style="position:absolute;top:0;right:0;width:120px;height:40px">'
             '</div><div style="height:80px">tabla</div></div>')
    caption = '<p style="margin:0;height:30px">Cifras de junio 2024</p>'
    main(phone_page, caption + '<div style="margin-top:-30px">' + table.format(pad=44) + '</div>')
    assert phone_page.evaluate(layout.TOOLBAR_OVER_TEXT) == ['p "Cifras de junio 2024"']
    main(phone_page, caption + table.format(pad=44))
    assert phone_page.evaluate(layout.TOOLBAR_OVER_TEXT) == []


def test_a_fault_that_lasts_only_while_the_page_draws_settles_and_one_that_stays_is_reported(phone_page):
    main(phone_page, '<div id="chart" style="width:600px">Un gráfico aún sin su tamaño</div>')
    phone_page.evaluate("() => setTimeout(() => { document.getElementById('chart').style.width = '300px'; }, 600)")
    assert phone_page.evaluate(layout.WIDER_THAN_VIEWPORT) != []          # at first sight, a fault
    assert layout.problems(phone_page) == {}
    main(phone_page, '<div style="width:600px">Un gráfico demasiado ancho</div>')
    assert list(layout.problems(phone_page)) == ["wider than the screen"]
