"""The ``publish`` command: the open data of a period written to a folder.

    python -m gapsmodel publish --period 2024 -o DIR [--db URL]

Writes ``brechas.csv``, ``brechas_mensuales.csv``, ``cifras_mensuales.csv``, ``valores.csv`` (Spanish
header, HXL hashtag row) and ``datapackage.json`` (:mod:`gapsmodel.views.opendata`): public figures only,
from the same publication step as the public pages. Exit codes: 0 written; 2 an invalid period, a period
without data, or a folder that cannot be written.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .. import model
from ..records.store import utcnow
from ..rules.periods import PeriodError, parse_period
from ..rules.territory import load_territory

OK, UNREADABLE = 0, 2
DB_HELP = "URL de SQLAlchemy / SQLAlchemy URL (default: $GAPSMODEL_DATABASE_URL, then data/gapsmodel.db)"


def add_parser(sub) -> None:
    p = sub.add_parser("publish", help="Datos abiertos (CSV + HXL + datapackage.json) / open data")
    p.add_argument("--period", required=True, help="2024-05, 2024-Q2 o/or 2024")
    p.add_argument("-o", "--output", required=True, help="carpeta de salida / output folder")
    p.add_argument("--db", help=DB_HELP)


def run(args, store, catalog) -> int:
    from ..views import opendata  # here, not at the top: its spreadsheet writer costs every other command
    try:
        period = parse_period(args.period.strip())
    except PeriodError:
        print(f"Periodo no válido: '{args.period}'. Use AAAA-MM, AAAA-Qn o AAAA. / "
              f"Invalid period: use YYYY-MM, YYYY-Qn or YYYY.", file=sys.stderr)
        return UNREADABLE
    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        print(f"'{folder}' no es una carpeta. / The output is not a folder.", file=sys.stderr)
        return UNREADABLE
    territory = load_territory()
    snapshot = model.take_snapshot(store, catalog, territory)
    try:
        content = opendata.files(snapshot, catalog, territory, period, utcnow())
    except opendata.NoData:
        print(f"No hay datos para {period.code}. / No data for that period.", file=sys.stderr)
        return UNREADABLE
    try:
        opendata.write_folder(folder, content)
    except OSError as exc:
        print(f"No se pudo escribir en '{folder}': {exc.strerror or exc}. / Could not write the folder.",
              file=sys.stderr)
        return UNREADABLE
    print(f"Datos abiertos de {period.code} (cifras públicas) escritos en {folder}: {', '.join(content)}. / "
          f"Open data (public figures) written.")
    return OK
