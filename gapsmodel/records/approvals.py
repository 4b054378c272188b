"""Approval of a month's figures before a session (DOMAIN.md §8).

The technical secretariat approves a month: from then on its figures are frozen as they stood at the
approval instant, including what stocks of earlier months carried into it (:meth:`Store.values`), and
:meth:`Store.add_batch` and :meth:`Store.revert_batch` refuse anything touching an approved month, with a
message saying so. Reopening needs an administrator and a reason. Both are written to the audit log
(actions ``approve`` and ``reopen``) in the same transaction as the change.

A month may be approved again after it was reopened: each approval is its own row in ``approvals``, so
the history (approved, reopened, approved again) stays readable.
"""
from __future__ import annotations

import re

import pandas as pd
import sqlalchemy as sa

from .permissions import Actor
from ..rules.periods import add_months
from .store import KEY, Store, approval_carried, approvals, utcnow

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


def carried_into(values: pd.DataFrame, month: str, catalog) -> pd.DataFrame:
    """The stock rows that stand in for ``month`` through carry-forward (DOMAIN.md §5 step 2): for each
    series (institution, indicator, place) of a stock indicator with no report in ``month``, every row of
    its nearest reported month within ``carry_forward_months`` before it. Columns: KEY, value, note,
    carried_from; ``period`` is ``month``."""
    columns = KEY + ["value", "note", "carried_from"]
    window = int(catalog.carry_forward_months) if catalog is not None else 0
    if values.empty or window <= 0:
        return pd.DataFrame(columns=columns)
    stocks = set(catalog.indicators.index[catalog.indicators["time"].eq("stock")])
    earlier = {add_months(month, -k) for k in range(1, window + 1)}
    series = ["institution", "indicator", "ubigeo"]
    rows = values[values["indicator"].isin(stocks) & values["period"].isin(earlier | {month})]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    own = rows[rows["period"].eq(month)].set_index(series).index
    rows = rows[rows["period"].isin(earlier) & ~rows.set_index(series).index.isin(own)]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    nearest = rows.groupby(series)["period"].transform("max")
    rows = rows[rows["period"].eq(nearest)]
    return rows.assign(carried_from=rows["period"], period=month)[columns].reset_index(drop=True)


def approve_month(store: Store, month: str, actor: Actor, catalog=None) -> None:
    """Lock ``month`` (``YYYY-MM``); audited. Approving a month already locked is an error.

    The month's figures are frozen as of this instant (see :meth:`Store.values`): the stock values carried
    into it from earlier months are recorded with the approval. ``catalog`` says which indicators are stocks
    and how far they carry (default: the catalog in use).
    """
    actor.require("approve")
    month = _check_month(month)
    if catalog is None:
        from ..rules.catalog import load_catalog
        catalog = load_catalog()
    with store.engine.begin() as conn:
        if _open_approval(conn, month) is not None:
            raise ApprovalError(f"El mes {month} ya está aprobado. / Month {month} is already approved.")
        at = utcnow()
        approval_id = conn.execute(approvals.insert().values(
            period=month, approved_at=at, approved_by=actor.username)).inserted_primary_key[0]
        carried = carried_into(store._latest(at), month, catalog)
        if not carried.empty:
            conn.execute(approval_carried.insert(), carried.assign(approval_id=approval_id).to_dict("records"))
        store._audit(conn, actor.username, "approve", {"period": month, "carried_values": len(carried)}, at=at)


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
