"""Spreadsheet-safe files: CSV and Excel bytes that open as data, never as formulas.

Shared by every layer that writes a file for people (exports, upload templates, the command line).

Spreadsheet formula injection: a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return may be run as a formula by Excel or LibreOffice (``=HYPERLINK(...)``, ``=cmd|...``). Uploaded notes,
file names and user names end up in exports, so every text cell and header that starts with one of those
characters gets a leading apostrophe ``'`` and is stored as text. Numbers stay numbers (a negative number
is a number, not text).
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_ENCODING = "utf-8-sig"
"""UTF-8 with a byte-order mark: Excel then reads accents (Período, Institución) correctly."""
SHEET_TITLE_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def neutralise(value: object) -> object:
    """A text value that could start a formula, with a leading apostrophe; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell and column name neutralised; numeric columns untouched."""
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series)):
            out[col] = series.astype(object).map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def to_csv_text(frame: pd.DataFrame, sep: str = ",", lineterminator: str = "\r\n") -> str:
    """CSV text with formulas neutralised and every text cell (and header) in double quotes; numbers stay
    bare. Quoting matters beyond the leading character: ``a;=1+1`` unquoted becomes two cells and a formula
    in a spreadsheet whose list separator is ``;``, whatever separator the file was written with."""
    return neutralise_frame(frame).to_csv(index=False, sep=sep, lineterminator=lineterminator,
                                          quoting=csv.QUOTE_NONNUMERIC)


def to_csv_bytes(frame: pd.DataFrame, sep: str = ",") -> bytes:
    """CSV (UTF-8 with BOM, no index, CRLF line ends as RFC 4180 and Excel expect) with formulas
    neutralised and text cells quoted (:func:`to_csv_text`)."""
    return to_csv_text(frame, sep).encode(CSV_ENCODING)


def _cell(value: object) -> object:
    """A Python value openpyxl writes as the right cell type; text is cleaned and neutralised."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.integer, np.floating)):
        value = value.item()
    if isinstance(value, float):
        return None if np.isnan(value) else value
    if isinstance(value, int):
        return value
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    text = neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    # line ends as Excel keeps them in a cell (openpyxl versions differ on a lone carriage return)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _sheet_title(name: object, used: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub("_", str(name)).strip("'").strip() or "Hoja"
    base = base[:SHEET_TITLE_MAX]
    title, n = base, 2
    while title.casefold() in used:
        suffix = f" ({n})"
        title = base[:SHEET_TITLE_MAX - len(suffix)] + suffix
        n += 1
    used.add(title.casefold())
    return title


def to_xlsx_bytes(frames: dict[str, pd.DataFrame]) -> bytes:
    """An Excel workbook, one sheet per frame (sheet names made valid and unique), header in bold,
    formulas neutralised: every text cell is stored as text, never as a formula."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for name, frame in (frames or {"Hoja": pd.DataFrame()}).items():
        sheet = workbook.create_sheet(_sheet_title(name, used))
        sheet.append([_cell(str(c)) for c in frame.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False, name=None):
            sheet.append([_cell(v) for v in row])
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- what may be exported ---------------------------------------------------------------------

