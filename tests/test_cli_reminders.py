"""``python -m gapsmodel reminders``: against a real SMTP server on localhost (aiosmtpd), .eml files, exit codes.

The store holds June 2024 reports, hand-chosen: DIRESA reported everything, ACNUR half, OIM its quarterly
population in April (which covers the quarter) but nothing else; the other institutions with obligations
reported nothing. So, of the 11 institutions in obligations.csv, 10 get a message and DIRESA none.
"""
from __future__ import annotations

import email
import json
import shutil
import socket
from email import policy
from pathlib import Path

import pandas as pd
import pytest
from aiosmtpd.controller import Controller

from gapsmodel.cli.main import main
from gapsmodel.records.store import VALUE_COLUMNS, Store
from gapsmodel.rules.catalog import DIR_ENV_VAR, DEFAULT_DIR

ROOT = Path(__file__).resolve().parent.parent
WITH_SOMETHING_MISSING = {"ACNUR", "OIM", "MIGRACIONES", "RREE", "PNP", "MIMP", "UNICEF", "DRE", "CARE",
                          "ENCUENTROS"}
BASE_URL = "https://brechas.example.org"


def _rows(institution: str, period: str, indicators: list[str]) -> pd.DataFrame:
    return pd.DataFrame([dict(institution=institution, indicator=i, ubigeo="24", period=period, sex="total",
                              age="total", nationality="total", value=10.0, note="") for i in indicators]
                        )[VALUE_COLUMNS]


@pytest.fixture
def june_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'june.db'}"
    store = Store.open(url)
    on_time = pd.Timestamp("2024-07-03").to_pydatetime()
    store.add_batch(_rows("DIRESA", "2024-06", ["pob_migrante", "afiliados_sis", "personas_requieren_smental",
                                                "personas_atendidas_smental"]), institution="DIRESA",
                    uploaded_at=on_time)
    store.add_batch(_rows("ACNUR", "2024-06", ["pob_migrante", "camas_albergue"]), institution="ACNUR",
                    uploaded_at=on_time)
    store.add_batch(_rows("OIM", "2024-04", ["pob_migrante"]), institution="OIM", uploaded_at=on_time)
    return url


