"""From bytes to a raw grid of cells: CSV (any of the usual encodings and separators) or ``.xlsx``.

Nothing here knows about indicators or districts. The result is a :class:`RawGrid`: a DataFrame of cells
(``str`` for text, ``''`` for empty; ``.xlsx`` numbers stay ``int``/``float`` and dates stay ``datetime``)
whose index is the row number as the user sees it in Excel (1-based).

Decisions:

- Encoding: UTF-8 (with or without BOM) first, then Windows-1252, then Latin-1 (which cannot fail). UTF-16
  with a BOM (Excel's "Unicode text") is read too. No detector: detectors tend to call Spanish text cp1250.
- Separator: ``,``, ``;`` or tab, whichever splits the first lines into the most lines with the same number
  (>1) of fields; ties go to tab, then ``;``, then ``,``.
- Limits (catalog settings ``[upload]``): file size, rows, columns. An ``.xlsx`` is a zip: the uncompressed
  sizes declared in its directory are checked before anything is decompressed (a zip bomb is refused);
  Python's zip reader never returns more than the declared size.
"""
from __future__ import annotations

import csv
import io
import json
import re
import time as _time
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

import pandas as pd

from ..i18n import both
from .problems import UnreadableFile
from .values import inline

SEPARATORS = ("\t", ";", ",")
SEPARATOR_NAMES = {"\t": "tab", ";": ";", ",": ","}
#: Rows scanned to sniff the separator.
SNIFF_LINES = 60
#: Hard cap on the uncompressed size of an .xlsx, whatever max_file_bytes says (bytes).
XLSX_MAX_UNCOMPRESSED = 400_000_000
#: Uncompressed size allowed per compressed byte of the upload file (a zip bomb has ratios of thousands).
XLSX_MAX_RATIO = 100
XLSX_MAX_MEMBERS = 2_000
#: Cells read from one sheet at most (or 10 per allowed row, if more): keeps a huge sheet from hanging.
XLSX_MAX_CELLS = 5_000_000
#: Wall-clock seconds one workbook may take to read; past that it is refused with a message saying so.
XLSX_MAX_SECONDS = 45
#: Headers are looked for in the first rows of each sheet.
HEADER_SCAN_ROWS = 30

DEFAULT_LIMITS = {"max_file_bytes": 20_000_000, "max_rows": 500_000, "max_columns": 200}

_SIGNATURES = [
    (b"%PDF", "un PDF", "a PDF"),
    (b"\x89PNG", "una imagen PNG", "a PNG image"),
    (b"\xff\xd8\xff", "una imagen JPEG", "a JPEG image"),
    (b"GIF8", "una imagen GIF", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "un libro de Excel antiguo (.xls) u otro documento de Office antiguo",
     "an old Excel (.xls) or Office document"),
    (b"\x1f\x8b", "un archivo comprimido (gzip)", "a gzip archive"),
    (b"Rar!", "un archivo comprimido (RAR)", "a RAR archive"),
    (b"7z\xbc\xaf", "un archivo comprimido (7z)", "a 7z archive"),
]
#: The fix for a file that is not a table, (Spanish, English): each half closes its own side of a message.
_FIX = ("Guárdelo como Excel (.xlsx) o como CSV e inténtelo de nuevo.", "Save it as Excel (.xlsx) or as CSV and try again.")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass
class RawGrid:
    cells: pd.DataFrame                  # object cells; index = row number as in Excel (1-based)
    detected: dict = field(default_factory=dict)
    native_numbers: bool = False         # True for .xlsx: numbers are real numbers, not text


def _unreadable(spanish: str, english: str) -> UnreadableFile:
    """A file that cannot be read, told in both languages, each side ending with its half of ``_FIX``."""
    return UnreadableFile(both(f"{spanish} {_FIX[0]}", f"{english} {_FIX[1]}"))


def _dotted(n: int) -> str:
    """1234567 → '1.234.567', the thousands mark of the Spanish side of these messages."""
    return f"{n:,}".replace(",", ".")


def limits_from(settings: dict | None) -> dict:
    out = dict(DEFAULT_LIMITS)
    out.update({k: int(v) for k, v in ((settings or {}).get("upload") or {}).items() if k in DEFAULT_LIMITS})
    return out


