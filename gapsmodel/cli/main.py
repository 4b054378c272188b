"""Command line: everything the pages do with data, for scripts and batch loads (DOMAIN.md §9).

Exit codes: 0 success (warnings allowed); 1 the file was read but has problems; 2 the file could not be
read as a table at all, or the arguments are wrong. Bad input never prints a Python traceback.
Everything printed, help texts included, is in the terminal's language only (``GAPSMODEL_LANG``, :mod:`.speech`).
"""
from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import warnings
from pathlib import Path

from .. import model
from ..rules.catalog import CatalogError, load_catalog
from ..rules.gaps import CSV_COLUMNS
from ..rules.periods import PeriodError, parse_period
from ..records.permissions import PermissionDenied
from ..records.store import LockedPeriodError, Store, StoreError, checksum
from ..rules.territory import load_territory
from ..i18n import both
from .speech import argparse_in_language, db_help, h, plain, say, shown
from .users import command_line_actor

OK, PROBLEMS, UNREADABLE = 0, 1, 2
log = logging.getLogger("gapsmodel.cli")
LOG_ENV_VAR = "GAPSMODEL_LOG_FILE"
INTERNAL_ERROR = both("Error interno: no se completó la orden; el detalle quedó en el registro del operador "
                      "({log}).",
                      "Internal error: the command did not complete; the details were written to the operator's "
                      "log ({log}).")


def _log_file() -> Path:
    from ..records.store import DEFAULT_DB
    return Path(os.environ.get(LOG_ENV_VAR) or DEFAULT_DB.parent / "gapsmodel.log")


def _log_handler() -> logging.Handler:
    """Failures go to the operator's log file, never to the terminal: a database error's text carries its
    SQL statement and parameters (partner data)."""
    try:
        path = _log_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8", delay=True)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        return handler
    except OSError:
        return logging.NullHandler()
# command groups that live in their own modules: each has add_parser(subparsers) and run(args, store, catalog)
EXTRA_COMMANDS: list[str] = ["gapsmodel.cli.users"]
EXTRA_COMMANDS.append("gapsmodel.cli.report")  # report, approve, reopen
EXTRA_COMMANDS.append("gapsmodel.cli.records")  # sessions, agreements, batches, audit, values
EXTRA_COMMANDS.append("gapsmodel.cli.catalog")  # catalog check, catalog replace (run before the catalog loads)
EXTRA_COMMANDS.append("gapsmodel.cli.protection")  # protection audit
EXTRA_COMMANDS.append("gapsmodel.cli.publish")  # publish (open data)
EXTRA_COMMANDS.append("gapsmodel.cli.notes")  # notes on the figures
EXTRA_COMMANDS.append("gapsmodel.cli.reminders")  # reminders of missing reports, by e-mail


class CliError(Exception):
    def __init__(self, message: str, code: int = UNREADABLE):
        super().__init__(message)
        self.code = code


def _parser(extra_modules) -> argparse.ArgumentParser:
    # built when the command runs: help texts in the terminal's language
    parser = argparse.ArgumentParser(
        prog="python -m gapsmodel",
        description=h("Brechas de acceso a servicios, Tumbes.", "Service-access gaps, Tumbes."))
    sub = parser.add_subparsers(dest="command", required=True, metavar=h("ORDEN", "COMMAND"))
    institution_help = h("código de la institución", "institution code")

    p = sub.add_parser("validate", help=h("Revisa un archivo sin guardarlo", "Check a file without storing it"))
    p.add_argument("file")
    p.add_argument("--institution", help=institution_help)
    p.add_argument("--db", help=db_help())

    p = sub.add_parser("import", help=h("Valida y guarda un archivo", "Validate and store a file"))
    p.add_argument("file")
    p.add_argument("--institution", required=True, help=institution_help)
    p.add_argument("--db", help=db_help())

    p = sub.add_parser("gaps", help=h("Imprime las brechas", "Print the gaps"))
    p.add_argument("--db", help=db_help())
    p.add_argument("--period", help=h("2022-05, 2022-Q2 o 2022 (por defecto: el último mes completo)",
                                      "2022-05, 2022-Q2 or 2022 (default: the latest complete month)"))
    p.add_argument("--as-of", dest="as_of", help=h("AAAA-MM-DD: cifras como se conocían ese día",
                                                   "YYYY-MM-DD: figures as known that day"))
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--public", action="store_true",
                   help=h("aplica la supresión de celdas pequeñas de las vistas públicas",
                          "apply the small-cell suppression of the public views"))

    p = sub.add_parser("demo", help=h("Carga los datos de demostración", "Load the demo data"))
    p.add_argument("--db", help=db_help())
    p.add_argument("--force", action="store_true",
                   help=h("sin efecto: la demostración solo entra en una base totalmente vacía",
                          "no effect: the demo only loads into an entirely empty store"))
    for module in extra_modules:
        before = set(sub.choices)
        module.add_parser(sub)
        for name in set(sub.choices) - before:
            sub.choices[name].set_defaults(command_module=module)
    return parser


