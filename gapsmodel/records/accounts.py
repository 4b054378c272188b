"""Accounts: who may sign in, with which role and for which institution (DOMAIN.md §1, §7).

Users live in the ``users`` table. Passwords are hashed with argon2id (``argon2-cffi``) and are never
stored, returned or written to the audit log in clear; neither is the hash. There is no default account
and no default password: the first administrator is created from the command line
(``python -m gapsmodel users add NAME --role admin``), which acts as an administrator.

Every account change (``user_add``, ``user_role``, ``user_password``, ``user_disable``, ``user_enable``)
and every sign-in attempt (``login``, ``login_failed``) is written to the audit log: who, when, what.

Sign-in failures all raise :class:`LoginFailed` with one generic message, whatever the cause (unknown
user, wrong password, account locked or disabled), so the form does not tell an attacker which user names
exist or when a guess was right. The cause is recorded in the audit log for the administrator.
Guessing is slowed down with growing delays per user name (at most ``ACCOUNT_MAX_DELAY``: nobody can lock
the owner out) and per client (up to ``CLIENT_MAX_DELAY``); an attempt made before its delay has passed is
refused without checking the password (see :func:`authenticate`).
"""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from . import login_sessions
from ..rules.catalog import Catalog, load_catalog
from .permissions import PUBLIC, ROLES, Actor
from .store import Store, audit_log, naive_utc, users, utcnow

MIN_PASSWORD_LENGTH = 10
"""Characters, counted after Unicode normalisation (NFC)."""
MAX_PASSWORD_LENGTH = 1024
"""Longer passwords are refused so that hashing cannot be used to exhaust the server."""
MAX_FAILED_ATTEMPTS = 5
"""Consecutive failed sign-ins after which guessing is slowed down (there is no lockout)."""
FREE_ATTEMPTS = 2
"""Failures allowed before any delay: a typo costs nothing."""
ACCOUNT_MAX_DELAY = timedelta(seconds=30)
"""The longest an account's owner can be made to wait by someone else's wrong guesses: never a lockout."""
CLIENT_MAX_DELAY = timedelta(minutes=15)
"""The longest one client (browser session or address) waits after its own repeated failures."""
LOCKOUT = CLIENT_MAX_DELAY
"""Kept for callers: the longest wait there is (a guessing client's), not an account lock."""

ACCOUNT_ROLES = tuple(r for r in ROLES if r != "public")
"""Roles an account may have; ``public`` is what a visitor without an account is."""
INSTITUTION_REQUIRED = {"partner"}
"""Roles whose accounts must name a catalog institution (their own)."""

USERNAME_PATTERN = re.compile(r"^\w[\w.@+-]{1,119}$")  # starts with a letter or digit (no formula)
RESERVED_USERNAMES = {PUBLIC.username.casefold()}

