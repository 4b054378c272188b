"""Approval of months (DOMAIN.md §8): locked figures, audited reopening by an administrator with a reason."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from gapsmodel import cli, model
from gapsmodel.records.approvals import ApprovalError, approvals_frame, approve_month, reopen_month
from gapsmodel.rules.periods import parse_period
from gapsmodel.records.permissions import Actor, PermissionDenied
from gapsmodel.records.store import VALUE_COLUMNS, LockedPeriodError

ADMIN = Actor("ana", "admin")
ANALYST = Actor("luis", "analyst")
ACNUR = Actor("acnur_user", "partner", "ACNUR")


def beds(period: str, value: float) -> pd.DataFrame:
    return pd.DataFrame([dict(institution="ACNUR", indicator="camas_albergue", ubigeo="240302", period=period,
                              sex="total", age="total", nationality="total", value=value, note="")])[VALUE_COLUMNS]


def beds_now(store, period: str) -> float:
    values = store.values()
    row = values[(values["indicator"] == "camas_albergue") & (values["period"] == period)]
    return float(row["value"].iloc[0])


def test_upload_for_an_approved_month_is_refused_with_a_clear_message(store):
    store.add_batch(beds("2023-05", 40), institution="ACNUR", actor=ACNUR, uploaded_at=datetime(2023, 6, 5))
    approve_month(store, "2023-05", ADMIN)
    with pytest.raises(LockedPeriodError, match="2023-05.*aprobados"):
        store.add_batch(beds("2023-05", 70), institution="ACNUR", actor=ACNUR)
    assert beds_now(store, "2023-05") == 40
    store.add_batch(beds("2023-06", 55), institution="ACNUR", actor=ACNUR)   # another month is open
    assert beds_now(store, "2023-06") == 55
    assert store.locked_months() == {"2023-05"}


def test_reopening_needs_an_admin_and_a_reason_and_both_steps_are_audited(store):
    store.add_batch(beds("2023-05", 40), institution="ACNUR", actor=ACNUR)
    with pytest.raises(PermissionDenied):
        approve_month(store, "2023-05", ANALYST)
    approve_month(store, "2023-05", ADMIN)
    with pytest.raises(PermissionDenied):
        reopen_month(store, "2023-05", ANALYST, "corrección de ACNUR")
    with pytest.raises(PermissionDenied):
        reopen_month(store, "2023-05", ACNUR, "corrección de ACNUR")
    with pytest.raises(ApprovalError, match="motivo"):
        reopen_month(store, "2023-05", ADMIN, "   ")
    assert store.locked_months() == {"2023-05"}     # none of the refused attempts unlocked it

    reopen_month(store, "2023-05", ADMIN, "corrección de camas de ACNUR")
    assert store.locked_months() == set()
    audit = store.audit_frame()
    approve = audit[audit["action"] == "approve"]
    reopen = audit[audit["action"] == "reopen"]
    assert list(approve["actor"]) == ["ana"] and '"2023-05"' in approve["detail"].iloc[0]
    assert list(reopen["actor"]) == ["ana"] and "corrección de camas de ACNUR" in reopen["detail"].iloc[0]
    history = approvals_frame(store)
    assert history.loc[0, "reopened_by"] == "ana" and not history.loc[0, "open"]


def test_figures_of_an_approved_month_change_only_after_reopening(store, catalog, territory):
    need = beds("2023-05", 100).assign(indicator="personas_requieren_alojamiento")
    store.add_batch(pd.concat([need, beds("2023-05", 40)]), institution="ACNUR", actor=ACNUR)
    approve_month(store, "2023-05", ADMIN)

    def coverage():
        snap = model.take_snapshot(store, catalog, territory)
        table = model.gap_table(snap, catalog, territory, [parse_period("2023-05")])
        row = table[(table["gap_code"] == "camas_albergue") & (table["ubigeo"] == "240302")]
        return float(row["coverage"].iloc[0])

    assert coverage() == pytest.approx(0.4)
    with pytest.raises(LockedPeriodError):
        store.add_batch(beds("2023-05", 70), institution="ACNUR", actor=ACNUR)
    batch = int(store.batches_frame()["id"].max())
    with pytest.raises(LockedPeriodError):
        store.revert_batch(batch, actor=ADMIN, reason="probar")
    assert coverage() == pytest.approx(0.4)
    reopen_month(store, "2023-05", ADMIN, "corrección")
    store.add_batch(beds("2023-05", 70), institution="ACNUR", actor=ACNUR)
    assert coverage() == pytest.approx(0.7)


def test_approving_twice_a_bad_month_or_reopening_an_open_month_is_an_error(store):
    approve_month(store, "2023-05", ADMIN)
    with pytest.raises(ApprovalError, match="ya está aprobado"):
        approve_month(store, "2023-05", ADMIN)
    with pytest.raises(ApprovalError, match="AAAA-MM"):
        approve_month(store, "2023-13", ADMIN)
    with pytest.raises(ApprovalError, match="no está aprobado"):
        reopen_month(store, "2023-06", ADMIN, "motivo")
    reopen_month(store, "2023-05", ADMIN, "motivo")
    approve_month(store, "2023-05", ADMIN)            # approved again after reopening: a new row
    history = approvals_frame(store)
    assert list(history["open"]) == [True, False]


def test_command_line_approve_and_reopen(store, capsys):
    url = store.engine.url.render_as_string(hide_password=False)
    assert cli.main(["approve", "2023-05", "--db", url]) == 0
    assert store.locked_months() == {"2023-05"}
    assert cli.main(["approve", "2023-05", "--db", url]) == 1
    assert "ya está aprobado" in capsys.readouterr().err
    assert cli.main(["reopen", "2023-05", "--reason", "corrección", "--db", url]) == 0
    assert store.locked_months() == set()
    assert cli.main(["reopen", "2023-05", "--reason", "otra", "--db", url]) == 1


def _monthly(store, catalog, territory, period: str) -> float:
    snap = model.take_snapshot(store, catalog, territory)
    rows = snap.monthly[(snap.monthly["indicator"] == "camas_albergue") & (snap.monthly["ubigeo"] == "240302")
                        & (snap.monthly["period"] == period)]
    return float(rows["value"].iloc[0])


def test_an_approved_month_is_frozen_including_what_earlier_stocks_carried_into_it(store, catalog, territory):
    """Issue 12: March approved; a February stock uploaded afterwards moved March 10 → 30 through
    carry-forward, and reverting it moved it back. Approval freezes the month as of its instant."""
    store.add_batch(beds("2023-02", 10), institution="ACNUR", actor=ACNUR, uploaded_at=datetime(2023, 3, 5))
    store.add_batch(beds("2023-01", 7), institution="ACNUR", actor=ACNUR, uploaded_at=datetime(2023, 2, 5))
    approve_month(store, "2023-03", ADMIN, catalog=catalog)
    assert _monthly(store, catalog, territory, "2023-03") == 10
    late = store.add_batch(beds("2023-02", 30), institution="ACNUR", actor=ACNUR)   # February is open
    assert _monthly(store, catalog, territory, "2023-02") == 30                     # and moves
    assert _monthly(store, catalog, territory, "2023-03") == 10                     # March does not
    store.revert_batch(late, actor=ACNUR, reason="error")
    assert _monthly(store, catalog, territory, "2023-03") == 10
    first = int(store.batches_frame().query("n_values == 1").sort_values("id")["id"].iloc[0])
    store.revert_batch(first, actor=ACNUR, reason="error")                          # the batch March showed
    assert _monthly(store, catalog, territory, "2023-03") == 10
    assert _monthly(store, catalog, territory, "2023-02") == 7                      # February falls back
    # the past stays exact: before the approval nothing is frozen
    before = store.values(datetime(2023, 3, 6))
    assert sorted(before["period"]) == ["2023-01", "2023-02"] and before["value"].max() == 10
    reopen_month(store, "2023-03", ADMIN, "corrección")
    assert "2023-03" not in set(store.values()["period"])                        # reopened: frozen rows gone