def _read_file(path: str) -> bytes:
    file = Path(path)
    if not file.is_file():
        raise CliError(both(f"No se encuentra el archivo '{path}'.", f"File not found: '{path}'."), UNREADABLE)
    return file.read_bytes()


def _check(args, catalog, territory, store: Store | None):
    from ..ingest import UnreadableFile, read_upload
    data = _read_file(args.file)
    institution = None
    if args.institution:
        institution = catalog.resolve_institution(args.institution)
        if institution is None:
            codes = ", ".join(catalog.institutions.index)
            raise CliError(both(f"Institución desconocida: '{args.institution}'. Códigos: {codes}.",
                                f"Unknown institution: '{args.institution}'. Codes: {codes}."), UNREADABLE)
    locked = store.locked_months() if store else set()
    # only the history the checks need (the file's keys and months), not the whole store
    history = (lambda scope: store.values(within=scope)) if store else None
    try:
        result = read_upload(data, Path(args.file).name, catalog, territory, institution=institution,
                             locked_months=locked, history=history)
    except UnreadableFile as exc:
        raise CliError(str(exc), UNREADABLE) from None
    for problem in result.problems:
        where = h(f"fila {problem.row}", f"row {problem.row}") if problem.row else h("archivo", "file")
        column = h(f", columna '{problem.column}'", f", column '{problem.column}'") if problem.column else ""
        value = h(f", valor '{problem.value}'", f", value '{problem.value}'") if problem.value else ""
        label = "ERROR" if problem.level == "error" else h("AVISO", "WARNING")
        print(f"{label} {where}{column}{value}: {plain(problem.message, sep=' ')}")
    return data, result


def cmd_validate(args, catalog, territory) -> int:
    store = Store.open(args.db)
    _, result = _check(args, catalog, territory, store)
    if not result.ok:
        n = len(result.errors)
        say(f"Archivo con {n} problema(s); no se guardó nada.", f"File with {n} problem(s); nothing was stored.",
            file=sys.stderr)
        return PROBLEMS
    say(f"Archivo válido: {len(result.values)} valores.", f"Valid file: {len(result.values)} values.")
    return OK


def cmd_import(args, catalog, territory) -> int:
    store = Store.open(args.db)
    data, result = _check(args, catalog, territory, store)
    if not result.ok:
        n = len(result.errors)
        say(f"Archivo rechazado con {n} problema(s); no se guardó nada.",
            f"File refused with {n} problem(s); nothing was stored.", file=sys.stderr)
        return PROBLEMS
    institution = result.institution or catalog.resolve_institution(args.institution)
    batch = store.add_batch(result.values, institution=institution, actor=command_line_actor(),
                            filename=Path(args.file).name, checksum=checksum(data))
    say(f"Guardado el lote {batch}: {len(result.values)} valores de {institution}.",
        f"Stored batch {batch}: {len(result.values)} values from {institution}.")
    return OK


def _format_table(frame, columns) -> str:
    shown = frame[columns].copy()
    for col in ("need", "supply", "unmet"):
        shown[col] = shown[col].map(lambda v: v if isinstance(v, str) else ("" if v != v else f"{v:,.0f}"))
    shown["coverage"] = shown["coverage"].map(lambda v: v if isinstance(v, str) else ("" if v != v else f"{v:.0%}"))
    return shown.to_string(index=False)


