"""Command line for the table's records: sessions, agreements, upload batches, the audit log and values.

    python -m gapsmodel sessions list [--format table|csv]
    python -m gapsmodel sessions add DATE --title TEXT [--notes TEXT]
    python -m gapsmodel agreements list [--institution CODE] [--as-of DATE] [--format table|csv]
    python -m gapsmodel agreements add --session DATE --institution CODE --due DATE --text TEXT
                                       [--gap CODE] [--status STATUS]
    python -m gapsmodel agreements status ID STATUS
    python -m gapsmodel agreements history ID [--format table|csv]
    python -m gapsmodel batches list [--institution CODE] [--format table|csv]
    python -m gapsmodel batches revert ID --reason TEXT
    python -m gapsmodel audit [--since DATE] [--format table|csv]
    python -m gapsmodel values [--institution CODE] [--period P] [--as-of DATE] [--format table|csv]

Every command takes ``--db URL``. The terminal acts as an administrator named after the operating-system
user in the audit log. CSV goes to standard output with spreadsheet formulas neutralised, like every export.
Exit codes: 0 done; 1 refused (one line on stderr saying why: unknown agreement, locked month, ...); 2 an
argument that cannot be read (a date, a period, an unknown code).
"""
from __future__ import annotations

import sys
from datetime import date

import pandas as pd

from ..records import sessions as records
from ..rules.catalog import Catalog
from .users import command_line_actor
from ..rules.periods import PeriodError, parse_as_of, parse_period
from ..records.permissions import PermissionDenied
from ..records.store import LockedPeriodError, Store, StoreError
from ..i18n import both
from .speech import db_help, format_help, h, say, shown

OK, REFUSED, UNREADABLE = 0, 1, 2


class _BadArgument(ValueError):
    """An argument that cannot be read (exit code 2)."""


def add_parser(subparsers) -> None:
    def common(p, formats: bool = False):
        p.add_argument("--db", help=db_help())
        if formats:
            p.add_argument("--format", choices=["table", "csv"], default="table", help=format_help())
        return p

    agreement_number = h("N.º del acuerdo", "agreement number")
    group = subparsers.add_parser("sessions", help=h("Sesiones de la Mesa", "The table's sessions"))
    sub = group.add_subparsers(dest="records_command", required=True, metavar="{list,add}")
    common(sub.add_parser("list", help=h("Lista las sesiones", "List the sessions")), formats=True)
    p = common(sub.add_parser("add", help=h("Registra una sesión", "Record a session")))
    p.add_argument("date", help=h("AAAA-MM-DD", "YYYY-MM-DD"))
    p.add_argument("--title", required=True, help=h("título", "title"))
    p.add_argument("--notes", default="", help=h("notas o acta", "notes or minutes"))

    group = subparsers.add_parser("agreements", help=h("Acuerdos de la Mesa", "The table's agreements"))
    sub = group.add_subparsers(dest="records_command", required=True, metavar="{list,add,status,history}")
    p = common(sub.add_parser("list", help=h("Lista los acuerdos, vencidos primero",
                                             "List the agreements, overdue first")), formats=True)
    p.add_argument("--institution", help=h("código de la institución responsable", "responsible institution code"))
    p.add_argument("--as-of", dest="as_of", help=h("AAAA-MM-DD: como estaban ese día",
                                                   "YYYY-MM-DD: as they stood that day"))
    p = common(sub.add_parser("add", help=h("Registra un acuerdo", "Record an agreement")))
    p.add_argument("--session", required=True, help=h("fecha de la sesión (AAAA-MM-DD)", "session date (YYYY-MM-DD)"))
    p.add_argument("--institution", required=True, help=h("institución responsable", "responsible institution"))
    p.add_argument("--due", required=True, help=h("fecha límite (AAAA-MM-DD)", "due date (YYYY-MM-DD)"))
    p.add_argument("--text", required=True, help=h("texto del acuerdo", "agreement text"))
    p.add_argument("--gap", help=h("código de la brecha vinculada", "linked gap code"))
    p.add_argument("--status", choices=records.AGREEMENT_STATUSES, default="pendiente")
    p = common(sub.add_parser("status", help=h("Cambia el estado de un acuerdo", "Set an agreement's status")))
    p.add_argument("id", type=int, help=agreement_number)
    p.add_argument("status", choices=records.AGREEMENT_STATUSES)
    p = common(sub.add_parser("history", help=h("Estados registrados de un acuerdo",
                                                "An agreement's recorded states")), formats=True)
    p.add_argument("id", type=int, help=agreement_number)

    group = subparsers.add_parser("batches", help=h("Lotes de carga", "Upload batches"))
    sub = group.add_subparsers(dest="records_command", required=True, metavar="{list,revert}")
    p = common(sub.add_parser("list", help=h("Lista los lotes, el último primero", "List the batches, newest first")),
               formats=True)
    p.add_argument("--institution", help=h("código de la institución", "institution code"))
    p = common(sub.add_parser("revert", help=h("Revierte un lote (no se borra)",
                                               "Revert a batch (nothing is deleted)")))
    p.add_argument("id", type=int, help=h("N.º del lote", "batch number"))
    p.add_argument("--reason", required=True, help=h("motivo (obligatorio)", "reason (required)"))

    p = common(subparsers.add_parser("audit", help=h("Bitácora de auditoría", "The audit log")), formats=True)
    p.add_argument("--since", help=h("desde AAAA-MM-DD", "from YYYY-MM-DD"))
    p.set_defaults(records_command="audit")

    p = common(subparsers.add_parser("values", help=h("Valores vigentes (exactos)", "Values in force (exact)")),
               formats=True)
    p.add_argument("--institution", help=h("código de la institución", "institution code"))
    p.add_argument("--period", help=h("2022-05, 2022-Q2 o 2022", "2022-05, 2022-Q2 or 2022"))
    p.add_argument("--as-of", dest="as_of", help=h("AAAA-MM-DD: como se conocían ese día",
                                                   "YYYY-MM-DD: as known that day"))
    p.set_defaults(records_command="values")


