"""Accounts: hashing, validation, sign-in, lockout, disabled accounts, audit, and the ``users`` commands."""
from __future__ import annotations

import argparse
import io
from datetime import timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from gapsmodel.records import accounts
from gapsmodel.cli import users as cli_users
from gapsmodel.records.accounts import AccountError, LoginFailed
from gapsmodel.records.permissions import Actor, PermissionDenied
from gapsmodel.records.store import Store, users, utcnow

ADMIN = Actor("root", "admin")
PW = "correcto caballo 42"
OTHER_PW = "otra clave segura 7"


pytestmark = pytest.mark.usefixtures("fast_hashing")


@pytest.fixture
def store(tmp_path):
    return Store.open(f"sqlite:///{tmp_path / 't.db'}")


@pytest.fixture
def ana(store, catalog):
    return accounts.add_user(store, "Ana", "partner", "ACNUR", password=PW, actor=ADMIN, catalog=catalog)


def audit_text(store) -> str:
    frame = store.audit_frame()
    return "\n".join(frame["actor"].astype(str) + " " + frame["action"].astype(str) + " " +
                     frame["detail"].astype(str))


def stored_hash(store, name: str) -> str:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(users.c.password_hash).where(users.c.username == name)).scalar()


# --- creating accounts ------------------------------------------------------------------------
def test_add_user_hashes_with_argon2id_and_normalises_the_name(store, ana):
    assert ana == Actor("ana", "partner", "ACNUR")
    hashed = stored_hash(store, "ana")
    assert hashed.startswith("$argon2id$") and PW not in hashed


def test_institution_alias_is_resolved_and_partner_needs_one(store, catalog):
    user = accounts.add_user(store, "ben", "partner", "unhcr", password=PW, actor=ADMIN, catalog=catalog)
    assert user.institution == "ACNUR"
    with pytest.raises(AccountError, match="institución"):
        accounts.add_user(store, "carla", "partner", password=PW, actor=ADMIN, catalog=catalog)
    with pytest.raises(AccountError, match="desconocida"):
        accounts.add_user(store, "carla", "partner", "NOEXISTE", password=PW, actor=ADMIN, catalog=catalog)


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_other_roles_need_no_institution(store, catalog, role):
    assert accounts.add_user(store, "dora", role, password=PW, actor=ADMIN, catalog=catalog).institution is None


@pytest.mark.parametrize("role", ["public", "root", ""])
def test_invalid_roles_are_refused(store, catalog, role):
    with pytest.raises(AccountError, match="Rol"):
        accounts.add_user(store, "eva", role, password=PW, actor=ADMIN, catalog=catalog)


@pytest.mark.parametrize("password", ["", "corta", "123456789", " " * 12, "fiona12345"])
def test_weak_passwords_are_refused_without_echo(store, catalog, password):
    with pytest.raises(AccountError) as info:
        accounts.add_user(store, "fiona12345", "analyst", password=password, actor=ADMIN, catalog=catalog)
    if password.strip():
        assert password not in str(info.value)
    assert not accounts.user_exists(store, "fiona12345")


@pytest.mark.parametrize("name", ["a", "con espacio", "x" * 121, "público", "a/b", "=cmd", "-2+3", "@x"])
def test_invalid_user_names_are_refused(store, catalog, name):
    with pytest.raises(AccountError):
        accounts.add_user(store, name, "analyst", password=PW, actor=ADMIN, catalog=catalog)


def test_duplicate_user_names_ignore_case(store, catalog, ana):
    with pytest.raises(AccountError, match="Ya existe"):
        accounts.add_user(store, " ANA ", "analyst", password=PW, actor=ADMIN, catalog=catalog)


def test_no_default_account_exists(store):
    assert accounts.list_users(store, actor=ADMIN).empty
    with pytest.raises(LoginFailed):
        accounts.authenticate(store, "admin", "admin")


# --- signing in -------------------------------------------------------------------------------------
def test_authenticate_returns_the_actor_and_audits(store, ana):
    actor = accounts.authenticate(store, "ANA", PW)
    assert actor == Actor("ana", "partner", "ACNUR")
    audit = store.audit_frame()
    assert {"user_add", "login"} <= set(audit["action"])
    login = audit[audit["action"].eq("login")].iloc[0]
    assert login["actor"] == "ana" and pd.notna(login["at"])


