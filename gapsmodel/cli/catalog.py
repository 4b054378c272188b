"""The ``catalog`` command group: check the catalog files, and replace one table the way the page does.

    python -m gapsmodel catalog check [--dir DIR]
    python -m gapsmodel catalog replace TABLE FILE.csv [--dir DIR] [--db URL]

``check`` lists every problem of a catalog folder (default ``$GAPSMODEL_CATALOG_DIR``, else
``data/catalog``): the way to try the files of another region before using them. ``replace`` checks the
whole catalog with the new table, keeps the old file under ``.history/`` and records the change in the audit
log (:mod:`gapsmodel.records.catalog_edit`). Exit codes: 0 done; 1 problems (each on its own line, nothing
written); 2 a file that cannot be read.
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..rules.catalog import CatalogError, catalog_dir, load_catalog
from ..records.catalog_edit import TABLE_KEYS, read_table_file, replace_table
from .users import command_line_actor
from ..records.permissions import PermissionDenied
from ..records.store import Store
from .speech import catalog_problems, db_help, h, plain, say, shown

OK, PROBLEMS, UNREADABLE = 0, 1, 2
CHECKS_CATALOG = True   # runs before the CLI loads the catalog: it must work when the catalog is broken


def add_parser(subparsers) -> None:
    dir_help = h("carpeta del catálogo (por defecto: $GAPSMODEL_CATALOG_DIR, si no data/catalog)",
                 "catalog folder (default: $GAPSMODEL_CATALOG_DIR, then data/catalog)")
    group = subparsers.add_parser("catalog", help=h("Revisa o cambia el catálogo", "Check or change the catalog"))
    sub = group.add_subparsers(dest="catalog_command", required=True, metavar="{check,replace}")
    p = sub.add_parser("check", help=h("Revisa los archivos del catálogo", "Check the catalog files"))
    p.add_argument("--dir", help=dir_help)
    p.add_argument("--db", help=db_help())
    p = sub.add_parser("replace", help=h("Reemplaza una tabla del catálogo", "Replace one catalog table"))
    p.add_argument("table", choices=list(TABLE_KEYS), help=h("tabla", "table"))
    p.add_argument("file", help=h("archivo CSV con las mismas columnas", "CSV file with the same columns"))
    p.add_argument("--dir", help=dir_help)
    p.add_argument("--db", help=db_help())


def _problems(exc: CatalogError, replacing: bool) -> int:
    n = len(exc.problems)
    if replacing:
        text = catalog_problems(exc, f"{n} problema(s), no se cambió nada:", f"{n} problem(s), nothing changed:")
    else:
        text = catalog_problems(exc, f"{n} problema(s) en el catálogo:", f"{n} problem(s) in the catalog:")
    print(text, file=sys.stderr)
    return PROBLEMS


def run(args, store: Store) -> int:
    directory = Path(args.dir) if args.dir else catalog_dir()
    if not directory.is_dir():
        say(f"No existe la carpeta '{directory}'.", f"No such folder: '{directory}'.", file=sys.stderr)
        return UNREADABLE
    try:
        if args.catalog_command == "check":
            checked = load_catalog(directory)
            counts = (len(checked.sectors), len(checked.indicators), len(checked.gaps), len(checked.institutions))
            say("Catálogo correcto: {} sectores, {} indicadores, {} brechas, {} instituciones ({}).".format(
                *counts, directory),
                "Catalog OK: {} sectors, {} indicators, {} gaps, {} institutions ({}).".format(*counts, directory))
            return OK
        file = Path(args.file)
        if not file.is_file():
            say(f"No se encuentra el archivo '{file}'.", f"File not found: '{file}'.", file=sys.stderr)
            return UNREADABLE
        change = replace_table(store, args.table, read_table_file(file.read_bytes()),
                               actor=command_line_actor(), directory=directory)
    except CatalogError as exc:
        return _problems(exc, replacing=args.catalog_command == "replace")
    except PermissionDenied as exc:
        shown(exc)
        return PROBLEMS
    if change.empty:
        say("Sin cambios: la tabla ya era así.", "No changes: the table was already like that.")
    else:
        say(f"Guardado: {plain(change.summary())}.", f"Saved: {plain(change.summary())}.")
    return OK