# --- reading arguments ---------------------------------------------------------------------------------
def _date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise _BadArgument(both(f"{what}: fecha no válida '{text}'. Use AAAA-MM-DD.",
                                f"{what}: invalid date '{text}'. Use YYYY-MM-DD.")) from None


def _code(catalog: Catalog, table: str, code: str | None) -> str | None:
    """A catalog code as typed (any case; institutions also by alias, UNHCR → ACNUR)."""
    if code is None:
        return None
    known = getattr(catalog, table).index
    found = catalog.resolve_institution(code) if table == "institutions" else None
    for candidate in (found, code, code.upper(), code.lower()):
        if candidate in known:
            return candidate
    valid = ", ".join(known)
    raise _BadArgument(both(f"Código desconocido '{code}'. Válidos: {valid}.",
                            f"Unknown code '{code}'. Valid: {valid}."))


def _print(frame: pd.DataFrame, fmt: str, empty: str) -> None:
    if fmt == "csv":
        from ..spreadsheet import to_csv_text  # openpyxl: only for the commands that write tables
        sys.stdout.write(to_csv_text(frame, lineterminator="\n"))
    elif frame.empty:
        print(empty)
    else:
        print(frame.to_string(index=False, max_colwidth=70))


def _when(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series).dt.strftime("%Y-%m-%d %H:%M").fillna("")


# --- commands -----------------------------------------------------------------------------------------
def _sessions(args, store: Store, actor) -> None:
    if args.records_command == "add":
        day = _date(args.date, h("fecha", "date"))
        if not args.title.strip():
            raise records.SessionError(both("El título no puede estar vacío.", "The title cannot be empty."))
        if day in set(records.sessions_frame(store)["date"]):
            raise records.SessionError(both(f"Ya hay una sesión el {day}.", f"There is already a session on {day}."))
        records.add_session(store, day, args.title.strip(), args.notes, actor=actor)
        say(f"Sesión del {day} registrada.", f"Session of {day} recorded.")
        return
    frame = records.sessions_frame(store)[["date", "title", "notes"]]
    _print(frame, args.format, h("No hay sesiones registradas.", "No sessions recorded yet."))


