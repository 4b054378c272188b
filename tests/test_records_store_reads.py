"""Reading the store as columns (ADBC) and only the batches not read before gives exactly the frames the
row-by-row SQLAlchemy read gives: every value, as of every instant, with reverted batches and frozen months.

Runs against an SQLite file and, where one is reachable, PostgreSQL (GAPSMODEL_TEST_POSTGRES_URL).
"""
from datetime import datetime

import pandas as pd
import pytest

from gapsmodel.records import columnar
from gapsmodel.records.approvals import approve_month
from gapsmodel.records.permissions import Actor
from gapsmodel.records.store import VALUE_COLUMNS, Scope, Store
from tests.helpers import values
from tests.test_records_store import db  # noqa: F401 - the SQLite / PostgreSQL store fixture

ADMIN = Actor("admin", "admin", None)
MOMENTS = [None, datetime(2022, 6, 10), datetime(2022, 7, 2), datetime(2022, 7, 20), datetime(2022, 8, 15)]


def rows(*specs):
    return values(*specs)[VALUE_COLUMNS]


def fill(store: Store, catalog) -> dict:
    """Four batches of two institutions: a key superseded, a batch reverted, a stock month approved."""
    ids = {}
    ids["first"] = store.add_batch(rows(("ACNUR", "camas_albergue", "240302", "2022-05", 30),
                                        ("ACNUR", "camas_albergue", "240301", "2022-05", 12),
                                        ("ACNUR", "pob_migrante", "240302", "2022-05", 900)),
                                   institution="ACNUR", uploaded_at=datetime(2022, 6, 5))
    ids["oim"] = store.add_batch(rows(("OIM", "camas_albergue", "240302", "2022-05", 7),
                                      ("OIM", "camas_albergue", "240302", "2022-06", 8)),
                                 institution="OIM", uploaded_at=datetime(2022, 6, 20))
    ids["fix"] = store.add_batch(rows(("ACNUR", "camas_albergue", "240302", "2022-05", 45),
                                      ("ACNUR", "camas_albergue", "240302", "2022-06", 44)),
                                 institution="ACNUR", uploaded_at=datetime(2022, 7, 1))
    ids["wrong"] = store.add_batch(rows(("ACNUR", "camas_albergue", "240302", "2022-06", 4400)),
                                   institution="ACNUR", uploaded_at=datetime(2022, 7, 10))
    store.revert_batch(ids["wrong"], actor=ADMIN, reason="cifra con un cero de más")
    approve_month(store, "2022-07", ADMIN, catalog)   # carries the June stocks into July
    return ids


def through_sqlalchemy(store: Store, monkeypatch) -> Store:
    """A second handle on the same database that reads row by row, as the store did before."""
    other = Store(store.engine)
    monkeypatch.setattr(columnar, "read_observations", lambda engine, low: None)
    return other


def snapshot_of(store: Store) -> dict:
    return {str(m): store.values(m) for m in MOMENTS} | {f"times {m}": store.report_times(m) for m in MOMENTS}


def test_columnar_read_gives_the_same_frames_as_the_row_read(db, catalog, monkeypatch):  # noqa: F811
    fill(db, catalog)
    fast = snapshot_of(Store(db.engine))
    fast_rows = Store(db.engine)._rows()
    assert columnar.read_observations(db.engine, 0) is not None, "the columnar path was not taken"
    slow_store = through_sqlalchemy(db, monkeypatch)
    slow = snapshot_of(slow_store)
    pd.testing.assert_frame_equal(fast_rows, slow_store._rows())
    for key in fast:
        pd.testing.assert_frame_equal(fast[key], slow[key], obj=key)
    # hand-checked: now ACNUR's May beds are 45 (the fix), June 44 (4400 was reverted); OIM's 7 and 8
    now = fast["None"].set_index(["institution", "ubigeo", "period", "indicator"])["value"]
    assert now[("ACNUR", "240302", "2022-05", "camas_albergue")] == 45
    assert now[("ACNUR", "240302", "2022-06", "camas_albergue")] == 44
    # the revert happened "now": as of 2022-07-20 the 4400 was in force, and the history keeps it
    then = fast[str(datetime(2022, 7, 20))].set_index(["institution", "ubigeo", "period", "indicator"])["value"]
    assert then[("ACNUR", "240302", "2022-06", "camas_albergue")] == 4400
    assert then[("ACNUR", "240302", "2022-05", "camas_albergue")] == 45


