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

OK, PROBLEMS, UNREADABLE = 0, 1, 2
CHECKS_CATALOG = True   # runs before the CLI loads the catalog: it must work when the catalog is broken
DB_HELP = "URL de SQLAlchemy / SQLAlchemy URL (default: $GAPSMODEL_DATABASE_URL, then data/gapsmodel.db)"
DIR_HELP = "carpeta del catálogo / catalog folder (default: $GAPSMODEL_CATALOG_DIR, then data/catalog)"


def add_parser(subparsers) -> None:
    group = subparsers.add_parser("catalog", help="Revisa o cambia el catálogo / check or change the catalog")
    sub = group.add_subparsers(dest="catalog_command", required=True, metavar="{check,replace}")
    p = sub.add_parser("check", help="Revisa los archivos del catálogo / check the catalog files")
    p.add_argument("--dir", help=DIR_HELP)
    p.add_argument("--db", help=DB_HELP)
    p = sub.add_parser("replace", help="Reemplaza una tabla del catálogo / replace one catalog table")
    p.add_argument("table", choices=list(TABLE_KEYS), help="tabla / table")
    p.add_argument("file", help="archivo CSV con las mismas columnas / CSV file with the same columns")
    p.add_argument("--dir", help=DIR_HELP)
    p.add_argument("--db", help=DB_HELP)


def _problems(exc: CatalogError, replacing: bool) -> int:
    outcome = "no se cambió nada / nothing changed" if replacing else "en el catálogo / in the catalog"
    print(f"{len(exc.problems)} problema(s) / problem(s), {outcome}:", file=sys.stderr)
    for problem in exc.problems:
        print(f"- {problem}", file=sys.stderr)
    return PROBLEMS


def run(args, store: Store) -> int:
    directory = Path(args.dir) if args.dir else catalog_dir()
    if not directory.is_dir():
        print(f"No existe la carpeta '{directory}'. / No such folder.", file=sys.stderr)
        return UNREADABLE
    try:
        if args.catalog_command == "check":
            checked = load_catalog(directory)
            print(f"Catálogo correcto / catalog OK: {len(checked.sectors)} sectores, "
                  f"{len(checked.indicators)} indicadores, {len(checked.gaps)} brechas, "
                  f"{len(checked.institutions)} instituciones ({directory}).")
            return OK
        file = Path(args.file)
        if not file.is_file():
            print(f"No se encuentra el archivo '{file}'. / File not found.", file=sys.stderr)
            return UNREADABLE
        change = replace_table(store, args.table, read_table_file(file.read_bytes()),
                               actor=command_line_actor(), directory=directory)
    except CatalogError as exc:
        return _problems(exc, replacing=args.catalog_command == "replace")
    except PermissionDenied as exc:
        print(exc, file=sys.stderr)
        return PROBLEMS
    if change.empty:
        print("Sin cambios: la tabla ya era así. / No changes.")
    else:
        print(f"Guardado / saved: {change.summary()}.")
    return OK
