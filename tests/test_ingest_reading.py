"""Files that cannot be read (refused with one sentence), templates that read back, and big files that are fast."""
from __future__ import annotations

import dataclasses
import io
import random
import zipfile
from datetime import date

import openpyxl
import pytest

from gapsmodel.rules.catalog import load_catalog
from gapsmodel.ingest import UnreadableFile, make_template_csv, make_template_xlsx, read_upload
from gapsmodel.rules.periods import add_months, month_of
from gapsmodel.rules.territory import load_territory

TODAY = date(2022, 8, 15)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def territory():
    return load_territory()


def refused(data: bytes, catalog, territory, filename="datos.csv") -> str:
    with pytest.raises(UnreadableFile) as info:
        read_upload(data, filename, catalog, territory, today=TODAY)
    message = str(info.value)
    assert "\n" not in message and " / " in message   # one sentence in Spanish, then English
    return message


# --- unreadable ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("data, words", [
    (b"", "vacío"), (b"   \r\n\r\n  ", "vacío"), (b"\xef\xbb\xbf", "vacío"),
    (bytes(range(256)) * 40, "binario"), (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
    (b"Informe mensual de la mesa\nsin columnas\nni separadores\n", "no parece una tabla"),
])
def test_unreadable_files(catalog, territory, data, words):
    assert words in refused(data, catalog, territory)


def test_over_the_size_limit(catalog, territory):
    small = dataclasses.replace(catalog, settings={**catalog.settings, "upload": {
        "max_file_bytes": 1000, "max_rows": 500_000, "max_columns": 200}})
    message = refused(b"periodo,valor\n" + b"2022-05,1\n" * 200, small, territory)
    assert "máximo es 0 MB" in message or "MB" in message


def test_too_many_rows(catalog, territory):
    small = dataclasses.replace(catalog, settings={**catalog.settings, "upload": {
        "max_file_bytes": 20_000_000, "max_rows": 100, "max_columns": 200}})
    data = b"periodo,institucion,indicador,ubigeo,valor\n" + b"2022-05,OIM,camas_albergue,24,1\n" * 500
    assert "más de 100 filas" in refused(data, small, territory)


def test_hundred_thousand_columns(catalog, territory):
    data = (",".join(f"c{i}" for i in range(100_000)) + "\n" + ",".join("1" for _ in range(100_000))).encode()
    assert "columnas" in refused(data, catalog, territory)


def test_too_many_columns_in_xlsx(catalog, territory):
    book = openpyxl.Workbook()
    book.active.append([f"c{i}" for i in range(300)])
    buffer = io.BytesIO()
    book.save(buffer)
    assert "columnas" in refused(buffer.getvalue(), catalog, territory, "ancho.xlsx")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_xlsx_zip_bomb_is_refused_before_opening(catalog, territory):
    data = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                 "xl/worksheets/sheet1.xml": b"\x00" * 120_000_000})
    assert len(data) < 1_000_000
    message = refused(data, catalog, territory, "bomba.xlsx")
    assert "seguridad" in message


