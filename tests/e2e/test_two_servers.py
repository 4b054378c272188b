"""Two Streamlit server processes on one PostgreSQL, as a deployment behind a reverse proxy runs them: a
session registered through one shows through the other within 3 s of a reload, both ways, although each
server had already cached the sessions it knew (their cache keys follow versions read from the database).

Skips only when GAPSMODEL_TEST_POSTGRES_URL is unset (CI sets it); each run uses a database of its own.
"""
from __future__ import annotations

import os
import time
import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from gapsmodel.i18n import Translator
from tests.e2e.conftest import ADMIN, ARTIFACTS, AppDriver, StreamlitServer

pytestmark = pytest.mark.browser

ES = Translator("es")
POSTGRES_URL = os.environ.get("GAPSMODEL_TEST_POSTGRES_URL")
VISIBLE_WITHIN_S = 3.0


@pytest.fixture(scope="module")
def shared_database():
    """A fresh PostgreSQL database holding the demo and an administrator account."""
    if not POSTGRES_URL:
        pytest.skip("GAPSMODEL_TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and sets it)")
    from gapsmodel.records import accounts
    from gapsmodel.records.demo import load_demo
    from gapsmodel.records.permissions import COMMAND_LINE
    from gapsmodel.records.store import Store
    from gapsmodel.rules.catalog import load_catalog
    from gapsmodel.rules.territory import load_territory
    name = f"gapsmodel_two_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    store = Store.open(url)
    load_demo(store, load_catalog(), load_territory())
    accounts.add_user(store, ADMIN["username"], "admin", password=ADMIN["password"], actor=COMMAND_LINE,
                      catalog=load_catalog())
    store.engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def two_servers(shared_database, tmp_path_factory, chromium_path):
    servers = []
    try:
        for name in ("a", "b"):
            folder = tmp_path_factory.mktemp(f"e2e_server_{name}")
            servers.append(StreamlitServer(folder / "unused.db", folder / "streamlit.log",
                                           database_url=shared_database).start())
        yield servers
    finally:
        for server in servers:
            server.stop()


def _sign_in(page, app: AppDriver, url: str) -> None:
    app.open(f"{url}/ingresar")
    page.get_by_label(ES("accounts.username")).fill(ADMIN["username"])
    page.get_by_label(ES("accounts.password"), exact=True).fill(ADMIN["password"])
    page.get_by_role("button", name=ES("accounts.login_button")).click()
    app.wait()
    expect(page.locator('[data-testid="stSidebar"]')
           .get_by_text(ES("accounts.sidebar_user", user=ADMIN["username"]))).to_have_count(1)


def _register_session(page, app: AppDriver, day: date, title: str) -> None:
    """On the signed-in page: go to Sesiones through the menu (a reload would sign out) and register one."""
    app.sidebar_link(ES("sessions_nav.sessions")).click()
    app.wait()
    page.get_by_text(ES("sessions.new_session")).click()
    form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_role("button", name=ES("sessions.create")))
    # the date field is a row of spin buttons starting on today: only the year is typed
    year = form.get_by_role("spinbutton", name=f"year, {ES('sessions.date_field')}")
    year.click()
    year.press_sequentially(str(day.year))
    form.get_by_label(ES("sessions.title_field")).fill(title)
    form.get_by_role("button", name=ES("sessions.create")).click()
    app.wait()
    expect(page.get_by_text(ES("sessions.created", date=ES.date(day)))).to_be_visible()


def _seconds_until_listed(page, url: str, day: date, title: str) -> float:
    """Reload the sessions page at ``day`` and time how long until its selector shows ``title``."""
    started = time.monotonic()
    page.goto(f"{url}/sesiones?session={day.isoformat()}", wait_until="domcontentloaded")
    option = ES("sessions.option", date=ES.date(day), title=title)
    # the selector's chosen option is the value of its input
    expect(page.locator('[data-testid="stSelectbox"] input').first).to_have_value(option, timeout=60_000)
    return time.monotonic() - started


def _other_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="es-PE")
    context.set_default_timeout(30_000)
    return context, context.new_page()


def test_a_session_registered_through_one_server_shows_through_the_other(two_servers, browser, page, app):
    server_a, server_b = two_servers
    context, reader = _other_page(browser)
    try:
        for server in (server_a, server_b):    # both servers have read and cached the sessions they know
            AppDriver(reader).open(f"{server.url}/sesiones")
        today = date.today().replace(day=min(date.today().day, 28))   # a day every year has
        first_day, second_day = today.replace(year=today.year + 2), today.replace(year=today.year + 3)

        _sign_in(page, app, server_a.url)
        _register_session(page, app, first_day, "Sesión registrada en el servidor A")
        took = _seconds_until_listed(reader, server_b.url, first_day, "Sesión registrada en el servidor A")
        assert took < VISIBLE_WITHIN_S, f"server B showed the new session after {took:.1f} s"

        _sign_in(page, app, server_b.url)
        _register_session(page, app, second_day, "Sesión registrada en el servidor B")
        took = _seconds_until_listed(reader, server_a.url, second_day, "Sesión registrada en el servidor B")
        assert took < VISIBLE_WITHIN_S, f"server A showed the new session after {took:.1f} s"
        expect(reader.locator(AppDriver.errors)).to_have_count(0)
    finally:
        reader.screenshot(path=str(ARTIFACTS / "two_servers_reader.png"), full_page=True)
        context.close()
