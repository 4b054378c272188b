"""Remembered sign-ins ("keep me signed in" for a few hours), so that reloading the page does not sign out.

The browser keeps a random token in a cookie; the store keeps only its SHA-256, who it belongs to and when it
expires. A token is ended by signing out, and every token of an account is ended when its password changes
or the account is disabled (:mod:`gapsmodel.records.accounts` calls :func:`end_all`). Whether the account may
still sign in (enabled, its current role) is checked again on every page run by the caller.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from .store import Store, login_sessions, naive_utc, utcnow

DEFAULT_HOURS = 12
TOKEN_BYTES = 32


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(store: Store, username: str, *, hours: float = DEFAULT_HOURS, now: datetime | None = None) -> str:
    """A new token for ``username``, valid for ``hours``; only its digest is stored."""
    now = naive_utc(now) or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with store.engine.begin() as conn:
        conn.execute(login_sessions.insert().values(token_hash=_digest(token), username=username, created_at=now,
                                                    expires_at=now + timedelta(hours=hours)))
    return token


def resume(store: Store, token: str | None, *, now: datetime | None = None) -> str | None:
    """The user name a token still stands for, or None (unknown, expired or ended)."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    now = naive_utc(now) or utcnow()
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(login_sessions.c.username).where(
            login_sessions.c.token_hash == _digest(token), login_sessions.c.revoked_at.is_(None),
            login_sessions.c.expires_at > now)).first()
    return row[0] if row else None


def end(store: Store, token: str | None) -> None:
    """End one token (signing out)."""
    if not token:
        return
    with store.engine.begin() as conn:
        conn.execute(login_sessions.update().where(login_sessions.c.token_hash == _digest(token),
                                                   login_sessions.c.revoked_at.is_(None)).values(revoked_at=utcnow()))


def end_all(conn, username: str) -> None:
    """End every token of an account, inside the caller's transaction (password change, disabled account)."""
    conn.execute(login_sessions.update().where(login_sessions.c.username == username,
                                               login_sessions.c.revoked_at.is_(None)).values(revoked_at=utcnow()))
