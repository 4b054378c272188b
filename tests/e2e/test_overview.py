"""The overview in a real browser: it loads cleanly, speaks English when asked, and follows the period."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from gapsmodel.i18n import Translator

pytestmark = pytest.mark.browser

ES, EN = Translator("es"), Translator("en")


def test_overview_loads_without_errors_and_shows_the_demo_banner(page, app, app_server):
    app.open(app_server.url)
    expect(page.locator("h1").first).to_have_text(ES("overview.title"))
    banner = page.locator('[data-testid="stAlertContentWarning"]')
    expect(banner).to_contain_text(ES("app.demo_banner").removeprefix("⚠️").strip())
    expect(page.locator(app.errors)).to_have_count(0)
    # the headline and the sector cards are drawn with figures, not left empty
    values = app.settled_metric_values()
    assert len(values) >= 3 and all(v.strip() for v in values), values
    expect(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible()


def test_switching_to_english_changes_the_headings(page, app, app_server):
    app.open(app_server.url)
    heading = page.locator("h1").first
    expect(heading).to_have_text(ES("overview.title"))
    assert ES("overview.title") != EN("overview.title")
    page.locator('[data-testid="stSidebar"] [data-testid="stRadioOption"]').filter(has_text="English").click()
    app.wait()
    expect(heading).to_have_text(EN("overview.title"))
    expect(page.locator('[data-testid="stAlertContentWarning"]')).to_contain_text(
        EN("app.demo_banner").removeprefix("⚠️").strip())
    # the navigation and the period picker speak English too
    expect(page.locator('[data-testid="stSidebarNav"]')).to_contain_text(EN("nav.overview"))
    expect(page.get_by_role("combobox", name=EN("periods.select"))).to_be_visible()
    expect(page.locator(app.errors)).to_have_count(0)
    assert re.search(r"lang=en", page.url), page.url  # the language is kept in the URL


def test_changing_the_period_changes_the_figures(page, app, app_server):
    app.open(app_server.url)
    picker = page.get_by_role("combobox", name=ES("periods.select"))
    before_period = picker.input_value()
    before = app.settled_metric_values()
    assert len(before) >= 3, before
    picker.click()
    options = page.get_by_role("option")
    expect(options.first).to_be_visible()
    # the options run from the latest month backwards; take an older one far enough to move every card
    target = options.nth(6)
    target_text = target.inner_text().strip()
    assert target_text and target_text != before_period, (target_text, before_period)
    target.click()
    app.wait()
    expect(picker).to_have_value(target_text)
    expect(page.locator('[data-testid="stMetricValue"]')).not_to_have_text(before)
    after = app.settled_metric_values()
    assert len(after) == len(before), (before, after)  # the same cards, one per headline and sector
    changed = [b for b, a in zip(before, after) if a != b]
    assert len(changed) >= len(before) // 2, (before, after)  # most of the figures changed with the month
    assert re.search(r"period=\d{4}-\d{2}", page.url), page.url
    expect(page.locator(app.errors)).to_have_count(0)
