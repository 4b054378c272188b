"""Sessions and agreements: status logic, audited edits, and figures as known on a session day."""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from gapsmodel.views import presentation
from gapsmodel.records.permissions import Actor, PermissionDenied
from gapsmodel.records.sessions import (SessionError, add_agreement, add_session, agreement_history, agreements_frame,
                                effective_status,
                                follow_up_order, nearest_sessions, sessions_frame, update_agreement,
                                update_session)
from gapsmodel.records.store import VALUE_COLUMNS

ADMIN = Actor("ana", "admin")
ANALYST = Actor("luis", "analyst")
DUE = date(2023, 5, 31)


@pytest.mark.parametrize("today, status, expected", [
    (date(2023, 5, 30), "pendiente", "pendiente"),   # the day before the due date
    (date(2023, 5, 31), "pendiente", "pendiente"),   # on the due date: still in time
    (date(2023, 6, 1), "pendiente", "vencido"),      # the day after
    (date(2023, 6, 1), "en_curso", "vencido"),
    (date(2023, 6, 1), "cumplido", "cumplido"),      # done is never overdue
    (date(2023, 5, 30), "en_curso", "en_curso"),
])
def test_effective_status_around_the_due_date(today, status, expected):
    assert effective_status(status, DUE, today) == expected


def test_agreements_frame_computes_vencido_and_follow_up_puts_overdue_first(store):
    add_session(store, date(2023, 4, 12), "Sesión 1", actor=ADMIN)
    add_agreement(store, date(2023, 4, 12), "Campaña SIS", "DIRESA", date(2023, 7, 1), actor=ADMIN)
    add_agreement(store, date(2023, 4, 12), "Canal en Aguas Verdes", "MIMP", DUE, status="en_curso", actor=ADMIN)
    add_agreement(store, date(2023, 4, 12), "Reporte a tiempo", "DRE", date(2023, 5, 1), status="cumplido",
                  actor=ADMIN)
    frame = agreements_frame(store, today=date(2023, 6, 1))
    assert dict(zip(frame["text"], frame["effective_status"])) == {
        "Campaña SIS": "pendiente", "Canal en Aguas Verdes": "vencido", "Reporte a tiempo": "cumplido"}
    assert list(follow_up_order(frame)["text"]) == ["Canal en Aguas Verdes", "Campaña SIS", "Reporte a tiempo"]
    assert list(agreements_frame(store, today=DUE)["effective_status"]) == ["cumplido", "en_curso", "pendiente"]


def test_update_agreement_is_admin_only_validated_and_audited(store):
    add_session(store, date(2023, 4, 12), "Sesión 1", actor=ADMIN)
    add_agreement(store, date(2023, 4, 12), "Campaña SIS", "DIRESA", DUE, actor=ADMIN)
    ident = int(agreements_frame(store)["id"].iloc[0])
    with pytest.raises(PermissionDenied):
        update_agreement(store, ident, status="cumplido", actor=ANALYST)
    with pytest.raises(ValueError, match="allowed"):
        update_agreement(store, ident, status="vencido", actor=ADMIN)   # vencido is computed, not recorded
    with pytest.raises(SessionError):
        update_agreement(store, 999, status="cumplido", actor=ADMIN)
    update_agreement(store, ident, status="cumplido", actor=ADMIN)
    assert agreements_frame(store, today=date(2024, 1, 1))["effective_status"].tolist() == ["cumplido"]
    audit = store.audit_frame()
    row = audit[audit["action"] == "agreement_update"].iloc[0]
    assert row["actor"] == "ana" and '"before": {"status": "pendiente"}' in row["detail"] \
        and '"after": {"status": "cumplido"}' in row["detail"]


def test_update_session_changes_title_notes_and_date_and_is_audited(store):
    add_session(store, date(2023, 4, 12), "Sesión 1", actor=ADMIN)
    add_session(store, date(2023, 5, 10), "Sesión 2", actor=ADMIN)
    add_agreement(store, date(2023, 4, 12), "Campaña SIS", "DIRESA", DUE, actor=ADMIN)
    with pytest.raises(PermissionDenied):
        update_session(store, date(2023, 4, 12), title="x", actor=ANALYST)
    with pytest.raises(SessionError):
        update_session(store, date(2023, 4, 12), new_date=date(2023, 5, 10), actor=ADMIN)
    with pytest.raises(SessionError):
        update_session(store, date(2023, 4, 12), title="  ", actor=ADMIN)
    update_session(store, date(2023, 4, 12), title="Sesión de abril", notes="acta", new_date=date(2023, 4, 13),
                   actor=ADMIN)
    frame = sessions_frame(store)
    assert frame.iloc[0][["date", "title", "notes"]].tolist() == [date(2023, 4, 13), "Sesión de abril", "acta"]
    assert agreements_frame(store)["session_date"].tolist() == [date(2023, 4, 13)]
    assert (store.audit_frame()["action"] == "session_update").sum() == 1


def test_nearest_sessions():
    known = [date(2023, 4, 12), date(2023, 5, 10), date(2023, 6, 14), date(2023, 7, 12)]
    assert nearest_sessions(known, date(2023, 6, 15)) == [date(2023, 5, 10), date(2023, 6, 14), date(2023, 7, 12)]
    assert nearest_sessions([], date(2023, 6, 15)) == []


# --- as of a session ------------------------------------------------------------------------------------
def _rows(period, need, beds):
    base = dict(institution="ACNUR", ubigeo="240302", period=period, sex="total", age="total",
                nationality="total", note="")
    return pd.DataFrame([dict(base, indicator="personas_requieren_alojamiento", value=need),
                         dict(base, indicator="camas_albergue", value=beds)])[VALUE_COLUMNS]


