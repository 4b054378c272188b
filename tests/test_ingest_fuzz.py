"""Whatever arrives, read_upload returns a result or raises UnreadableFile: never another exception."""
from __future__ import annotations

import csv
import io
import os
from datetime import date

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gapsmodel.rules.catalog import load_catalog
from gapsmodel.ingest import Problem, UnreadableFile, UploadResult, read_upload
from gapsmodel.records.store import VALUE_COLUMNS
from gapsmodel.rules.territory import load_territory

CATALOG = load_catalog()
TERRITORY = load_territory()
TODAY = date(2022, 8, 15)
#: More examples for a long local run: INGEST_FUZZ_EXAMPLES=2000 python -m pytest tests/test_ingest_fuzz.py
EXAMPLES = int(os.environ.get("INGEST_FUZZ_EXAMPLES", "150"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HEADERS = ["periodo", "Período", "institucion", "indicador", "ubigeo", "distrito", "sexo", "edad", "nacionalidad",
           "valor", "nota", "#date", "#org", "#value", "#adm3+code", "camas_albergue", "DNI", "x", ""]
CELLS = st.one_of(
    st.sampled_from(["2022-05", "31/05/2022", "mayo 2022", "2022-13", "2031-01", "OIM", "UNHCR", "XX",
                     "camas_albergue", "pob_migrante", "240101", "24", "240101.0", "Zorritos", "tumbes", "F",
                     "hombre", "0 a 17", "60+", "1,234", "1.234,5", "12.5", "-3", "", " ", "abc", "987654321",
                     "a@b.pe", "45678912", "#date", '"', "'", "\t", ";", ","]),
    st.text(max_size=12),
    st.integers(-10, 10**9).map(str),
)


def check(result) -> None:
    assert isinstance(result, UploadResult)
    assert list(result.values.columns) == VALUE_COLUMNS
    assert all(isinstance(p, Problem) and p.level in ("error", "warning") for p in result.problems)
    assert all(p.row is None or (isinstance(p.row, int) and p.row >= 1) for p in result.problems)
    assert list(result.problems_frame().columns) == ["fila", "columna", "valor", "problema", "nivel"]
    if result.ok:
        assert result.values["value"].ge(0).all()
        assert result.values["period"].str.fullmatch(r"\d{4}-\d{2}").all()


def attempt(data: bytes, filename: str, **kwargs) -> None:
    try:
        result = read_upload(data, filename, CATALOG, TERRITORY, today=TODAY, **kwargs)
    except UnreadableFile as exc:
        assert str(exc) and "error interno" not in str(exc), "the safety net caught a bug"
        return
    check(result)


@SETTINGS
@given(st.binary(max_size=2000), st.sampled_from(["a.csv", "a.xlsx", "a.txt", ""]))
def test_arbitrary_bytes(data, filename):
    attempt(data, filename)


@SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_after_a_header(data):
    attempt(b"periodo;institucion;indicador;ubigeo;valor\n" + data, "a.csv", institution="OIM")


@SETTINGS
@given(header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8),
       body=st.lists(st.lists(CELLS, max_size=9), max_size=8),
       sep=st.sampled_from([",", ";", "\t"]), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
       institution=st.sampled_from([None, "OIM", "ACNUR"]))
def test_arbitrary_small_tables(header, body, sep, encoding, institution):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep)
    writer.writerow(header)
    writer.writerows(body)
    data = buffer.getvalue().encode(encoding, errors="replace")
    attempt(data, "tabla.csv", institution=institution, locked_months={"2022-04"})


@settings(max_examples=max(EXAMPLES // 4, 10), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6),
       body=st.lists(st.lists(st.one_of(CELLS, st.integers(-5, 10**6), st.floats(allow_nan=True),
                                        st.dates().map(lambda d: d.isoformat())), max_size=6), max_size=5),
       title=st.booleans())
def test_arbitrary_small_workbooks(header, body, title):
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append(["Título del reporte"])
    def legal(cell):
        return ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell
    sheet.append([legal(c) for c in header])
    for line in body:
        sheet.append([legal(c) for c in line])
    buffer = io.BytesIO()
    book.save(buffer)
    attempt(buffer.getvalue(), "libro.xlsx")