LIST_COLUMNS = ["username", "role", "institution", "disabled", "locked", "locked_until", "failed_attempts",
                "created_at", "last_login"]

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
_dummy_hash: str | None = None


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message is for the user (es / en)."""


class LoginFailed(Exception):
    """Sign-in refused. The message is the same for every cause, on purpose.

    ``key`` names the message in the locale files (``accounts.<key>``) so pages show it in the user's
    language only; ``str()`` gives both languages for the command line. ``wait`` is the seconds to wait
    before the next attempt is even checked (throttled guessing).
    """

    MESSAGES = {
        "login_failed": ("Usuario o contraseña incorrectos, o cuenta desactivada. Si no puede entrar, consulte "
                         "al administrador.", "Wrong user name or password, or the account is disabled. If "
                         "you cannot sign in, ask the administrator."),
        "login_wait": ("Demasiados intentos fallidos: espere {seconds} segundos antes de volver a intentarlo.",
                       "Too many failed attempts: wait {seconds} seconds before trying again."),
        "session_ended": ("Su sesión terminó (cierre de sesión, cambio de contraseña o cuenta desactivada); "
                          "vuelva a ingresar.", "Your session ended (signed out, password changed or account "
                          "disabled); please sign in again."),
    }
    MESSAGE = " / ".join(MESSAGES["login_failed"])

    def __init__(self, message: str | None = None, *, key: str = "login_failed", wait: int = 0):
        self.key, self.wait = key, int(wait)
        es, en = self.MESSAGES[key]
        super().__init__(message or f"{es} / {en}".format(seconds=self.wait))

    def localised(self, lang: str) -> str:
        es, en = self.MESSAGES[self.key]
        return (en if lang == "en" else es).format(seconds=self.wait)


class _Throttle:
    """Growing delays after consecutive failures, per key (a user name, or a client): nothing for the first
    FREE_ATTEMPTS, then 1, 2, 4, ... seconds up to the key's cap. Process memory, guarded by a lock."""

    def __init__(self):
        import threading
        self._lock = threading.Lock()
        self._state: dict[str, tuple[int, datetime]] = {}

    def wait(self, key: str, now: datetime) -> int:
        with self._lock:
            failures, until = self._state.get(key, (0, now))
        return max(0, int((until - now).total_seconds() + 0.999))

    def failed(self, key: str, now: datetime, cap: timedelta) -> None:
        with self._lock:
            failures = self._state.get(key, (0, now))[0] + 1
            extra = failures - FREE_ATTEMPTS
            delay = timedelta(0) if extra <= 0 else min(timedelta(seconds=2 ** min(extra - 1, 20)), cap)
            self._state[key] = (failures, now + delay)
            if len(self._state) > 100_000:   # bounded memory under a flood of names
                self._state.pop(next(iter(self._state)))

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._state.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._state.clear()


THROTTLE = _Throttle()


# --- validation ---------------------------------------------------------------------------------
def normalise_username(username: object) -> str:
    """User names compare without regard to case: stored in NFC, lower case, without outer spaces."""
    return unicodedata.normalize("NFC", str(username)).strip().casefold()


def _valid_username(username: object) -> str:
    name = normalise_username(username)
    if not USERNAME_PATTERN.match(name) or name in RESERVED_USERNAMES:
        raise AccountError(
            f"Nombre de usuario no válido: '{str(username)[:40]}'. Use de 2 a 120 letras, cifras o . _ - @ +, "
            "sin espacios, empezando por letra o cifra. / Invalid user name: use 2 to 120 letters, digits or "
            ". _ - @ +, no spaces, starting with a letter or digit.")
    return name


def check_password(password: object, username: str | None = None) -> str:
    """Return the password (NFC) if acceptable, else raise AccountError saying why (never echoing it)."""
    if not isinstance(password, str):
        raise AccountError("La contraseña debe ser texto. / The password must be text.")
    password = unicodedata.normalize("NFC", password)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"La contraseña debe tener al menos {MIN_PASSWORD_LENGTH} caracteres. "
                           f"/ The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"La contraseña no puede tener más de {MAX_PASSWORD_LENGTH} caracteres. "
                           f"/ The password may not exceed {MAX_PASSWORD_LENGTH} characters.")
    if not password.strip():
        raise AccountError("La contraseña no puede ser solo espacios. / The password cannot be only spaces.")
    if username is not None and password.casefold() == normalise_username(username):
        raise AccountError("La contraseña no puede ser igual al nombre de usuario. "
                           "/ The password cannot be the user name.")
    return password


def _valid_role(role: object, institution: object, catalog: Catalog | None) -> tuple[str, str | None]:
    role = str(role).strip().lower()
    if role not in ACCOUNT_ROLES:
        raise AccountError(f"Rol no válido: '{role}'. Roles: {', '.join(ACCOUNT_ROLES)}. "
                           f"/ Invalid role; allowed: {', '.join(ACCOUNT_ROLES)}.")
    if institution is None or str(institution).strip() == "":
        if role in INSTITUTION_REQUIRED:
            raise AccountError(f"El rol '{role}' requiere una institución del catálogo (--institution). "
                               f"/ Role '{role}' needs a catalog institution.")
        return role, None
    catalog = catalog or load_catalog()
    code = catalog.resolve_institution(institution)
    if code is None:
        known = ", ".join(catalog.institutions.index)
        raise AccountError(f"Institución desconocida: '{str(institution)[:40]}'. Use uno de: {known}. "
                           f"/ Unknown institution; use one of the catalog codes.")
    return role, code