def shelter(table: pd.DataFrame) -> pd.Series:
    return table[(table["gap_code"] == "camas_albergue") & (table["ubigeo"] == "240302")].iloc[0]


@pytest.fixture
def corrected(store):
    """May 2022 uploaded on 5 June, a session on 20 June, a correction of the beds uploaded on 1 July."""
    store.add_batch(_rows("2022-05", 1234, 567), institution="ACNUR", uploaded_at=datetime(2022, 6, 5, 15))
    add_session(store, date(2022, 6, 20), "Sesión de junio", actor=ADMIN)
    store.add_batch(_rows("2022-05", 1234, 890), institution="ACNUR", uploaded_at=datetime(2022, 7, 1, 9))
    return store


def test_session_view_keeps_the_figures_known_that_day(corrected, catalog, territory):
    data = presentation.session_data(corrected, catalog, territory, date(2022, 6, 20), public=False)
    assert data.current.period.code == "2022-05"
    row = shelter(data.current.gaps)
    assert (row["need"], row["supply"], row["unmet"]) == (1234, 567, 667)
    assert data.previous is None
    from gapsmodel import model
    today = model.gap_table(model.take_snapshot(corrected, catalog, territory), catalog, territory,
                            [data.current.period])
    assert shelter(today)["supply"] == 890 and shelter(today)["unmet"] == 344


def test_session_data_for_an_unknown_date_lists_nearby_sessions(corrected, catalog, territory):
    with pytest.raises(presentation.UnknownSession) as info:
        presentation.session_data(corrected, catalog, territory, date(2022, 6, 21))
    assert info.value.nearby == [date(2022, 6, 20)]
    assert "2022-06-20" in str(info.value)


def test_followed_agreements_are_new_ones_open_ones_and_those_due_since_the_last_session():
    frame = pd.DataFrame({
        "id": [1, 2, 3, 4, 5],
        "session_date": [date(2023, 5, 10), date(2023, 4, 12), date(2023, 4, 12), date(2023, 3, 8), date(2023, 6, 1)],
        "due_date": [date(2023, 7, 1), date(2023, 6, 1), date(2023, 5, 20), date(2023, 4, 1), date(2023, 7, 1)],
        "effective_status": ["pendiente", "vencido", "cumplido", "cumplido", "pendiente"],
    })
    kept = presentation.followed_agreements(frame, date(2023, 5, 10), date(2023, 4, 12))
    # 1 made at this session; 2 open; 3 done but due since the previous session; 4 done long ago; 5 later
    assert list(kept["id"]) == [1, 2, 3]


# --- agreements as they stood at a session -----------------------------------------------------------------
@pytest.fixture
def followed(store):
    """Made at the April session (recorded that evening), under way by May, done by June."""
    for day in (date(2023, 4, 12), date(2023, 5, 10), date(2023, 6, 14)):
        add_session(store, day, f"Sesión {day:%m}", actor=ADMIN)
    ident = add_agreement(store, date(2023, 4, 12), "Campaña SIS", "DIRESA", date(2023, 8, 31), actor=ADMIN,
                          at=datetime(2023, 4, 12, 22))
    update_agreement(store, ident, status="en_curso", actor=ADMIN, at=datetime(2023, 5, 10, 16))
    update_agreement(store, ident, status="cumplido", due=date(2023, 6, 30), actor=ADMIN,
                     at=datetime(2023, 6, 14, 16))
    return store, ident


@pytest.mark.parametrize("session, status, due", [
    (date(2023, 4, 12), "pendiente", date(2023, 8, 31)),
    (date(2023, 5, 10), "en_curso", date(2023, 8, 31)),
    (date(2023, 6, 14), "cumplido", date(2023, 6, 30)),
])
def test_a_session_shows_each_agreement_as_it_stood_that_day(followed, catalog, territory, session, status, due):
    store, ident = followed
    data = presentation.session_data(store, catalog, territory, session, public=False)
    row = data.agreements.set_index("id").loc[ident]
    assert (row["status"], row["effective_status"], row["due_date"]) == (status, status, due)
    # today's list has only the latest state
    assert agreements_frame(store).set_index("id").loc[ident, "status"] == "cumplido"


def test_an_agreement_typed_in_after_its_session_reads_as_first_recorded(store):
    add_session(store, date(2023, 4, 12), "Sesión de abril", actor=ADMIN)
    ident = add_agreement(store, date(2023, 4, 12), "Canal VBG", "MIMP", date(2023, 6, 1), actor=ADMIN,
                          at=datetime(2023, 4, 20, 9))    # the minutes were typed a week later
    update_agreement(store, ident, status="cumplido", actor=ADMIN, at=datetime(2023, 5, 2, 9))
    at_session = agreements_frame(store, today=date(2023, 4, 12), as_of=datetime(2023, 4, 12, 23))
    assert at_session["status"].tolist() == ["pendiente"]
    assert agreements_frame(store, as_of=datetime(2023, 5, 3))["status"].tolist() == ["cumplido"]


def test_agreement_history_lists_every_state_with_who_and_when(followed):
    store, ident = followed
    history = agreement_history(store, ident)
    assert history["status"].tolist() == ["pendiente", "en_curso", "cumplido"]
    assert history["due_date"].tolist() == [date(2023, 8, 31), date(2023, 8, 31), date(2023, 6, 30)]
    assert history["recorded_by"].unique().tolist() == ["ana"]
    assert history["recorded_at"].tolist() == [pd.Timestamp(2023, 4, 12, 22), pd.Timestamp(2023, 5, 10, 16),
                                               pd.Timestamp(2023, 6, 14, 16)]
    update_agreement(store, ident, status="cumplido", actor=ADMIN)   # no change: no new state
    assert len(agreement_history(store, ident)) == 3
