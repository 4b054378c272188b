"""Storage through SQLAlchemy: batches of values, superseded but never deleted, plus the table's records.

A value's key is (institution, indicator, ubigeo, period, sex, age, nationality). A later batch with the
same key supersedes the earlier value; a reverted batch stops counting from the moment it was reverted.
So the state "as of" any instant can be rebuilt exactly (DOMAIN.md §8).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from . import columnar
from .permissions import COMMAND_LINE, Actor

log = logging.getLogger(__name__)
DEFAULT_DB = Path(__file__).resolve().parents[2] / "data" / "gapsmodel.db"
ENV_VAR = "GAPSMODEL_DATABASE_URL"
KEY = ["institution", "indicator", "ubigeo", "period", "sex", "age", "nationality"]
VALUE_COLUMNS = KEY + ["value", "note"]
OBSERVATION_COLUMNS = VALUE_COLUMNS + ["batch_id"]

metadata = sa.MetaData()
batches = sa.Table(
    "batches", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("institution", sa.String(40), nullable=False, index=True),
    sa.Column("uploaded_by", sa.String(120), nullable=False),
    sa.Column("uploaded_at", sa.DateTime, nullable=False, index=True),
    sa.Column("filename", sa.String(255), nullable=False, default=""),
    sa.Column("checksum", sa.String(64), nullable=False, default=""),
    sa.Column("n_values", sa.Integer, nullable=False, default=0),
    sa.Column("kind", sa.String(20), nullable=False, default="upload"),
    sa.Column("reverted_at", sa.DateTime, nullable=True),
    sa.Column("reverted_by", sa.String(120), nullable=True),
    sa.Column("revert_reason", sa.Text, nullable=True),
)
observations = sa.Table(
    "observations", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False, index=True),
    sa.Column("institution", sa.String(40), nullable=False),
    sa.Column("indicator", sa.String(80), nullable=False),
    sa.Column("ubigeo", sa.String(10), nullable=False),
    sa.Column("period", sa.String(7), nullable=False, index=True),
    sa.Column("sex", sa.String(20), nullable=False, default="total"),
    sa.Column("age", sa.String(20), nullable=False, default="total"),
    sa.Column("nationality", sa.String(40), nullable=False, default="total"),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
)
audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("action", sa.String(40), nullable=False, index=True),
    sa.Column("detail", sa.Text, nullable=False, default=""),
)
sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("date", sa.Date, nullable=False, unique=True),
    sa.Column("title", sa.String(255), nullable=False),
    sa.Column("notes", sa.Text, nullable=False, default=""),
)
agreements = sa.Table(
    "agreements", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("session_date", sa.Date, nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("institution", sa.String(40), nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, default="pendiente"),
    sa.Column("gap_code", sa.String(80), nullable=True),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
# every state an agreement has been in, so a past session shows the statuses it saw (DOMAIN.md §8)
agreement_versions = sa.Table(
    "agreement_versions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("agreement_id", sa.Integer, sa.ForeignKey("agreements.id"), nullable=False, index=True),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("recorded_by", sa.String(120), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("institution", sa.String(40), nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("gap_code", sa.String(80), nullable=True),
)
approvals = sa.Table(
    "approvals", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("period", sa.String(7), nullable=False, index=True),
    sa.Column("approved_at", sa.DateTime, nullable=False),
    sa.Column("approved_by", sa.String(120), nullable=False),
    sa.Column("reopened_at", sa.DateTime, nullable=True),
    sa.Column("reopened_by", sa.String(120), nullable=True),
    sa.Column("reopen_reason", sa.Text, nullable=True),
)
users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(120), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("institution", sa.String(40), nullable=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("failed_attempts", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.DateTime, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)
# "keep me signed in": a browser holds a random token, the store only its SHA-256 (gapsmodel.records.login_sessions)
login_sessions = sa.Table(
    "login_sessions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("username", sa.String(120), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime, nullable=True),
)
# what an approved month showed through carry-forward at its approval: the stock rows of earlier months that
# stood in for it, copied with the month's period, so later uploads or reverts of those months cannot move it
approval_carried = sa.Table(
    "approval_carried", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("approval_id", sa.Integer, sa.ForeignKey("approvals.id"), nullable=False, index=True),
    sa.Column("institution", sa.String(40), nullable=False),
    sa.Column("indicator", sa.String(80), nullable=False),
    sa.Column("ubigeo", sa.String(10), nullable=False),
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("sex", sa.String(20), nullable=False, default="total"),
    sa.Column("age", sa.String(20), nullable=False, default="total"),
    sa.Column("nationality", sa.String(40), nullable=False, default="total"),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("carried_from", sa.String(7), nullable=False),
)
# notes on the figures: a gap, a place, a month or a span of months; public or for members (DOMAIN.md §8)
figure_notes = sa.Table(
    "figure_notes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("gap_code", sa.String(80), nullable=False, index=True),
    sa.Column("ubigeo", sa.String(6), nullable=False),
    sa.Column("start_month", sa.String(7), nullable=False),
    sa.Column("end_month", sa.String(7), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("public", sa.Boolean, nullable=False, default=False),
    sa.Column("author", sa.String(120), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("withdrawn", sa.Boolean, nullable=False, default=False),
)
# every state a note has been in (edits and withdrawal), like agreement_versions
figure_note_versions = sa.Table(
    "figure_note_versions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("note_id", sa.Integer, sa.ForeignKey("figure_notes.id"), nullable=False, index=True),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("recorded_by", sa.String(120), nullable=False),
    sa.Column("gap_code", sa.String(80), nullable=False),
    sa.Column("ubigeo", sa.String(6), nullable=False),
    sa.Column("start_month", sa.String(7), nullable=False),
    sa.Column("end_month", sa.String(7), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("public", sa.Boolean, nullable=False),
    sa.Column("withdrawn", sa.Boolean, nullable=False),
)
schema_migrations = sa.Table(
    "schema_migrations", metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.DateTime, nullable=False),
)


def _create_all(conn):
    metadata.create_all(conn, tables=[t for t in metadata.sorted_tables if t is not schema_migrations])


def _add_agreement_versions(conn):
    """Stores made before agreements kept their history: start it with each agreement's current state."""
    agreement_versions.create(conn, checkfirst=True)
    known = sa.select(agreement_versions.c.agreement_id)
    columns = ["text", "institution", "due_date", "status", "gap_code"]
    rows = sa.select(agreements.c.id, agreements.c.updated_at, sa.literal("migración / migration"),
                     *[agreements.c[c] for c in columns]).where(agreements.c.id.not_in(known))
    conn.execute(agreement_versions.insert().from_select(
        ["agreement_id", "recorded_at", "recorded_by", *columns], rows))


