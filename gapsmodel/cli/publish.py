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
from .speech import db_help, h, say

OK, UNREADABLE = 0, 2


def add_parser(sub) -> None:
    p = sub.add_parser("publish", help=h("Datos abiertos (CSV + HXL + datapackage.json)",
                                         "Open data (CSV + HXL + datapackage.json)"))
    p.add_argument("--period", required=True, help=h("2024-05, 2024-Q2 o 2024", "2024-05, 2024-Q2 or 2024"))
    p.add_argument("-o", "--output", required=True, help=h("carpeta de salida", "output folder"))
    p.add_argument("--db", help=db_help())


def run(args, store, catalog) -> int:
    from ..views import opendata  # here, not at the top: its spreadsheet writer costs every other command
    try:
        period = parse_period(args.period.strip())
    except PeriodError:
        say(f"Periodo no válido: '{args.period}'. Use AAAA-MM, AAAA-Qn o AAAA.",
            f"Invalid period: '{args.period}'. Use YYYY-MM, YYYY-Qn or YYYY.", file=sys.stderr)
        return UNREADABLE
    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        say(f"'{folder}' no es una carpeta.", f"'{folder}' is not a folder.", file=sys.stderr)
        return UNREADABLE
    territory = load_territory()
    snapshot = model.take_snapshot(store, catalog, territory)
    try:
        content = opendata.files(snapshot, catalog, territory, period, utcnow())
    except opendata.NoData:
        say(f"No hay datos para {period.code}.", f"No data for {period.code}.", file=sys.stderr)
        return UNREADABLE
    try:
        opendata.write_folder(folder, content)
    except OSError as exc:
        reason = exc.strerror or exc      # the system's own words, as it gives them
        say(f"No se pudo escribir en '{folder}': {reason}.", f"Could not write to '{folder}': {reason}.",
            file=sys.stderr)
        return UNREADABLE
    names = ", ".join(content)
    say(f"Datos abiertos de {period.code} (cifras públicas) escritos en {folder}: {names}.",
        f"Open data for {period.code} (public figures) written to {folder}: {names}.")
    return OK
