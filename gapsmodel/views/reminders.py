"""Reminders before (and after) the reporting deadline: who still owes which figures of a month, and the
e-mail each institution gets about it.

Pure functions over the store's report times and the catalog (:mod:`gapsmodel.rules.quality` decides what
is due, reported and late); sending is the command line's business (:mod:`gapsmodel.cli.reminders`).
A reminder names indicators and deadlines only: never a figure, never another institution.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import pandas as pd

from ..i18n import Translator
from ..records.store import Store
from ..rules.catalog import Catalog
from ..rules.quality import obligation_status

AUDIT_ACTION = "reminder"          # one audit entry per institution reminded
FORM_PAGE = "reportar"             # the app page (url path) where a partner types its figures
MISSING_COLUMNS = ["institution", "indicator", "frequency", "period", "deadline", "late"]


def missing_obligations(report_times: pd.DataFrame, catalog: Catalog, month: str, now: datetime) -> pd.DataFrame:
    """The obligations due for ``month`` (monthly ones, and quarterly ones when it closes a quarter) that
    nobody of the institution has reported, with ``late`` = the deadline has passed at ``now`` (naive UTC).

    ``deadline`` is the first moment a report is late (naive UTC), as in :func:`obligation_status`.
    """
    status = obligation_status(report_times, catalog, [month])
    if status.empty:
        return pd.DataFrame(columns=MISSING_COLUMNS)
    missing = status[~status["reported"].astype(bool)].copy()
    missing["late"] = missing["deadline"] <= pd.Timestamp(now).tz_localize(None)
    return missing[MISSING_COLUMNS].sort_values(["institution", "indicator"]).reset_index(drop=True)


def last_day(deadline: datetime) -> datetime:
    """The last day a report is on time (the stored deadline is the first late moment)."""
    return pd.Timestamp(deadline).to_pydatetime() - timedelta(microseconds=1)


@dataclass(frozen=True)
class Reminder:
    institution: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    missing: int          # obligations missing
    late: int             # of which past their deadline

    def message(self, sender: str) -> EmailMessage:
        """The e-mail (plain text, UTF-8) from ``sender`` to every contact of the institution."""
        msg = EmailMessage()
        msg["Subject"] = self.subject
        msg["From"] = sender
        msg["To"] = ", ".join(self.recipients)
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
        msg["Auto-Submitted"] = "auto-generated"      # RFC 3834: no auto-replies to a reminder
        msg.set_content(self.body)
        return msg


def form_link(base_url: str) -> str:
    """The link to the monthly form, e.g. ``https://brechas.example.org/reportar``."""
    return f"{base_url.rstrip('/')}/{FORM_PAGE}"


def _period_text(t: Translator, code: str) -> str:
    """'mayo 2024' inside a sentence (t.period capitalises a month for a title); 'T2 2024' for a quarter."""
    return t.month(code, "MMMM y") if "-Q" not in code else t.period(code)


def compose(missing: pd.DataFrame, catalog: Catalog, month: str, *, base_url: str, lang: str = "es"
            ) -> tuple[list[Reminder], list[str]]:
    """One reminder per institution with something missing; and the institutions that have something
    missing but no contact address in the catalog (nobody to write to)."""
    t = Translator(lang)
    reminders, unreachable = [], []
    for institution, rows in missing.groupby("institution", sort=True):
        recipients = catalog.contacts.get(institution, ())
        if not recipients:
            unreachable.append(institution)
            continue
        name = catalog.label("institutions", institution, t.lang)
        lines = []
        for row in rows.itertuples():
            key = "reminders.line_late" if row.late else "reminders.line"
            lines.append(t(key, indicator=catalog.label("indicators", row.indicator, t.lang),
                           period=_period_text(t, row.period), frequency=t(f"reminders.frequency_{row.frequency}"),
                           deadline=t.date(last_day(row.deadline), "long")))
        late = int(rows["late"].sum())
        deadline = t.date(last_day(rows["deadline"].min()), "long")
        body = t("reminders.body", institution=name, month=_period_text(t, month), lines="\n".join(lines),
                 deadline=deadline, link=form_link(base_url),
                 region=catalog.settings.get("region", {}).get("name", ""),
                 status=t.plural("reminders.late_count", late) if late else t("reminders.before_deadline",
                                                                                deadline=deadline))
        # the code, not the name: a short subject is not folded (some readers show a folded one badly)
        subject = t("reminders.subject_late" if late else "reminders.subject", month=t.period(month, in_sentence=True),
                    institution=institution)
        reminders.append(Reminder(institution, tuple(recipients), subject, body, len(rows), late))
    return reminders, unreachable


def record_sent(store: Store, actor: str, reminder: Reminder, month: str, recipients: int) -> None:
    """Audit one sent reminder: who, when (the log's time), which institution and how many recipients the
    server accepted; never the addresses or the text."""
    store.audit(actor, AUDIT_ACTION, {"institution": reminder.institution, "month": month,
                                      "recipients": recipients, "missing": reminder.missing,
                                      "late": reminder.late})


def last_reminded(audit: pd.DataFrame) -> pd.DataFrame:
    """Per institution, the last reminder sent: institution, at (naive UTC), month, recipients.
    ``audit`` is the store's audit frame (newest first or not)."""
    columns = ["institution", "at", "month", "recipients"]
    rows = audit[audit["action"].eq(AUDIT_ACTION)] if not audit.empty else audit
    if rows.empty:
        return pd.DataFrame(columns=columns)
    details = [json.loads(d) for d in rows["detail"]]
    frame = pd.DataFrame({"institution": [d.get("institution", "") for d in details],
                          "at": pd.to_datetime(rows["at"]).to_numpy(),
                          "month": [d.get("month", "") for d in details],
                          "recipients": [int(d.get("recipients", 0)) for d in details]})
    latest = frame.sort_values("at").groupby("institution", sort=True).tail(1)
    return latest.sort_values("institution").reset_index(drop=True)[columns]