def test_unknown_user_and_wrong_password_get_the_same_message(store, ana):
    with pytest.raises(LoginFailed) as unknown:
        accounts.authenticate(store, "nadie", PW)
    with pytest.raises(LoginFailed) as wrong:
        accounts.authenticate(store, "ana", "incorrecta123")
    assert str(unknown.value) == str(wrong.value) == LoginFailed.MESSAGE
    failed = store.audit_frame().query("action == 'login_failed'")
    assert len(failed) == 2
    assert "nadie" not in audit_text(store)  # unknown names are only recorded as a digest


def test_issue12_guesses_are_slowed_down_with_growing_delays_and_the_owner_is_never_locked_out(store, ana):
    """Five wrong passwords locked the account 15 minutes, even against the right one: anyone could lock
    the only administrator out. Now: growing delays per user name (capped) and per client."""
    start = utcnow()
    waits = []
    moment = start
    for _ in range(12):                                  # an attacker, from one client, as fast as allowed
        try:
            accounts.authenticate(store, "ana", "incorrecta123", now=moment, client="atacante")
        except LoginFailed as exc:
            waits.append(exc.wait)
            if exc.key == "login_wait":
                moment += timedelta(seconds=exc.wait)
                continue
        moment += timedelta(seconds=max(accounts.THROTTLE.wait("user:ana", moment),
                                        accounts.THROTTLE.wait("client:atacante", moment)))
    moment += timedelta(seconds=max(accounts.THROTTLE.wait("client:atacante", moment), 0))
    with pytest.raises(LoginFailed):
        accounts.authenticate(store, "ana", "incorrecta123", now=moment, client="atacante")
    # the attacker's own client waits longer and longer (up to CLIENT_MAX_DELAY)...
    attacker_wait = accounts.THROTTLE.wait("client:atacante", moment)
    assert accounts.ACCOUNT_MAX_DELAY.total_seconds() < attacker_wait <= accounts.CLIENT_MAX_DELAY.total_seconds()
    assert waits == sorted(waits)                         # growing delays
    # ...the owner, from another client, at most ACCOUNT_MAX_DELAY, whatever the attacker did
    owner_wait = accounts.THROTTLE.wait("user:ana", moment)
    assert owner_wait <= accounts.ACCOUNT_MAX_DELAY.total_seconds()
    assert accounts.authenticate(store, "ana", PW, now=moment + timedelta(seconds=owner_wait), client="owner").username
    listed = accounts.list_users(store, actor=ADMIN, now=moment).set_index("username")
    assert not bool(listed.at["ana", "locked"])
    actions = store.audit_frame()["action"].tolist()
    assert "login_failed" in actions and "login" in actions


def test_an_attempt_before_its_delay_is_refused_without_checking_the_password(store, ana):
    start = utcnow()
    for _ in range(accounts.FREE_ATTEMPTS + 1):
        with pytest.raises(LoginFailed):
            accounts.authenticate(store, "ana", "incorrecta123", now=start)
    with pytest.raises(LoginFailed) as info:
        accounts.authenticate(store, "ana", PW, now=start)           # right password, too early
    assert info.value.key == "login_wait" and info.value.wait >= 1
    assert "espere" in info.value.localised("es") and "wait" in info.value.localised("en")
    assert accounts.authenticate(store, "ana", PW, now=start + timedelta(seconds=info.value.wait)).username == "ana"
    # unknown names are throttled the same way: the delay does not tell which names exist
    for _ in range(accounts.FREE_ATTEMPTS + 1):
        with pytest.raises(LoginFailed):
            accounts.authenticate(store, "nadie", "incorrecta123", now=start)
    with pytest.raises(LoginFailed) as unknown:
        accounts.authenticate(store, "nadie", "incorrecta123", now=start)
    assert unknown.value.key == "login_wait"


def test_success_resets_the_failure_count(store, ana):
    now = utcnow()
    for _ in range(accounts.FREE_ATTEMPTS):
        with pytest.raises(LoginFailed):
            accounts.authenticate(store, "ana", "incorrecta123", now=now)
    accounts.authenticate(store, "ana", PW, now=now)
    for _ in range(accounts.FREE_ATTEMPTS):
        with pytest.raises(LoginFailed) as info:
            accounts.authenticate(store, "ana", "incorrecta123", now=now)
        assert info.value.key == "login_failed"          # no delay carried over from before the success
    assert accounts.authenticate(store, "ana", PW, now=now).username == "ana"


