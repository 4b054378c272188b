"""Periods: a month ``2022-05``, a quarter ``2022-Q2`` or a year ``2022``.

Months are handled as ``YYYY-MM`` strings throughout the model, since they sort and compare correctly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pandas as pd

KINDS = ("month", "quarter", "year")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    """A span of whole months, ``start`` to ``end`` inclusive."""
    kind: str
    code: str
    start: str
    end: str

    @property
    def months(self) -> list[str]:
        return month_range(self.start, self.end)

    def clipped(self, last_month: str | None) -> "Period":
        """The same period with months after ``last_month`` dropped (a year still under way)."""
        if last_month is None or last_month >= self.end or last_month < self.start:
            return self
        return Period(self.kind, self.code, self.start, last_month)


def parse_period(text: str) -> Period:
    """Parse ``2022-05``, ``2022-Q2`` or ``2022``; raise PeriodError otherwise."""
    text = str(text).strip()
    if m := _MONTH.match(text):
        return Period("month", text, text, text)
    if m := _QUARTER.match(text):
        year, q = int(m.group(1)), int(m.group(2))
        return Period("quarter", f"{year}-Q{q}", f"{year}-{3 * q - 2:02d}", f"{year}-{3 * q:02d}")
    if m := _YEAR.match(text):
        return Period("year", text, f"{text}-01", f"{text}-12")
    raise PeriodError(f"Periodo no válido: '{text}'. Use un mes (2022-05), un trimestre (2022-Q2) o un año (2022). "
                      f"/ Invalid period: '{text}'. Use a month (2022-05), a quarter (2022-Q2) or a year (2022).")


def period_of(month: str, kind: str) -> Period:
    """The period of ``kind`` that contains ``month``."""
    year, mon = int(month[:4]), int(month[5:7])
    if kind == "month":
        return parse_period(month)
    if kind == "quarter":
        return parse_period(f"{year}-Q{(mon - 1) // 3 + 1}")
    if kind == "year":
        return parse_period(str(year))
    raise PeriodError(f"tipo de periodo desconocido / unknown period kind '{kind}' (allowed: {KINDS})")


def add_months(month: str, n: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    total = year * 12 + (mon - 1) + n
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def month_index(months: pd.Series) -> pd.Series:
    """Months as integers (year*12 + month - 1), for arithmetic on whole columns."""
    return months.str.slice(0, 4).astype(int) * 12 + months.str.slice(5, 7).astype(int) - 1


def month_range(start: str, end: str) -> list[str]:
    out, m = [], start
    while m <= end:
        out.append(m)
        m = add_months(m, 1)
    return out


def month_of(day: date | datetime) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def deadline(month: str, day: int = 10) -> datetime:
    """End of ``day`` of the month after ``month`` (UTC): a report is on time up to then."""
    nxt = add_months(month, 1)
    return datetime(int(nxt[:4]), int(nxt[5:7]), day, tzinfo=timezone.utc) + timedelta(days=1)


def periods_between(first: str, last: str, kind: str) -> list[Period]:
    seen, out = set(), []
    for m in month_range(first, last):
        p = period_of(m, kind)
        if p.code not in seen:
            seen.add(p.code)
            out.append(p)
    return out


def parse_as_of(text: str | date | datetime | None) -> datetime | None:
    """A date or datetime; a bare date means the end of that day (UTC)."""
    if text is None or text == "":
        return None
    if isinstance(text, datetime):
        return text if text.tzinfo else text.replace(tzinfo=timezone.utc)
    if isinstance(text, date):
        return datetime(text.year, text.month, text.day, tzinfo=timezone.utc) + timedelta(days=1) - timedelta(
            microseconds=1)
    s = str(text).strip()
    try:
        if len(s) == 10:
            return parse_as_of(date.fromisoformat(s))
        return parse_as_of(datetime.fromisoformat(s))
    except ValueError:
        raise PeriodError(f"Fecha no válida: '{s}'. Use AAAA-MM-DD. / Invalid date: '{s}'. Use YYYY-MM-DD.") from None
