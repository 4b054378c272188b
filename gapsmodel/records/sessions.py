"""Sessions of the table and their agreements (DOMAIN.md §8)."""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa

from .permissions import COMMAND_LINE, Actor
from .store import Store, agreement_versions, agreements, naive_utc, sessions, utcnow

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


AGREEMENT_FIELDS = ("text", "institution", "due_date", "status", "gap_code")


def _record_version(conn, agreement_id: int, at: datetime, actor: Actor) -> None:
    """Copy the agreement's state as it is now into its history."""
    row = conn.execute(sa.select(*[agreements.c[f] for f in AGREEMENT_FIELDS])
                       .where(agreements.c.id == agreement_id)).mappings().one()
    conn.execute(agreement_versions.insert().values(agreement_id=agreement_id, recorded_at=at,
                                                    recorded_by=actor.username, **row))


def add_agreement(store: Store, session_date: date, text: str, institution: str, due: date,
                  status: str = "pendiente", gap_code: str | None = None, actor: Actor = COMMAND_LINE,
                  at: datetime | None = None) -> int:
    """Record an agreement made at the session on ``session_date``; returns its id. ``at`` (default now)
    is when it was recorded: the demo gives past instants so that its history reads like a real one."""
    actor.require("manage_sessions")
    if status not in AGREEMENT_STATUSES:
        raise ValueError(f"estado desconocido / unknown status '{status}'; allowed: {AGREEMENT_STATUSES}")
    at = naive_utc(at) or utcnow()
    with store.engine.begin() as conn:
        agreement_id = conn.execute(agreements.insert().values(
            session_date=session_date, text=text, institution=institution, due_date=due, status=status,
            gap_code=gap_code, updated_at=at)).inserted_primary_key[0]
        _record_version(conn, agreement_id, at, actor)
        # the audit log keeps the real time of the change, whatever ``at`` says
        store._audit(conn, actor.username, "agreement", {"id": agreement_id, "session": session_date,
                                                         "institution": institution})
    return agreement_id


def effective_status(status: str, due: date, today: date) -> str:
    """``vencido`` when past due and not done; otherwise the recorded status."""
    if status != "cumplido" and due < today:
        return OVERDUE
    return status


