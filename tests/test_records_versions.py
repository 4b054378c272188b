"""The versions caches follow: a change made through a second Store on the same database (another app
process) changes what the first one reads. Runs on SQLite and, where reachable, PostgreSQL."""
from __future__ import annotations

import os
import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from gapsmodel.records import accounts, login_sessions
from gapsmodel.records.notes import add_note, update_note, withdraw_note
from gapsmodel.records.permissions import Actor
from gapsmodel.records.sessions import add_agreement, add_session, update_agreement, update_session
from gapsmodel.records.store import VALUE_COLUMNS, Store
from gapsmodel.records.versions import notes_version, records_version, sessions_version
from tests.helpers import values

pytestmark = pytest.mark.usefixtures("fast_hashing")
POSTGRES_URL = os.environ.get("GAPSMODEL_TEST_POSTGRES_URL")
ADMIN = Actor("admin_test", "admin", None)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def two_stores(request, tmp_path):
    """Two Store objects on one database, as two app processes would hold."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        yield Store.open(url), Store.open(url)
        return
    if not POSTGRES_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is required under CI")
        pytest.skip("GAPSMODEL_TEST_POSTGRES_URL is not set")
    schema = f"v_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = sa.engine.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    first, second = (Store.open(url.render_as_string(hide_password=False)) for _ in range(2))
    yield first, second
    for s in (first, second):
        s.engine.dispose()
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_a_session_added_or_edited_elsewhere_moves_the_sessions_version(two_stores):
    here, there = two_stores
    seen = sessions_version(here)
    add_session(there, date(2024, 3, 5), "Sesión de marzo", actor=ADMIN)
    added = sessions_version(here)
    assert added != seen
    update_session(there, date(2024, 3, 5), title="Sesión ordinaria de marzo", actor=ADMIN)
    edited = sessions_version(here)
    assert edited != added
    update_session(there, date(2024, 3, 5), new_date=date(2024, 3, 6), actor=ADMIN)
    assert sessions_version(here) != edited


def test_an_agreement_added_or_followed_up_elsewhere_moves_the_sessions_version(two_stores):
    here, there = two_stores
    add_session(there, date(2024, 3, 5), "Sesión de marzo", actor=ADMIN)
    before = sessions_version(here)
    agreement = add_agreement(there, date(2024, 3, 5), "Abrir un punto de atención", "ACNUR", date(2024, 4, 5),
                              actor=ADMIN)
    added = sessions_version(here)
    assert added != before
    update_agreement(there, agreement, status="en_curso", actor=ADMIN)
    assert sessions_version(here) != added


def test_a_note_added_edited_or_withdrawn_elsewhere_moves_the_notes_version(two_stores):
    here, there = two_stores
    seen = [notes_version(here)]
    note = add_note(there, "alojamiento", "240302", "2024-01", "Albergue cerrado por obras", actor=ADMIN)
    seen.append(notes_version(here))
    update_note(there, note, text="Albergue cerrado por obras hasta marzo", actor=ADMIN)
    seen.append(notes_version(here))
    withdraw_note(there, note, actor=ADMIN)
    seen.append(notes_version(here))
    assert len(set(seen)) == 4, seen
    assert records_version(here) == sessions_version(here) + notes_version(here)


def test_records_version_stands_still_on_reads_and_sign_ins(two_stores):
    """Thirty people signing in must not make the cached overview be built again."""
    here, there = two_stores
    add_session(there, date(2024, 3, 5), "Sesión de marzo", actor=ADMIN)
    accounts.add_user(there, "ana@example.org", "analyst", password="una clave larga 2024", actor=ADMIN)
    seen = records_version(here)
    accounts.authenticate(there, "ana@example.org", "una clave larga 2024")
    login_sessions.start(there, "ana@example.org")
    assert records_version(here) == seen


def test_an_upload_elsewhere_moves_the_data_version_but_not_the_records_version(two_stores):
    here, there = two_stores
    data, records = here.version(), records_version(here)
    there.add_batch(values(("ACNUR", "camas_albergue", "240302", "2024-01", 30))[VALUE_COLUMNS],
                    institution="ACNUR")
    assert here.version() != data
    assert records_version(here) == records
