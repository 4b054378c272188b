"""Reading one kind of cell: months, numbers, sex, age group, places, institutions, indicators.

Numbers and the decimal mark
----------------------------
Peru writes ``1,234.5``; Spanish-locale Excel writes ``1.234,5``. The mark is decided once per file from
the value cells (spaces and a leading ``+`` ignored):

* evidence for a **decimal point**: a lone ``.`` not followed by exactly three digits (``12.5``,
  ``0.125``, ``1234.567``), commas grouping thousands before a point (``1,234.5``), or two or more comma
  groups (``1,234,567``);
* evidence for a **decimal comma**: the mirror images (``12,5``, ``1.234,5``, ``1.234.567``);
* in a ``;``-separated file a lone comma (``1,234``) is evidence for a decimal comma: Spanish-locale
  Excel writes ``;`` files with decimal commas and without thousands separators;
* ``1,234`` or ``1.234`` alone (one to three digits, one mark, three digits) is *ambiguous*.

A file with evidence only one way uses that mark; evidence both ways is a problem; ambiguous values and no
evidence is a problem too, with the fix (write the number without thousands separators). Integers need no
decision. ``.xlsx`` number cells are real numbers and need none either.
"""
from __future__ import annotations

import difflib
import re
from datetime import datetime

import pandas as pd

from ..i18n import both
from ..rules.catalog import fold

# --- months ----------------------------------------------------------------------------------------------
MONTH_NAMES = {
    "enero": 1, "ene": 1, "january": 1, "jan": 1,
    "febrero": 2, "feb": 2, "february": 2,
    "marzo": 3, "mar": 3, "march": 3,
    "abril": 4, "abr": 4, "april": 4, "apr": 4,
    "mayo": 5, "may": 5,
    "junio": 6, "jun": 6, "june": 6,
    "julio": 7, "jul": 7, "july": 7,
    "agosto": 8, "ago": 8, "august": 8, "aug": 8,
    "septiembre": 9, "setiembre": 9, "sep": 9, "set": 9, "sept": 9, "setiem": 9, "september": 9,
    "octubre": 10, "oct": 10, "october": 10,
    "noviembre": 11, "nov": 11, "november": 11,
    "diciembre": 12, "dic": 12, "december": 12, "dec": 12,
}
FIRST_YEAR, LAST_YEAR = 2000, 2100
#: How to write a month, (Spanish, English): messages put each half on its own side of ``both``.
PERIOD_HELP = ("Use el mes como AAAA-MM (p. ej. 2022-05) o una fecha como 31/05/2022 o «mayo 2022».",
               "Write the month as YYYY-MM (e.g. 2022-05) or as a date such as 31/05/2022 or «May 2022».")
_TIME = r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_Y_M = re.compile(r"(\d{4})[-/.](\d{1,2})")
_Y_M_D = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME)
_D_M_Y = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})" + _TIME)
_M_Y = re.compile(r"(\d{1,2})[-/.](\d{4})")
_YM = re.compile(r"(\d{4})(\d{2})")
_NAME_Y = re.compile(r"([a-z]+)\.?[\s\-/.]*(?:(?:de|del)\s+)?(\d{4}|\d{2})")
_Y_NAME = re.compile(r"(\d{4})[\s\-/.]*([a-z]+)\.?")
_D_NAME_Y = re.compile(r"(\d{1,2})[\s\-/.]+(?:de\s+)?([a-z]+)\.?[\s\-/.]+(?:(?:de|del)\s+)?(\d{4}|\d{2})")


