"""Storage: batches supersede without deleting, as-of reproduces the past, all-or-nothing commits.

Runs against SQLite and, where one is reachable, PostgreSQL (GAPSMODEL_TEST_POSTGRES_URL).
"""
import os
import threading
import uuid
from datetime import datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from gapsmodel.records.permissions import COMMAND_LINE, Actor
from gapsmodel.records.store import VALUE_COLUMNS, LockedPeriodError, Store, StoreError, approvals
from tests.helpers import values

POSTGRES_URL = os.environ.get("GAPSMODEL_TEST_POSTGRES_URL")


def _postgres_available() -> str | None:
    if not POSTGRES_URL:
        return "GAPSMODEL_TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and sets it)"
    try:
        with sa.create_engine(POSTGRES_URL).connect():
            return None
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {type(exc).__name__}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request, tmp_path):
    if request.param == "sqlite":
        yield Store.open(f"sqlite:///{tmp_path / 'store.db'}")
        return
    reason = _postgres_available()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI: {reason}")
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = sa.engine.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    store = Store.open(url.render_as_string(hide_password=False))
    yield store
    store.engine.dispose()
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def batch(value, period="2022-05", inst="ACNUR"):
    return values((inst, "camas_albergue", "240302", period, value))[VALUE_COLUMNS]


def test_later_batch_supersedes_and_as_of_gives_the_old_value(db):
    db.add_batch(batch(30), institution="ACNUR", uploaded_at=datetime(2022, 6, 5))
    db.add_batch(batch(45), institution="ACNUR", uploaded_at=datetime(2022, 6, 20))
    assert db.values()["value"].tolist() == [45]
    assert db.values(datetime(2022, 6, 10))["value"].tolist() == [30]
    assert db.values(datetime(2022, 6, 1)).empty
    with db.engine.connect() as conn:   # superseded, never deleted
        assert conn.execute(sa.text("select count(*) from observations")).scalar() == 2


def test_revert_restores_the_previous_value_and_keeps_history(db):
    db.add_batch(batch(30), institution="ACNUR", uploaded_at=datetime(2022, 6, 5))
    second = db.add_batch(batch(45), institution="ACNUR", uploaded_at=datetime(2022, 6, 20))
    before_revert = datetime.utcnow()
    db.revert_batch(second, actor=Actor("ana", "partner", "ACNUR"), reason="cifra equivocada")
    assert db.values()["value"].tolist() == [30]
    assert db.values(before_revert)["value"].tolist() == [45]
    actions = db.audit_frame()["action"].tolist()
    assert actions.count("upload") == 2 and "revert" in actions
    with pytest.raises(StoreError):
        db.revert_batch(second, actor=Actor("ana", "partner", "ACNUR"))


def test_failure_inside_the_transaction_leaves_the_store_unchanged(db):
    db.add_batch(batch(30), institution="ACNUR", uploaded_at=datetime(2022, 6, 5))
    big = pd.concat([values(("ACNUR", "camas_albergue", "240302", f"2021-{m:02d}", m)) for m in range(1, 13)]
                    * 1000, ignore_index=True)
    big["nationality"] = [f"n{i}" for i in range(len(big))]
    with pytest.raises(RuntimeError):
        db.add_batch(big[VALUE_COLUMNS], institution="ACNUR", _fail_after_rows=5000)
    assert len(db.batches_frame()) == 1
    assert db.values()["value"].tolist() == [30]
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from observations")).scalar() == 1


def test_locked_month_is_refused(db):
    with db.engine.begin() as conn:
        conn.execute(approvals.insert().values(period="2022-05", approved_at=datetime(2022, 6, 11), approved_by="sec"))
    with pytest.raises(LockedPeriodError, match="2022-05"):
        db.add_batch(batch(30), institution="ACNUR")
    assert db.is_empty()


def test_batch_with_values_of_another_institution_is_refused(db):
    with pytest.raises(StoreError):
        db.add_batch(batch(30, inst="OIM"), institution="ACNUR")
    assert db.is_empty()


