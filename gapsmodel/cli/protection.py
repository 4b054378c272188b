"""The ``protection`` command group: the disclosure audit of a deployment's own data.

    python -m gapsmodel protection audit [--db URL] [--sessions N]

Gathers every public view of the protected gaps (every month, quarter and year; every district, province
and region; as of now and of every session date, or of the latest N) and checks that no combination of
them narrows a protected count beyond its own published interval (:mod:`gapsmodel.model.disclosure`).
Exit codes: 0 nothing narrowed and every public figure follows from published ones; 1 findings (each on
its own line).
"""
from __future__ import annotations

import re
import sys

from ..model.disclosure import audit
from ..records.store import Store
from ..rules.territory import load_territory
from .speech import db_help, h, lang, say

OK, PROBLEMS = 0, 1
# the model writes a finding's detail in English only (it is a diagnostic); the terminal's Spanish reads these
SPANISH_DETAILS = [
    (re.compile(r"^shown (.+), not a published figure$"), "se muestra {0}, que no es una cifra publicada"),
    (re.compile(r"^shown (.+), published arithmetic gives (.+)$"), "se muestra {0}; la aritmética publicada da {1}"),
    (re.compile(r"^shown (.+), published figures give (.+)$"), "se muestra {0}; las cifras publicadas dan {1}"),
    (re.compile(r"^feasible (.+), published interval (.+)$"), "posible {0}, intervalo publicado {1}"),
]


def _detail(text: str) -> str:
    if lang() == "en":
        return text
    for pattern, spanish in SPANISH_DETAILS:
        found = pattern.match(text)
        if found:
            return spanish.format(*found.groups())
    return text


def add_parser(subparsers) -> None:
    group = subparsers.add_parser("protection", help=h("Auditoría de la vista pública", "Audit of the public view"))
    sub = group.add_subparsers(dest="protection_command", required=True, metavar="{audit}")
    p = sub.add_parser("audit", help=h("¿Se puede estrechar alguna cifra protegida?",
                                       "Can a protected count be narrowed?"))
    p.add_argument("--db", help=db_help())
    p.add_argument("--sessions", type=int, default=None,
                   help=h("solo las fechas de las N sesiones más recientes (por defecto: todas)",
                          "only the latest N session dates (default: all)"))


def run(args, store: Store, catalog) -> int:
    result = audit(store, catalog, load_territory(), sessions=args.sessions)
    moments, rows, cells = len(result.moments), result.figures, result.cells
    names = ", ".join(h("ahora", "now") if m == "now" else m for m in result.moments)   # "now" or a session date
    say(f"Auditoría de divulgación: {moments} momento(s) ({names}), {rows} filas públicas, "
        f"{cells} cifras protegidas.",
        f"Disclosure audit: {moments} moment(s) ({names}), {rows} public rows, {cells} protected counts.")
    for finding in result.findings:
        where = f"{finding.where}: {_detail(finding.detail)}"
        say(f"- no se deriva de cifras publicadas: {where}", f"- not derived from published figures: {where}")
    for finding in result.narrowed:
        where = f"{finding.where}: {_detail(finding.detail)}"
        say(f"- cifra estrechada: {where}", f"- count narrowed: {where}")
    if result.passed:
        say("Ninguna cifra protegida se puede estrechar más allá de su intervalo publicado.",
            "No protected count can be narrowed beyond its published interval.")
        return OK
    n = len(result.findings) + len(result.narrowed)
    say(f"{n} hallazgo(s).", f"{n} finding(s).", file=sys.stderr)
    return PROBLEMS
