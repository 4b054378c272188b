"""Shared fixtures: the shipped catalog and territory, empty and demo stores, and the app under AppTest."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gapsmodel.rules.catalog import load_catalog  # noqa: E402
from gapsmodel.records.demo import load_demo  # noqa: E402
from gapsmodel.records.permissions import Actor  # noqa: E402
from gapsmodel.records.store import ENV_VAR, Store  # noqa: E402
from gapsmodel.rules.territory import load_territory  # noqa: E402


@pytest.fixture
def fast_hashing(monkeypatch):
    """Cheap argon2id parameters, for tests about account behaviour rather than hashing cost
    (a module opts in with ``pytestmark = pytest.mark.usefixtures("fast_hashing")``)."""
    from argon2 import PasswordHasher

    from gapsmodel.records import accounts
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(scope="session")
def catalog():
    return load_catalog()


@pytest.fixture(scope="session")
def territory():
    return load_territory()


@pytest.fixture
def store(tmp_path):
    """An empty store in a fresh SQLite file."""
    return Store.open(f"sqlite:///{tmp_path / 'store.db'}")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory, catalog, territory) -> Path:
    """A demo database built once per test run; copy it before writing to it."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    load_demo(Store.open(f"sqlite:///{path}"), catalog, territory)
    return path


@pytest.fixture
def demo_url(demo_template, tmp_path) -> str:
    """A private copy of the demo database, as an SQLAlchemy URL."""
    path = tmp_path / "demo.db"
    shutil.copy(demo_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def demo_store(demo_url) -> Store:
    return Store.open(demo_url)


@pytest.fixture
def app(demo_url, monkeypatch):
    """Factory for an AppTest of the whole dashboard on a private demo database.

    ``app(role="analyst", institution=None, lang="es")`` returns the AppTest, already run once.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv(ENV_VAR, demo_url)
    # A fresh process runs its very first script in Streamlit's older pages/ mode until st.navigation has
    # been called once; widget ids then change on the second run. A server does that once per process;
    # here every test would, so start as a server that has already run the entry point.
    PagesManager.uses_pages_directory = False

    def make(role: str = "public", institution: str | None = None, lang: str = "es", page: str | None = None,
             query: dict | None = None, run: bool = True):
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
        if role != "public":
            at.session_state["actor"] = Actor(f"test_{role}", role, institution)
        at.session_state["lang"] = lang
        for key, value in (query or {}).items():
            at.query_params[key] = value
        if page:
            at.switch_page(page)
        return at.run() if run else at
    return make


@pytest.fixture(autouse=True)
def _fresh_sign_in_throttle():
    """Sign-in delays live in process memory: every test starts without any."""
    from gapsmodel.records.accounts import THROTTLE
    THROTTLE.clear()
    yield
    THROTTLE.clear()
