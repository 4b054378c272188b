"""Notes on the figures: a short text an analyst or administrator attaches to a gap, a place and a month
or a span of months ("DIRESA cambió su método de conteo en marzo"), public or for members only.

A note keeps its author and the date it was written; editing or withdrawing it records a new version
(the history is kept, like agreements), and every change is in the audit log. :func:`notes_frame` with
``as_of`` reads each note as it stood then, so a past session's slides show the notes the room had.
The text is the user's own: every caller shows it as plain text.
"""
from __future__ import annotations

import re
from datetime import datetime

import pandas as pd
import sqlalchemy as sa

from ..rules.periods import PeriodError, parse_period
from .permissions import COMMAND_LINE, Actor
from .store import Store, figure_note_versions, figure_notes, naive_utc, utcnow

MAX_NOTE_CHARS = 280
NOTE_FIELDS = ("gap_code", "ubigeo", "start_month", "end_month", "text", "public", "withdrawn")


class NoteError(ValueError):
    """A note that cannot be written as given; the message is for the user (es / en)."""


def _month(text: str) -> str:
    try:
        period = parse_period(str(text).strip())
    except PeriodError:
        period = None
    if period is None or period.kind != "month":
        raise NoteError(f"Mes no válido: '{text}'. Use AAAA-MM. / Invalid month: '{text}'. Use YYYY-MM.")
    return period.code


def _clean(text: str) -> str:
    text = " ".join(str(text or "").split())
    if not text:
        raise NoteError("La nota no puede estar vacía. / The note cannot be empty.")
    if len(text) > MAX_NOTE_CHARS:
        raise NoteError(f"La nota tiene {len(text)} caracteres; el máximo es {MAX_NOTE_CHARS}. / "
                        f"The note is too long (max {MAX_NOTE_CHARS} characters).")
    return text


_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
_YEAR = re.compile(r"(?:19|20)\d\d")


def _public_text(text: str) -> str:
    """A public note carries no figure but a year: a number typed by a member who sees exact counts
    ("3 víctimas en Matapalo") would bypass the publication step (DOMAIN.md §7)."""
    figures = [f for f in _FIGURE.findall(text) if not _YEAR.fullmatch(f)]
    if figures:
        raise NoteError("Una nota pública no puede llevar cifras (podrían revelar un conteo protegido): "
                        f"quite {', '.join(repr(f) for f in figures[:3])} o márquela solo para miembros. / "
                        "A public note cannot carry figures (they could reveal a protected count): remove them "
                        "or make the note members-only.")
    return text


def _span(start: str, end: str | None) -> tuple[str, str]:
    start = _month(start)
    end = _month(end) if end else start
    if end < start:
        raise NoteError("El mes final es anterior al inicial. / The last month is before the first.")
    return start, end


def _record_version(conn, note_id: int, at: datetime, actor: Actor) -> None:
    row = conn.execute(sa.select(*[figure_notes.c[f] for f in NOTE_FIELDS])
                       .where(figure_notes.c.id == note_id)).mappings().one()
    conn.execute(figure_note_versions.insert().values(note_id=note_id, recorded_at=at, recorded_by=actor.username,
                                                      **row))


def add_note(store: Store, gap_code: str, ubigeo: str, start: str, text: str, *, end: str | None = None,
             public: bool = False, actor: Actor = COMMAND_LINE, at: datetime | None = None) -> int:
    """Write a note on ``gap_code`` at ``ubigeo`` for the months ``start``..``end``; returns its id."""
    actor.require("annotate")
    start, end = _span(start, end)
    text = _clean(text)
    if public:
        _public_text(text)
    at = naive_utc(at) or utcnow()
    with store.engine.begin() as conn:
        note_id = conn.execute(figure_notes.insert().values(
            gap_code=gap_code, ubigeo=str(ubigeo), start_month=start, end_month=end, text=text,
            public=bool(public), author=actor.username, created_at=at, withdrawn=False)).inserted_primary_key[0]
        _record_version(conn, note_id, at, actor)
        store._audit(conn, actor.username, "note", {"id": note_id, "gap": gap_code, "ubigeo": ubigeo,
                                                    "months": [start, end], "public": bool(public)})
    return note_id


