"""Real-browser fixtures: the dashboard served by ``streamlit run`` on a free port, driven by headless Chromium.

The server gets a fresh, empty SQLite file (the app loads the demo into it on first run, asked to with
GAPSMODEL_DEMO=1). Chromium is the
machine's own (Debian's ``/usr/bin/chromium``, or ``$CHROMIUM_PATH``); Playwright's browser download is not
needed. Where no Chromium is found the tests skip with the reason, except under ``CI=true``, where they fail.

Every test leaves a screenshot in tests/artifacts/; a failing test also leaves the page's HTML there.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
SERVER_START_TIMEOUT = 120  # seconds: includes loading the demo into the empty database on first run
APP_RUN_TIMEOUT_MS = 120_000
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
APP_RUNNING = '[data-testid="stApp"][data-test-script-state="running"]'
ERROR_ELEMENTS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def find_chromium() -> str | None:
    """``$CHROMIUM_PATH`` when set (and only it), else the first Chromium found among the usual names."""
    wanted = os.environ.get("CHROMIUM_PATH")
    for candidate in [wanted] if wanted else CHROMIUM_CANDIDATES:
        path = candidate if os.path.isabs(candidate) else shutil.which(candidate)
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def _unavailable(reason: str):
    if in_ci():
        pytest.fail(f"{reason} (CI=true: browser tests must run, not skip)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().decode().strip() == "ok"
    except OSError:
        return False


class StreamlitServer:
    """``streamlit run dashboard.py`` in a subprocess on a free port with its own database."""

    def __init__(self, db_path: Path, log_path: Path, extra_env: dict[str, str] | None = None,
                 database_url: str | None = None):
        self.db_path, self.log_path = db_path, log_path
        self.database_url = database_url or f"sqlite:///{db_path}"   # e.g. a PostgreSQL shared by two servers
        self.extra_env = extra_env or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> "StreamlitServer":
        # a configured store gets the demo only when the operator asks (GAPSMODEL_DEMO=1), as these tests do
        env = dict(os.environ, GAPSMODEL_DATABASE_URL=self.database_url, GAPSMODEL_DEMO="1",
                   PYTHONUNBUFFERED="1",
                   **self.extra_env)
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}:\n{self.log()}")
            if _healthy(self.url):
                return self
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"streamlit did not become healthy within {SERVER_START_TIMEOUT}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "_log", None):
            self._log.close()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        looked = os.environ.get("CHROMIUM_PATH") or ", ".join(CHROMIUM_CANDIDATES)
        _unavailable(f"no Chromium found (looked for {looked}; set CHROMIUM_PATH or install Debian's chromium)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in requirements-dev.txt
        _unavailable("Playwright for Python is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _server(tmp_path_factory, name: str):
    folder = tmp_path_factory.mktemp(name)
    server = StreamlitServer(folder / "app.db", folder / "streamlit.log").start()
    return server


@pytest.fixture(scope="session")
def app_server(tmp_path_factory, chromium_path):
    """A server shared by the tests that only read (its database is never written by a test)."""
    server = _server(tmp_path_factory, "e2e_server")
    yield server
    server.stop()


@pytest.fixture
def fresh_server(tmp_path_factory, chromium_path):
    """A server of the test's own, for tests that write to the database (uploads)."""
    server = _server(tmp_path_factory, "e2e_fresh_server")
    yield server
    server.stop()


PARTNER = {"username": "socia.acnur", "password": "clave-de-prueba-e2e-2024", "institution": "ACNUR"}


def _server_with_account(tmp_path_factory, name: str, account: dict, role: str, extra_env: dict | None = None):
    from gapsmodel.records import accounts
    from gapsmodel.rules.catalog import load_catalog
    from gapsmodel.records.permissions import COMMAND_LINE
    from gapsmodel.records.store import Store
    from gapsmodel.records.demo import load_demo
    from gapsmodel.rules.territory import load_territory
    folder = tmp_path_factory.mktemp(name)
    store = Store.open(f"sqlite:///{folder / 'app.db'}")
    # the demo goes in first: a store that already has an account never gets it (issue 12)
    load_demo(store, load_catalog(), load_territory())
    accounts.add_user(store, account["username"], role, account.get("institution"), password=account["password"],
                      actor=COMMAND_LINE, catalog=load_catalog())
    store.engine.dispose()
    return StreamlitServer(folder / "app.db", folder / "streamlit.log", extra_env).start()


