"""The ``protection`` command group: the disclosure audit of a deployment's own data.

    python -m gapsmodel protection audit [--db URL] [--sessions N]

Gathers every public view of the protected gaps (every month, quarter and year; every district, province
and region; as of now and of every session date, or of the latest N) and checks that no combination of
them narrows a protected count beyond its own published interval (:mod:`gapsmodel.model.disclosure`).
Exit codes: 0 nothing narrowed and every public figure follows from published ones; 1 findings (each on
its own line).
"""
from __future__ import annotations

import sys

from ..model.disclosure import audit
from ..records.store import Store
from ..rules.territory import load_territory

OK, PROBLEMS = 0, 1
DB_HELP = "URL de SQLAlchemy / SQLAlchemy URL (default: $GAPSMODEL_DATABASE_URL, then data/gapsmodel.db)"


def add_parser(subparsers) -> None:
    group = subparsers.add_parser("protection", help="Auditoría de la vista pública / audit of the public view")
    sub = group.add_subparsers(dest="protection_command", required=True, metavar="{audit}")
    p = sub.add_parser("audit", help="¿Se puede estrechar alguna cifra protegida? / can a protected count be narrowed?")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--sessions", type=int, default=None,
                   help="solo las N sesiones más recientes / only the latest N session dates (default: all)")


def run(args, store: Store, catalog) -> int:
    result = audit(store, catalog, load_territory(), sessions=args.sessions)
    print(f"Auditoría de divulgación / disclosure audit: {len(result.moments)} momento(s) / moment(s) "
          f"({', '.join(result.moments)}), {result.figures} filas públicas / public rows, "
          f"{result.cells} cifras protegidas / protected counts.")
    for finding in result.findings:
        print(f"- no se deriva de cifras publicadas / not derived from published figures: "
              f"{finding.where}: {finding.detail}")
    for finding in result.narrowed:
        print(f"- cifra estrechada / count narrowed: {finding.where}: {finding.detail}")
    if result.passed:
        print("Ninguna cifra protegida se puede estrechar más allá de su intervalo publicado. / "
              "No protected count can be narrowed beyond its published interval.")
        return OK
    print(f"{len(result.findings) + len(result.narrowed)} hallazgo(s) / finding(s).", file=sys.stderr)
    return PROBLEMS
