"""Command line for notes on the figures (:mod:`gapsmodel.records.notes`).

    python -m gapsmodel notes add --gap CODE --place UBIGEO --from YYYY-MM [--to YYYY-MM] --text TEXT [--public]
    python -m gapsmodel notes list [--public] [--withdrawn] [--format table|csv]
    python -m gapsmodel notes edit ID [--text TEXT] [--from YYYY-MM] [--to YYYY-MM] [--public | --members]
    python -m gapsmodel notes withdraw ID
    python -m gapsmodel notes history ID [--format table|csv]

A note is for members only unless ``--public``. Every command takes ``--db URL``; the terminal acts as an
administrator named after the operating-system user. Exit codes: 0 done; 1 refused (unknown note, empty or
too long text, months out of order); 2 an unknown gap or place.
"""
from __future__ import annotations

import sys

from ..records import notes as records
from ..rules.territory import load_territory
from ..i18n import both
from .speech import db_help, format_help, h, say, shown
from .users import command_line_actor

OK, REFUSED, UNREADABLE = 0, 1, 2
LIST_COLUMNS = ["id", "gap_code", "ubigeo", "start_month", "end_month", "public", "author", "created_at", "text"]


def add_parser(subparsers) -> None:
    group = subparsers.add_parser("notes", help=h("Notas sobre las cifras", "Notes on the figures"))
    sub = group.add_subparsers(dest="notes_command", required=True, metavar="{add,list,edit,withdraw,history}")
    p = sub.add_parser("add", help=h("Escribe una nota", "Write a note"))
    p.add_argument("--gap", required=True, help=h("código de la brecha", "gap code"))
    p.add_argument("--place", required=True, help=h("ubigeo (distrito, provincia o región)",
                                                    "ubigeo (district, province or region)"))
    p.add_argument("--from", dest="start", required=True, help=h("primer mes AAAA-MM", "first month YYYY-MM"))
    p.add_argument("--to", dest="end", help=h("último mes (por defecto el primero)",
                                              "last month (default: the first)"))
    p.add_argument("--text", required=True, help=h(f"texto (máx. {records.MAX_NOTE_CHARS} caracteres)",
                                                   f"text (at most {records.MAX_NOTE_CHARS} characters)"))
    p.add_argument("--public", action="store_true", help=h("visible para el público", "shown to visitors"))
    p.add_argument("--db", help=db_help())
    p = sub.add_parser("list", help=h("Lista las notas", "List the notes"))
    p.add_argument("--public", action="store_true", help=h("solo las públicas", "public ones only"))
    p.add_argument("--withdrawn", action="store_true", help=h("también las retiradas", "withdrawn ones too"))
    p.add_argument("--format", choices=["table", "csv"], default="table", help=format_help())
    p.add_argument("--db", help=db_help())
    p = sub.add_parser("edit", help=h("Corrige una nota", "Edit a note"))
    p.add_argument("id", type=int)
    p.add_argument("--text")
    p.add_argument("--from", dest="start")
    p.add_argument("--to", dest="end")
    audience = p.add_mutually_exclusive_group()
    audience.add_argument("--public", dest="public", action="store_true", default=None)
    audience.add_argument("--members", dest="public", action="store_false")
    p.add_argument("--db", help=db_help())
    p = sub.add_parser("withdraw", help=h("Retira una nota (queda en el historial)",
                                          "Withdraw a note (it stays in the history)"))
    p.add_argument("id", type=int)
    p.add_argument("--db", help=db_help())
    p = sub.add_parser("history", help=h("Historial de una nota", "A note's history"))
    p.add_argument("id", type=int)
    p.add_argument("--format", choices=["table", "csv"], default="table", help=format_help())
    p.add_argument("--db", help=db_help())


def _print(frame, fmt: str) -> None:
    if fmt == "csv":
        from ..views.exports import neutralise_frame
        neutralise_frame(frame).to_csv(sys.stdout, index=False, lineterminator="\n")
    elif frame.empty:
        say("Sin notas.", "No notes.")
    else:
        print(frame.to_string(index=False, max_colwidth=70))


def run(args, store, catalog) -> int:
    actor = command_line_actor()
    command = args.notes_command
    try:
        if command == "add":
            if args.gap not in catalog.gaps.index:
                say(f"Brecha desconocida '{args.gap}'.", f"Unknown gap '{args.gap}'.", file=sys.stderr)
                return UNREADABLE
            territory = load_territory()
            if territory.level_of(args.place.strip()) is None:
                say(f"Lugar desconocido '{args.place}'.", f"Unknown place (ubigeo) '{args.place}'.", file=sys.stderr)
                return UNREADABLE
            note_id = records.add_note(store, args.gap, args.place.strip(), args.start, args.text, end=args.end,
                                       public=args.public, actor=actor)
            if args.public:
                say(f"Nota {note_id} (pública) guardada.", f"Note {note_id} (public) saved.")
            else:
                say(f"Nota {note_id} (solo miembros) guardada.", f"Note {note_id} (members only) saved.")
        elif command == "list":
            frame = records.notes_frame(store, public_only=args.public, include_withdrawn=args.withdrawn)
            columns = LIST_COLUMNS + (["withdrawn"] if args.withdrawn else [])
            _print(frame[columns], args.format)
        elif command == "edit":
            records.update_note(store, args.id, text=args.text, start=args.start, end=args.end, public=args.public,
                                actor=actor)
            say(f"Nota {args.id} actualizada.", f"Note {args.id} updated.")
        elif command == "withdraw":
            records.withdraw_note(store, args.id, actor=actor)
            say(f"Nota {args.id} retirada (queda en el historial).",
                f"Note {args.id} withdrawn (kept in its history).")
        else:
            history = records.note_history(store, args.id)
            if history.empty:
                raise records.NoteError(both(f"No existe la nota {args.id}.", f"There is no note {args.id}."))
            _print(history.drop(columns=["id", "note_id"]), args.format)
    except records.NoteError as exc:
        shown(exc)
        return REFUSED
    return OK