class Inbox:
    """What the server received: one (sender, recipients, parsed message) per message."""

    def __init__(self, refuse_prefix: str | None = None):
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.refuse_prefix = refuse_prefix

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_prefix and address.startswith(self.refuse_prefix):
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"

    def by_institution(self) -> dict[str, tuple[list[str], email.message.EmailMessage]]:
        """Keyed by the institution code read back from the first recipient (datos.<code>@example.org)."""
        return {rcpt[0].split("@")[0].split(".")[-1].upper(): (rcpt, msg) for _, rcpt, msg in self.messages}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server(monkeypatch, handler: Inbox):
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    for key, value in {"HOST": "127.0.0.1", "PORT": str(port), "STARTTLS": "false",
                       "FROM": "Mesa de Tumbes <mesa@example.org>"}.items():
        monkeypatch.setenv(f"GAPSMODEL_SMTP_{key}", value)
    return controller


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No secrets file of the machine, a known link, no SMTP settings but the test's own."""
    monkeypatch.setenv("GAPSMODEL_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    monkeypatch.setenv("GAPSMODEL_BASE_URL", BASE_URL)
    for key in ("HOST", "PORT", "USER", "PASSWORD", "STARTTLS", "FROM"):
        monkeypatch.delenv(f"GAPSMODEL_SMTP_{key}", raising=False)


@pytest.fixture
def inbox(monkeypatch):
    handler = Inbox()
    controller = _server(monkeypatch, handler)
    yield handler
    controller.stop()


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def reminder_audit(url: str) -> list[dict]:
    audit = Store.open(url).audit_frame()
    return [dict(json.loads(d), actor=a) for d, a, action in zip(audit["detail"], audit["actor"], audit["action"])
            if action == "reminder"]


def test_send_reaches_the_local_server_once_per_institution_with_something_missing(capsys, june_url, inbox):
    code, out, err = run(capsys, "reminders", "--month", "2024-06", "--send", "--db", june_url)
    assert code == 0, err
    got = inbox.by_institution()
    assert set(got) == WITH_SOMETHING_MISSING and len(inbox.messages) == 10     # none for DIRESA (complete)
    assert all(sender == "mesa@example.org" for sender, _, _ in inbox.messages)

    recipients, message = got["ACNUR"]
    assert sorted(recipients) == ["datos.acnur@example.org", "tumbes.acnur@example.org"]
    assert message["Subject"] == "Cifras pendientes de junio 2024: plazo vencido (ACNUR)"
    body = message.get_content()
    assert "Personas que requieren alojamiento temporal" in body
    assert "(mensual, periodo junio 2024): plazo 10 de julio de 2024, VENCIDO" in body
    assert "Camas disponibles en albergues" not in body          # reported: not asked again
    assert "Población migrante" not in body
    assert f"{BASE_URL}/reportar" in body
    assert "2 de estos reportes ya pasaron su plazo." in body

    # OIM's quarterly population came in April, inside the quarter: only its two monthly reports are asked
    oim = got["OIM"][1].get_content()
    assert "Camas disponibles en albergues" in oim and "Población migrante" not in oim
    # a quarterly obligation due with June (the quarter's last month) is named with its quarter
    assert "(trimestral, periodo T2 2024)" in got["UNICEF"][1].get_content()

    assert "ACNUR: 2 pendiente(s), 2 vencido(s)" in out
    sent = reminder_audit(june_url)
    assert {e["institution"] for e in sent} == WITH_SOMETHING_MISSING
    assert next(e for e in sent if e["institution"] == "ACNUR")["recipients"] == 2
    assert all(e["month"] == "2024-06" and e["actor"].startswith("línea de comandos") for e in sent)
    assert not any("@" in json.dumps(e) for e in sent)           # no address, no text in the log


def test_english_messages(capsys, june_url, inbox, monkeypatch):
    monkeypatch.setenv("GAPSMODEL_LANG", "en")          # an English terminal as well as English messages
    code, out, _ = run(capsys, "reminders", "--month", "2024-06", "--send", "--lang", "en", "--db", june_url)
    assert code == 0
    assert "ACNUR: 2 missing, 2 late (" in out and "ACNUR: sent (2)" in out and "pendiente" not in out
    message = inbox.by_institution()["ACNUR"][1]
    assert message["Subject"] == "June 2024 figures outstanding: deadline passed (ACNUR)"
    body = message.get_content()
    assert "People needing temporary shelter" in body and "due July 10, 2024, LATE" in body


def test_eml_files_without_sending(capsys, june_url, tmp_path):
    out_dir = tmp_path / "correos"
    code, out, _ = run(capsys, "reminders", "--month", "2024-06", "--out", str(out_dir), "--db", june_url)
    assert code == 0 and "10 correo(s) escrito(s)" in out
    files = sorted(out_dir.glob("*.eml"))
    assert [f.name for f in files] == sorted(f"recordatorio_2024-06_{c}.eml" for c in WITH_SOMETHING_MISSING)
    message = email.message_from_bytes((out_dir / "recordatorio_2024-06_PNP.eml").read_bytes(), policy=policy.default)
    assert message["To"] == "datos.pnp@example.org"
    body = message.get_content()
    assert "Presuntas víctimas de trata identificadas" in body and "plazo 10 de julio de 2024" in body
    assert reminder_audit(june_url) == []                         # nothing sent, nothing audited


def test_printed_without_out_or_send(capsys, june_url):
    code, out, _ = run(capsys, "reminders", "--month", "2024-06", "--db", june_url)
    assert code == 0
    assert out.count("Subject: ") == 10 and "To: datos.care@example.org" in out
    assert "Estimado equipo de CARE Perú:" in out                 # readable text, not quoted-printable


def test_smtp_settings_from_the_secrets_file(capsys, june_url, tmp_path, monkeypatch):
    handler = Inbox()
    controller = _server(monkeypatch, handler)
    port = controller.port
    for key in ("HOST", "PORT", "STARTTLS", "FROM"):
        monkeypatch.delenv(f"GAPSMODEL_SMTP_{key}")
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nstarttls = false\nfrom = "avisos@example.org"\n')
    monkeypatch.setenv("GAPSMODEL_SECRETS_FILE", str(secrets))
    try:
        code, _, err = run(capsys, "reminders", "--month", "2024-06", "--send", "--db", june_url)
    finally:
        controller.stop()
    assert code == 0, err
    assert len(handler.messages) == 10 and handler.messages[0][0] == "avisos@example.org"


def test_refused_recipient_exits_1_and_audits_what_was_accepted(capsys, june_url, monkeypatch):
    handler = Inbox(refuse_prefix="tumbes.")
    controller = _server(monkeypatch, handler)
    try:
        code, _, err = run(capsys, "reminders", "--month", "2024-06", "--send", "--db", june_url)
    finally:
        controller.stop()
    assert code == 1 and "ACNUR: 1 destinatario(s) rechazado(s)" in err and "Traceback" not in err
    assert " / " not in err                                   # the terminal's language only
    assert handler.by_institution()["ACNUR"][0] == ["datos.acnur@example.org"]
    assert next(e for e in reminder_audit(june_url) if e["institution"] == "ACNUR")["recipients"] == 1


def test_no_smtp_configured_is_a_clear_error(capsys, june_url):
    code, out, err = run(capsys, "reminders", "--month", "2024-06", "--send", "--db", june_url)
    assert code == 2 and "No hay servidor de correo (SMTP) configurado" in err and "GAPSMODEL_SMTP_HOST" in err
    assert "Traceback" not in err and reminder_audit(june_url) == []


def test_connection_refused_is_a_clear_error(capsys, june_url, monkeypatch):
    monkeypatch.setenv("GAPSMODEL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("GAPSMODEL_SMTP_PORT", str(_free_port()))       # nothing listens there
    monkeypatch.setenv("GAPSMODEL_SMTP_STARTTLS", "false")
    monkeypatch.setenv("GAPSMODEL_SMTP_FROM", "mesa@example.org")
    code, _, err = run(capsys, "reminders", "--month", "2024-06", "--send", "--db", june_url)
    assert code == 2 and "No se pudo conectar con el servidor de correo 127.0.0.1:" in err
    assert "Traceback" not in err and reminder_audit(june_url) == []


@pytest.mark.parametrize("month", ["2024-13", "2024-Q2", "junio"])
def test_wrong_month_exits_2(capsys, june_url, month):
    code, _, err = run(capsys, "reminders", "--month", month, "--db", june_url)
    assert code == 2 and "Mes no válido" in err and "Traceback" not in err


def test_wrong_language_exits_2(capsys, june_url):
    code, _, err = run(capsys, "reminders", "--month", "2024-06", "--lang", "fr", "--db", june_url)
    assert code == 2 and "Idioma no válido" in err


def test_nothing_missing_sends_nothing(capsys, demo_url, inbox):
    # the demo store: every institution reported June 2024
    code, out, _ = run(capsys, "reminders", "--month", "2024-06", "--send", "--db", demo_url)
    assert code == 0 and "Nada pendiente para 2024-06" in out and inbox.messages == []


def test_institution_without_address_is_a_warning(capsys, june_url, tmp_path, monkeypatch, inbox):
    folder = tmp_path / "catalog"
    shutil.copytree(DEFAULT_DIR, folder, ignore=shutil.ignore_patterns(".history"))
    table = pd.read_csv(folder / "institutions.csv", dtype=str, keep_default_na=False)
    table.loc[table["code"].eq("PNP"), "contact_emails"] = ""
    table.to_csv(folder / "institutions.csv", index=False)
    monkeypatch.setenv(DIR_ENV_VAR, str(folder))
    code, out, _ = run(capsys, "reminders", "--month", "2024-06", "--send", "--db", june_url)
    assert code == 0
    assert "PNP: 2 pendiente(s)" in out and "sin correo de contacto" in out
    assert set(inbox.by_institution()) == WITH_SOMETHING_MISSING - {"PNP"}


def test_public_outputs_carry_no_contact_address(capsys, demo_url, tmp_path, catalog):
    """Open data, public gap tables and the visitors' session report never carry a contact address."""
    addresses = [a for found in catalog.contacts.values() for a in found]
    assert addresses
    folder = tmp_path / "abiertos"
    assert run(capsys, "publish", "--period", "2024", "-o", str(folder), "--db", demo_url)[0] == 0
    code, gaps_csv, _ = run(capsys, "gaps", "--public", "--format", "csv", "--period", "2024-06", "--db", demo_url)
    assert code == 0
    report = tmp_path / "sesion.html"
    assert run(capsys, "report", "--session", "2024-07-10", "-o", str(report), "--db", demo_url)[0] == 0
    outputs = {p.name: p.read_bytes().decode("utf-8", "replace") for p in folder.iterdir()}
    outputs["gaps.csv"] = gaps_csv
    outputs["sesion.html"] = report.read_text("utf-8")
    assert len(outputs) >= 5 and all(outputs.values())
    for name, text in outputs.items():
        assert not [a for a in addresses if a in text], name
        assert "example.org" not in text, name
