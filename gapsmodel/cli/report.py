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
from .speech import db_help, h, say, shown

OK, PROBLEMS, UNREADABLE = 0, 1, 2
FORMATS = ("html", "pptx", "pdf")


def add_parser(sub) -> None:
    p = sub.add_parser("report", help=h("Informe HTML o PowerPoint de una sesión",
                                        "HTML or PowerPoint report of a session"))
    p.add_argument("--session", required=True, help=h("fecha de la sesión AAAA-MM-DD", "session date YYYY-MM-DD"))
    p.add_argument("--format", choices=list(FORMATS), default="html",
                   help=h("html (informe, por defecto), pptx (diapositivas con gráficos editables) o pdf (las mismas "
                          "diapositivas, con LibreOffice)",
                          "html (report, default), pptx (slides with editable charts) or pdf (the same slides, "
                          "via LibreOffice)"))
    p.add_argument("-o", "--output", help=h("archivo de salida (por defecto sesion_FECHA.html|.pptx|.pdf)",
                                            "output file (default sesion_DATE.html|.pptx|.pdf)"))
    p.add_argument("--lang", choices=["es", "en"], default="es",
                   help=h("idioma del informe (por defecto es)", "language of the report (default es)"))
    p.add_argument("--db", help=db_help())
    p.add_argument("--exact", action="store_true",
                   help=h("cifras exactas, sin supresión de celdas pequeñas (uso interno)",
                          "exact figures, without small-cell suppression (internal use)"))

    p = sub.add_parser("approve", help=h("Aprueba y cierra un mes", "Approve and lock a month"))
    p.add_argument("month", help=h("AAAA-MM", "YYYY-MM"))
    p.add_argument("--db", help=db_help())

    p = sub.add_parser("reopen", help=h("Reabre un mes aprobado", "Reopen an approved month"))
    p.add_argument("month", help=h("AAAA-MM", "YYYY-MM"))
    p.add_argument("--reason", required=True, help=h("motivo (obligatorio)", "reason (required)"))
    p.add_argument("--db", help=db_help())


def _report(args, store, catalog) -> int:
    try:
        day = date.fromisoformat(args.session.strip())
    except ValueError:
        say(f"Fecha no válida: '{args.session}'. Use AAAA-MM-DD.", f"Invalid date: '{args.session}'. Use YYYY-MM-DD.",
            file=sys.stderr)
        return UNREADABLE
    out = Path(args.output) if args.output else Path(f"sesion_{day.isoformat()}.{args.format}")
    if out.is_dir() or not out.parent.is_dir():
        say(f"No se puede escribir '{out}': la carpeta no existe o es una carpeta.",
            f"Cannot write '{out}': the folder does not exist, or it is a folder.", file=sys.stderr)
        return UNREADABLE
    # imported here: the deck's libraries cost a command that does not make a report a few tenths of a second
    from ..views.deck import PdfUnavailable, build_pdf, build_pptx
    from ..views.presentation import UnknownSession
    from ..views.report import build_report
    build = {"html": build_report, "pptx": build_pptx, "pdf": build_pdf}[args.format]
    try:
        content = build(store, catalog, load_territory(), day, lang=args.lang, public=not args.exact)
    except UnknownSession as exc:
        shown(exc)
        return UNREADABLE
    except PdfUnavailable:
        say("No se pudo crear el PDF: hace falta LibreOffice (Debian: apt-get install libreoffice-impress-nogui). "
            "Use --format pptx.",
            "Could not make the PDF: LibreOffice is needed (Debian: apt-get install libreoffice-impress-nogui). "
            "Use --format pptx.", file=sys.stderr)
        return UNREADABLE
    if isinstance(content, str):
        content = content.encode("utf-8")
    try:
        out.write_bytes(content)
    except OSError as exc:
        reason = exc.strerror or exc
        say(f"No se pudo escribir '{out}': {reason}.", f"Could not write '{out}': {reason}.", file=sys.stderr)
        return UNREADABLE
    size = len(content) // 1024
    if args.exact:
        say(f"Informe (exacto) escrito en {out} ({size} KB).", f"Report (exact) written to {out} ({size} KB).")
    else:
        say(f"Informe (público) escrito en {out} ({size} KB).", f"Report (public) written to {out} ({size} KB).")
    return OK


def run(args, store, catalog) -> int:
    if args.command == "report":
        return _report(args, store, catalog)
    try:
        if args.command == "approve":
            approve_month(store, args.month, command_line_actor(), catalog=catalog)
            say(f"Mes {args.month} aprobado y cerrado.", f"Month {args.month} approved and locked.")
        else:
            reopen_month(store, args.month, command_line_actor(), args.reason)
            say(f"Mes {args.month} reabierto.", f"Month {args.month} reopened.")
    except ApprovalError as exc:
        shown(exc)
        return PROBLEMS
    return OK
