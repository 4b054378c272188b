"""The command line speaks one language at a time, like the app: the terminal's (``GAPSMODEL_LANG``; ``en``
gives English, anything else Spanish).

Messages of the model (exceptions, upload problems) are "castellano / English" pairs (:func:`gapsmodel.i18n.both`);
:func:`said` and :func:`shown` print the terminal's side of each line. The language is read on every call,
not at import, so a test (or a script) that sets the variable afterwards is obeyed.
"""
from __future__ import annotations

import sys

from ..i18n import one_language
from ..records.startup import terminal_language
from ..rules.catalog import CatalogError


def lang() -> str:
    return terminal_language()


def h(spanish: str, english: str) -> str:
    """The terminal's side of a text written here in both languages (help texts, printed lines)."""
    return english if lang() == "en" else spanish


def say(spanish: str, english: str, *, file=None) -> None:
    print(h(spanish, english), file=file)


def plain(message: object, *, sep: str = "\n") -> str:
    """A model message in the terminal's language, line by line ("- " list marks kept); ``sep`` joins the
    lines (a space keeps a refusal on one line)."""
    chosen = lang()
    lines = []
    for line in str(message).split("\n"):
        mark = "- " if line.startswith("- ") else ""
        lines.append(mark + one_language(line[len(mark):], chosen))
    return sep.join(lines)


def said(message: object, *, file=None, sep: str = "\n") -> None:
    print(plain(message, sep=sep), file=file)


def catalog_problems(exc: CatalogError, head_es: str, head_en: str) -> str:
    """A broken catalog: a heading, then one problem a line (each problem is a whole ``both`` pair)."""
    chosen = lang()
    return "\n".join([h(head_es, head_en)] + [f"- {one_language(p, chosen)}" for p in exc.problems])


def shown(exc: BaseException, *, file=None, sep: str = "\n") -> None:
    """An exception of the model printed in the terminal's language, on stderr unless told."""
    file = file or sys.stderr     # looked up now: a test may have replaced it
    if isinstance(exc, CatalogError):
        n = len(exc.problems)
        text = catalog_problems(exc, f"Catálogo inválido, {n} problema(s):", f"Invalid catalog, {n} problem(s):")
        print(text.replace("\n", sep), file=file)
        return
    said(exc, file=file, sep=sep)


def db_help() -> str:
    return h("URL de SQLAlchemy (por defecto: $GAPSMODEL_DATABASE_URL, si no data/gapsmodel.db)",
             "SQLAlchemy URL (default: $GAPSMODEL_DATABASE_URL, then data/gapsmodel.db)")


def format_help() -> str:
    return h("table (para leer) o csv (para hojas de cálculo)", "table (to read) or csv (for spreadsheets)")


# argparse writes a few words of its own through gettext; with no Spanish catalog installed they would stay
# English on a Spanish terminal, so they are translated here while the command line parses.
_ARGPARSE_ES = {
    "usage: ": "uso: ",
    "options": "opciones",
    "positional arguments": "argumentos posicionales",
    "show this help message and exit": "muestra esta ayuda y sale",
    "the following arguments are required: %s": "faltan argumentos obligatorios: %s",
    "unrecognized arguments: %s": "argumentos no reconocidos: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "opción no válida: %(value)r (elija entre %(choices)s)",
    "argument %(argument_name)s: %(message)s": "argumento %(argument_name)s: %(message)s",
    "expected one argument": "falta su valor",
    "expected at least one argument": "se esperaba al menos un valor",
    "expected at most one argument": "se esperaba como mucho un valor",
    "ambiguous option: %(option)s could match %(matches)s": "opción ambigua: %(option)s puede ser %(matches)s",
    "not allowed with argument %s": "no se permite junto con el argumento %s",
    "one of the arguments %s is required": "hace falta uno de los argumentos %s",
    "invalid %(type)s value: %(value)r": "valor no válido (%(type)s): %(value)r",
    "can't open '%(filename)s': %(error)s": "no se puede abrir '%(filename)s': %(error)s",
    "ignored explicit argument %r": "argumento explícito ignorado: %r",
}


def _argparse_words(message: str) -> str:
    return _ARGPARSE_ES.get(message, message) if lang() != "en" else message


def _argparse_plural(singular: str, plural: str, n: int) -> str:
    if lang() == "en" or not singular.startswith("expected"):
        return singular if n == 1 else plural
    return "se esperaba %s valor" if n == 1 else "se esperaban %s valores"


class argparse_in_language:
    """``with argparse_in_language():`` argparse's own words (usage, options, errors) in the terminal's
    language; restored afterwards, so nothing else in the process (pytest, for one) is touched."""

    def __enter__(self):
        import argparse
        self._saved = argparse._, argparse.ngettext
        argparse._, argparse.ngettext = _argparse_words, _argparse_plural
        return self

    def __exit__(self, *exc):
        import argparse
        argparse._, argparse.ngettext = self._saved
        return False