def test_reading_only_new_batches_matches_a_fresh_read(db, catalog):  # noqa: F811
    ids = fill(db, catalog)
    reader = Store(db.engine)
    first = reader.values()
    assert len(first) > 0
    later = db.add_batch(rows(("OIM", "camas_albergue", "240302", "2022-08", 9),
                              ("OIM", "camas_albergue", "240302", "2022-05", 70)),
                         institution="OIM", uploaded_at=datetime(2022, 9, 1))
    db.revert_batch(ids["oim"], actor=ADMIN, reason="duplicado")
    fresh = Store(db.engine)
    for moment in MOMENTS + [datetime(2022, 9, 2)]:
        pd.testing.assert_frame_equal(reader.values(moment), fresh.values(moment))
    assert reader._rows_cache[3] == frozenset(ids.values()) | {later}   # each batch read once
    # May superseded by 70, June gone with its batch, July frozen at its approval (June's 8 carried), August new
    oim = reader.values().query("institution == 'OIM'")
    assert dict(zip(oim["period"], oim["value"])) == {"2022-05": 70, "2022-07": 8, "2022-08": 9}


@pytest.mark.parametrize("moment", MOMENTS)
def test_values_within_a_scope_are_the_whole_values_there(db, catalog, moment):  # noqa: F811
    fill(db, catalog)
    scope = Scope(frozenset({"2022-06", "2022-07"}), frozenset({"ACNUR"}), frozenset({"camas_albergue"}))
    whole = Store(db.engine).values(moment)
    expected = scope.of(whole) if len(whole) else whole
    for store in (Store(db.engine), db):   # straight from the database, and from rows already read
        db.values()
        got = store.values(moment, within=scope)
        if expected.empty:
            assert got.empty
            continue
        key = ["period", "ubigeo", "institution", "indicator"]
        pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True)[list(expected.columns)],
                                      expected.sort_values(key).reset_index(drop=True), check_dtype=False)


def test_a_new_latest_batch_is_applied_to_the_values_in_force(db, catalog, monkeypatch):  # noqa: F811
    fill(db, catalog)
    reader = Store(db.engine)
    reader.values()
    db.add_batch(rows(("ACNUR", "camas_albergue", "240302", "2022-06", 50),     # supersedes the 44
                      ("ACNUR", "camas_albergue", "240303", "2022-06", 3)),     # a new key
                 institution="ACNUR", uploaded_at=datetime(2022, 9, 1))
    whole_pass = Store._latest

    def only_frozen_months(self, as_of, period=None, rows=None):   # an approved month is still read alone
        assert period is not None, "the values in force were computed again"
        return whole_pass(self, as_of, period, rows)
    with monkeypatch.context() as patch:   # the values are updated, not computed again
        patch.setattr(Store, "_latest", only_frozen_months)
        applied = reader.values()
    pd.testing.assert_frame_equal(applied, Store(db.engine).values())
    june = applied.query("period == '2022-06' and institution == 'ACNUR'")
    assert dict(zip(june["ubigeo"], june["value"])) == {"240302": 50, "240303": 3}


def test_a_backdated_or_reverting_change_is_computed_again(db, catalog):  # noqa: F811
    ids = fill(db, catalog)
    reader = Store(db.engine)
    reader.values()
    db.add_batch(rows(("OIM", "camas_albergue", "240302", "2022-05", 1)),     # older than the fix of July
                 institution="OIM", uploaded_at=datetime(2022, 6, 25))
    pd.testing.assert_frame_equal(reader.values(), Store(db.engine).values())
    db.revert_batch(ids["fix"], actor=ADMIN, reason="otra vez")
    pd.testing.assert_frame_equal(reader.values(), Store(db.engine).values())
    may = reader.values().query("period == '2022-05' and ubigeo == '240302' and indicator == 'camas_albergue'")
    assert dict(zip(may["institution"], may["value"])) == {"ACNUR": 30, "OIM": 1}


@pytest.mark.parametrize("moment", MOMENTS)
def test_months_only_scope_read_as_columns_is_the_whole_values_there(db, catalog, monkeypatch, moment):  # noqa: F811
    """A gap table's scope (months only) is read through Arrow with a month range; the same rows as the row
    read, as of every instant, with the reverted batch and the approved month."""
    fill(db, catalog)
    scope = Scope(frozenset({"2022-06", "2022-07"}))
    whole = Store(db.engine).values(moment)
    expected = scope.of(whole) if len(whole) else whole
    columns_read = []
    real = columnar.read_observations
    monkeypatch.setattr(columnar, "read_observations",
                        lambda engine, low, months=None: columns_read.append(months) or real(engine, low, months))
    got = Store(db.engine).values(moment, within=scope)
    assert columns_read == [("2022-06", "2022-07")]
    key = ["period", "ubigeo", "institution", "indicator"]
    pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True)[list(expected.columns)],
                                  expected.sort_values(key).reset_index(drop=True), check_dtype=False)


def test_a_month_range_is_written_into_the_query_only_as_months(db):  # noqa: F811
    with pytest.raises(ValueError):
        columnar.read_observations(db.engine, 0, ("2022-06", "2022-07' OR '1'='1"))
