"""Command line for sessions: the session report and the approval of months.

    python -m gapsmodel report --session DATE [--format html|pptx|pdf] [-o FILE] [--lang es|en] [--db URL] [--exact]
    python -m gapsmodel approve MONTH [--db URL]
    python -m gapsmodel reopen MONTH --reason TEXT [--db URL]

The report is an HTML file (default) or the deck as PowerPoint with native charts (``--format pptx``,
:mod:`gapsmodel.views.deck`) or those slides as PDF (``--format pdf``, converted by LibreOffice, which must
be installed); without ``-o`` it is written to ``sesion_DATE.<format>`` in the current folder. It is public
by default (it is a file made to be shared; see :mod:`gapsmodel.views.report`); ``--exact`` gives exact
figures for internal use. Exit codes: 0 done; 2 an unknown session date (the nearest known ones are
listed), an invalid date or month, an output file that cannot be written, or a PDF without LibreOffice;
1 an approval that cannot be done (already approved, not approved, no reason).
"""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from ..records.approvals import ApprovalError, approve_month, reopen_month
from .users import command_line_actor
from ..rules.territory import load_territory

OK, PROBLEMS, UNREADABLE = 0, 1, 2
FORMATS = ("html", "pptx", "pdf")
DB_HELP = "URL de SQLAlchemy / SQLAlchemy URL (default: $GAPSMODEL_DATABASE_URL, then data/gapsmodel.db)"


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="Informe HTML o PowerPoint de una sesión / HTML or PowerPoint report of a session")
    p.add_argument("--session", required=True, help="fecha de la sesión AAAA-MM-DD / session date YYYY-MM-DD")
    p.add_argument("--format", choices=list(FORMATS), default="html",
                   help="html (informe, por defecto), pptx (diapositivas con gráficos editables) o pdf (las mismas "
                        "diapositivas, con LibreOffice) / html (report, default), pptx (slides with editable "
                        "charts) or pdf (the same slides, via LibreOffice)")
    p.add_argument("-o", "--output", help="archivo de salida (por defecto sesion_FECHA.html|.pptx|.pdf) / "
                                          "output file (default sesion_DATE.html|.pptx|.pdf)")
    p.add_argument("--lang", choices=["es", "en"], default="es")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--exact", action="store_true",
                   help="cifras exactas, sin supresión de celdas pequeñas (uso interno) / exact figures, internal use")

    p = sub.add_parser("approve", help="Aprueba y cierra un mes / approve and lock a month")
    p.add_argument("month", help="AAAA-MM / YYYY-MM")
    p.add_argument("--db", help=DB_HELP)

    p = sub.add_parser("reopen", help="Reabre un mes aprobado / reopen an approved month")
    p.add_argument("month", help="AAAA-MM / YYYY-MM")
    p.add_argument("--reason", required=True, help="motivo (obligatorio) / reason (required)")
    p.add_argument("--db", help=DB_HELP)


def _report(args, store, catalog) -> int:
    try:
        day = date.fromisoformat(args.session.strip())
    except ValueError:
        print(f"Fecha no válida: '{args.session}'. Use AAAA-MM-DD. / Invalid date: use YYYY-MM-DD.", file=sys.stderr)
        return UNREADABLE
    out = Path(args.output) if args.output else Path(f"sesion_{day.isoformat()}.{args.format}")
    if out.is_dir() or not out.parent.is_dir():
        print(f"No se puede escribir '{out}': la carpeta no existe o es una carpeta. / "
              f"Cannot write the output file: no such folder, or it is a folder.", file=sys.stderr)
        return UNREADABLE
    # imported here: the deck's libraries cost a command that does not make a report a few tenths of a second
    from ..views.deck import PdfUnavailable, build_pdf, build_pptx
    from ..views.presentation import UnknownSession
    from ..views.report import build_report
    build = {"html": build_report, "pptx": build_pptx, "pdf": build_pdf}[args.format]
    try:
        content = build(store, catalog, load_territory(), day, lang=args.lang, public=not args.exact)
    except UnknownSession as exc:
        print(exc, file=sys.stderr)
        return UNREADABLE
    except PdfUnavailable:
        print("No se pudo crear el PDF: hace falta LibreOffice (Debian: apt-get install libreoffice-impress-nogui). "
              "Use --format pptx. / Could not make the PDF: LibreOffice is needed; use --format pptx.",
              file=sys.stderr)
        return UNREADABLE
    if isinstance(content, str):
        content = content.encode("utf-8")
    try:
        out.write_bytes(content)
    except OSError as exc:
        print(f"No se pudo escribir '{out}': {exc.strerror or exc}. / Could not write the output file.",
              file=sys.stderr)
        return UNREADABLE
    kind = "exacto / exact" if args.exact else "público / public"
    print(f"Informe ({kind}) escrito en {out} ({len(content) // 1024} KB). / Report written.")
    return OK


def run(args, store, catalog) -> int:
    if args.command == "report":
        return _report(args, store, catalog)
    try:
        if args.command == "approve":
            approve_month(store, args.month, command_line_actor(), catalog=catalog)
            print(f"Mes {args.month} aprobado y cerrado. / Month approved and locked.")
        else:
            reopen_month(store, args.month, command_line_actor(), args.reason)
            print(f"Mes {args.month} reabierto. / Month reopened.")
    except ApprovalError as exc:
        print(exc, file=sys.stderr)
        return PROBLEMS
    return OK