def cmd_gaps(args, catalog, territory) -> int:
    store = Store.open(args.db)
    # a named period reads only its months (and the carry-forward window before them)
    period = parse_period(args.period) if args.period else None
    snapshot = model.take_snapshot_for(store, catalog, territory, [period], as_of=args.as_of) if period else None
    if snapshot is None:
        snapshot = model.take_snapshot(store, catalog, territory, as_of=args.as_of)
    if snapshot.empty:
        raise CliError(both("La base no tiene datos (pruebe `python -m gapsmodel demo`).",
                            "The store has no data (try `python -m gapsmodel demo`)."), PROBLEMS)
    period = period or parse_period(model.latest_complete_month(snapshot, catalog))
    table = model.gap_table(snapshot, catalog, territory, [period], public=args.public)
    table["period"] = period.code
    order = {"region": 0, "province": 1, "district": 2}
    table = table.assign(_o=table["level"].map(order)).sort_values(["gap_code", "_o", "ubigeo"]).drop(columns="_o")
    out = table[CSV_COLUMNS].copy()
    out["coverage"] = out["coverage"].round(4)
    if args.public:
        out = _mark_suppressed(out, table, catalog)
    if args.format == "csv":
        out.to_csv(sys.stdout, index=False, lineterminator="\n")
    elif args.format == "json":
        print(json.dumps(json.loads(out.to_json(orient="records")), ensure_ascii=False, indent=1))
    else:
        print(_format_table(out, CSV_COLUMNS))
    return OK


def _mark_suppressed(out, table, catalog):
    """Published counts as a visitor reads them: '<5', a rounded figure or a range '15-19' (ASCII hyphen,
    for scripts); coverage reads 'reservado' where it cannot be computed from published figures."""
    from ..rules.publication import count_text
    out = out.astype({c: object for c in ("need", "supply", "unmet", "coverage")})
    rows = table.to_dict("records")
    plain = lambda x: f"{x:g}"  # noqa: E731 - numbers as CSV writes them
    for col in ("need", "supply", "unmet"):
        texts = [count_text(r, col, catalog.small_cell_threshold, plain) for r in rows]
        for position, text in enumerate(texts):
            if text is not None:
                out.iat[position, out.columns.get_loc(col)] = text.replace("–", "-")
    if "coverage_suppressed" in table:
        out.loc[table["coverage_suppressed"].fillna(False).astype(bool).to_numpy(), "coverage"] = "reservado"
    return out


def cmd_demo(args, catalog, territory) -> int:
    from ..records.demo import DemoRefused, load_demo
    store = Store.open(args.db)
    try:
        n = load_demo(store, catalog, territory, actor=command_line_actor())
    except DemoRefused as exc:
        raise CliError(str(exc), PROBLEMS) from None
    say(f"Datos de demostración cargados: {n} valores en {store.url}.",
        f"Demo data loaded: {n} values into {store.url}.")
    return OK


COMMANDS = {"validate": cmd_validate, "import": cmd_import, "gaps": cmd_gaps, "demo": cmd_demo}


def main(argv: list[str] | None = None) -> int:
    """Run one command; library warnings are not shown and errors are logged to the operator's file."""
    logger = logging.getLogger("gapsmodel")
    handler, propagate = _log_handler(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _main(argv)
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        handler.close()


def _main(argv: list[str] | None) -> int:
    modules = [importlib.import_module(name) for name in EXTRA_COMMANDS]
    with argparse_in_language():
        args = _parser(modules).parse_args(argv)
    try:
        if getattr(getattr(args, "command_module", None), "CHECKS_CATALOG", False):
            return args.command_module.run(args, Store.open(getattr(args, "db", None)))
        catalog, territory = load_catalog(), load_territory()
        if args.command in COMMANDS:
            return COMMANDS[args.command](args, catalog, territory)
        return args.command_module.run(args, Store.open(getattr(args, "db", None)), catalog)
    except BrokenPipeError:
        return OK
    except CliError as exc:
        shown(exc)
        return exc.code
    except (PeriodError, CatalogError) as exc:
        shown(exc)
        return UNREADABLE
    except (LockedPeriodError, StoreError, PermissionDenied) as exc:
        shown(exc)
        return PROBLEMS
    except Exception:  # noqa: BLE001 - a last guard: no traceback, SQL or exception text reaches the user
        log.exception("command %s failed", getattr(args, "command", "?"))
        shown(INTERNAL_ERROR.format(log=_log_file()))
        return UNREADABLE
    return OK