# --- hashing --------------------------------------------------------------------------------------
def _hash(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _burn_time(password: str) -> None:
    """Verify against a throw-away hash, so an unknown user takes as long as a known one."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hash(secrets.token_urlsafe(24))
    _verify(_dummy_hash, password)


# --- reading ------------------------------------------------------------------------------------
def _row(conn, username: str):
    return conn.execute(sa.select(users).where(users.c.username == username)).mappings().first()


def _existing(conn, username: object):
    name = normalise_username(username)
    row = _row(conn, name)
    if row is None:
        raise AccountError(f"No existe el usuario '{str(username)[:40]}'. / There is no user '{str(username)[:40]}'.")
    return row


def _active_admins(conn) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(users).where(
        users.c.role == "admin", users.c.disabled.is_(False))).scalar()


def has_active_admin(store: Store) -> bool:
    """Whether any enabled administrator exists (the first one is created on the command line)."""
    with store.engine.connect() as conn:
        return bool(_active_admins(conn))


def list_users(store: Store, *, actor: Actor, now: datetime | None = None) -> pd.DataFrame:
    """Accounts, one row each (``LIST_COLUMNS``); never a password or its hash. Needs ``manage_users``.

    ``locked`` is true while a lockout lasts; ``last_login`` is the last successful sign-in (from the audit
    log), empty if none.
    """
    actor.require("manage_users")
    now = naive_utc(now) or utcnow()
    cols = [users.c.username, users.c.role, users.c.institution, users.c.disabled, users.c.locked_until,
            users.c.failed_attempts, users.c.created_at]
    last = (sa.select(audit_log.c.actor, sa.func.max(audit_log.c.at).label("last_login"))
            .where(audit_log.c.action == "login").group_by(audit_log.c.actor).subquery())
    query = (sa.select(*cols, last.c.last_login).outerjoin(last, last.c.actor == users.c.username)
             .order_by(users.c.username))
    with store.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    frame = pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in cols] + ["last_login"])
    frame["disabled"] = frame["disabled"].astype(bool)
    locked_until = pd.to_datetime(frame["locked_until"])
    frame["locked_until"] = locked_until.where(locked_until > now)
    frame["locked"] = frame["locked_until"].notna()
    frame["created_at"] = pd.to_datetime(frame["created_at"])
    frame["last_login"] = pd.to_datetime(frame["last_login"])
    return frame.reindex(columns=LIST_COLUMNS)


def user_exists(store: Store, username: str) -> bool:
    with store.engine.connect() as conn:
        return _row(conn, normalise_username(username)) is not None


def _stamp(password_hash: str) -> str:
    return hashlib.sha256(f"gapsmodel-credentials:{password_hash}".encode()).hexdigest()[:24]


def credential_stamp(store: Store, username: str) -> str | None:
    """A fingerprint of the account's current credentials (not the hash itself): a session keeps the one
    it signed in with, and :func:`actor_for` refuses it once the password has changed."""
    with store.engine.connect() as conn:
        row = _row(conn, normalise_username(username))
    return _stamp(row["password_hash"]) if row is not None else None


def actor_for(store: Store, username: str, stamp: str | None = None) -> Actor:
    """The Actor of an enabled account (rebuild it on every page run, so that a disabled account or a
    changed role takes effect at once). Raises LoginFailed when the account is unknown or disabled, or,
    given the ``stamp`` a session signed in with, when the account's credentials changed since."""
    with store.engine.connect() as conn:
        row = _row(conn, normalise_username(username))
    if row is None or row["disabled"] or (stamp is not None and stamp != _stamp(row["password_hash"])):
        raise LoginFailed(key="session_ended")
    return Actor(row["username"], row["role"], row["institution"])


# --- changes ------------------------------------------------------------------------------------
def check_new_account(store: Store, username: str, role: str, institution: str | None = None,
                      catalog: Catalog | None = None) -> tuple[str, str, str | None]:
    """Validate a new account's name, role and institution before asking for a password.

    Returns (normalised user name, role, institution code or None); raises AccountError saying why not.
    """
    name = _valid_username(username)
    role, code = _valid_role(role, institution, catalog)
    if user_exists(store, name):
        raise AccountError(f"Ya existe el usuario '{name}'. / User '{name}' already exists.")
    return name, role, code


def add_user(store: Store, username: str, role: str, institution: str | None = None, *, password: str,
             actor: Actor, catalog: Catalog | None = None) -> Actor:
    """Create an account and return its Actor. Needs ``manage_users``.

    ``role`` is one of ACCOUNT_ROLES; a partner needs a catalog institution (code or known alias), the
    others may name one. The password must have at least MIN_PASSWORD_LENGTH characters.
    """
    actor.require("manage_users")
    name, role, code = check_new_account(store, username, role, institution, catalog)
    password = check_password(password, name)
    password_hash = _hash(password)
    with store.engine.begin() as conn:
        if _row(conn, name) is not None:
            raise AccountError(f"Ya existe el usuario '{name}'. / User '{name}' already exists.")
        conn.execute(users.insert().values(username=name, role=role, institution=code,
                                           password_hash=password_hash, disabled=False, failed_attempts=0,
                                           locked_until=None, created_at=utcnow()))
        store._audit(conn, actor.username, "user_add", {"user": name, "role": role, "institution": code})
    return Actor(name, role, code)


def set_role(store: Store, username: str, role: str, institution: str | None = None, *, actor: Actor,
             catalog: Catalog | None = None) -> Actor:
    """Change an account's role and institution; the last enabled administrator cannot be demoted."""
    actor.require("manage_users")
    role, code = _valid_role(role, institution, catalog)
    with store.engine.begin() as conn:
        row = _existing(conn, username)
        if row["role"] == "admin" and role != "admin" and not row["disabled"] and _active_admins(conn) <= 1:
            raise AccountError("No se puede quitar el rol al último administrador activo. "
                               "/ The last active administrator cannot be demoted.")
        conn.execute(users.update().where(users.c.id == row["id"]).values(role=role, institution=code))
        store._audit(conn, actor.username, "user_role", {
            "user": row["username"], "role": role, "institution": code,
            "previous_role": row["role"], "previous_institution": row["institution"]})
    return Actor(row["username"], role, code)


def set_password(store: Store, username: str, new_password: str, *, actor: Actor) -> None:
    """Set a new password (an administrator's reset); also lifts a lockout. Needs ``manage_users``."""
    actor.require("manage_users")
    with store.engine.connect() as conn:
        name = _existing(conn, username)["username"]
    _store_password(store, name, check_password(new_password, name), actor.username, "admin")


def change_own_password(store: Store, username: str, old_password: str, new_password: str) -> None:
    """A signed-in user changes their own password, proving the old one (counts as a sign-in attempt
    for the lockout). Raises LoginFailed if the old password is wrong, AccountError if the new one is
    not acceptable."""
    authenticate(store, username, old_password, record_success=False)
    name = normalise_username(username)
    new_password = check_password(new_password, name)
    if new_password == old_password:
        raise AccountError("La nueva contraseña debe ser distinta de la actual. "
                           "/ The new password must differ from the current one.")
    _store_password(store, name, new_password, name, "self")


def _store_password(store: Store, name: str, password: str, who: str, by: str) -> None:
    THROTTLE.succeeded("user:" + name)   # a new password: earlier guesses at the old one no longer count
    password_hash = _hash(password)
    with store.engine.begin() as conn:
        conn.execute(users.update().where(users.c.username == name).values(
            password_hash=password_hash, failed_attempts=0, locked_until=None))
        login_sessions.end_all(conn, name)   # a browser remembered with the old password must sign in again
        store._audit(conn, who, "user_password", {"user": name, "by": by})


def _set_disabled(store: Store, username: str, disabled: bool, actor: Actor) -> None:
    actor.require("manage_users")
    with store.engine.begin() as conn:
        row = _existing(conn, username)
        if disabled and row["role"] == "admin" and not row["disabled"] and _active_admins(conn) <= 1:
            raise AccountError("No se puede desactivar al último administrador activo. "
                               "/ The last active administrator cannot be disabled.")
        values = {"disabled": disabled}
        if not disabled:
            values.update(failed_attempts=0, locked_until=None)
        conn.execute(users.update().where(users.c.id == row["id"]).values(**values))
        if disabled:
            login_sessions.end_all(conn, row["username"])
        store._audit(conn, actor.username, "user_disable" if disabled else "user_enable",
                     {"user": row["username"]})


def disable_user(store: Store, username: str, *, actor: Actor) -> None:
    """Refuse all further sign-ins of an account (its history stays). Needs ``manage_users``."""
    _set_disabled(store, username, True, actor)


def enable_user(store: Store, username: str, *, actor: Actor) -> None:
    """Allow a disabled account to sign in again; also lifts a lockout. Needs ``manage_users``."""
    _set_disabled(store, username, False, actor)


# --- sign-in --------------------------------------------------------------------------------------
def _fingerprint(text: str) -> str:
    """Unknown user names are recorded as a short digest: people sometimes type a password there."""
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:12]


