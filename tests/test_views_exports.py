"""Exports: formulas neutralised in CSV and Excel, accents readable, numbers kept as numbers, no secrets."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from gapsmodel.records import accounts
from gapsmodel.views import exports
from gapsmodel.records.permissions import Actor, PermissionDenied
from gapsmodel.records.store import Store

ADMIN = Actor("jefa", "admin")
PW = "una clave larga 123"
DANGEROUS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=HYPERLINK(\"http://x\")"]


pytestmark = pytest.mark.usefixtures("fast_hashing")


@pytest.fixture
def store(tmp_path):
    return Store.open(f"sqlite:///{tmp_path / 't.db'}")


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "nota": DANGEROUS + ["Año Tumbes", "normal"],
        "valor": [-3.5, 1, 2, 3, 4, 5, 6, 7, np.nan],
        "entero": list(range(-4, 5)),
        "institución": ["ACNUR"] * 9,
    })


def test_neutralise_single_values():
    for text in DANGEROUS:
        assert exports.neutralise(text) == "'" + text
    assert exports.neutralise("Aguas Verdes") == "Aguas Verdes"
    assert exports.neutralise(-5) == -5 and exports.neutralise(-2.5) == -2.5
    assert exports.neutralise(None) is None


def test_csv_has_bom_accents_and_neutralised_text(tmp_path):
    data = exports.to_csv_bytes(frame().assign(**{"=evil": "x"}))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "Año Tumbes" in text and "institución" in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    assert header[-1] == "'=evil"
    notes = [r[0] for r in body]
    assert notes[: len(DANGEROUS)] == ["'" + d for d in DANGEROUS]
    assert all(not n.startswith(exports.FORMULA_PREFIXES) for n in notes)
    assert [r[1] for r in body][0] == "-3.5"  # a negative number stays a number
    assert [r[2] for r in body][0] == "-4"
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["valor"].iloc[0] == -3.5 and back["entero"].dtype.kind == "i"


def test_xlsx_read_back_with_openpyxl():
    other = pd.DataFrame({"cuándo": [pd.Timestamp("2022-05-31 10:00", tz="UTC")], "ok": [True],
                          "control": ["\x01=2+2"]})
    data = exports.to_xlsx_bytes({"Brechas: 2022/05 [trata]": frame(), "x" * 40: other, "x" * 41: other})
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[0] == "Brechas_ 2022_05 _trata_"
    assert len(book.sheetnames) == 3 and all(len(n) <= 31 for n in book.sheetnames)
    assert len(set(n.casefold() for n in book.sheetnames)) == 3
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == ["nota", "valor", "entero", "institución"]
    for r, text in zip(rows[1:], DANGEROUS):
        # XML readers turn a carriage return into a line feed; the apostrophe is what matters
        assert r[0].value == "'" + text.replace("\r", "\n") and r[0].data_type == "s"
    assert rows[1][1].value == -3.5 and rows[1][1].data_type == "n"
    assert rows[1][2].value == -4 and rows[1][2].data_type == "n"
    assert rows[-1][1].value is None  # NaN is an empty cell
    assert rows[-2][0].value == "Año Tumbes"
    assert not any(c.data_type == "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)
    second = book.worksheets[1]
    assert second.cell(2, 1).value == datetime(2022, 5, 31, 10, 0)
    assert second.cell(2, 2).value is True
    assert second.cell(2, 3).value == "'=2+2"  # control character removed, then neutralised


def test_audit_export_needs_read_audit_and_holds_no_secrets(store, catalog):
    accounts.add_user(store, "ana", "analyst", password=PW, actor=ADMIN, catalog=catalog)
    accounts.set_password(store, "ana", PW + "x", actor=ADMIN)
    accounts.authenticate(store, "ana", PW + "x")
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate(store, "ana", PW)
    # a detail written by mistake with a secret field is redacted on the way out
    store.audit("jefa", "prueba", {"password": PW, "nested": {"token": "abc"}, "note": "$argon2id$v=19$zzz"})
    with pytest.raises(PermissionDenied):
        exports.audit_frame_for_export(store, actor=Actor("ana", "analyst"))
    audit = exports.audit_frame_for_export(store, actor=ADMIN)
    assert list(audit.columns) == exports.AUDIT_COLUMNS
    assert {"user_add", "user_password", "login", "login_failed"} <= set(audit["action"])
    for data in (exports.to_csv_bytes(audit), exports.to_xlsx_bytes({"auditoría": audit})):
        assert PW.encode() not in data
        assert b"$argon2" not in data and b"abc" not in data
    assert "[redactado]" in " ".join(audit["detail"])


def test_user_list_export_holds_no_secrets(store, catalog):
    accounts.add_user(store, "ana", "partner", "ACNUR", password=PW, actor=ADMIN, catalog=catalog)
    listed = accounts.list_users(store, actor=ADMIN)
    data = exports.to_csv_bytes(listed) + exports.to_xlsx_bytes({"usuarios": listed})
    assert PW.encode() not in data and b"$argon2" not in data


def test_download_values_needs_download(store):
    with pytest.raises(PermissionDenied):
        exports.download_values(store, actor=Actor("visita", "public"))
    assert exports.download_values(store, actor=Actor("a", "analyst")).empty


def test_issue12_text_cells_are_quoted_so_a_semicolon_spreadsheet_sees_no_formula():
    """``a;=1+1`` unquoted became two cells, the second a formula, where the list separator is ``;``."""
    import csv
    import io
    data = exports.to_csv_bytes(pd.DataFrame({"nota": ["a;=1+1", "b,@SUM(A1)", "ok"], "valor": [1.5, 2, -3]}))
    text = data.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == '"nota","valor"'
    assert lines[1] == '"a;=1+1",1.5' and lines[2] == '"b,@SUM(A1)",2.0' and lines[3] == '"ok",-3.0'
    # read with ';' as the separator, as a Spanish-locale spreadsheet does: no cell starts a formula
    for row in csv.reader(io.StringIO(text), delimiter=";"):
        assert not any(cell.startswith(("=", "+", "@")) for cell in row), row


def test_an_audit_detail_reads_as_words_in_each_language():
    from gapsmodel.i18n import Translator
    detail = '{"id": 8, "before": {"status": "pendiente"}, "periods": ["2023-03", "2023-04"], "public": true, ' \
             '"institution": null, "odd_key": "x"}'
    assert exports.readable_detail(detail, Translator("es")) == (
        "n.º: 8 · antes: estado=Pendiente · periodos: 2023-03, 2023-04 · pública: sí · institución: — · odd_key: x")
    assert exports.readable_detail(detail, Translator("en")).startswith("no.: 8 · before: status=Pending")
    assert exports.readable_detail("texto libre {", Translator("es")) == "texto libre {"
    assert exports.readable_detail(None, Translator("es")) == ""


def test_the_programs_own_names_are_said_in_the_readers_language_and_users_names_as_they_are():
    from gapsmodel.i18n import Translator
    from gapsmodel.records.demo import DEMO_ACTOR
    from gapsmodel.records.permissions import COMMAND_LINE
    en, es = Translator("en"), Translator("es")
    assert exports.actor_name(COMMAND_LINE.username, en) == "command line"
    assert exports.actor_name(DEMO_ACTOR.username, en) == "demo data"
    assert exports.actor_name("demostración / demo", es) == "datos de demostración"    # signed by older versions
    assert exports.actor_name("línea de comandos", es) == "línea de comandos"
    assert exports.actor_name("admin.mesa", en) == "admin.mesa" and exports.actor_name(None, en) == ""