@pytest.mark.parametrize("members, words", [
    ({"content.xml": b"<office/>", "mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}, ".ods"),
    ({"readme.txt": b"hola"}, ".zip"),
    ({"xl/workbook.xml": b"not xml at all"}, "No se pudo abrir"),
])
def test_zips_that_are_not_workbooks(catalog, territory, members, words):
    assert words in refused(_zip(members), catalog, territory, "libro.xlsx")


def test_truncated_xlsx(catalog, territory):
    data = make_template_xlsx(catalog, territory, "OIM")
    assert "dañado" in refused(data[: len(data) // 2], catalog, territory, "libro.xlsx")


def test_empty_workbook(catalog, territory):
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    assert "vacío" in refused(buffer.getvalue(), catalog, territory, "libro.xlsx")


# --- templates -----------------------------------------------------------------------------------------------
def _expected_month() -> str:
    return add_months(month_of(date.today()), -1)


def test_csv_template_has_bom_header_hxl_and_obligation_rows(catalog, territory):
    data = make_template_csv(catalog, territory, "ACNUR")
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "periodo,institucion,indicador,ubigeo,distrito,sexo,edad,nacionalidad,valor,nota"
    assert lines[1] == ("#date,#org+code,#indicator+code,#adm3+code,#adm3+name,#sex,#age,#country+code,#value,"
                        "#meta+note")
    obligations = catalog.obligations[catalog.obligations["institution"] == "ACNUR"]["indicator"].tolist()
    assert len(lines) == 2 + len(obligations) * len(territory.district_codes)
    assert lines[2] == f"{_expected_month()},ACNUR,pob_migrante,240101,Tumbes,total,total,total,,"


def test_filled_csv_template_reads_back(catalog, territory):
    lines = make_template_csv(catalog, territory, "DIRESA").decode("utf-8-sig").splitlines()
    filled = lines[:2] + [line.replace(",,", ",7,", 1) if line.endswith(",,") else line for line in lines[2:]]
    data = ("\r\n".join(filled) + "\r\n").encode("utf-8-sig")
    result = read_upload(data, "plantilla.csv", catalog, territory, institution="DIRESA")
    assert result.ok, result.problems_frame().to_string()
    assert result.detected["layout"] == "hxl"
    assert len(result.values) == 4 * 13
    assert set(result.values["value"]) == {7.0}
    assert set(result.values["period"]) == {_expected_month()}
    assert sorted(set(result.values["ubigeo"])) == territory.district_codes


def test_template_for_an_institution_without_obligations_covers_the_region(catalog, territory):
    lines = make_template_csv(catalog, territory, "GORE").decode("utf-8-sig").splitlines()
    assert len(lines) == 2 + len(catalog.indicators)
    assert all(",GORE," in line and ",24," in line for line in lines[2:])


def test_template_for_an_unknown_institution(catalog, territory):
    with pytest.raises(ValueError):
        make_template_csv(catalog, territory, "NADIE")


def test_xlsx_template_sheets_and_read_back(catalog, territory):
    data = make_template_xlsx(catalog, territory, "MIMP")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["datos", "instrucciones", "indicadores", "distritos"]
    sheet = book["datos"]
    assert [c.value for c in sheet[1]] == ["periodo", "institucion", "indicador", "ubigeo", "distrito", "sexo",
                                           "edad", "nacionalidad", "valor", "nota"]
    assert sheet["A2"].value == "#date" and sheet["D3"].value == "240101"
    help_text = [r[0] for r in book["instrucciones"].iter_rows(values_only=True)]
    assert help_text[0].startswith("Instrucciones") and "Instructions (English)" in help_text
    assert any("datos personales" in (t or "") or "DNI" in (t or "") for t in help_text)
    codes = [r[0] for r in book["indicadores"].iter_rows(min_row=2, values_only=True)]
    assert sorted(codes) == sorted(catalog.indicators.index)
    assert codes[0] == "victimas_trata_atendidas"   # the institution's own obligations first
    places = list(book["distritos"].iter_rows(min_row=2, values_only=True))
    assert places[0][0] == "24" and ("240302", "Aguas Verdes", "Zarumilla") in places

    for row in sheet.iter_rows(min_row=3):
        row[8].value = 3
    buffer = io.BytesIO()
    book.save(buffer)
    result = read_upload(buffer.getvalue(), "plantilla.xlsx", catalog, territory, institution="MIMP")
    assert result.ok, result.problems_frame().to_string()
    assert result.detected["sheet"] == "datos"
    obligations = catalog.obligations[catalog.obligations["institution"] == "MIMP"]
    assert len(result.values) == len(obligations) * 13
    assert set(result.values["institution"]) == {"MIMP"} and set(result.values["value"]) == {3.0}


# --- performance ----------------------------------------------------------------------------------------
def test_hundred_thousand_messy_rows_are_fast(catalog, territory):
    rng = random.Random(7)
    indicators = list(catalog.indicators.index)
    names = list(territory.districts["name"])
    codes = territory.district_codes
    months = ["2021-01", "31/05/2022", "mayo 2022", "2022-04-30", "Abril 2022", "2021-12"]
    lines = ["Reporte de ACNUR", ";;;", "Período;Institución;Indicador;UBIGEO;Distrito;Sexo;Edad;Nacionalidad;"
                                        "Valor;Nota"]
    for i in range(100_000):
        d = rng.randrange(13)
        lines.append(";".join([
            months[i % len(months)], rng.choice(["ACNUR", "UNHCR", "Acnur Perú"]), indicators[i % 19],
            codes[d] if i % 3 else "", names[d].upper() if i % 2 else names[d],
            rng.choice(["F", "M", "Total", "mujer"]), rng.choice(["0 a 17", "18-59", "60 y más", "total"]),
            f"N{i}", f"{rng.randrange(1, 5000):,}".replace(",", ".") + (",5" if i % 7 == 0 else ""),
            "nota" if i % 5 == 0 else ""]))
    lines[50] = lines[50].replace("ACNUR", "OIM").replace("UNHCR", "OIM").replace("Acnur Perú", "OIM")
    lines[60] = lines[60].split(";", 1)[0] + ";ACNUR;camas;24;;;;;abc;"
    data = "\r\n".join(lines).encode("cp1252")
    # its speed is measured by benchmarks/run.py, not asserted here
    result = read_upload(data, "grande.csv", catalog, territory, institution="ACNUR", today=TODAY)
    assert result.detected["decimal"] == ","
    assert len(result.values) == 100_000 - 2
    assert [(p.row, p.column) for p in result.errors] == [(51, "Institución"), (61, "Indicador"), (61, "Valor")]


def test_utf16_tab_text_as_saved_by_excel(catalog, territory):
    text = "periodo\tinstitucion\tindicador\tdistrito\tvalor\r\n2022-05\tOIM\tcamas_albergue\tMatapalo\t9\r\n"
    result = read_upload(text.encode("utf-16"), "unicode.txt", catalog, territory, today=TODAY)
    assert result.ok and result.detected["encoding"] == "utf-16" and result.detected["separator"] == "tab"
    assert result.values[["institution", "ubigeo", "value"]].values.tolist() == [["OIM", "240303", 9.0]]


def test_institution_argument_may_be_an_alias(catalog, territory):
    text = b"periodo,institucion,indicador,ubigeo,valor\n2022-05,UNHCR,camas_albergue,24,5\n"
    result = read_upload(text, "a.csv", catalog, territory, institution="Acnur Perú", today=TODAY)
    assert result.ok and result.institution == "ACNUR"


# --- issue 12: unreadable shapes said plainly ------------------------------------------------------------
def _csv(text: str) -> bytes:
    return text.encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("text, row", [
    ('periodo,institucion,indicador,ubigeo,valor,nota\n2022-05,OIM,camas_albergue,240101,1,"sin cerrar\n'
     '2022-05,OIM,camas_albergue,240102,2,ok\n2022-05,OIM,camas_albergue,240103,3,"otra"\n', 2),
    ('periodo,institucion,indicador,ubigeo,valor,nota\n2022-05,OIM,camas_albergue,240101,1,ok\n'
     '2022-05,OIM,camas_albergue,240102,2,"sin cerrar\n2022-05,OIM,camas_albergue,240103,3,ok\n', 3),
])
def test_issue12_an_unclosed_quote_is_refused_with_its_row(catalog, territory, text, row):
    with pytest.raises(UnreadableFile, match=f"Comillas sin cerrar en la fila {row}"):
        read_upload(_csv(text), "datos.csv", catalog, territory)


def test_issue12_a_note_on_two_lines_is_still_fine(catalog, territory):
    text = ('periodo,institucion,indicador,ubigeo,valor,nota\n2022-05,OIM,camas_albergue,240101,1,"línea uno\n'
            'línea dos, con, muchas, comas, y, más"\n2022-05,OIM,camas_albergue,240102,2,ok\n')
    result = read_upload(_csv(text), "datos.csv", catalog, territory)
    assert result.ok and len(result.values) == 2


@pytest.mark.parametrize("data, name", [
    (b'[{"periodo": "2022-05", "valor": 1}, {"periodo": "2022-06", "valor": 2}]', "datos.json"),
    (b'{"periodo": "2022-05", "institucion": "OIM", "valor": 1}', "datos.csv"),
    (b'<?xml version="1.0"?><datos><fila periodo="2022-05"/></datos>', "datos.xml"),
])
def test_issue12_json_and_xml_are_an_unknown_format(catalog, territory, data, name, capsys, tmp_path):
    from gapsmodel.cli.main import main
    with pytest.raises(UnreadableFile, match="no se reconoce"):
        read_upload(data, name, catalog, territory)
    path = tmp_path / name
    path.write_bytes(data)
    code = main(["validate", str(path), "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    out = capsys.readouterr()
    assert code == 2 and "no se reconoce" in out.err and "AVISO" not in out.out


def test_issue12_library_warnings_never_reach_the_user(catalog, territory, capsys, monkeypatch):
    import warnings
    import openpyxl
    real = openpyxl.load_workbook

    def noisy(*args, **kwargs):
        warnings.warn("Unknown extension is not supported and will be removed", UserWarning)
        return real(*args, **kwargs)
    monkeypatch.setattr(openpyxl, "load_workbook", noisy)
    data = xlsx_bytes([["periodo", "institucion", "indicador", "ubigeo", "valor"],
                       ["2022-05", "OIM", "camas_albergue", "240101", 3]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = read_upload(data, "datos.xlsx", catalog, territory)
    assert result.ok and not [w for w in caught if "Unknown extension" in str(w.message)]


def test_issue12_a_workbook_too_slow_to_read_is_refused_saying_so(catalog, territory, monkeypatch):
    from gapsmodel.ingest import reading
    monkeypatch.setattr(reading, "XLSX_MAX_SECONDS", 0)
    rows = [["periodo", "institucion", "indicador", "ubigeo", "valor"]]
    rows += [["2022-05", "OIM", "camas_albergue", "240101", i] for i in range(5000)]
    with pytest.raises(UnreadableFile, match="demasiado grande para revisarlo en el tiempo"):
        read_upload(xlsx_bytes(rows), "datos.xlsx", catalog, territory)


def test_issue12_sheets_without_a_header_are_scanned_not_read_whole(catalog, territory, monkeypatch):
    from gapsmodel.ingest import reading
    seen = []
    real = reading._sheet_grid

    def counting(ws, limits, max_rows=None, started=None):
        frame = real(ws, limits, max_rows=max_rows, started=started)
        seen.append((ws.title, 0 if frame is None else len(frame)))
        return frame
    monkeypatch.setattr(reading, "_sheet_grid", counting)
    book = openpyxl.Workbook()
    first = book.active
    for n in range(6):
        ws = first if n == 0 else book.create_sheet()
        ws.title = f"notas{n}"
        for i in range(500):
            ws.append([f"texto {i}", i])
    data_sheet = book.create_sheet("hoja")
    data_sheet.append(["periodo", "institucion", "indicador", "ubigeo", "valor"])
    data_sheet.append(["2022-05", "OIM", "camas_albergue", "240101", 3])
    buffer = io.BytesIO()
    book.save(buffer)
    result = read_upload(buffer.getvalue(), "datos.xlsx", catalog, territory)
    assert result.ok and len(result.values) == 1
    assert all(n <= reading.HEADER_SCAN_ROWS for title, n in seen if title.startswith("notas"))


@pytest.mark.parametrize("year, month", [("ANIO", "MES"), ("Anio", "NroMes"), ("anio", "num_mes"), ("Año", "Mes")])
def test_issue12_year_and_month_in_two_columns_are_read_as_the_month(catalog, territory, year, month):
    text = (f"{year},{month},institucion,indicador,ubigeo,valor\n2023,5,OIM,camas_albergue,240101,3\n"
            f"2023,12,OIM,camas_albergue,240101,4\n2024,enero,OIM,camas_albergue,240101,5\n")
    result = read_upload(_csv(text), "datos.csv", catalog, territory, today=date(2024, 6, 1))
    assert result.ok, result.problems_frame().to_string()
    assert sorted(result.values["period"]) == ["2023-05", "2023-12", "2024-01"]
    assert result.detected["columns"]["period"] == f"{year} + {month}"     # shown under "cómo se leyó"


def test_issue12_year_and_month_pair_from_a_workbook(catalog, territory):
    data = xlsx_bytes([["ANIO", "MES", "institucion", "indicador", "ubigeo", "valor"],
                       [2023, 5, "OIM", "camas_albergue", "240101", 3]])
    result = read_upload(data, "datos.xlsx", catalog, territory, today=date(2024, 6, 1))
    assert result.ok and result.values["period"].tolist() == ["2023-05"]


def test_issue12_a_total_footer_row_is_skipped_with_a_warning(catalog, territory):
    data = xlsx_bytes([["periodo", "institucion", "indicador", "ubigeo", "valor"],
                       ["2023-05", "OIM", "camas_albergue", "240101", 3],
                       ["2023-05", "OIM", "camas_albergue", "240102", 4],
                       ["TOTAL", None, None, None, 7]])
    result = read_upload(data, "datos.xlsx", catalog, territory, today=date(2024, 6, 1))
    assert result.ok and len(result.values) == 2
    assert [(p.row, p.level) for p in result.problems] == [(4, "warning")]
    assert "total" in result.problems[0].message.lower()


def test_issue12_a_plain_header_row_is_told_which_required_columns_it_lacks(catalog, territory):
    text = "Departamento,Provincia,Distrito,Casos atendidos\nTUMBES,TUMBES,TUMBES,3\n"
    result = read_upload(_csv(text), "datos.csv", catalog, territory)
    assert not result.ok
    message = result.errors[0].message
    assert "No se encontró la fila de títulos" not in message
    assert "La fila 1 parece la fila de títulos" in message and "«periodo»" in message and "«valor»" in message
    assert "«ubigeo o distrito»" not in message and "Distrito" in message


def test_issue12_the_fast_sheet_reader_reads_what_openpyxl_reads(tmp_path):
    """Workbooks are read by parsing the sheet XML directly (openpyxl's cell objects made a 9 MB workbook
    take a minute): the values must be those openpyxl gives."""
    from datetime import datetime, time
    from gapsmodel.ingest import reading
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["periodo", "valor", "nota", "fecha", "sí/no"])
    ws.append(["2022-05", 3, "ñandú «x»", datetime(2022, 5, 31), True])
    ws.append([None, 2.5, None, datetime(2022, 6, 1, 13, 30), False])
    ws["A6"] = "tras filas vacías"
    ws["C6"] = 1e20
    ws["D6"] = time(8, 15)
    ws["E7"] = "=1+1"
    path = tmp_path / "b.xlsx"
    book.save(path)
    ro = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = ro.worksheets[0]
    slow = [[reading._cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    fast = [[reading._cell(v) for v in row] for row in reading._fast_rows(sheet, None)]

    def trimmed(rows):
        out = []
        for row in rows:
            row = list(row)
            while row and row[-1] == "":
                row.pop()
            out.append(row)
        return out
    assert trimmed(fast) == trimmed(slow)
    assert trimmed(fast)[5][0] == "tras filas vacías" and len(fast) >= 6   # empty rows 4-5 kept as rows