def authenticate(store: Store, username: str, password: str, *, now: datetime | None = None,
                 record_success: bool = True, client: str | None = None) -> Actor:
    """Check a user name and password; return the account's Actor or raise LoginFailed.

    Guessing is slowed down, never locked out: after FREE_ATTEMPTS consecutive failures, the next attempt
    for that user name waits 1, 2, 4, ... seconds, at most ACCOUNT_MAX_DELAY (so a stranger can make the
    owner wait half a minute, never lock them out), and the next attempt from that ``client`` (a browser
    session or address) up to CLIENT_MAX_DELAY. An attempt made too early is refused without checking the
    password. Unknown user names are throttled alike, so the delays reveal nothing. Every attempt is
    audited (``login``, ``login_failed`` with its cause, ``login_throttled``). ``now`` is for tests.
    """
    now = naive_utc(now) or utcnow()
    name = normalise_username(username)
    password = unicodedata.normalize("NFC", password) if isinstance(password, str) else ""
    if len(password) > MAX_PASSWORD_LENGTH:
        password = password[:MAX_PASSWORD_LENGTH + 1]
    keys = [("user:" + name, ACCOUNT_MAX_DELAY)] + ([("client:" + client, CLIENT_MAX_DELAY)] if client else [])
    wait = max(THROTTLE.wait(key, now) for key, _ in keys)
    if wait > 0:
        store.audit(name if user_exists(store, name) else "desconocido", "login_throttled",
                    {"wait_seconds": wait, "client": _fingerprint(client) if client else None,
                     **({} if user_exists(store, name) else {"user_digest": _fingerprint(name)})})
        raise LoginFailed(key="login_wait", wait=wait)

    def failed(who: str, detail: dict) -> LoginFailed:
        for key, cap in keys:
            THROTTLE.failed(key, now, cap)
        if client:
            detail["client"] = _fingerprint(client)
        store.audit(who, "login_failed", detail)
        return LoginFailed()

    with store.engine.connect() as conn:
        row = _row(conn, name)
    if row is None:
        _burn_time(password)
        raise failed("desconocido", {"cause": "unknown_user", "user_digest": _fingerprint(name)})
    ok = _verify(row["password_hash"], password)
    if ok and row["disabled"]:
        raise failed(name, {"cause": "disabled"})
    if not ok:
        with store.engine.begin() as conn:  # counted in the database too, for the administrator's list
            conn.execute(users.update().where(users.c.id == row["id"]).values(
                failed_attempts=users.c.failed_attempts + 1, locked_until=None))
            attempts = conn.execute(sa.select(users.c.failed_attempts).where(users.c.id == row["id"])).scalar()
        raise failed(name, {"cause": "wrong_password", "attempt": attempts})
    for key, _ in keys:
        THROTTLE.succeeded(key)
    values = {"failed_attempts": 0, "locked_until": None}
    if _hasher.check_needs_rehash(row["password_hash"]):
        values["password_hash"] = _hash(password)
    with store.engine.begin() as conn:
        conn.execute(users.update().where(users.c.id == row["id"]).values(**values))
        if record_success:
            store._audit(conn, name, "login", {"role": row["role"], "institution": row["institution"]})
    return Actor(row["username"], row["role"], row["institution"])
