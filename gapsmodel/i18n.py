"""User-facing text and number formats, Spanish first, English second.

Every string a user sees comes from ``locales/<lang>.toml`` (one catalog per language, sections per
page); numbers and dates are formatted by Babel for es-PE or en. A Translator is made per user session
(never process-wide), so two people in different languages don't share one.
"""
from __future__ import annotations

import math
import tomllib
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

LANGUAGES = ("es", "en")
LOCAL_TZ = "America/Lima"   # times are stored in UTC and shown in Peru time
LOCALES = {"es": "es_PE", "en": "en"}
LOCALE_DIR = Path(__file__).resolve().parent / "locales"
BOTH_SEPARATOR = " / "      # model messages read "castellano / English"; a page or terminal shows one side


def both(spanish: str, english: str) -> str:
    """A message of the model in both languages, each side a whole sentence (never fragments mixed)."""
    return f"{spanish}{BOTH_SEPARATOR}{english}"


def one_language(message: object, lang: str) -> str:
    """The reader's side of a ``both`` message; a message without the separator is returned as it is."""
    text = str(message)
    if BOTH_SEPARATOR not in text:
        return text
    spanish, english = text.rsplit(BOTH_SEPARATOR, 1)
    return english if lang == "en" else spanish


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    out = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = str(value)
    return out


@lru_cache(maxsize=None)
def messages(lang: str) -> dict[str, str]:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language '{lang}'; allowed: {LANGUAGES}")
    return _flatten(tomllib.loads((LOCALE_DIR / f"{lang}.toml").read_text("utf-8")))


@lru_cache(maxsize=4096)
def _month_label(code: str, fmt: str, locale: str) -> str:
    # charts label thousands of points with a few dozen months: Babel once per month and format
    return format_date(date(int(code[:4]), int(code[5:7]), 1), format=fmt, locale=locale)


@lru_cache(maxsize=64)
def _plural_form(locale: str, n: int) -> str:
    from babel import Locale
    return Locale.parse(locale).plural_form(abs(n))


def to_local(moment):
    """A naive UTC moment (datetime or pandas Timestamp) as naive Peru time; None/NaT stays None."""
    import pandas as pd
    from zoneinfo import ZoneInfo
    if moment is None or pd.isna(moment):
        return None
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.tz_convert(ZoneInfo(LOCAL_TZ)).tz_localize(None).to_pydatetime()


class Translator:
    def __init__(self, lang: str = "es"):
        self.lang = lang if lang in LANGUAGES else "es"
        self.locale = LOCALES[self.lang]
        self._messages = messages(self.lang)

    def __call__(self, key: str, **kwargs) -> str:
        text = self._messages.get(key) or messages("es").get(key) or key
        return text.format(**kwargs) if kwargs else text

    # --- numbers and dates --------------------------------------------------------
    def number(self, value, digits: int = 0) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def signed(self, value, digits: int = 0) -> str:
        """A change with its sign: '+1,301' / '-39' / '0'."""
        text = self.number(value, digits)
        return "+" + text if value is not None and value == value and value > 0 else text

    def percent(self, value, digits: int = 0) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + " %"
        return format_percent(value, format=pattern, locale=self.locale)

    def date(self, value: date | datetime, fmt: str = "medium") -> str:
        return format_date(value, format=fmt, locale=self.locale)

    def month(self, code: str, fmt: str = "MMM y") -> str:
        """'2022-05' -> 'may. 2022' / 'May 2022'."""
        return _month_label(code, fmt, self.locale)

    def period(self, code: str, *, in_sentence: bool = False) -> str:
        """A period code for people: month name, 'T2 2022' / 'Q2 2022', or the year. A label starts with a
        capital ("Mayo 2024"); ``in_sentence`` keeps the language's own case ("frente a mayo 2024")."""
        if len(code) == 7 and code[4] == "-" and code[5] != "Q":
            name = self.month(code, "MMMM y")
            return name if in_sentence else name.capitalize()
        if "-Q" in code:
            year, q = code.split("-Q")
            return self("periods.quarter_label", q=q, year=year)
        return code

    def severity(self, code: str) -> str:
        return self(f"severity.{code}")

    def unit(self, code: object) -> str:
        """A catalog unit code ("personas", "camas") in this language; an unknown code as it is."""
        key = f"narrative_units.{code}"
        text = self(key)
        return str(code) if text == key else text

    def plural(self, key: str, n: int, **kwargs) -> str:
        """``key_one`` or ``key_other`` (the language's plural rule, from Babel's CLDR data) with ``n``
        formatted as a number: "1 vencido", "2 vencidos"."""
        form = _plural_form(self.locale, n)
        text = self._messages.get(f"{key}_{form}") or self._messages.get(f"{key}_other") or key
        return text.format(n=self.number(n), **kwargs)

    def listing(self, items: list[str]) -> str:
        """'a y b', 'a, b y c' / 'a and b', 'a, b, and c' (Babel's list patterns)."""
        return format_list(list(items), locale=self.locale) if items else ""

    def time(self, moment, seconds: bool = False) -> str:
        """A stored (UTC) moment as read in Peru: "2024-07-10 09:30"; empty when there is none."""
        local = to_local(moment)
        return "" if local is None else local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
