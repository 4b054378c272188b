"""The ``reminders`` command: who still owes figures for a month, and one e-mail to each of them.

    python -m gapsmodel reminders --month 2024-06 [--send] [--out DIR] [--lang es|en] [--db URL]

Lists, per institution, the obligations due for the month (``obligations.csv``) that are not reported, and
those already past their deadline (``deadline_day`` of the next month, :mod:`gapsmodel.rules.quality`).
Writes one message per institution with something missing, to its ``contact_emails`` (``institutions.csv``):
without ``--send`` as ``.eml`` files in ``--out`` (or printed); with ``--send`` through the SMTP server of
``.streamlit/secrets.toml`` [smtp] or ``GAPSMODEL_SMTP_*`` (:mod:`gapsmodel.cli.mail`), each sending audited
(who, when, institution, number of recipients). The link goes to the form page ``reportar`` under the app's
address: ``$GAPSMODEL_BASE_URL``, else ``[app] base_url`` of ``settings.toml``.

Exit codes: 0 done (institutions without an address are warnings); 1 the server refused some messages;
2 a wrong month or language, no SMTP server configured or reachable, or a folder that cannot be written.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ..records.store import Store, utcnow
from ..rules.periods import PeriodError, parse_period
from ..views import reminders
from .mail import MailError, Outbox, configured_sender, smtp_settings
from .speech import db_help, h, plain, say, shown
from .users import command_line_actor

OK, PROBLEMS, UNREADABLE = 0, 1, 2
BASE_URL_ENV_VAR = "GAPSMODEL_BASE_URL"
DEFAULT_BASE_URL = "http://localhost:8501"
PLACEHOLDER_SENDER = "mesa@example.org"     # only in files written without a configured server


def add_parser(sub) -> None:
    p = sub.add_parser("reminders", help=h("Recordatorios de reportes pendientes", "Reminders of missing reports"))
    p.add_argument("--month", required=True, help=h("mes reportado, AAAA-MM (2024-06)",
                                                    "reported month, YYYY-MM (2024-06)"))
    p.add_argument("--send", action="store_true",
                   help=h("envía los correos por SMTP (si no, solo los escribe)",
                          "send the messages through SMTP (else only write them)"))
    p.add_argument("--out", help=h("carpeta para los archivos .eml (si no, se imprimen)",
                                   "folder for the .eml files (else they are printed)"))
    p.add_argument("--lang", default="es", help=h("idioma del correo: es (por defecto), en",
                                                  "language of the messages: es (default), en"))
    p.add_argument("--db", help=db_help())


def base_url(catalog) -> str:
    return (os.environ.get(BASE_URL_ENV_VAR) or catalog.settings.get("app", {}).get("base_url")
            or DEFAULT_BASE_URL)


def _month(text: str) -> str | None:
    try:
        period = parse_period(text.strip())
    except PeriodError:
        return None
    return period.code if period.kind == "month" else None


def _listing(missing, reminder_of: dict, unreachable: list[str]) -> None:
    """One line per institution with something missing: what, how much is late, how many recipients."""
    for institution, rows in missing.groupby("institution", sort=True):
        late = int(rows["late"].sum())
        reminder = reminder_of.get(institution)
        n, names = len(rows), ", ".join(rows["indicator"])
        if reminder:
            who = h(f"{len(reminder.recipients)} destinatario(s)", f"{len(reminder.recipients)} recipient(s)")
        else:
            who = h("AVISO: sin correo de contacto en institutions.csv",
                    "WARNING: no contact address in institutions.csv")
        say(f"{institution}: {n} pendiente(s), {late} vencido(s) ({names}); {who}",
            f"{institution}: {n} missing, {late} late ({names}); {who}")


def _write(folder: Path, month: str, messages: list) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for institution, message in messages:
        (folder / f"recordatorio_{month}_{institution}.eml").write_bytes(message.as_bytes())


def _print(messages: list) -> None:
    for _, message in messages:
        print("\n" + "=" * 72)
        for header in ("From", "To", "Subject"):
            print(f"{header}: {message[header]}")
        print("\n" + message.get_content().rstrip())


def _send(store: Store, month: str, found: list, settings) -> int:
    actor = command_line_actor().username
    failed = 0
    with Outbox(settings) as box:
        for reminder in found:
            message = reminder.message(settings.sender)
            accepted, problem = box.send(message, len(reminder.recipients))
            if accepted:
                reminders.record_sent(store, actor, reminder, month, accepted)
            if problem:
                failed += 1
                print(f"{reminder.institution}: {plain(problem)}", file=sys.stderr)
            else:
                say(f"{reminder.institution}: enviado ({accepted})", f"{reminder.institution}: sent ({accepted})")
    return failed


def run(args, store: Store, catalog) -> int:
    month = _month(args.month)
    if month is None:
        say(f"Mes no válido: '{args.month}'. Use AAAA-MM, p. ej. 2024-06.",
            f"Invalid month: '{args.month}'. Use YYYY-MM, e.g. 2024-06.", file=sys.stderr)
        return UNREADABLE
    if args.lang not in ("es", "en"):
        say(f"Idioma no válido: '{args.lang}' (es, en).", f"Invalid language: '{args.lang}' (es, en).",
            file=sys.stderr)
        return UNREADABLE
    settings = None
    if args.send:
        try:
            settings = smtp_settings()          # before anything is written: a clear error, nothing half done
        except MailError as exc:
            shown(exc)
            return UNREADABLE
    missing = reminders.missing_obligations(store.report_times(), catalog, month, utcnow())
    if missing.empty:
        say(f"Nada pendiente para {month}: todas las instituciones reportaron.",
            f"Nothing missing for {month}: every institution reported.")
        return OK
    found, unreachable = reminders.compose(missing, catalog, month, base_url=base_url(catalog), lang=args.lang)
    _listing(missing, {r.institution: r for r in found}, unreachable)
    sender = settings.sender if settings else configured_sender(PLACEHOLDER_SENDER)
    messages = [(r.institution, r.message(sender)) for r in found]
    if args.out:
        try:
            _write(Path(args.out), month, messages)
        except OSError as exc:
            reason = exc.strerror or exc
            say(f"No se pudo escribir en '{args.out}': {reason}.", f"Could not write to '{args.out}': {reason}.",
                file=sys.stderr)
            return UNREADABLE
        say(f"{len(messages)} correo(s) escrito(s) en {args.out}", f"{len(messages)} message(s) written to {args.out}")
    elif not args.send:
        _print(messages)
    if not args.send:
        return OK
    try:
        failed = _send(store, month, found, settings)
    except MailError as exc:
        shown(exc)
        return UNREADABLE
    return PROBLEMS if failed else OK
