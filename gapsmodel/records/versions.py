"""Versions of the table's records read from the database, so that caches follow what is stored.

Several app processes may share one database: a cache entry must not outlive a change made through another
process. The store's own :meth:`Store.version` covers what the model sees (batches, reverts, approvals);
these cover the records drawn next to the figures: sessions with their agreements, and the notes on the
figures. Each is a few index lookups (counts and largest ids), cheap enough for every rerun. Sign-ins and
account changes move none of them: accounts are read again on every run (app/signin.py), and a sign-in
must not make thirty people's cached overview be built again.
"""
from __future__ import annotations

import sqlalchemy as sa

from .store import Store, agreement_versions, audit_log, figure_note_versions, sessions

# a session's title, notes or date can change in place (no history table); its audit entry marks the change
_SESSION_EDIT = "session_update"


def sessions_version(store: Store) -> tuple:
    """Changes when a session is added or edited, or an agreement added or followed up."""
    with store.engine.connect() as conn:
        added = conn.execute(sa.select(sa.func.count(), sa.func.max(sessions.c.id))).first()
        followed = conn.execute(sa.select(sa.func.max(agreement_versions.c.id))).scalar()
        edited = conn.execute(sa.select(sa.func.max(audit_log.c.id))
                              .where(audit_log.c.action == _SESSION_EDIT)).scalar()
    return tuple(added) + (followed, edited)


def notes_version(store: Store) -> tuple:
    """Changes when a note on the figures is added, edited, withdrawn or restored (each records a version)."""
    with store.engine.connect() as conn:
        return (conn.execute(sa.select(sa.func.max(figure_note_versions.c.id))).scalar(),)


def records_version(store: Store) -> tuple:
    """Sessions, agreements and notes together: part of the key of every cached view that draws them."""
    return sessions_version(store) + notes_version(store)
