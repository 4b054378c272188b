"""Sessions of the table and their agreements (DOMAIN.md §8)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa

from .permissions import COMMAND_LINE, Actor
from .store import Store, agreements, sessions, utcnow

AGREEMENT_STATUSES = ("pendiente", "en_curso", "cumplido")
OVERDUE = "vencido"


def add_session(store: Store, day: date, title: str, notes: str = "", actor: Actor = COMMAND_LINE) -> None:
    actor.require("manage_sessions")
    with store.engine.begin() as conn:
        conn.execute(sessions.insert().values(date=day, title=title, notes=notes))
        store._audit(conn, actor.username, "session", {"date": day, "title": title})


def sessions_frame(store: Store) -> pd.DataFrame:
    with store.engine.connect() as conn:
        frame = pd.read_sql(sa.select(sessions).order_by(sessions.c.date), conn)
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame


def add_agreement(store: Store, session_date: date, text: str, institution: str, due: date,
                  status: str = "pendiente", gap_code: str | None = None, actor: Actor = COMMAND_LINE) -> None:
    actor.require("manage_sessions")
    if status not in AGREEMENT_STATUSES:
        raise ValueError(f"estado desconocido / unknown status '{status}'; allowed: {AGREEMENT_STATUSES}")
    with store.engine.begin() as conn:
        conn.execute(agreements.insert().values(session_date=session_date, text=text, institution=institution,
                                                due_date=due, status=status, gap_code=gap_code,
                                                updated_at=utcnow()))
        store._audit(conn, actor.username, "agreement", {"session": session_date, "institution": institution})


def effective_status(status: str, due: date, today: date) -> str:
    """``vencido`` when past due and not done; otherwise the recorded status."""
    if status != "cumplido" and due < today:
        return OVERDUE
    return status


def agreements_frame(store: Store, today: date | None = None) -> pd.DataFrame:
    today = today or date.today()
    with store.engine.connect() as conn:
        frame = pd.read_sql(sa.select(agreements).order_by(agreements.c.due_date), conn)
    for col in ("session_date", "due_date"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    frame["effective_status"] = [effective_status(s, d, today) for s, d in zip(frame["status"], frame["due_date"])]
    return frame