# version -> step; each runs in its own transaction together with its record in schema_migrations
def _add_login_sessions(conn):
    login_sessions.create(conn, checkfirst=True)


def _add_approval_carried(conn):
    approval_carried.create(conn, checkfirst=True)


def _add_figure_notes(conn):
    figure_notes.create(conn, checkfirst=True)
    figure_note_versions.create(conn, checkfirst=True)


MIGRATIONS = {1: _create_all, 2: _add_agreement_versions, 3: _add_login_sessions, 4: _add_approval_carried,
              5: _add_figure_notes}
#: Every table whose rows make a store "not empty" for the demo loader (accounts and sessions count too).
CONTENT_TABLES = ("batches", "observations", "audit_log", "sessions", "agreements", "agreement_versions",
                  "approvals", "users", "login_sessions", "approval_carried", "figure_notes")
STORE_FAILED = ("No se pudo guardar por un error de la base de datos; no se guardó nada y el error quedó "
                "registrado para el operador. / The store refused the write; nothing was saved and the error "
                "was logged for the operator.")


class LockedPeriodError(ValueError):
    """An upload touches a month the secretariat approved."""


class StoreError(ValueError):
    pass


def utcnow() -> datetime:
    """Naive UTC: what every timestamp column holds."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def naive_utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def default_url() -> str:
    return os.environ.get(ENV_VAR) or f"sqlite:///{DEFAULT_DB}"


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Scope:
    """Some months (and, optionally, institutions and indicators) of the store: what an upload's checks read."""
    months: frozenset[str]
    institutions: frozenset[str] | None = None
    indicators: frozenset[str] | None = None

    def of(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``frame`` inside the scope."""
        inside = frame["period"].isin(self.months)
        if self.institutions is not None:
            inside &= frame["institution"].isin(self.institutions)
        if self.indicators is not None:
            inside &= frame["indicator"].isin(self.indicators)
        return frame[inside].reset_index(drop=True)


@dataclass
class Store:
    engine: sa.Engine
    # (version, rows, observations, batch ids read) of the last read of every stored value: see _rows
    _rows_cache: tuple | None = field(default=None, init=False, repr=False, compare=False)
    # (version, batch ids read, reverted batch ids, values in force now before approvals): see _current
    _current_cache: tuple | None = field(default=None, init=False, repr=False, compare=False)
    # (version, scope, rows) of the last read of a scope: a snapshot asks for its values and report times
    _within_cache: tuple | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def open(cls, url: str | None = None) -> "Store":
        """Open (and create or migrate) the store at an SQLAlchemy URL; default: the embedded file."""
        url = url or default_url()
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {"pool_pre_ping": True}
        if url == "sqlite:///:memory:":
            kwargs["poolclass"] = sa.pool.StaticPool
            kwargs["connect_args"]["check_same_thread"] = False
        store = cls(sa.create_engine(url, **kwargs))
        store.migrate()
        return store

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def migrate(self) -> None:
        with self.engine.begin() as conn:
            schema_migrations.create(conn, checkfirst=True)
        for version in sorted(MIGRATIONS):
            with self.engine.begin() as conn:
                done = conn.execute(sa.select(schema_migrations.c.version).where(
                    schema_migrations.c.version == version)).first()
                if done:
                    continue
                MIGRATIONS[version](conn)
                conn.execute(schema_migrations.insert().values(version=version, applied_at=utcnow()))

    # --- audit ------------------------------------------------------------------------
    @staticmethod
    def _audit(conn, actor: str, action: str, detail: dict | str, at: datetime | None = None) -> None:
        text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False, default=str)
        conn.execute(audit_log.insert().values(at=at or utcnow(), actor=actor, action=action, detail=text))

    def audit(self, actor: str, action: str, detail: dict | str) -> None:
        with self.engine.begin() as conn:
            self._audit(conn, actor, action, detail)

    def audit_frame(self) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.read_sql(sa.select(audit_log).order_by(audit_log.c.id.desc()), conn)

    # --- batches --------------------------------------------------------------------
    def locked_months(self) -> set[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(approvals.c.period).where(approvals.c.reopened_at.is_(None))).all()
        return {r[0] for r in rows}

    def add_batch(self, values: pd.DataFrame, *, institution: str, actor: Actor = COMMAND_LINE,
                  filename: str = "", checksum: str = "", uploaded_at: datetime | None = None,
                  kind: str = "upload", _fail_after_rows: int | None = None) -> int:
        """Commit one batch in one transaction (all values or none); return its id.

        ``values`` holds VALUE_COLUMNS; its institution column must be ``institution``.
        """
        actor.require("upload", institution)
        frame = values.reindex(columns=VALUE_COLUMNS)
        other = set(frame["institution"].dropna().unique()) - {institution}
        if other:
            raise StoreError(f"El lote de {institution} contiene valores de otra institución: {sorted(other)}. "
                             f"/ The batch holds values of another institution.")
        frame = frame.fillna({"sex": "total", "age": "total", "nationality": "total", "note": ""})
        frame["value"] = frame["value"].astype(float)
        at = naive_utc(uploaded_at) or utcnow()
        with self.engine.begin() as conn:
            locked = {r[0] for r in conn.execute(sa.select(approvals.c.period).where(
                approvals.c.reopened_at.is_(None))).all()}
            hit = sorted(set(frame["period"]) & locked)
            if hit:
                raise LockedPeriodError(
                    f"Los meses {', '.join(hit)} están aprobados y cerrados por la secretaría técnica; "
                    f"pida a un administrador que los reabra. / Months {', '.join(hit)} are approved and locked.")
            batch_id = conn.execute(batches.insert().values(
                institution=institution, uploaded_by=actor.username, uploaded_at=at, filename=filename,
                checksum=checksum, n_values=len(frame), kind=kind)).inserted_primary_key[0]
            records = frame.assign(batch_id=batch_id).to_dict("records")
            chunk = 5000
            for start in range(0, len(records), chunk):
                if _fail_after_rows is not None and start >= _fail_after_rows:
                    raise RuntimeError("injected failure")
                try:
                    conn.execute(observations.insert(), records[start:start + chunk])
                except sa.exc.SQLAlchemyError:
                    # the statement and its parameters (partner data) go to the operator's log only
                    log.exception("storing batch %s of %s failed", batch_id, institution)
                    raise StoreError(STORE_FAILED) from None
            self._audit(conn, actor.username, "upload", {
                "batch": batch_id, "institution": institution, "file": filename, "values": len(frame),
                "periods": sorted(frame["period"].unique().tolist())}, at=at if kind == "demo" else None)
        return int(batch_id)

    def revert_batch(self, batch_id: int, *, actor: Actor, reason: str = "") -> None:
        """Stop counting a batch from now on; the values it superseded count again. A reason is required."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(batches).where(batches.c.id == batch_id)).mappings().first()
            if row is None:
                raise StoreError(f"No existe el lote {batch_id}. / There is no batch {batch_id}.")
            actor.require("revert", row["institution"])
            if row["reverted_at"] is not None:
                raise StoreError(f"El lote {batch_id} ya fue revertido. / Batch {batch_id} was already reverted.")
            reason = (reason or "").strip()
            if not reason:
                raise StoreError("Para revertir un lote hay que indicar el motivo. / Reverting a batch needs a "
                                 "reason.")
            periods = {r[0] for r in conn.execute(sa.select(observations.c.period).distinct().where(
                observations.c.batch_id == batch_id)).all()}
            locked = {r[0] for r in conn.execute(sa.select(approvals.c.period).where(
                approvals.c.reopened_at.is_(None))).all()}
            if periods & locked:
                raise LockedPeriodError(f"El lote {batch_id} toca meses aprobados: {sorted(periods & locked)}. "
                                        f"/ The batch touches approved months.")
            conn.execute(batches.update().where(batches.c.id == batch_id).values(
                reverted_at=utcnow(), reverted_by=actor.username, revert_reason=reason))
            self._audit(conn, actor.username, "revert", {"batch": batch_id, "institution": row["institution"],
                                                         "reason": reason})

    def batches_frame(self, institution: str | None = None) -> pd.DataFrame:
        query = sa.select(batches).order_by(batches.c.id.desc())
        if institution:
            query = query.where(batches.c.institution == institution)
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)

    def batch_values(self, batch_id: int) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.read_sql(sa.select(observations).where(observations.c.batch_id == batch_id), conn)

    def version(self) -> tuple:
        """Changes whenever what the model sees changes: a cache key."""
        with self.engine.connect() as conn:
            b = conn.execute(sa.select(sa.func.count(), sa.func.max(batches.c.id),
                                       sa.func.count(batches.c.reverted_at))).first()
            a = conn.execute(sa.select(sa.func.count(), sa.func.count(approvals.c.reopened_at))).first()
        return tuple(b) + tuple(a)

    def is_empty(self) -> bool:
        """No batch at all (pages then show how to start)."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(batches)).scalar() == 0

    def is_entirely_empty(self, conn=None) -> bool:
        """Not one row in any table but the schema's own: no data, no account, no session, no audit entry."""
        def check(c):
            return all(c.execute(sa.select(sa.func.count()).select_from(metadata.tables[name])).scalar() == 0
                       for name in CONTENT_TABLES)
        if conn is not None:
            return check(conn)
        with self.engine.connect() as c:
            return check(c)

    def _rows(self) -> pd.DataFrame:
        """Every stored value with its batch's upload and revert times, read once per store version.

        Values are only ever added (with a new batch) and batches only reverted, both of which change
        :meth:`version`. So when the version moves on, only the values of batches not read before are read
        (observations of a known batch never change) and the batches' times are mapped again from their small
        table: after an upload, a re-read costs the new batch, not the store.
        """
        version = self.version()
        cached = self._rows_cache
        if cached is not None and cached[0] == version:
            return cached[1]
        times = self._batch_times()
        known, read_ids = (cached[2], cached[3]) if cached is not None else (None, frozenset())
        new_ids = sorted(set(times.index.tolist()) - read_ids)
        if new_ids or known is None:
            fresh = self._read_observations(new_ids)
            known = fresh if known is None or not len(known) else pd.concat([known, fresh], ignore_index=True)
            read_ids = read_ids | set(new_ids)
        rows = _with_times(known, times)
        self._rows_cache = (version, rows, known, frozenset(read_ids))
        return rows

    def _batch_times(self) -> pd.DataFrame:
        """uploaded_at and reverted_at of every batch, indexed by batch id (one row per batch: small)."""
        with self.engine.connect() as conn:
            got = conn.execute(sa.select(batches.c.id, batches.c.uploaded_at, batches.c.reverted_at)).all()
        ids = [r[0] for r in got]
        return pd.DataFrame({"uploaded_at": pd.to_datetime([r[1] for r in got]).astype("datetime64[us]"),
                             "reverted_at": pd.to_datetime([r[2] for r in got]).astype("datetime64[us]")},
                            index=pd.Index(ids, dtype="int64", name="id"))

    def _read_observations(self, batch_ids: list[int]) -> pd.DataFrame:
        """OBSERVATION_COLUMNS of the given batches, in the order they were stored.

        Through Arrow (ADBC) when the store is an SQLite file or PostgreSQL: the values arrive as columns,
        never as millions of Python objects; otherwise (an in-memory SQLite, another database) through
        SQLAlchemy. Both give the same frame (tests/test_records_store_reads.py).
        """
        low = min(batch_ids, default=0)
        wanted = set(batch_ids)
        frame = columnar.read_observations(self.engine, low)
        if frame is None:
            o = observations
            query = sa.select(*[o.c[c] for c in OBSERVATION_COLUMNS]).where(o.c.batch_id >= low).order_by(o.c.id)
            with self.engine.connect() as conn:
                frame = pd.read_sql(query, conn)
        frame = columnar.normalised(frame)
        if not set(frame["batch_id"].unique().tolist()) <= wanted:
            # a batch committed after the batch times were read is left for the next version
            frame = frame[frame["batch_id"].isin(wanted)].reset_index(drop=True)
        return frame

    def _in_force(self, as_of: datetime | None, rows: pd.DataFrame | None = None) -> pd.DataFrame:
        """Rows of batches in force at ``as_of`` (default: now): uploaded by then and not reverted by then."""
        rows = self._rows() if rows is None else rows
        as_of = naive_utc(as_of)
        if as_of is None:
            return rows[rows["reverted_at"].isna()]
        return rows[rows["uploaded_at"].le(as_of) & (rows["reverted_at"].isna() | rows["reverted_at"].gt(as_of))]

    def _latest(self, as_of: datetime | None, period: str | None = None, rows: pd.DataFrame | None = None
                ) -> pd.DataFrame:
        if period is not None:
            rows = self._rows() if rows is None else rows
            rows = rows[rows["period"].eq(period)]
            moment = naive_utc(as_of)
            rows = rows if moment is None else rows[rows["uploaded_at"].le(moment) & (
                rows["reverted_at"].isna() | rows["reverted_at"].gt(moment))]
            frame = rows.drop(columns="reverted_at")
        else:
            frame = self._in_force(as_of, rows).drop(columns="reverted_at")
        if frame.empty:
            return frame.reset_index(drop=True)
        frame = frame.sort_values(["uploaded_at", "batch_id"], kind="stable")
        return frame.drop_duplicates(KEY, keep="last").reset_index(drop=True)

    def _current(self, rows: pd.DataFrame) -> pd.DataFrame:
        """``_latest(None)`` of the rows just read, by applying only the new batches to the last result when
        that is exact: no batch reverted since, and every new batch uploaded after every value it had (so
        each new value supersedes or joins; none is superseded). Otherwise computed again."""
        version, _, _, read_ids = self._rows_cache
        reverted = frozenset(rows.loc[rows["reverted_at"].notna(), "batch_id"].unique().tolist())
        cached = self._current_cache
        if cached is not None and cached[0] == version:
            return cached[3]
        frame = None
        if cached is not None and cached[2] == reverted & cached[1] and cached[1] <= read_ids:
            frame = _applied(cached[3], rows[rows["batch_id"].isin(read_ids - cached[1])])
        if frame is None:
            frame = self._latest(None, rows=rows)
        self._current_cache = (version, read_ids, reverted, frame)
        return frame

    def frozen_months(self, as_of: datetime | None = None) -> pd.DataFrame:
        """Approvals in force at ``as_of`` (default: now): id, period, approved_at."""
        moment = naive_utc(as_of) or utcnow()
        with self.engine.connect() as conn:
            frame = pd.read_sql(sa.select(approvals.c.id, approvals.c.period, approvals.c.approved_at,
                                          approvals.c.reopened_at), conn)
        if frame.empty:
            return frame.drop(columns="reopened_at")
        for col in ("approved_at", "reopened_at"):
            frame[col] = pd.to_datetime(frame[col])
        if as_of is None:
            live = frame["reopened_at"].isna()
        else:
            live = frame["approved_at"].le(moment) & (frame["reopened_at"].isna() | frame["reopened_at"].gt(moment))
        return frame[live].drop(columns="reopened_at").reset_index(drop=True)

    def _rows_within(self, scope: "Scope") -> pd.DataFrame:
        """The rows of :meth:`_rows` inside ``scope``: from the rows already read for this version if there are
        any, else straight from the database (a small read: an upload's history, not the store)."""
        version = self.version()
        cached = self._rows_cache
        if cached is not None and cached[0] == version:
            return scope.of(cached[1])
        if self._within_cache is not None and self._within_cache[:2] == (version, scope):
            return self._within_cache[2]
        rows = self._read_within(scope)
        self._within_cache = (version, scope, rows)
        return rows

    def _read_within(self, scope: "Scope") -> pd.DataFrame:
        if scope.institutions is None and scope.indicators is None and scope.months:
            # months only (a gap table's periods): the same rows through Arrow, as :meth:`_rows` reads them
            times = self._batch_times()
            known = columnar.read_observations(self.engine, 0, (min(scope.months), max(scope.months)))
            if known is not None:
                known = columnar.normalised(known)
                known = known[known["period"].isin(scope.months) & known["batch_id"].isin(times.index)]
                return _with_times(known.reset_index(drop=True), times)
        o, b = observations, batches
        query = sa.select(*[o.c[c] for c in OBSERVATION_COLUMNS], b.c.uploaded_at, b.c.reverted_at).join(
            b, b.c.id == o.c.batch_id).where(o.c.period.in_(sorted(scope.months))).order_by(o.c.id)
        if scope.institutions is not None:
            query = query.where(o.c.institution.in_(sorted(scope.institutions)))
        if scope.indicators is not None:
            query = query.where(o.c.indicator.in_(sorted(scope.indicators)))
        with self.engine.connect() as conn:
            rows = pd.read_sql(query, conn)
        rows = columnar.normalised(rows) if len(rows) else rows.astype({"value": "float64", "batch_id": "int64"})
        for col in ("uploaded_at", "reverted_at"):
            rows[col] = pd.to_datetime(rows[col]).astype("datetime64[us]")
        return rows

    def values(self, as_of: datetime | None = None, *, within: "Scope | None" = None) -> pd.DataFrame:
        """The values in force at ``as_of`` (default: now), one per key, with their batch's upload time:
        among batches in force, the latest upload of a key supersedes the earlier ones.

        An approved month is frozen as of its approval instant (DOMAIN.md §8): its rows are those in force
        when it was approved, plus the stock rows that stood in for it through carry-forward then (kept in
        ``approval_carried``, batch_id 0), until an administrator reopens it. No later upload or revert, of
        that month or of an earlier one, moves its figures.

        ``within``: only the values inside a :class:`Scope` (some institutions, indicators and months), the same
        rows the whole result holds there; read without reading the rest of the store.

        Columns: KEY, value, note, batch_id, uploaded_at.
        """
        all_rows = self._rows() if within is None else self._rows_within(within)
        frame = self._current(all_rows) if within is None and as_of is None else self._latest(as_of, rows=all_rows)
        frozen = self.frozen_months(as_of)
        if within is not None:
            frozen = frozen[frozen["period"].isin(within.months)].reset_index(drop=True)
        if frozen.empty:
            return frame
        with self.engine.connect() as conn:
            carried = pd.read_sql(sa.select(approval_carried).where(
                approval_carried.c.approval_id.in_([int(i) for i in frozen["id"]])), conn)
        if within is not None:
            carried = within.of(carried)
        periods = set(frozen["period"])
        parts = [frame[~frame["period"].isin(periods)]] if not frame.empty else []
        rows = all_rows[all_rows["period"].isin(periods)]   # read once; each approval looks at its month only
        for approval_id, period, approved_at in frozen.itertuples(index=False):
            own = self._latest(approved_at.to_pydatetime(), period, rows)
            parts.append(own)
            extra = carried[carried["approval_id"].eq(approval_id)]
            if not extra.empty:
                series = ["institution", "indicator", "ubigeo"]
                reported = own.set_index(series).index if not own.empty else pd.Index([])
                extra = extra[~extra.set_index(series).index.isin(reported)]
                parts.append(extra.drop(columns=["id", "approval_id", "carried_from"]).assign(
                    batch_id=0, uploaded_at=approved_at))
        parts = [p for p in parts if not p.empty]
        if not parts:
            return frame.iloc[0:0]
        out = pd.concat(parts, ignore_index=True)
        return out[list(frame.columns) if len(frame.columns) else out.columns]

    def report_times(self, as_of: datetime | None = None, *, within: "Scope | None" = None,
                     rows: pd.DataFrame | None = None) -> pd.DataFrame:
        """First upload per institution, indicator and month among batches in force at ``as_of``; ``within``:
        those of a :class:`Scope` only (``rows``: the scope's rows, when the caller has read them already)."""
        if within is not None and rows is None:
            rows = self._rows_within(within)
        rows = self._in_force(as_of, rows)
        frame = (rows.groupby(["institution", "indicator", "period"], sort=False)["uploaded_at"].min()
                 .rename("first_upload").reset_index())
        frame["first_upload"] = pd.to_datetime(frame["first_upload"])
        return frame