def _agreements(args, store: Store, catalog: Catalog, actor) -> None:
    command = args.records_command
    if command == "add":
        session_day, due = _date(args.session, "--session"), _date(args.due, "--due")
        if session_day not in set(records.sessions_frame(store)["date"]):
            raise records.SessionError(both(f"No hay sesión el {session_day}; regístrela primero con "
                                            "`sessions add`.",
                                            f"No session on {session_day}; record it first with `sessions add`."))
        if not args.text.strip():
            raise records.SessionError(both("El texto del acuerdo no puede estar vacío.",
                                            "The agreement text cannot be empty."))
        ident = records.add_agreement(store, session_day, args.text.strip(), _code(catalog, "institutions",
                                      args.institution), due, status=args.status,
                                      gap_code=_code(catalog, "gaps", args.gap), actor=actor)
        say(f"Acuerdo N.º {ident} registrado.", f"Agreement no. {ident} recorded.")
    elif command == "status":
        before = records.agreements_frame(store).set_index("id")
        if args.id not in before.index:
            raise records.SessionError(both(f"No existe el acuerdo {args.id}.", f"There is no agreement {args.id}."))
        records.update_agreement(store, args.id, status=args.status, actor=actor)
        change = f"{before.at[args.id, 'status']} → {args.status}"     # status codes, as the CSV has them
        say(f"Acuerdo N.º {args.id}: {change}.", f"Agreement no. {args.id}: {change}.")
    elif command == "history":
        history = records.agreement_history(store, args.id)
        if history.empty:
            raise records.SessionError(both(f"No existe el acuerdo {args.id}.", f"There is no agreement {args.id}."))
        history["recorded_at"] = _when(history["recorded_at"])
        _print(history[["recorded_at", "recorded_by", "status", "due_date", "text", "gap_code"]], args.format, "")
    else:
        as_of = parse_as_of(args.as_of) if args.as_of else None
        today = as_of.date() if as_of else None
        frame = records.follow_up_order(records.agreements_frame(store, today=today, as_of=as_of))
        institution = _code(catalog, "institutions", args.institution)
        if institution:
            frame = frame[frame["institution"].eq(institution)]
        columns = ["id", "session_date", "institution", "due_date", "effective_status", "text", "gap_code"]
        _print(frame[columns].rename(columns={"effective_status": "status"}), args.format,
               h("No hay acuerdos.", "No agreements."))


def _batches(args, store: Store, catalog: Catalog, actor) -> None:
    if args.records_command == "revert":
        store.revert_batch(args.id, actor=actor, reason=args.reason.strip())
        say(f"Lote {args.id} revertido: sus valores dejan de contar; los anteriores vuelven a contar.",
            f"Batch {args.id} reverted: its values no longer count; the earlier ones count again.")
        return
    frame = store.batches_frame(_code(catalog, "institutions", args.institution))
    for col in ("uploaded_at", "reverted_at"):
        frame[col] = _when(frame[col])
    columns = ["id", "institution", "uploaded_at", "uploaded_by", "filename", "n_values", "kind", "reverted_at",
               "reverted_by", "revert_reason"]
    _print(frame[columns].fillna(""), args.format, h("No hay lotes.", "No batches."))


def _audit(args, store: Store, actor) -> None:
    from ..views.exports import audit_frame_for_export
    frame = audit_frame_for_export(store, actor=actor)
    if args.since:
        frame = frame[frame["at"] >= pd.Timestamp(_date(args.since, "--since"))]
    frame = frame.assign(at=_when(frame["at"]))
    _print(frame, args.format, h("La bitácora está vacía.", "The audit log is empty."))


def _values(args, store: Store, catalog: Catalog, actor) -> None:
    from ..views.exports import download_values
    frame = download_values(store, actor=actor, as_of=parse_as_of(args.as_of) if args.as_of else None)
    institution = _code(catalog, "institutions", args.institution)
    if institution:
        frame = frame[frame["institution"].eq(institution)]
    if args.period:
        frame = frame[frame["period"].isin(parse_period(args.period).months)]
    frame = frame.sort_values(["period", "institution", "indicator", "ubigeo"], kind="stable")
    frame = frame.assign(uploaded_at=_when(frame["uploaded_at"]))
    _print(frame, args.format, h("No hay valores para ese filtro.", "No values for that filter."))


def run(args, store: Store, catalog: Catalog) -> int:
    """Run one records command; return the exit code. Errors: one line on stderr, never a traceback."""
    actor = command_line_actor()
    try:
        if args.command == "sessions":
            _sessions(args, store, actor)
        elif args.command == "agreements":
            _agreements(args, store, catalog, actor)
        elif args.command == "batches":
            _batches(args, store, catalog, actor)
        elif args.command == "audit":
            _audit(args, store, actor)
        else:
            _values(args, store, catalog, actor)
    except (_BadArgument, PeriodError) as exc:
        shown(exc)
        return UNREADABLE
    except (records.SessionError, StoreError, LockedPeriodError, PermissionDenied) as exc:
        shown(exc, sep=" ")
        return REFUSED
    return OK