def test_issue12_a_session_signed_in_before_a_password_change_is_refused(store, ana):
    stamp = accounts.credential_stamp(store, "ana")
    assert accounts.actor_for(store, "ana", stamp=stamp).username == "ana"
    accounts.set_password(store, "ana", OTHER_PW, actor=ADMIN)
    with pytest.raises(LoginFailed) as info:
        accounts.actor_for(store, "ana", stamp=stamp)
    assert info.value.key == "session_ended"
    assert accounts.actor_for(store, "ana", stamp=accounts.credential_stamp(store, "ana")).username == "ana"


def test_disabled_account_is_refused_and_can_be_enabled(store, ana):
    accounts.disable_user(store, "ana", actor=ADMIN)
    with pytest.raises(LoginFailed) as info:
        accounts.authenticate(store, "ana", PW)
    assert str(info.value) == LoginFailed.MESSAGE
    with pytest.raises(LoginFailed):
        accounts.actor_for(store, "ana")
    accounts.enable_user(store, "ana", actor=ADMIN)
    assert accounts.authenticate(store, "ana", PW).institution == "ACNUR"
    assert accounts.actor_for(store, "Ana") == Actor("ana", "partner", "ACNUR")
    actions = store.audit_frame()["action"].tolist()
    assert "user_disable" in actions and "user_enable" in actions


def test_set_password_replaces_the_old_one(store, ana):
    for _ in range(accounts.FREE_ATTEMPTS):
        with pytest.raises(LoginFailed):
            accounts.authenticate(store, "ana", "incorrecta123")
    accounts.set_password(store, "ana", OTHER_PW, actor=ADMIN)
    with pytest.raises(LoginFailed):
        accounts.authenticate(store, "ana", PW)
    assert accounts.authenticate(store, "ana", OTHER_PW).username == "ana"
    with pytest.raises(AccountError):
        accounts.set_password(store, "ana", "corta", actor=ADMIN)
    with pytest.raises(AccountError, match="No existe"):
        accounts.set_password(store, "nadie", OTHER_PW, actor=ADMIN)


def test_change_own_password_needs_the_old_one(store, ana):
    with pytest.raises(LoginFailed):
        accounts.change_own_password(store, "ana", "incorrecta123", OTHER_PW)
    accounts.change_own_password(store, "ana", PW, OTHER_PW)
    assert accounts.authenticate(store, "ana", OTHER_PW).username == "ana"


def test_role_change_and_last_admin_protection(store, catalog, ana):
    accounts.add_user(store, "jefa", "admin", password=PW, actor=ADMIN, catalog=catalog)
    with pytest.raises(AccountError, match="último administrador"):
        accounts.disable_user(store, "jefa", actor=ADMIN)
    with pytest.raises(AccountError, match="último administrador"):
        accounts.set_role(store, "jefa", "analyst", actor=ADMIN, catalog=catalog)
    assert accounts.set_role(store, "ana", "analyst", actor=ADMIN, catalog=catalog) == Actor("ana", "analyst")
    assert accounts.actor_for(store, "ana").role == "analyst"


