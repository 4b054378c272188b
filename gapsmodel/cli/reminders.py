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
from .users import command_line_actor

OK, PROBLEMS, UNREADABLE = 0, 1, 2
BASE_URL_ENV_VAR = "GAPSMODEL_BASE_URL"
DEFAULT_BASE_URL = "http://localhost:8501"
PLACEHOLDER_SENDER = "mesa@example.org"     # only in files written without a configured server
DB_HELP = "URL de SQLAlchemy / SQLAlchemy URL (default: $GAPSMODEL_DATABASE_URL, then data/gapsmodel.db)"


def add_parser(sub) -> None:
    p = sub.add_parser("reminders", help="Recordatorios de reportes pendientes / reminders of missing reports")
    p.add_argument("--month", required=True, help="mes reportado / reported month, AAAA-MM (2024-06)")
    p.add_argument("--send", action="store_true",
                   help="envía los correos por SMTP (si no, solo los escribe) / send through SMTP (else only write)")
    p.add_argument("--out", help="carpeta para los archivos .eml (si no, se imprimen) / folder for .eml files "
                                 "(else printed)")
    p.add_argument("--lang", default="es", help="idioma del correo / message language: es (default), en")
    p.add_argument("--db", help=DB_HELP)


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
        who = (f"{len(reminder.recipients)} destinatario(s) / recipient(s)" if reminder
               else "AVISO: sin correo de contacto en institutions.csv / WARNING: no contact address")
        print(f"{institution}: {len(rows)} pendiente(s) / missing, {late} vencido(s) / late "
              f"({', '.join(rows['indicator'])}); {who}")


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
                print(f"{reminder.institution}: {problem}", file=sys.stderr)
            else:
                print(f"{reminder.institution}: enviado / sent ({accepted})")
    return failed


def run(args, store: Store, catalog) -> int:
    month = _month(args.month)
    if month is None:
        print(f"Mes no válido: '{args.month}'. Use AAAA-MM, p. ej. 2024-06. / Invalid month: use YYYY-MM.",
              file=sys.stderr)
        return UNREADABLE
    if args.lang not in ("es", "en"):
        print(f"Idioma no válido: '{args.lang}' (es, en). / Invalid language.", file=sys.stderr)
        return UNREADABLE
    settings = None
    if args.send:
        try:
            settings = smtp_settings()          # before anything is written: a clear error, nothing half done
        except MailError as exc:
            print(exc, file=sys.stderr)
            return UNREADABLE
    missing = reminders.missing_obligations(store.report_times(), catalog, month, utcnow())
    if missing.empty:
        print(f"Nada pendiente para {month}: todas las instituciones reportaron. / Nothing missing for {month}.")
        return OK
    found, unreachable = reminders.compose(missing, catalog, month, base_url=base_url(catalog), lang=args.lang)
    _listing(missing, {r.institution: r for r in found}, unreachable)
    sender = settings.sender if settings else configured_sender(PLACEHOLDER_SENDER)
    messages = [(r.institution, r.message(sender)) for r in found]
    if args.out:
        try:
            _write(Path(args.out), month, messages)
        except OSError as exc:
            print(f"No se pudo escribir en '{args.out}': {exc.strerror or exc}. / Could not write the folder.",
                  file=sys.stderr)
            return UNREADABLE
        print(f"{len(messages)} correo(s) escrito(s) en / message(s) written to {args.out}")
    elif not args.send:
        _print(messages)
    if not args.send:
        return OK
    try:
        failed = _send(store, month, found, settings)
    except MailError as exc:
        print(exc, file=sys.stderr)
        return UNREADABLE
    return PROBLEMS if failed else OK