def update_note(store: Store, note_id: int, *, text: str | None = None, start: str | None = None,
                end: str | None = None, public: bool | None = None, withdrawn: bool | None = None,
                actor: Actor = COMMAND_LINE, at: datetime | None = None) -> None:
    """Edit, withdraw (``withdrawn=True``) or restore a note; a new version is recorded and audited."""
    actor.require("annotate")
    with store.engine.begin() as conn:
        row = conn.execute(sa.select(figure_notes).where(figure_notes.c.id == note_id)).mappings().first()
        if row is None:
            raise NoteError(f"No existe la nota {note_id}. / There is no note {note_id}.")
        first, last = _span(start or row["start_month"], end or row["end_month"])
        wanted = {"text": _clean(text) if text is not None else None, "start_month": first, "end_month": last,
                  "public": public, "withdrawn": withdrawn}
        changes = {k: v for k, v in wanted.items() if v is not None and v != row[k]}
        if not changes:
            return
        if changes.get("public", row["public"]):
            _public_text(changes.get("text", row["text"]))
        at = naive_utc(at) or utcnow()
        conn.execute(figure_notes.update().where(figure_notes.c.id == note_id).values(**changes))
        _record_version(conn, note_id, at, actor)
        store._audit(conn, actor.username, "note_update",
                     {"id": note_id, "before": {k: row[k] for k in changes}, "after": changes})


def withdraw_note(store: Store, note_id: int, actor: Actor = COMMAND_LINE, at: datetime | None = None) -> None:
    update_note(store, note_id, withdrawn=True, actor=actor, at=at)


def notes_frame(store: Store, *, as_of: datetime | None = None, public_only: bool = False,
                include_withdrawn: bool = False) -> pd.DataFrame:
    """Notes (id, gap_code, ubigeo, start_month, end_month, text, public, author, created_at, withdrawn),
    oldest first. With ``as_of``, each note as it stood then (notes written later are left out)."""
    with store.engine.connect() as conn:
        frame = pd.read_sql(sa.select(figure_notes).order_by(figure_notes.c.start_month, figure_notes.c.id), conn)
        if as_of is not None and not frame.empty:
            versions = pd.read_sql(sa.select(figure_note_versions), conn)
            known = versions[pd.to_datetime(versions["recorded_at"]).le(naive_utc(as_of))]
            last = known.sort_values(["note_id", "recorded_at", "id"]).groupby("note_id").tail(1)
            stood = last.set_index("note_id")[list(NOTE_FIELDS)]
            frame = frame[frame["id"].isin(stood.index)].drop(columns=list(NOTE_FIELDS)).join(stood, on="id")
    frame = frame.reindex(columns=["id", "gap_code", "ubigeo", "start_month", "end_month", "text", "public",
                                   "author", "created_at", "withdrawn"])
    frame["public"] = frame["public"].astype(bool)
    frame["withdrawn"] = frame["withdrawn"].astype(bool)
    if not include_withdrawn:
        frame = frame[~frame["withdrawn"]]
    if public_only:
        frame = frame[frame["public"]]
    return frame.reset_index(drop=True)


def note_history(store: Store, note_id: int) -> pd.DataFrame:
    """Every recorded state of one note, oldest first."""
    with store.engine.connect() as conn:
        return pd.read_sql(sa.select(figure_note_versions).where(figure_note_versions.c.note_id == note_id)
                           .order_by(figure_note_versions.c.recorded_at, figure_note_versions.c.id), conn)


def covering(frame: pd.DataFrame, first_month: str, last_month: str, gap_codes=None, ubigeos=None) -> pd.DataFrame:
    """The notes whose months overlap ``first_month``..``last_month``, optionally for some gaps and places."""
    if frame.empty:
        return frame
    keep = frame["start_month"].le(last_month) & frame["end_month"].ge(first_month)
    if gap_codes is not None:
        keep &= frame["gap_code"].isin(list(gap_codes))
    if ubigeos is not None:
        keep &= frame["ubigeo"].astype(str).isin([str(u) for u in ubigeos])
    return frame[keep]