@pytest.mark.parametrize("role,institution", [("public", None), ("analyst", None), ("partner", "ACNUR")])
def test_only_admins_manage_accounts(store, catalog, ana, role, institution):
    actor = Actor("x", role, institution)
    calls = [
        lambda: accounts.add_user(store, "nuevo", "analyst", password=PW, actor=actor, catalog=catalog),
        lambda: accounts.set_password(store, "ana", OTHER_PW, actor=actor),
        lambda: accounts.disable_user(store, "ana", actor=actor),
        lambda: accounts.enable_user(store, "ana", actor=actor),
        lambda: accounts.set_role(store, "ana", "admin", actor=actor, catalog=catalog),
        lambda: accounts.list_users(store, actor=actor),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert accounts.authenticate(store, "ana", PW).role == "partner"
    assert not accounts.user_exists(store, "nuevo")


# --- secrets never leak -------------------------------------------------------------------------
def test_no_password_or_hash_in_audit_log_or_user_list(store, catalog, ana):
    accounts.set_password(store, "ana", OTHER_PW, actor=ADMIN)
    accounts.authenticate(store, "ana", OTHER_PW)
    with pytest.raises(LoginFailed):
        accounts.authenticate(store, "ana", PW)
    with pytest.raises(LoginFailed):
        accounts.authenticate(store, PW, PW)  # a password typed in the user-name field
    accounts.change_own_password(store, "ana", OTHER_PW, PW)
    hashed = stored_hash(store, "ana")
    text = audit_text(store)
    for secret in (PW, OTHER_PW, hashed, "$argon2"):
        assert secret not in text
    listed = accounts.list_users(store, actor=ADMIN)
    assert list(listed.columns) == accounts.LIST_COLUMNS
    dump = listed.to_csv()
    for secret in (PW, OTHER_PW, hashed, "$argon2", "hash"):
        assert secret not in dump
    assert pd.notna(listed.set_index("username").at["ana", "last_login"])


# --- the users command group ------------------------------------------------------------------
def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m gapsmodel")
    cli_users.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def run_cli(argv, store, catalog, monkeypatch, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return cli_users.run(parse(argv), store, catalog)


def test_cli_add_list_passwd_disable_enable(store, catalog, monkeypatch, capsys):
    assert run_cli(["users", "add", "Admin1", "--role", "admin", "--password-stdin"], store, catalog,
                   monkeypatch, PW + "\n") == 0
    assert run_cli(["users", "add", "socia", "--role", "partner", "--institution", "IOM",
                    "--password-stdin"], store, catalog, monkeypatch, PW + "\r\n") == 0
    assert accounts.authenticate(store, "socia", PW) == Actor("socia", "partner", "OIM")
    capsys.readouterr()
    assert run_cli(["users", "list"], store, catalog, monkeypatch) == 0
    out = capsys.readouterr().out
    assert "socia" in out and "OIM" in out and "$argon2" not in out
    assert run_cli(["users", "passwd", "socia", "--password-stdin"], store, catalog, monkeypatch,
                   OTHER_PW + "\n") == 0
    assert accounts.authenticate(store, "socia", OTHER_PW).username == "socia"
    assert run_cli(["users", "disable", "socia"], store, catalog, monkeypatch) == 0
    with pytest.raises(LoginFailed):
        accounts.authenticate(store, "socia", OTHER_PW)
    assert run_cli(["users", "enable", "socia"], store, catalog, monkeypatch) == 0
    assert accounts.authenticate(store, "socia", OTHER_PW).username == "socia"
    actors = set(store.audit_frame()["actor"])
    assert any(a.startswith("línea de comandos") for a in actors)


@pytest.mark.parametrize("argv,stdin,expect", [
    (["users", "add", "x1", "--role", "partner", "--password-stdin"], PW, "institución"),
    (["users", "add", "x1", "--role", "analyst", "--password-stdin"], "corta", "10 caracteres"),
    (["users", "add", "x1", "--role", "analyst", "--password-stdin"], "", "contraseña"),
    (["users", "add", "x1", "--role", "analyst"], "", "--password-stdin"),  # no terminal to prompt
    (["users", "passwd", "nadie", "--password-stdin"], PW, "No existe"),
    (["users", "disable", "nadie"], "", "No existe"),
])
def test_cli_errors_are_one_line_without_traceback(store, catalog, monkeypatch, capsys, argv, stdin, expect):
    assert run_cli(argv, store, catalog, monkeypatch, stdin) == 1
    err = capsys.readouterr().err
    assert expect in err and err.count("\n") == 1 and "Traceback" not in err
    assert PW not in err


def test_cli_prompts_twice_and_refuses_a_mismatch(store, catalog, monkeypatch, capsys):
    answers = iter([PW, OTHER_PW])
    monkeypatch.setattr(cli_users.getpass, "getpass", lambda prompt="": next(answers))
    args = parse(["users", "add", "gina", "--role", "analyst"])
    monkeypatch.setattr("sys.stdin", type("TTY", (), {"isatty": staticmethod(lambda: True)})())
    assert cli_users.run(args, store, catalog) == 1
    assert "no coinciden" in capsys.readouterr().err
    assert not accounts.user_exists(store, "gina")
    answers = iter([PW, PW])
    assert cli_users.run(args, store, catalog) == 0
    assert accounts.authenticate(store, "gina", PW).role == "analyst"