def test_two_concurrent_imports_both_land(db):
    errors = []

    def upload(inst, value):
        try:
            db.add_batch(batch(value, inst=inst), institution=inst)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
    threads = [threading.Thread(target=upload, args=(inst, v)) for inst, v in (("ACNUR", 1), ("OIM", 2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(db.values()["value"].tolist()) == [1, 2]


def test_migrations_are_recorded_and_idempotent(db):
    db.migrate()
    with db.engine.connect() as conn:
        versions = [r[0] for r in conn.execute(sa.text("select version from schema_migrations"))]
    assert versions == sorted(set(versions)) and 1 in versions


def test_a_store_from_before_agreement_history_gets_it_started_from_each_agreement(tmp_path):
    from gapsmodel.records import store as storage
    from gapsmodel.records.sessions import agreement_history, agreements_frame

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:     # the schema of migration 1, as older stores have it
        storage.schema_migrations.create(conn)
        storage.metadata.create_all(conn, tables=[t for t in storage.metadata.sorted_tables
                                                  if t.name not in {"schema_migrations", "agreement_versions"}])
        conn.execute(storage.schema_migrations.insert().values(version=1, applied_at=datetime(2024, 1, 1)))
        conn.execute(storage.agreements.insert().values(
            session_date=datetime(2023, 4, 12).date(), text="Campaña SIS", institution="DIRESA",
            due_date=datetime(2023, 6, 1).date(), status="en_curso", gap_code=None,
            updated_at=datetime(2023, 5, 10, 16)))
    db = Store.open(url)
    history = agreement_history(db, 1)
    assert history[["status", "recorded_at"]].values.tolist() == [["en_curso", pd.Timestamp(2023, 5, 10, 16)]]
    # before anything was recorded the agreement reads as it was first known
    assert agreements_frame(db, as_of=datetime(2023, 4, 13))["status"].tolist() == ["en_curso"]
    Store.open(url)                 # opening again migrates nothing twice
    assert len(agreement_history(db, 1)) == 1


def test_a_store_reads_again_what_another_process_wrote_or_reverted(db):
    """Values are read once per store version; a write through another connection changes the version."""
    other = Store(sa.create_engine(db.engine.url))   # a second client (another process, say the CLI)
    db.add_batch(batch(10), institution="ACNUR")
    assert db.values()["value"].tolist() == [10]
    second = other.add_batch(batch(25), institution="ACNUR")
    assert db.values()["value"].tolist() == [25]
    assert db.report_times()["first_upload"].notna().all()
    other.revert_batch(second, actor=COMMAND_LINE, reason="prueba")
    assert db.values()["value"].tolist() == [10]
    frozen = datetime(2000, 1, 1)
    assert db.values(frozen).empty and db.report_times(frozen).empty


def test_issue12_a_store_failure_shows_no_sql_or_parameters(db, monkeypatch, caplog):
    """A NUL byte in a note failed on PostgreSQL and the partner saw the SQL statement with its parameters.
    (Validation now refuses control characters; this is the store's own guard for anything else.)"""
    from gapsmodel.records.store import STORE_FAILED, StoreError
    secret = "María\x00Quispe" if db.engine.dialect.name == "postgresql" else "María Quispe"
    if db.engine.dialect.name != "postgresql":
        real = db.engine.dialect.do_executemany

        def broken(cursor, statement, parameters, context=None):
            if "observations" in statement:
                raise sa.exc.DBAPIError(statement, parameters, Exception("invalid byte sequence 0x00"))
            return real(cursor, statement, parameters, context)
        monkeypatch.setattr(db.engine.dialect, "do_executemany", broken)
        monkeypatch.setattr(db.engine.dialect, "do_execute", lambda cursor, statement, parameters, context=None: (
            broken(cursor, statement, parameters, context) if "INSERT INTO observations" in statement
            else cursor.execute(statement, parameters)))
    with caplog.at_level("ERROR"), pytest.raises(StoreError) as info:
        db.add_batch(batch(30).assign(note=secret), institution="ACNUR")
    assert str(info.value) == STORE_FAILED
    assert "INSERT" not in str(info.value) and "Quispe" not in str(info.value)
    assert "storing batch" in caplog.text            # logged for the operator
    assert db.batches_frame().empty                   # nothing half-stored