def read_grid(data: bytes, filename: str, limits: dict) -> RawGrid:
    """Read ``data`` as a CSV or ``.xlsx`` grid; raise UnreadableFile with one clear sentence otherwise."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise UnreadableFile(both("El archivo no llegó como bytes.", "The file did not arrive as bytes."))
    data = bytes(data)
    if len(data) > limits["max_file_bytes"]:
        mb = limits["max_file_bytes"] / 1_000_000
        raise UnreadableFile(both(
            f"El archivo pesa {len(data) / 1_000_000:.1f} MB y el máximo es {mb:.0f} MB; divídalo en varios "
            f"archivos (por ejemplo, uno por mes).",
            f"The file is {len(data) / 1_000_000:.1f} MB and the limit is {mb:.0f} MB; split it into several "
            f"files (for example, one per month)."))
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise UnreadableFile(both("El archivo está vacío.", "The file is empty."))
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _read_xlsx(data, limits)
    for signature, es, en in _SIGNATURES:
        if data.startswith(signature):
            raise _unreadable(f"El archivo es {es}, no una tabla.", f"The file is {en}, not a table.")
    text, encoding = _decode(data)
    _refuse_other_text_formats(text, filename)
    return _read_text(text, encoding, limits)


def _refuse_other_text_formats(text: str, filename: str) -> None:
    """JSON, XML or HTML are text but not tables: without this they were read as a CSV of nonsense."""
    head = text.lstrip("\ufeff \t\r\n")[:2000]
    name = str(filename or "").lower()
    kind = None
    if head[:1] in ("{", "[") or name.endswith((".json", ".geojson", ".jsonl")):
        try:
            json.loads(text)
            kind = ("JSON", "JSON")
        except ValueError:
            first = head.splitlines()[0] if head else ""
            if name.endswith((".json", ".geojson", ".jsonl")) or re.match(r'^\s*[\[{]\s*("|\{|\[|$)', first):
                kind = ("JSON", "JSON")
    elif head[:1] == "<" and re.match(r"<(\?xml|!doctype|html|[a-z][\w:-]*[\s>])", head, re.IGNORECASE):
        kind = ("XML o HTML (una página web)", "XML or HTML (a web page)")
    if kind:
        raise _unreadable(f"El archivo es {kind[0]}, no una tabla: este formato no se reconoce.",
                          f"The file is {kind[1]}, not a table: this format is not recognised.")


# --- text ------------------------------------------------------------------------------------------------
def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:4096]:
        raise _binary()
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _binary() -> UnreadableFile:
    return _unreadable("El archivo parece binario (no es texto ni un libro de Excel).",
                       "The file looks binary (it is neither text nor an Excel workbook).")


def _looks_binary(text: str) -> bool:
    sample = text[:20_000]
    if "\x00" in sample:
        return True
    controls = len(_CONTROL.findall(sample))
    return controls > max(2, len(sample) // 100)


def _sniff(lines: list[str]) -> str | None:
    best, best_score = None, 0
    for sep in SEPARATORS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=sep) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        counts = [c for c in counts if c > 1]
        if not counts:
            continue
        mode = max(set(counts), key=lambda c: (counts.count(c), c))
        score = counts.count(mode)
        if score > best_score:
            best, best_score = sep, score
    return best


def _read_text(text: str, encoding: str, limits: dict) -> RawGrid:
    if _looks_binary(text):
        raise _binary()
    n_lines = text.count("\n") + 1
    if n_lines > limits["max_rows"] + HEADER_SCAN_ROWS:
        raise _too_many_rows(n_lines, limits)
    lines = text.splitlines()
    head = [line for line in lines[:SNIFF_LINES * 3] if line.strip()][:SNIFF_LINES]
    sep = _sniff(head)
    if sep is None:
        raise _unreadable("El archivo no parece una tabla: no se encontraron columnas separadas por coma, "
                          "punto y coma ni tabulador.",
                          "The file does not look like a table: no columns separated by commas, semicolons or "
                          "tabs were found.")
    widest = max(map(lambda line: line.count(sep), lines)) + 1
    del lines
    if widest > max(limits["max_columns"] * 5, 1_000):
        raise _too_many_columns(widest, limits)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, header=None, names=range(widest), dtype=str,
                            keep_default_na=False, na_filter=False, skip_blank_lines=False, engine="c",
                            quotechar='"', index_col=False)
    except Exception:  # noqa: BLE001 - any parser failure means "not a readable table"
        rows = []
        reader = csv.reader(io.StringIO(text), delimiter=sep, strict=True)
        try:
            for row in reader:
                rows.append(row)
        except csv.Error:
            raise _unclosed_quote(len(rows) + 1) from None
        except Exception:  # noqa: BLE001
            raise _unreadable("No se pudo leer el archivo como tabla.",
                              "The file could not be read as a table.") from None
        width = max((len(r) for r in rows), default=0)
        # ragged rows padded explicitly (pandas stops padding them in a future version)
        frame = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    frame = frame.fillna("").astype(str)
    _check_swallowed_rows(frame, sep)
    frame = _trim(frame)
    _check_shape(frame, limits)
    frame.index = range(1, len(frame) + 1)
    frame.columns = range(frame.shape[1])
    return RawGrid(frame, {"format": "csv", "encoding": encoding, "separator": SEPARATOR_NAMES[sep], "sheet": None})


def _unclosed_quote(row: int) -> UnreadableFile:
    return UnreadableFile(both(
        f"Comillas sin cerrar en la fila {row}: una comilla (\") abre un texto que nunca se cierra, y las filas "
        f"siguientes quedarían dentro de ese texto. Cierre la comilla o bórrela y vuelva a subir el archivo.",
        f"Unclosed quote in row {row}: a quotation mark (\") opens a text that is never closed, and the rows "
        f"after it would end up inside that text. Close the quotation mark or delete it, and upload the file "
        f"again."))


def _check_swallowed_rows(frame: pd.DataFrame, sep: str) -> None:
    """A quoted cell may hold line breaks (a note written on two lines), but not whole rows: a line inside
    a cell with nearly a row's separators, starting like the file's rows do (its first field is one of the
    first column's values), means a quote was left open and rows went missing."""
    if frame.empty or frame.shape[1] < 3:
        return
    needed = max(2, frame.shape[1] - 2)
    firsts = None
    for pos in frame.columns:
        column = frame[pos]
        multi = column[column.str.contains("\n", regex=False)]
        for row, cell in multi.items():
            lines = [line for line in cell.splitlines()[1:] if line.count(sep) >= needed]
            if not lines:
                continue
            if firsts is None:
                firsts = set(frame[frame.columns[0]].str.strip().unique())
            if any(line.split(sep, 1)[0].strip().strip('"') in firsts for line in lines):
                raise _unclosed_quote(int(row) + 1)


def _trim(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop empty columns at the right and empty rows at the bottom."""
    if frame.empty:
        return frame
    filled = frame.apply(lambda c: (c if c.dtype != object else c.astype(str)).str.strip().ne("") & c.notna())
    used_cols = filled.any(axis=0)
    used_rows = filled.any(axis=1)
    if not used_cols.any():
        return frame.iloc[0:0, 0:0]
    last_col = used_cols[used_cols].index[-1]
    last_row = used_rows[used_rows].index[-1]
    return frame.loc[:last_row, :last_col]


def _filled(cell) -> bool:
    if cell is None:
        return False
    if isinstance(cell, str):
        return bool(cell.strip())
    return cell == cell  # NaN is empty


def _check_shape(frame: pd.DataFrame, limits: dict) -> None:
    if frame.empty:
        raise UnreadableFile(both("El archivo no tiene datos (no hay ninguna celda con contenido).",
                                  "The file has no data (no cell has any content)."))
    if frame.shape[1] > limits["max_columns"]:
        raise _too_many_columns(frame.shape[1], limits)
    if frame.shape[0] > limits["max_rows"] + HEADER_SCAN_ROWS:
        raise _too_many_rows(frame.shape[0], limits)


def _too_many_rows(n: int, limits: dict) -> UnreadableFile:
    return UnreadableFile(both(
        f"El archivo tiene más de {_dotted(limits['max_rows'])} filas; divídalo en varios archivos (por ejemplo, "
        f"uno por mes).",
        f"The file has more than {limits['max_rows']:,} rows; split it into several files (for example, one per "
        f"month)."))


def _too_many_columns(n: int, limits: dict) -> UnreadableFile:
    return UnreadableFile(both(
        f"El archivo tiene {_dotted(n)} columnas y el máximo es {limits['max_columns']}; use la plantilla (una "
        f"fila por valor).",
        f"The file has {n:,} columns and the limit is {limits['max_columns']}; use the template (one row per "
        f"value)."))


# --- xlsx ------------------------------------------------------------------------------------------------
def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception:  # noqa: BLE001
        raise _unreadable("El archivo parece un Excel (.xlsx) pero está dañado o incompleto.",
                          "The file looks like an Excel file (.xlsx) but it is damaged or incomplete.") from None
    if len(infos) > XLSX_MAX_MEMBERS:
        raise UnreadableFile(both("El libro de Excel tiene demasiadas partes internas; no se abrió por seguridad.",
                                  "The Excel workbook has too many internal parts; it was not opened, for safety."))
    total = sum(max(i.file_size, 0) for i in infos)
    cap = min(XLSX_MAX_UNCOMPRESSED, max(len(data) * XLSX_MAX_RATIO, 50_000_000))
    if total > cap:
        raise UnreadableFile(both(
            f"El libro de Excel ocuparía {total / 1_000_000:,.0f} MB al descomprimirse (máximo "
            f"{cap / 1_000_000:,.0f} MB); no se abrió por seguridad. Guárdelo como CSV o divídalo.",
            f"The Excel workbook would take {total / 1_000_000:,.0f} MB once decompressed (limit "
            f"{cap / 1_000_000:,.0f} MB); it was not opened, for safety. Save it as CSV or split it."))
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        kind, kind_en = (("una hoja de cálculo OpenDocument (.ods)", "an OpenDocument spreadsheet (.ods)")
                         if "content.xml" in names else ("un archivo comprimido (.zip)", "a compressed archive (.zip)"))
        raise _unreadable(f"El archivo es {kind}, no un libro de Excel (.xlsx).",
                          f"The file is {kind_en}, not an Excel workbook (.xlsx).")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return value
    return str(value)


def _read_xlsx(data: bytes, limits: dict) -> RawGrid:
    from openpyxl import load_workbook

    from .columns import header_score

    _check_zip(data)
    with warnings.catch_warnings():
        # openpyxl warns about parts it skips ("Unknown extension is not supported and will be removed"):
        # noise for a partner, and nothing that changes the values read
        warnings.simplefilter("ignore")
        return _read_book(data, limits, load_workbook, header_score)


def _read_book(data: bytes, limits: dict, load_workbook, header_score) -> RawGrid:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001
        raise _unreadable("No se pudo abrir el libro de Excel (¿está dañado o protegido con contraseña?).",
                          "The Excel workbook could not be opened (is it damaged or protected by a password?).") \
            from None
    try:
        sheets = [ws for ws in book.worksheets if hasattr(ws, "iter_rows")]
        if not sheets:
            raise UnreadableFile(both("El libro de Excel no tiene hojas con datos.",
                                      "The Excel workbook has no sheets with data."))
        from ..rules.catalog import fold
        named = [ws for ws in sheets if fold(ws.title) in ("datos", "data", "valores", "values")]
        # the sheet is chosen on its first rows only (read-only mode streams them), then only it is read
        # whole: forty sheets without a header cost forty short scans, not forty full reads
        chosen, fallback = None, None
        started = _time.monotonic()
        for ws in named + [ws for ws in sheets if ws not in named]:
            head = _sheet_grid(ws, limits, max_rows=HEADER_SCAN_ROWS)
            if head is None:
                continue
            if ws in named or header_score(head)[1] >= 2:
                chosen = ws
                break
            fallback = fallback or ws
            if _time.monotonic() - started > XLSX_MAX_SECONDS:
                raise _too_slow()
        chosen = chosen or fallback
        grid = _sheet_grid(chosen, limits, started=started) if chosen is not None else None
        if grid is None:
            raise UnreadableFile(both("El libro de Excel está vacío (ninguna hoja tiene datos).",
                                      "The Excel workbook is empty (no sheet has data)."))
        return RawGrid(grid, {"format": "xlsx", "encoding": "xlsx", "separator": None, "sheet": chosen.title},
                       native_numbers=True)
    finally:
        book.close()


def _too_slow() -> UnreadableFile:
    return UnreadableFile(both(
        f"El libro de Excel es demasiado grande para revisarlo en el tiempo de una carga (más de "
        f"{XLSX_MAX_SECONDS} s). Guarde la hoja de datos como CSV, o quite las hojas y filas que no son datos, y "
        f"vuelva a subirlo.",
        f"The Excel workbook is too large to check in the time of one upload (more than {XLSX_MAX_SECONDS} s). "
        f"Save the data sheet as CSV, or remove the sheets and rows that are not data, and upload it again."))


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_COLUMN = re.compile(r"[A-Z]+")


def _column_number(ref: str) -> int:
    letters = _COLUMN.match(ref)
    n = 0
    for ch in letters.group(0) if letters else "":
        n = n * 26 + ord(ch) - 64
    return n


def _fast_rows(ws, max_rows: int | None):
    """The sheet's rows as lists of values, like ``ws.iter_rows(values_only=True)`` of openpyxl's read-only
    mode (missing rows come as empty lists, cached formula results, dates from date-formatted numbers), but
    parsing the sheet's XML directly with ElementTree: openpyxl builds objects for every cell and reads a few
    ten thousand cells a second, which made a 9 MB workbook take a minute. Raises AttributeError when
    openpyxl's internals are not as expected (the caller then uses openpyxl's own reader)."""
    import xml.etree.ElementTree as ET
    from openpyxl.utils.datetime import from_excel
    book = ws.parent
    shared, dates, epoch = ws._shared_strings, book._date_formats, book.epoch
    deltas = book._timedelta_formats
    source = book._archive.open(ws._worksheet_path)
    c_tag, row_tag, v_tag, is_tag, t_tag = (f"{_MAIN_NS}c", f"{_MAIN_NS}row", f"{_MAIN_NS}v", f"{_MAIN_NS}is",
                                            f"{_MAIN_NS}t")
    expected, columns = 1, {}
    try:
        from lxml import etree as lxml_etree   # a C parser that hands over only the rows
        events = lxml_etree.iterparse(source, events=("end",), tag=row_tag, huge_tree=False,
                                      resolve_entities=False, no_network=True)
        lean = True
    except ImportError:  # pragma: no cover - lxml is in requirements.txt; the standard library works too
        events = ET.iterparse(source, events=("end",))
        lean = False
    try:
        for _, element in events:
            if element.tag != row_tag:
                continue
            number = int(element.get("r") or expected)
            if max_rows is not None and number > max_rows:
                break
            while expected < number:
                expected += 1
                yield []
            values: list = []
            for cell in element.iter(c_tag):
                ref = cell.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    column = columns.get(letters) or columns.setdefault(letters, _column_number(letters))
                else:
                    column = len(values) + 1
                kind = cell.get("t", "n")
                if kind == "inlineStr":
                    node = cell.find(is_tag)
                    value = "".join(t.text or "" for t in node.iter(t_tag)) if node is not None else None
                else:
                    value = cell.findtext(v_tag) or None
                    if value is not None:
                        if kind == "n":
                            value = float(value) if ("." in value or "E" in value or "e" in value) else int(value)
                            style = int(cell.get("s") or 0)
                            if style in dates:
                                try:
                                    value = from_excel(value, epoch, timedelta=style in deltas)
                                except (OverflowError, ValueError):
                                    value = "#VALUE!"
                        elif kind == "s":
                            value = shared[int(value)]
                        elif kind == "b":
                            value = bool(int(value))
                        elif kind == "d":
                            from openpyxl.utils.datetime import from_ISO8601
                            value = from_ISO8601(value)
                if column > len(values):
                    values.extend([None] * (column - len(values)))
                values[column - 1] = value
            element.clear()
            if lean:
                while element.getprevious() is not None:   # rows already read leave the tree
                    del element.getparent()[0]
            expected = number + 1
            yield values
    finally:
        source.close()


def _sheet_rows(ws, max_rows: int | None):
    try:
        ws._shared_strings, ws.parent._date_formats, ws.parent._archive, ws._worksheet_path  # noqa: B018
    except AttributeError:
        return ws.iter_rows(values_only=True, max_row=max_rows)
    return _fast_rows(ws, max_rows)


def _sheet_grid(ws, limits: dict, max_rows: int | None = None, started: float | None = None
                ) -> pd.DataFrame | None:
    try:
        ws.reset_dimensions()
    except Exception:  # noqa: BLE001
        pass
    rows, last_filled, cells = [], 0, 0
    budget = max(XLSX_MAX_CELLS, limits["max_rows"] * 10)
    started = _time.monotonic() if started is None else started
    try:
        for values in _sheet_rows(ws, max_rows):
            if len(rows) % 2000 == 1999 and _time.monotonic() - started > XLSX_MAX_SECONDS:
                raise _too_slow()
            row = [_cell(v) for v in values]
            while row and not _filled(row[-1]):
                row.pop()
            if len(row) > limits["max_columns"]:
                raise _too_many_columns(len(row), limits)
            cells += len(row)
            if cells > budget:
                raise UnreadableFile(both(
                    f"La hoja '{inline(ws.title)}' tiene más de {_dotted(budget)} celdas con datos; guárdela como "
                    f"CSV o divídala.",
                    f"The sheet '{inline(ws.title)}' has more than {budget:,} cells with data; save it as CSV or "
                    f"split it."))
            rows.append(row)
            if row:
                last_filled = len(rows)
            if len(rows) > limits["max_rows"] + HEADER_SCAN_ROWS:
                raise _too_many_rows(len(rows), limits)
    except UnreadableFile:
        raise
    except Exception:  # noqa: BLE001
        raise UnreadableFile(both(f"No se pudo leer la hoja '{inline(ws.title)}' del libro de Excel.",
                                  f"The sheet '{inline(ws.title)}' of the Excel workbook could not be read.")) from None
    rows = rows[:last_filled]
    if not rows:
        return None
    width = max(len(r) for r in rows)
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    frame.index = range(1, len(frame) + 1)
    return frame