def _with_times(known: pd.DataFrame, times: pd.DataFrame) -> pd.DataFrame:
    """The observations with their batch's uploaded_at and reverted_at (mapped by position, no merge)."""
    at = times.index.get_indexer(known["batch_id"].to_numpy())
    rows = known.copy(deep=False)
    rows["uploaded_at"] = times["uploaded_at"].to_numpy()[at]
    rows["reverted_at"] = times["reverted_at"].to_numpy()[at]
    return rows


def _applied(current: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame | None:
    """``current`` (one value per key, in upload order) with the rows of newer batches applied, or None when
    a new batch is reverted or not later than every value of ``current`` (then only a full pass is exact)."""
    if new.empty:
        return current
    if new["reverted_at"].notna().any():
        return None
    new = new.drop(columns="reverted_at").sort_values(["uploaded_at", "batch_id"], kind="stable")
    if len(current):
        last = current.iloc[-1]   # the latest (uploaded_at, batch_id): the last row of a sorted pass
        first = new.iloc[0]
        if (first["uploaded_at"], first["batch_id"]) <= (last["uploaded_at"], last["batch_id"]):
            return None
    new = new.drop_duplicates(KEY, keep="last")
    if len(current):
        near = current["period"].isin(new["period"].unique()) & current["indicator"].isin(new["indicator"].unique())
        candidates = current[near]   # keys are compared only where they can match (an upload is small)
        superseded = pd.MultiIndex.from_frame(candidates[KEY]).isin(pd.MultiIndex.from_frame(new[KEY]))
        current = current.drop(index=candidates.index[superseded])
    return pd.concat([current, new[list(current.columns)]], ignore_index=True) if len(current) else \
        new.reset_index(drop=True)
