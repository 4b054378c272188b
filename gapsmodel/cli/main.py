"""Command line: everything the pages do with data, for scripts and batch loads (DOMAIN.md §9).

Exit codes: 0 success (warnings allowed); 1 the file was read but has problems; 2 the file could not be
read as a table at all, or the arguments are wrong. Bad input never prints a Python traceback.
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
from .users import command_line_actor

OK, PROBLEMS, UNREADABLE = 0, 1, 2
log = logging.getLogger("gapsmodel.cli")
LOG_ENV_VAR = "GAPSMODEL_LOG_FILE"
INTERNAL_ERROR = ("Error interno: no se completó la orden; el detalle quedó en el registro del operador ({log}). "
                  "/ Internal error: the command did not complete; the details were logged for the operator.")


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
    parser = argparse.ArgumentParser(
        prog="python -m gapsmodel",
        description="Brechas de acceso a servicios, Tumbes / Service-access gaps, Tumbes.")
    sub = parser.add_subparsers(dest="command", required=True)
    db_help = "URL de SQLAlchemy / SQLAlchemy URL (default: $GAPSMODEL_DATABASE_URL, then data/gapsmodel.db)"

    p = sub.add_parser("validate", help="Revisa un archivo sin guardarlo / check a file without storing it")
    p.add_argument("file")
    p.add_argument("--institution", help="código de la institución / institution code")
    p.add_argument("--db", help=db_help)

    p = sub.add_parser("import", help="Valida y guarda un archivo / validate and store a file")
    p.add_argument("file")
    p.add_argument("--institution", required=True, help="código de la institución / institution code")
    p.add_argument("--db", help=db_help)

    p = sub.add_parser("gaps", help="Imprime las brechas / print the gaps")
    p.add_argument("--db", help=db_help)
    p.add_argument("--period", help="2022-05, 2022-Q2 o/or 2022 (default: último mes completo / latest complete month)")
    p.add_argument("--as-of", dest="as_of", help="AAAA-MM-DD: cifras como se conocían ese día / figures as known that day")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--public", action="store_true",
                   help="aplica la supresión de celdas pequeñas de las vistas públicas / apply public small-cell suppression")

    p = sub.add_parser("demo", help="Carga los datos de demostración / load the demo data")
    p.add_argument("--db", help=db_help)
    p.add_argument("--force", action="store_true",
                   help="sin efecto: la demostración solo entra en una base totalmente vacía / no effect: the demo "
                        "only loads into an entirely empty store")
    for module in extra_modules:
        before = set(sub.choices)
        module.add_parser(sub)
        for name in set(sub.choices) - before:
            sub.choices[name].set_defaults(command_module=module)
    return parser


def _read_file(path: str) -> bytes:
    file = Path(path)
    if not file.is_file():
        raise CliError(f"No se encuentra el archivo '{path}'. / File not found.", UNREADABLE)
    return file.read_bytes()


def _check(args, catalog, territory, store: Store | None):
    from ..ingest import UnreadableFile, read_upload
    data = _read_file(args.file)
    institution = None
    if args.institution:
        institution = catalog.resolve_institution(args.institution)
        if institution is None:
            raise CliError(f"Institución desconocida: '{args.institution}'. Códigos: "
                           f"{', '.join(catalog.institutions.index)}. / Unknown institution.", UNREADABLE)
    locked = store.locked_months() if store else set()
    # only the history the checks need (the file's keys and months), not the whole store
    history = (lambda scope: store.values(within=scope)) if store else None
    try:
        result = read_upload(data, Path(args.file).name, catalog, territory, institution=institution,
                             locked_months=locked, history=history)
    except UnreadableFile as exc:
        raise CliError(str(exc), UNREADABLE) from None
    for problem in result.problems:
        where = f"fila {problem.row}" if problem.row else "archivo"
        column = f", columna '{problem.column}'" if problem.column else ""
        value = f", valor '{problem.value}'" if problem.value else ""
        label = "ERROR" if problem.level == "error" else "AVISO"
        print(f"{label} {where}{column}{value}: {problem.message}")
    return data, result


def cmd_validate(args, catalog, territory) -> int:
    store = Store.open(args.db)
    _, result = _check(args, catalog, territory, store)
    if not result.ok:
        print(f"Archivo con {len(result.errors)} problema(s); no se guardó nada. / "
              f"{len(result.errors)} problem(s); nothing stored.", file=sys.stderr)
        return PROBLEMS
    print(f"Archivo válido: {len(result.values)} valores. / Valid file: {len(result.values)} values.")
    return OK


def cmd_import(args, catalog, territory) -> int:
    store = Store.open(args.db)
    data, result = _check(args, catalog, territory, store)
    if not result.ok:
        print(f"Archivo rechazado con {len(result.errors)} problema(s); no se guardó nada. / "
              f"File refused; nothing stored.", file=sys.stderr)
        return PROBLEMS
    institution = result.institution or catalog.resolve_institution(args.institution)
    batch = store.add_batch(result.values, institution=institution, actor=command_line_actor(),
                            filename=Path(args.file).name, checksum=checksum(data))
    print(f"Guardado el lote {batch}: {len(result.values)} valores de {institution}. / "
          f"Stored batch {batch}: {len(result.values)} values.")
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
        raise CliError("La base no tiene datos (pruebe `python -m gapsmodel demo`). / The store has no data.", PROBLEMS)
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
    print(f"Datos de demostración cargados: {n} valores en {store.url}. / Demo data loaded.")
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
    parser = _parser(modules)
    args = parser.parse_args(argv)
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
        print(exc, file=sys.stderr)
        return exc.code
    except (PeriodError, CatalogError) as exc:
        print(exc, file=sys.stderr)
        return UNREADABLE
    except (LockedPeriodError, StoreError, PermissionDenied) as exc:
        print(exc, file=sys.stderr)
        return PROBLEMS
    except Exception:  # noqa: BLE001 - a last guard: no traceback, SQL or exception text reaches the user
        log.exception("command %s failed", getattr(args, "command", "?"))
        print(INTERNAL_ERROR.format(log=_log_file()), file=sys.stderr)
        return UNREADABLE
    return OK