@pytest.fixture
def partner_server(tmp_path_factory, chromium_path):
    """A server of the test's own whose database already holds a partner account for ACNUR (``PARTNER``);
    the demo is loaded on its first run as usual (the store has no batches yet)."""
    server = _server_with_account(tmp_path_factory, "e2e_partner_server", PARTNER, "partner")
    yield server
    server.stop()


ADMIN = {"username": "secretaria.tecnica", "password": "clave-admin-e2e-2024"}


@pytest.fixture
def admin_catalog(tmp_path_factory) -> Path:
    """A copy of the catalog for a test that changes it (the repository's own files are never written)."""
    from gapsmodel.rules.catalog import DEFAULT_DIR
    target = tmp_path_factory.mktemp("e2e_catalog") / "catalog"
    shutil.copytree(DEFAULT_DIR, target)
    return target


@pytest.fixture
def admin_server(tmp_path_factory, chromium_path, admin_catalog):
    """A server of the test's own with an administrator account (``ADMIN``) and its own catalog copy."""
    from gapsmodel.rules.catalog import DIR_ENV_VAR
    server = _server_with_account(tmp_path_factory, "e2e_admin_server", ADMIN, "admin",
                                  {DIR_ENV_VAR: str(admin_catalog)})
    yield server
    server.stop()


@pytest.fixture
def partner():
    return dict(PARTNER)


@pytest.fixture
def admin_account():
    return dict(ADMIN)


def wait_for_app_run(page, timeout: int = APP_RUN_TIMEOUT_MS) -> None:
    """Wait for a script run triggered by the last interaction (if any started) to finish."""
    try:
        page.wait_for_selector(APP_RUNNING, timeout=1500)
    except Exception:  # the run may have started and ended already, or not been needed
        pass
    page.wait_for_selector(APP_IDLE, timeout=timeout)
    page.wait_for_timeout(300)  # let the frontend apply the last deltas


def open_app(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    # the boundary credit is the last thing dashboard.py writes: once it is there, a whole run has drawn
    # (the idle marker alone can be seen before the first run starts, or between a hand-over and its rerun)
    page.get_by_text("INEI", exact=False).last.wait_for(timeout=APP_RUN_TIMEOUT_MS)
    # a first run may be followed at once by another (the page writes its view into the address): wait
    # until the app has stayed idle for a moment
    for _ in range(2):
        page.wait_for_selector(APP_IDLE, timeout=APP_RUN_TIMEOUT_MS)
        page.wait_for_timeout(500)
    page.wait_for_selector(APP_IDLE, timeout=APP_RUN_TIMEOUT_MS)


def _artifact_name(item) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid.split("::", 1)[-1])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def page(request, browser):
    """A new browser context and page; screenshot after the test, plus the HTML when it failed."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="es-PE")
    context.set_default_timeout(30_000)
    page = context.new_page()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = _artifact_name(request.node)
    (ARTIFACTS / f"{name}.html").unlink(missing_ok=True)
    yield page
    failed = any(getattr(request.node, f"rep_{w}", None) is not None and getattr(request.node, f"rep_{w}").failed
                 for w in ("setup", "call"))
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        if failed:
            (ARTIFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
    finally:
        context.close()


class AppDriver:
    """What the tests need beyond Playwright's page: open the app, wait for a run, the error selector."""
    errors = ERROR_ELEMENTS

    def __init__(self, page):
        self.page = page

    def open(self, url: str) -> None:
        open_app(self.page, url)

    def wait(self) -> None:
        wait_for_app_run(self.page)

    def metric_values(self) -> list[str]:
        return self.page.locator('[data-testid="stMetricValue"]').all_inner_texts()

    def settled_metric_values(self, reads: int = 3, timeout_ms: int = APP_RUN_TIMEOUT_MS) -> list[str]:
        """The cards once the app is idle and they read the same several times in a row.

        Streamlit draws a run's elements one delta at a time and may rerun once more after a page's
        query string is written, so a single read can catch a half-drawn page.
        """
        seen: list[list[str]] = []
        for _ in range(max(reads, timeout_ms // 250)):
            values = self.metric_values() if self.page.locator(APP_IDLE).count() else None
            seen = seen + [values] if values and (not seen or seen[-1] == values) else ([values] if values else [])
            if len(seen) >= reads:
                return seen[-1]
            self.page.wait_for_timeout(250)
        raise AssertionError(f"the cards never settled: last read {self.metric_values()}")

    def sidebar_link(self, text: str):
        return self.page.locator('[data-testid="stSidebarNav"] a').filter(has_text=text).first


@pytest.fixture
def app(page) -> AppDriver:
    return AppDriver(page)
