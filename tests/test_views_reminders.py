"""Who owes what for a month, late or not, and the message each institution gets (hand-checked cases)."""
from __future__ import annotations

import json
from datetime import datetime

import pandas as pd

from gapsmodel.records.store import Store
from gapsmodel.views import reminders


def times(*rows) -> pd.DataFrame:
    """(institution, indicator, month, first upload)"""
    return pd.DataFrame([dict(institution=i, indicator=ind, period=p, first_upload=pd.Timestamp(at))
                         for i, ind, p, at in rows], columns=["institution", "indicator", "period", "first_upload"])


def test_missing_is_what_is_due_and_not_reported(catalog):
    reported = times(("CARE", "personas_atendidas_smental", "2024-05", "2024-06-02"),
                     ("CARE", "casos_vbg_atendidos", "2024-05", "2024-06-20"))      # late, but reported
    missing = reminders.missing_obligations(reported, catalog, "2024-05", datetime(2024, 6, 5))
    care = missing[missing["institution"].eq("CARE")]
    assert care["indicator"].tolist() == ["personas_asistencia_alimentaria", "personas_inseguridad_alimentaria"]
    # May is not a quarter's end: no quarterly obligation is due (OIM's population, DRE's school-age children)
    assert not missing["frequency"].eq("trimestral").any()
    assert len(missing) == len(catalog.obligations[catalog.obligations["frequency"].eq("mensual")]) - 2


def test_late_from_the_day_after_the_deadline_day(catalog):
    # deadline_day = 10: May's reports are on time through 10 June, late from 11 June 00:00 UTC
    on_the_day = reminders.missing_obligations(times(), catalog, "2024-05", datetime(2024, 6, 10, 23, 59))
    after = reminders.missing_obligations(times(), catalog, "2024-05", datetime(2024, 6, 11, 0, 0))
    assert not on_the_day["late"].any() and after["late"].all()


def test_a_quarter_end_asks_for_the_quarterly_report_once(catalog):
    reported = times(("OIM", "pob_migrante", "2024-04", "2024-05-02"))   # covers 2024-Q2
    missing = reminders.missing_obligations(reported, catalog, "2024-06", datetime(2024, 7, 1))
    quarterly = missing[missing["frequency"].eq("trimestral")]
    assert sorted(zip(quarterly["institution"], quarterly["indicator"], quarterly["period"])) == [
        ("DRE", "nna_edad_escolar", "2024-Q2"), ("UNICEF", "nna_edad_escolar", "2024-Q2")]


def test_messages_before_the_deadline(catalog):
    missing = reminders.missing_obligations(times(), catalog, "2024-05", datetime(2024, 6, 3))
    found, unreachable = reminders.compose(missing[missing["institution"].eq("MIGRACIONES")], catalog, "2024-05",
                                           base_url="https://brechas.example.org/", lang="es")
    assert unreachable == [] and len(found) == 1
    reminder = found[0]
    assert reminder.recipients == ("datos.migraciones@example.org",) and (reminder.missing, reminder.late) == (2, 0)
    assert reminder.subject == "Recordatorio: cifras de mayo 2024 para la Mesa (MIGRACIONES)"
    assert "El plazo vence el 10 de junio de 2024." in reminder.body and "VENCIDO" not in reminder.body
    assert "https://brechas.example.org/reportar" in reminder.body
    message = reminder.message("mesa@example.org")
    assert message["To"] == "datos.migraciones@example.org" and message["Auto-Submitted"] == "auto-generated"
    assert message.get_content() == reminder.body


def test_a_reminder_carries_no_figure_and_no_other_institution(catalog):
    missing = reminders.missing_obligations(times(), catalog, "2024-06", datetime(2024, 8, 1))
    found, _ = reminders.compose(missing, catalog, "2024-06", base_url="http://x.example.org")
    for reminder in found:
        others = [c for c in catalog.contacts if c != reminder.institution]
        assert not any(address in reminder.body for c in others for address in catalog.contacts[c])
        assert reminder.recipients == catalog.contacts[reminder.institution]


def test_last_reminded_per_institution(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    sent = lambda inst, month, n: reminders.record_sent(  # noqa: E731
        store, "cron", reminders.Reminder(inst, ("a@example.org",) * n, "s", "b", 1, 0), month, n)
    sent("ACNUR", "2024-05", 2)
    sent("CARE", "2024-05", 1)
    sent("ACNUR", "2024-06", 1)
    store.audit("admin", "upload", {"institution": "ACNUR"})     # other actions do not count
    last = reminders.last_reminded(store.audit_frame())
    assert last["institution"].tolist() == ["ACNUR", "CARE"]
    assert last.set_index("institution").loc["ACNUR", "month"] == "2024-06"
    assert last.set_index("institution").loc["ACNUR", "recipients"] == 1
    detail = json.loads(store.audit_frame()["detail"].iloc[-1])
    assert set(detail) == {"institution", "month", "recipients", "missing", "late"}


def test_last_reminded_when_none_was_sent(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    assert reminders.last_reminded(store.audit_frame()).empty
