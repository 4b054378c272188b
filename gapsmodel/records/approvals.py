"""Approval of a month's figures before a session (DOMAIN.md §8).

The technical secretariat approves a month: from then on its figures are locked
(:meth:`Store.add_batch` and :meth:`Store.revert_batch` refuse anything touching an approved month, with a
message saying so). Reopening needs an administrator and a reason. Both are written to the audit log
(actions ``approve`` and ``reopen``) in the same transaction as the change.

A month may be approved again after it was reopened: each approval is its own row in ``approvals``, so
the history (approved, reopened, approved again) stays readable.
"""
from __future__ import annotations

import re

import pandas as pd
import sqlalchemy as sa

from .permissions import Actor
from .store import Store, approvals, utcnow

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
APPROVAL_COLUMNS = ["period", "approved_at", "approved_by", "reopened_at", "reopened_by", "reopen_reason", "open"]


class ApprovalError(ValueError):
    """An approval or reopening that cannot be done; the message is for the user (es / en)."""


def _check_month(month: str) -> str:
    month = str(month).strip()
    if not _MONTH.match(month):
        raise ApprovalError(f"Mes no válido: '{month}'. Use AAAA-MM (por ejemplo 2023-05). / "
                            f"Invalid month: use YYYY-MM.")
    return month


def _open_approval(conn, month: str):
    return conn.execute(sa.select(approvals).where(approvals.c.period == month)
                        .where(approvals.c.reopened_at.is_(None))).mappings().first()


def approve_month(store: Store, month: str, actor: Actor) -> None:
    """Lock ``month`` (``YYYY-MM``); audited. Approving a month already locked is an error."""
    actor.require("approve")
    month = _check_month(month)
    with store.engine.begin() as conn:
        if _open_approval(conn, month) is not None:
            raise ApprovalError(f"El mes {month} ya está aprobado. / Month {month} is already approved.")
        at = utcnow()
        conn.execute(approvals.insert().values(period=month, approved_at=at, approved_by=actor.username))
        store._audit(conn, actor.username, "approve", {"period": month}, at=at)


def reopen_month(store: Store, month: str, actor: Actor, reason: str) -> None:
    """Unlock an approved month so corrections can be uploaded; needs an administrator and a reason."""
    actor.require("approve")
    month = _check_month(month)
    reason = (reason or "").strip()
    if not reason:
        raise ApprovalError("Para reabrir un mes aprobado hay que indicar el motivo. / "
                            "Reopening an approved month needs a reason.")
    with store.engine.begin() as conn:
        row = _open_approval(conn, month)
        if row is None:
            raise ApprovalError(f"El mes {month} no está aprobado. / Month {month} is not approved.")
        at = utcnow()
        conn.execute(approvals.update().where(approvals.c.id == row["id"]).values(
            reopened_at=at, reopened_by=actor.username, reopen_reason=reason))
        store._audit(conn, actor.username, "reopen", {"period": month, "reason": reason}, at=at)


def approvals_frame(store: Store) -> pd.DataFrame:
    """Every approval (newest month first; a month's history newest first) with ``open`` = still locked."""
    with store.engine.connect() as conn:
        frame = pd.read_sql(sa.select(approvals).order_by(approvals.c.period.desc(), approvals.c.id.desc()), conn)
    frame["open"] = frame["reopened_at"].isna()
    return frame.reindex(columns=APPROVAL_COLUMNS)
