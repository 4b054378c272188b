"""Remembered sign-ins: a token stands for one account until it expires, is ended at sign-out, or the
account's password changes or the account is disabled; the store never holds the token itself."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from gapsmodel.records import accounts, login_sessions
from gapsmodel.records.permissions import COMMAND_LINE
from gapsmodel.records.store import login_sessions as table

PW = "una clave larga 123"


pytestmark = pytest.mark.usefixtures("fast_hashing")


@pytest.fixture
def with_users(store, catalog):
    for name, role in (("ana", "admin"), ("beto", "analyst")):
        accounts.add_user(store, name, role, password=PW, actor=COMMAND_LINE, catalog=catalog)
    return store


def test_a_token_stands_for_its_account_until_it_expires(with_users):
    start = datetime(2026, 3, 1, 8)
    token = login_sessions.start(with_users, "beto", hours=12, now=start)
    assert login_sessions.resume(with_users, token, now=start + timedelta(hours=11, minutes=59)) == "beto"
    assert login_sessions.resume(with_users, token, now=start + timedelta(hours=12)) is None
    assert login_sessions.resume(with_users, token[:-1] + ("A" if token[-1] != "A" else "B"), now=start) is None
    assert login_sessions.resume(with_users, "", now=start) is None
    assert login_sessions.resume(with_users, "x" * 10_000, now=start) is None


def test_only_a_digest_is_stored(with_users):
    token = login_sessions.start(with_users, "beto")
    with with_users.engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(sa.select(table))]
    assert len(stored) == 1 and not any(token in str(cell) for cell in stored[0])


def test_signing_out_ends_only_that_browser(with_users):
    laptop, phone = login_sessions.start(with_users, "beto"), login_sessions.start(with_users, "beto")
    login_sessions.end(with_users, laptop)
    assert login_sessions.resume(with_users, laptop) is None
    assert login_sessions.resume(with_users, phone) == "beto"


@pytest.mark.parametrize("change", ["admin_reset", "own_change", "disable"])
def test_a_password_change_or_a_disabled_account_ends_every_remembered_browser(with_users, change):
    token = login_sessions.start(with_users, "beto")
    other = login_sessions.start(with_users, "ana")
    if change == "admin_reset":
        accounts.set_password(with_users, "beto", "otra clave larga 456", actor=COMMAND_LINE)
    elif change == "own_change":
        accounts.change_own_password(with_users, "beto", PW, "otra clave larga 456")
    else:
        accounts.disable_user(with_users, "beto", actor=COMMAND_LINE)
    assert login_sessions.resume(with_users, token) is None
    assert login_sessions.resume(with_users, other) == "ana"       # other accounts are untouched