def agreements_frame(store: Store, today: date | None = None, as_of: datetime | None = None) -> pd.DataFrame:
    """Agreements with their ``effective_status`` on ``today``.

    With ``as_of``, each agreement reads as it stood at that instant (its last version recorded by then),
    so a past session keeps showing the statuses the room saw. An agreement typed in only after ``as_of``
    reads as it was first recorded: it was made at its session even if entered later.
    """
    today = today or date.today()
    with store.engine.connect() as conn:
        frame = pd.read_sql(sa.select(agreements).order_by(agreements.c.due_date, agreements.c.id), conn)
        if as_of is not None and not frame.empty:
            frame = _as_it_stood(frame, pd.read_sql(sa.select(agreement_versions), conn), naive_utc(as_of))
    for col in ("session_date", "due_date"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    frame["effective_status"] = [effective_status(s, d, today) for s, d in zip(frame["status"], frame["due_date"])]
    return frame


def _as_it_stood(frame: pd.DataFrame, versions: pd.DataFrame, moment: datetime) -> pd.DataFrame:
    versions = versions.sort_values(["agreement_id", "recorded_at", "id"], kind="stable")
    known = versions[versions["recorded_at"].le(moment)]
    chosen = pd.concat([known.groupby("agreement_id").tail(1),
                        versions[~versions["agreement_id"].isin(known["agreement_id"])]
                        .groupby("agreement_id").head(1)])
    fields = chosen.set_index("agreement_id")[list(AGREEMENT_FIELDS) + ["recorded_at"]]
    stood = frame.drop(columns=list(AGREEMENT_FIELDS)).join(fields, on="id")
    # an agreement without any recorded version (should not happen) keeps its current state
    missing = stood["status"].isna()
    stood.loc[missing, list(AGREEMENT_FIELDS)] = frame.loc[missing, list(AGREEMENT_FIELDS)]
    return stood.drop(columns="recorded_at")[frame.columns]


def agreement_history(store: Store, agreement_id: int) -> pd.DataFrame:
    """Every recorded state of one agreement, oldest first."""
    with store.engine.connect() as conn:
        frame = pd.read_sql(sa.select(agreement_versions).where(agreement_versions.c.agreement_id == agreement_id)
                            .order_by(agreement_versions.c.recorded_at, agreement_versions.c.id), conn)
    frame["due_date"] = pd.to_datetime(frame["due_date"]).dt.date
    return frame


# --- editing sessions and following up agreements (admin only, audited) ---------------------------
class SessionError(ValueError):
    """A session or agreement change that cannot be made; the message is for the user (es / en)."""


def _session_row(conn, day: date):
    return conn.execute(sa.select(sessions).where(sessions.c.date == day)).mappings().first()


def update_session(store: Store, day: date, *, title: str | None = None, notes: str | None = None,
                   new_date: date | None = None, actor: Actor = COMMAND_LINE) -> None:
    """Change a session's title, notes or date (its agreements follow a new date); audited."""
    actor.require("manage_sessions")
    if title is not None and not title.strip():
        raise SessionError("El título no puede estar vacío. / The title cannot be empty.")
    with store.engine.begin() as conn:
        row = _session_row(conn, day)
        if row is None:
            raise SessionError(f"No hay sesión el {day.isoformat()}. / No session on {day.isoformat()}.")
        changes: dict = {}
        if title is not None and title != row["title"]:
            changes["title"] = title.strip()
        if notes is not None and notes != row["notes"]:
            changes["notes"] = notes
        if new_date is not None and new_date != day:
            if _session_row(conn, new_date) is not None:
                raise SessionError(f"Ya hay una sesión el {new_date.isoformat()}. / "
                                   f"There is already a session on {new_date.isoformat()}.")
            changes["date"] = new_date
        if not changes:
            return
        conn.execute(sessions.update().where(sessions.c.date == day).values(**changes))
        if "date" in changes:
            conn.execute(agreements.update().where(agreements.c.session_date == day).values(session_date=new_date))
        store._audit(conn, actor.username, "session_update", {"date": day, "changes": changes})


def update_agreement(store: Store, agreement_id: int, *, status: str | None = None, text: str | None = None,
                     institution: str | None = None, due: date | None = None, gap_code: str | None = None,
                     actor: Actor = COMMAND_LINE, at: datetime | None = None) -> None:
    """Follow an agreement up (usually its status) in a later session; audited with before and after."""
    actor.require("manage_sessions")
    if status is not None and status not in AGREEMENT_STATUSES:
        raise ValueError(f"estado desconocido / unknown status '{status}'; allowed: {AGREEMENT_STATUSES}")
    if text is not None and not text.strip():
        raise SessionError("El texto del acuerdo no puede estar vacío. / The agreement text cannot be empty.")
    with store.engine.begin() as conn:
        row = conn.execute(sa.select(agreements).where(agreements.c.id == agreement_id)).mappings().first()
        if row is None:
            raise SessionError(f"No existe el acuerdo {agreement_id}. / There is no agreement {agreement_id}.")
        wanted = {"status": status, "text": text.strip() if text is not None else None,
                  "institution": institution, "due_date": due, "gap_code": gap_code}
        changes = {k: v for k, v in wanted.items() if v is not None and v != row[k]}
        if not changes:
            return
        at = naive_utc(at) or utcnow()
        conn.execute(agreements.update().where(agreements.c.id == agreement_id).values(**changes, updated_at=at))
        _record_version(conn, agreement_id, at, actor)
        before = {k: row[k] for k in changes}
        store._audit(conn, actor.username, "agreement_update",
                     {"id": agreement_id, "before": before, "after": changes})


def follow_up_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Agreements for follow-up: overdue first, then open ones by due date, done ones last."""
    rank = frame["effective_status"].map({OVERDUE: 0, "pendiente": 1, "en_curso": 1, "cumplido": 2})
    return (frame.assign(_rank=rank).sort_values(["_rank", "due_date", "id"], kind="stable")
            .drop(columns="_rank").reset_index(drop=True))


def nearest_sessions(known: list[date], day: date, n: int = 3) -> list[date]:
    """The ``n`` session dates closest to ``day`` (to suggest when a date is not a session), in order."""
    return sorted(sorted(known, key=lambda d: (abs((d - day).days), d))[:n])