def _days_in(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (datetime(year, month + 1, 1) - datetime(year, month, 1)).days


def _period_problem(spanish: str, english: str) -> str:
    """A period message in both languages, each side followed by its own half of PERIOD_HELP."""
    return both(f"{spanish} {PERIOD_HELP[0]}", f"{english} {PERIOD_HELP[1]}")


def _month(year: int, month: int, day: int | None = None) -> tuple[str | None, str | None]:
    if year < 100:
        year += 2000
    if not 1 <= month <= 12:
        return None, _period_problem(f"Mes imposible ({month}): el mes va de 1 a 12.",
                                     f"Impossible month ({month}): the month goes from 1 to 12.")
    if day is not None and not 1 <= day <= _days_in(year, month):
        return None, _period_problem(f"Fecha imposible: el día {day} no existe en ese mes.",
                                     f"Impossible date: day {day} does not exist in that month.")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None, _period_problem(f"Año fuera de rango ({year}).", f"Year out of range ({year}).")
    return f"{year:04d}-{month:02d}", None


def parse_month(cell) -> tuple[str | None, str | None]:
    """A month ``YYYY-MM`` from a cell, or (None, message in both languages)."""
    if isinstance(cell, datetime):
        return _month(cell.year, cell.month)
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    s = fold(cell).strip()
    if not s:
        return None, _period_problem("Falta el periodo.", "The period (month) is missing.")
    if m := _Y_M_D.fullmatch(s):
        return _month(int(m[1]), int(m[2]), int(m[3]))
    if m := _Y_M.fullmatch(s):
        return _month(int(m[1]), int(m[2]))
    if m := _D_M_Y.fullmatch(s):
        day, month = int(m[1]), int(m[2])
        if month > 12 >= day:       # 05/31/2022: month first (US style) is the only reading that exists
            day, month = month, day
        return _month(int(m[3]), month, day)
    if m := _M_Y.fullmatch(s):
        return _month(int(m[2]), int(m[1]))
    if m := _YM.fullmatch(s):
        return _month(int(m[1]), int(m[2]))
    if m := _D_NAME_Y.fullmatch(s):
        if m[2] in MONTH_NAMES:
            return _month(int(m[3]), MONTH_NAMES[m[2]], int(m[1]))
    if m := _NAME_Y.fullmatch(s):
        if m[1] in MONTH_NAMES:
            return _month(int(m[2]), MONTH_NAMES[m[1]])
    if m := _Y_NAME.fullmatch(s):
        if m[2] in MONTH_NAMES:
            return _month(int(m[1]), MONTH_NAMES[m[2]])
    return None, _period_problem("Periodo no reconocido.", "Period not recognised.")


# --- numbers ---------------------------------------------------------------------------------------------
_SPACES = "[ \t\r\n\u00a0\u202f\u2009']+"   # a plain pattern string keeps pandas on its fast (pyarrow) path
_KINDS = [  # (kind, pattern) tried in order on the unsigned text
    ("int", r"\d+"),
    ("amb_dot", r"[1-9]\d{0,2}\.\d{3}"),
    ("amb_comma", r"[1-9]\d{0,2},\d{3}"),
    ("dot", r"\d+\.\d+"),
    ("comma", r"\d+,\d+"),
    ("dot", r"\d{1,3}(?:,\d{3})+\.\d+"),
    ("comma", r"\d{1,3}(?:\.\d{3})+,\d+"),
    ("dot", r"\d{1,3}(?:,\d{3}){2,}"),
    ("comma", r"\d{1,3}(?:\.\d{3}){2,}"),
]
_VALID = {
    ".": re.compile(r"\d+(?:\.\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?"),
    ",": re.compile(r"\d+(?:,\d+)?|\d{1,3}(?:\.\d{3})+(?:,\d+)?"),
}
#: How to write a number, (Spanish, English).
NUMBER_HELP = ("Escriba un número sin unidades ni texto (p. ej. 1234 o 1234,5).",
               "Write a plain number, without units or text (e.g. 1234 or 1234.5).")
#: Numbers whose mark cannot be decided, (Spanish, English); both sides take ``.format(example=...)``.
AMBIGUOUS_HELP = (
    "No se puede saber si el punto o la coma de números como «{example}» separa miles o decimales, y el "
    "archivo no trae otros números que lo aclaren. Escriba los números sin separador de miles (1234 en vez de "
    "1.234 o 1,234) y use un solo signo para los decimales.",
    "It cannot be told whether the point or the comma in numbers like «{example}» separates thousands or "
    "decimals, and the file has no other numbers that settle it. Write the numbers without a thousands "
    "separator (1234 instead of 1.234 or 1,234) and use a single mark for decimals.")
#: A file that writes numbers both ways, (Spanish, English).
MIXED_HELP = ("El archivo mezcla los dos estilos de números (1,234.5 y 1.234,5). Use uno solo en todo el archivo.",
              "The file mixes both number styles (1,234.5 and 1.234,5). Use only one in the whole file.")


def clean_numbers(texts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(unsigned text, negative?) for number cells given as text."""
    s = texts.astype(str).str.replace(_SPACES, "", regex=True).str.lstrip("+")
    negative = s.str.startswith("-") | s.str.startswith("\u2212")
    s = s.str.lstrip("-\u2212")
    return s, negative


def number_kinds(unsigned: pd.Series) -> pd.Series:
    """Evidence kind of each cleaned number text: int, dot, comma, amb_dot, amb_comma or bad."""
    kinds = pd.Series("bad", index=unsigned.index, dtype=object)
    undecided = pd.Series(True, index=unsigned.index)
    for kind, pattern in _KINDS:
        hit = undecided & unsigned.str.fullmatch(pattern)
        kinds[hit] = kind
        undecided &= ~hit
    return kinds


def decide_decimal(kinds: pd.Series, separator: str | None) -> tuple[str | None, str | None]:
    """(decimal mark or None, problem) from the evidence kinds of a file's number cells."""
    present = set(kinds.unique())
    dot, comma = "dot" in present, "comma" in present
    if separator == ";" and "amb_comma" in present:
        comma = True
    if dot and comma:
        return None, both(*MIXED_HELP)
    if dot:
        return ".", None
    if comma:
        return ",", None
    if "amb_dot" in present or "amb_comma" in present:
        return None, "ambiguous"
    return None, None


def parse_numbers(unsigned: pd.Series, decimal: str | None) -> pd.Series:
    """Floats for the cleaned texts under ``decimal`` (None: integers only); NaN where not a number."""
    if decimal is None:
        ok = unsigned.str.fullmatch(r"\d+")
        text = unsigned.where(ok)
    else:
        ok = unsigned.str.fullmatch(_VALID[decimal].pattern)
        thousands = "," if decimal == "." else "."
        text = unsigned.where(ok).str.replace(thousands, "", regex=False).str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").astype(float)


# --- sex and age -----------------------------------------------------------------------------------------
SEXES = ("mujer", "hombre", "total")
AGES = ("0-17", "18-59", "60+", "total")
_SEX = {
    "mujer": ("f", "mujer", "mujeres", "femenino", "fem", "female", "females", "woman", "women", "girls",
              "nina", "ninas"),
    "hombre": ("m", "h", "v", "hombre", "hombres", "masculino", "masc", "male", "males", "man", "men",
               "varon", "varones", "boys"),
    "total": ("total", "todos", "todas", "ambos", "ambos sexos", "all", "both", "t", "mixto"),
}
SEX_MAP = {alias: code for code, aliases in _SEX.items() for alias in aliases}
_AGE = {
    "0-17": ("0-17", "0 a 17", "0 17", "menores de 18", "menor de 18", "menos de 18", "<18", "0 - 17",
             "under 18", "nna", "0 al 17", "de 0 a 17"),
    "18-59": ("18-59", "18 a 59", "18 59", "18 al 59", "de 18 a 59", "adultos", "adults"),
    "60+": ("60+", "60 +", "60 a mas", "60 y mas", "60 o mas", "60 mas", "mayores de 60", "mayor de 60",
            "mas de 60", ">60", ">=60", "60 and over", "60 or more", "over 60", "60 y +", "adultos mayores",
            "de 60 a mas", "60 a +"),
    "total": ("total", "todos", "todas", "todas las edades", "all", "all ages", "t"),
}
_AGE_WORDS = re.compile(r"\b(anos|ano|years|year|yrs|a)\b\.?")


def norm_age(text: object) -> str:
    s = _AGE_WORDS.sub(" ", fold(text))
    s = re.sub(r"\s*-\s*", "-", s)
    s = re.sub(r"\s*\+", "+", s) if re.fullmatch(r"\d+\s*\+", s.strip()) else s
    return " ".join(s.split())


AGE_MAP = {norm_age(alias): code for code, aliases in _AGE.items() for alias in aliases}


def parse_sex(text: str) -> str | None:
    s = fold(text)
    return "total" if not s else SEX_MAP.get(s)


def parse_age(text: str) -> str | None:
    s = norm_age(text)
    return "total" if not s else AGE_MAP.get(s)


# --- suggestions -----------------------------------------------------------------------------------------
def suggest(text: object, choices: dict[str, str], n: int = 1) -> list[str]:
    """Codes whose folded code or name is closest to ``text`` (difflib), best first."""
    key = fold(str(text).replace("_", " "))
    keys = difflib.get_close_matches(key, list(choices), n=5, cutoff=0.6)
    if not keys and len(key) >= 4:   # a shortened code: 'camas' for 'camas_albergue'
        keys = [k for k in choices if k.startswith(key + " ") or f" {key} " in f" {k} "][:3]
    out = []
    for k in keys:
        if choices[k] not in out:
            out.append(choices[k])
    return out[:n]


def inline(text: object) -> str:
    """User text (a header, a cell) quoted inside a two-language message: a " / " of its own would be taken
    for the separator between the Spanish and the English side, so it is written "/" there."""
    return str(text).replace(" / ", "/")


def did_you_mean(suggestions: list[str], lang: str = "es") -> str:
    if not suggestions:
        return ""
    if lang == "en":
        return f" Did you mean {' or '.join(repr(str(s)) for s in suggestions)}?"
    quoted = " o ".join(f"'{s}'" for s in suggestions)
    return f" ¿Quiso decir {quoted}?"
