"""Partner uploads (DOMAIN.md §6, §7): files as real tools write them, read to exact values or refused clearly."""
from __future__ import annotations

import re

import dataclasses
import io
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest

from gapsmodel.rules.catalog import load_catalog
from gapsmodel.ingest import Problem, UploadResult, read_upload
from gapsmodel.ingest.values import parse_month
from gapsmodel.records.store import VALUE_COLUMNS
from gapsmodel.rules.territory import load_territory

TODAY = date(2022, 8, 15)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def territory():
    return load_territory()


@pytest.fixture()
def read(catalog, territory):
    def _read(data, filename="datos.csv", **kwargs) -> UploadResult:
        if isinstance(data, str):
            data = data.encode("utf-8")
        kwargs.setdefault("today", TODAY)
        return read_upload(data, filename, catalog, territory, **kwargs)
    return _read


def rows(result: UploadResult) -> list[tuple]:
    """Values as sorted tuples (institution, indicator, ubigeo, period, sex, age, nationality, value, note)."""
    return sorted(tuple(r) for r in result.values[VALUE_COLUMNS].itertuples(index=False))


def only_error(result: UploadResult) -> Problem:
    assert len(result.errors) == 1, result.problems_frame().to_string()
    return result.errors[0]


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, content in sheets.items():
        sheet = book.create_sheet(title)
        for r, line in enumerate(content, start=1):
            for c, value in enumerate(line, start=1):
                if value is not None:
                    sheet.cell(row=r, column=c, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- encodings, separators, number styles ------------------------------------------------------------------
def test_cp1252_semicolon_decimal_comma_spanish_excel(read):
    text = ("Período;Institución;Indicador;Distrito;Sexo;Edad;Valor;Observaciones\r\n"
            "31/05/2022;Acnur Perú;camas_albergue;Aguas Verdes;Total;Total;1.234,5;atención en albergue\r\n"
            "mayo 2022;ACNUR;personas_requieren_alojamiento;ZORRITOS;Mujeres;0 a 17;12,5;\r\n"
            "2022-06;acnur;personas_requieren_alojamiento;Pampas de Hospital;F;60 y más;2.000;niñas\r\n")
    result = read(text.encode("cp1252"), "acnur.csv")
    assert result.ok, result.problems_frame().to_string()
    assert result.detected["encoding"] == "cp1252"
    assert result.detected["separator"] == ";"
    assert result.detected["decimal"] == ","
    assert result.institution == "ACNUR"
    assert rows(result) == [
        ("ACNUR", "camas_albergue", "240302", "2022-05", "total", "total", "total", 1234.5, "atención en albergue"),
        ("ACNUR", "personas_requieren_alojamiento", "240104", "2022-06", "mujer", "60+", "total", 2000.0, "niñas"),
        ("ACNUR", "personas_requieren_alojamiento", "240201", "2022-05", "mujer", "0-17", "total", 12.5, ""),
    ]


def test_utf8_bom_comma_separated_decimal_point_english_headers(read):
    text = ("Date,Organization,Indicator,ADM3 code,Gender,Age group,Nationality,Value,Note\n"
            '2022-05-31,UNHCR,pob_migrante,240101,Female,18-59,VEN,"1,234.5",ok\n'
            "May 2022,UNHCR,pob_migrante,240101,male,18 a 59,VEN,15,\n")
    result = read("\ufeff" + text)
    assert result.ok, result.problems_frame().to_string()
    assert result.detected["encoding"] == "utf-8-sig"
    assert result.detected["separator"] == ","
    assert result.detected["decimal"] == "."
    assert rows(result) == [
        ("ACNUR", "pob_migrante", "240101", "2022-05", "hombre", "18-59", "VEN", 15.0, ""),
        ("ACNUR", "pob_migrante", "240101", "2022-05", "mujer", "18-59", "VEN", 1234.5, "ok"),
    ]


def test_tab_separated_with_ubigeo_as_excel_float(read):
    text = ("periodo\tindicador\tubigeo\tvalor\n"
            "2022-07\tcamas_albergue\t240302.0\t40\n"
            "2022-07\tcamas_albergue\t24\t100\n")
    result = read(text, institution="OIM")
    assert result.ok, result.problems_frame().to_string()
    assert result.detected["separator"] == "tab"
    assert rows(result) == [
        ("OIM", "camas_albergue", "24", "2022-07", "total", "total", "total", 100.0, ""),
        ("OIM", "camas_albergue", "240302", "2022-07", "total", "total", "total", 40.0, ""),
    ]


def test_ambiguous_thousands_or_decimal_is_reported_not_guessed(read):
    text = ('periodo,institucion,indicador,ubigeo,valor\n'
            '2022-05,OIM,camas_albergue,240101,"1,234"\n'
            '2022-05,OIM,camas_albergue,240102,"2,500"\n'
            '2022-05,OIM,camas_albergue,240103,7\n')
    result = read(text)
    problem = only_error(result)
    assert problem.row is None
    assert problem.column == "valor"
    assert "sin separador de miles" in problem.message
    assert "filas 2, 3" in problem.message
    assert result.detected["decimal"] is None
    assert rows(result) == [("OIM", "camas_albergue", "240103", "2022-05", "total", "total", "total", 7.0, "")]


def test_lone_comma_in_semicolon_file_is_decimal(read):
    text = "periodo;institucion;indicador;ubigeo;valor\n2022-05;OIM;camas_albergue;240101;1,234\n"
    result = read(text)
    assert result.ok
    assert result.detected["decimal"] == ","
    assert result.values["value"].tolist() == [1.234]


def test_other_evidence_settles_an_ambiguous_value(read):
    text = ("periodo;institucion;indicador;ubigeo;valor\n"
            "2022-05;OIM;camas_albergue;240101;1.234\n"
            "2022-05;OIM;camas_albergue;240102;12.5\n")
    result = read(text)
    assert result.ok
    assert result.detected["decimal"] == "."
    assert sorted(result.values["value"]) == [1.234, 12.5]


def test_mixed_number_styles_are_refused(read):
    text = ("periodo;institucion;indicador;ubigeo;valor\n"
            "2022-05;OIM;camas_albergue;240101;1.234,5\n"
            "2022-05;OIM;camas_albergue;240102;1,234.5\n")
    problem = only_error(read(text))
    assert problem.row is None
    assert "mezcla los dos estilos" in problem.message


# --- Excel ---------------------------------------------------------------------------------------------
def test_xlsx_with_title_rows_numeric_ubigeo_and_date_cells(read):
    content = [
        ["Reporte mensual ACNUR - Tumbes"],
        [None],
        ["Período", "Institución", "Indicador", "UBIGEO", "Valor", "Nota"],
        [datetime(2022, 5, 31), "UNHCR", "camas_albergue", 240101, 35, None],
        [datetime(2022, 6, 1), "ACNUR", "camas_albergue", 240302.0, 12.5, "nuevo"],
        ["2022-06", "ACNUR", "camas_albergue", 240301, -3, None],
    ]
    data = xlsx_bytes({"Instrucciones": [["Llene la hoja siguiente"]], "Hoja1": content})
    result = read(data, "reporte.xlsx")
    assert result.detected["sheet"] == "Hoja1"
    assert result.detected["header_row"] == 3
    problem = only_error(result)
    assert (problem.row, problem.column, problem.value) == (6, "Valor", "-3")
    assert "negativo" in problem.message
    assert rows(result) == [
        ("ACNUR", "camas_albergue", "240101", "2022-05", "total", "total", "total", 35.0, ""),
        ("ACNUR", "camas_albergue", "240302", "2022-06", "total", "total", "total", 12.5, "nuevo"),
    ]


def test_xlsx_sheet_named_datos_wins(read):
    header = ["periodo", "institucion", "indicador", "ubigeo", "valor"]
    data = xlsx_bytes({"resumen": [header, ["2022-05", "OIM", "camas_albergue", "240101", 1]],
                       "datos": [header, ["2022-05", "OIM", "camas_albergue", "240102", 2]]})
    result = read(data, "libro.xlsx")
    assert result.detected["sheet"] == "datos"
    assert rows(result) == [("OIM", "camas_albergue", "240102", "2022-05", "total", "total", "total", 2.0, "")]


def test_xlsx_text_numbers_follow_the_decimal_rules(read):
    header = ["periodo", "institucion", "indicador", "ubigeo", "valor"]
    data = xlsx_bytes({"datos": [header, ["2022-05", "OIM", "camas_albergue", "240101", "1.234,5"],
                                 ["2022-05", "OIM", "camas_albergue", "240102", 1.234]]})
    result = read(data, "libro.xlsx")
    assert result.ok
    assert sorted(result.values["value"]) == [1.234, 1234.5]


# --- HXL and wide layouts ------------------------------------------------------------------------------
def test_hxl_row_under_header_gives_meaning_to_unknown_headers(read):
    text = ("Mes de reporte,Agencia que reporta,Ind,Pcode,Lugar,Cifra\n"
            "#date+reported,#org+name,#indicator+code,#adm3+pcode,#adm3+name,#affected+num\n"
            "2022-05,IOM,victimas_trata_atendidas,240302,Aguas Verdes,4\n"
            "2022-05,IOM,victimas_trata_atendidas,240301,zarumilla,2\n")
    result = read(text)
    assert result.ok, result.problems_frame().to_string()
    assert result.detected["layout"] == "hxl"
    assert result.detected["hxl"] is True
    assert rows(result) == [
        ("OIM", "victimas_trata_atendidas", "240301", "2022-05", "total", "total", "total", 2.0, ""),
        ("OIM", "victimas_trata_atendidas", "240302", "2022-05", "total", "total", "total", 4.0, ""),
    ]


def test_hxl_row_alone_is_the_header(read):
    text = ("#date,#org+code,#indicator+code,#adm3+code,#sex,#age,#country,#value,#meta+note\n"
            "2022-06,CARE,casos_vbg_atendidos,240101,f,0-17,COL,6,\n")
    result = read(text)
    assert result.ok, result.problems_frame().to_string()
    assert result.detected["header_row"] == 1
    assert rows(result) == [("CARE", "casos_vbg_atendidos", "240101", "2022-06", "mujer", "0-17", "COL", 6.0, "")]


def test_wide_layout_is_melted_and_empty_cells_skipped(read):
    text = ("periodo;ubigeo;camas_albergue;personas_requieren_alojamiento\n"
            "2022-05;240302;40;120\n"
            "2022-05;240301;;35\n")
    result = read(text, institution="ACNUR")
    assert result.ok, result.problems_frame().to_string()
    assert result.detected["layout"] == "wide"
    assert rows(result) == [
        ("ACNUR", "camas_albergue", "240302", "2022-05", "total", "total", "total", 40.0, ""),
        ("ACNUR", "personas_requieren_alojamiento", "240301", "2022-05", "total", "total", "total", 35.0, ""),
        ("ACNUR", "personas_requieren_alojamiento", "240302", "2022-05", "total", "total", "total", 120.0, ""),
    ]


def test_wide_layout_errors_name_the_indicator_column(read):
    text = ("periodo;distrito;camas_albergue;camas_albergues\n"
            "2022-05;Zorritos;abc;3\n")
    result = read(text, institution="ACNUR")
    by_column = {p.column: p for p in result.errors}
    assert by_column["camas_albergues"].row == 1
    assert "¿Quiso decir 'camas_albergue'?" in by_column["camas_albergues"].message
    assert (by_column["camas_albergue"].row, by_column["camas_albergue"].value) == (2, "abc")


# --- periods -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cell, month", [
    ("2022-05", "2022-05"), ("2022/5", "2022-05"), ("31/05/2022", "2022-05"), ("2022-05-31", "2022-05"),
    ("mayo 2022", "2022-05"), ("Mayo de 2022", "2022-05"), ("May 2022", "2022-05"), ("may-22", "2022-05"),
    ("setiembre 2022", "2022-09"), ("Sept. 2022", "2022-09"), ("05/2022", "2022-05"), ("202205", "2022-05"),
    ("2022-05-31 00:00:00", "2022-05"), ("05/31/2022", "2022-05"), ("31-may-2022", "2022-05"),
    (datetime(2022, 5, 31), "2022-05"), ("  Diciembre 2021 ", "2021-12"),
])
def test_period_formats(cell, month):
    assert parse_month(cell) == (month, None)


@pytest.mark.parametrize("cell, words", [
    ("2022-13", "Mes imposible"), ("31/02/2022", "Fecha imposible"), ("mayo", "no reconocido"),
    ("", "Falta el periodo"), ("1899-05", "Año fuera de rango"),
])
def test_bad_periods(cell, words):
    month, message = parse_month(cell)
    assert month is None and words in message


def test_impossible_and_future_months_are_errors_with_row_and_column(read):
    text = ("Periodo,institucion,indicador,ubigeo,valor\n"
            "2022-13,OIM,camas_albergue,240101,1\n"
            "2022-09,OIM,camas_albergue,240101,1\n"
            "2022-08,OIM,camas_albergue,240101,1\n")
    result = read(text)
    errors = [(p.row, p.column, p.value) for p in result.errors]
    assert errors == [(2, "Periodo", "2022-13"), (3, "Periodo", "2022-09")]
    assert "Mes imposible" in result.errors[0].message
    assert "Mes futuro" in result.errors[1].message
    assert rows(result) == [("OIM", "camas_albergue", "240101", "2022-08", "total", "total", "total", 1.0, "")]


def test_locked_month_is_refused(read):
    text = "periodo,institucion,indicador,ubigeo,valor\n2022-05,OIM,camas_albergue,240101,1\n"
    problem = only_error(read(text, locked_months={"2022-05"}))
    assert (problem.row, problem.column, problem.value) == (2, "periodo", "2022-05")
    assert problem.message.startswith("Mes aprobado y cerrado por la secretaría técnica; pida a un administrador "
                                      "que lo reabra")


# --- places ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("ubigeo, district, code", [
    ("240101", "", "240101"), ("", "tumbes", "240101"), ("", "SAN JUAN DE LA VIRGEN", "240106"),
    ("", "Canoas de Punta Sal", "240203"), ("24", "", "24"), ("", "Región Tumbes", "24"),
    ("", "Tumbes región", "24"), ("", "regional", "24"), ("240302", "Aguas Verdes", "240302"),
    ("", "Distrito de Zorritos", "240201"),
])
def test_district_by_code_or_name(read, ubigeo, district, code):
    text = f"periodo,institucion,indicador,ubigeo,distrito,valor\n2022-05,OIM,camas_albergue,{ubigeo},{district},1\n"
    result = read(text)
    assert result.ok, result.problems_frame().to_string()
    assert result.values["ubigeo"].tolist() == [code]


def test_name_and_code_that_disagree_are_an_error_naming_both(read):
    text = "periodo,institucion,indicador,ubigeo,distrito,valor\n2022-05,OIM,camas_albergue,240101,Zorritos,1\n"
    problem = only_error(read(text))
    assert (problem.row, problem.column, problem.value) == (2, "ubigeo", "240101")
    assert "240101 (Tumbes)" in problem.message and "«Zorritos» (240201)" in problem.message


def test_unknown_district_and_ubigeo(read):
    text = ("periodo,institucion,indicador,ubigeo,distrito,valor\n"
            "2022-05,OIM,camas_albergue,,Zoritos,1\n"
            "2022-05,OIM,camas_albergue,150101,,1\n"
            "2022-05,OIM,camas_albergue,2401,,1\n"
            "2022-05,OIM,camas_albergue,,,1\n")
    result = read(text)
    errors = [(p.row, p.column, p.value) for p in result.errors]
    assert errors == [(2, "distrito", "Zoritos"), (3, "ubigeo", "150101"), (4, "ubigeo", "2401"), (5, "ubigeo", "")]
    assert "¿Quiso decir 'Zorritos'?" in result.errors[0].message
    assert "UBIGEO desconocido" in result.errors[1].message
    assert "provincia" in result.errors[2].message
    assert "Falta el distrito" in result.errors[3].message


# --- categories ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("sex, code", [("F", "mujer"), ("M", "hombre"), ("Mujer", "mujer"), ("hombres", "hombre"),
                                       ("Femenino", "mujer"), ("masculino", "hombre"), ("female", "mujer"),
                                       ("Men", "hombre"), ("women", "mujer"), ("Total", "total"),
                                       ("todos", "total"), ("ambos", "total"), ("", "total")])
def test_sex_values(read, sex, code):
    text = f"periodo,institucion,indicador,ubigeo,sexo,valor\n2022-05,OIM,camas_albergue,24,{sex},1\n"
    assert read(text).values["sex"].tolist() == [code]


@pytest.mark.parametrize("age, code", [("0-17", "0-17"), ("0 a 17", "0-17"), ("menores de 18", "0-17"),
                                       ("0 - 17 años", "0-17"), ("18-59", "18-59"), ("18 a 59", "18-59"),
                                       ("60+", "60+"), ("60 a más", "60+"), ("60 y más", "60+"),
                                       ("Mayores de 60", "60+"), ("total", "total"), ("", "total")])
def test_age_values(read, age, code):
    text = f"periodo,institucion,indicador,ubigeo,edad,valor\n2022-05,OIM,camas_albergue,24,{age},1\n"
    assert read(text).values["age"].tolist() == [code]


def test_unknown_sex_and_age_list_allowed_values(read):
    text = "periodo,institucion,indicador,ubigeo,sexo,edad,valor\n2022-05,OIM,camas_albergue,24,otro,5-9,1\n"
    result = read(text)
    errors = {p.column: p for p in result.errors}
    assert (errors["sexo"].row, errors["sexo"].value) == (2, "otro")
    assert "mujer, hombre, total" in errors["sexo"].message
    assert (errors["edad"].row, errors["edad"].value) == (2, "5-9")
    assert "0-17, 18-59, 60+, total" in errors["edad"].message


# --- institutions and indicators -----------------------------------------------------------------------
def test_institution_aliases_and_unknown_with_suggestion(read):
    text = ("periodo,institucion,indicador,ubigeo,valor\n"
            "2022-05,IOM,camas_albergue,24,1\n"
            "2022-05,OIM Perú,camas_albergue,240101,1\n"
            "2022-05,OIMM,camas_albergue,240102,1\n")
    result = read(text)
    problem = only_error(result)
    assert (problem.row, problem.column, problem.value) == (4, "institucion", "OIMM")
    assert "¿Quiso decir 'OIM'?" in problem.message
    assert sorted(result.values["institution"]) == ["OIM", "OIM"]


def test_institution_column_omitted_uses_the_uploader(read):
    text = "periodo,indicador,ubigeo,valor\n2022-05,camas_albergue,24,8\n"
    result = read(text, institution="ENCUENTROS")
    assert result.ok and result.institution == "ENCUENTROS"
    assert rows(result) == [("ENCUENTROS", "camas_albergue", "24", "2022-05", "total", "total", "total", 8.0, "")]


def test_institution_missing_everywhere_is_a_file_level_error(read):
    text = "periodo,indicador,ubigeo,valor\n2022-05,camas_albergue,24,8\n"
    result = read(text)
    problem = only_error(result)
    assert problem.row is None and "Falta la institución" in problem.message
    assert result.values.empty


def test_file_of_another_institution_is_refused_per_row(read):
    text = ("periodo,institucion,indicador,ubigeo,valor\n"
            "2022-05,ACNUR,camas_albergue,24,1\n"
            "2022-05,UNHCR,camas_albergue,240101,1\n"
            "2022-05,OIM,camas_albergue,240102,1\n")
    result = read(text, institution="OIM")
    assert [(p.row, p.column, p.value) for p in result.errors] == [(2, "institucion", "ACNUR"),
                                                                   (3, "institucion", "UNHCR")]
    assert result.errors[0].message.startswith("Su cuenta es de OIM; este archivo trae datos de ACNUR")
    assert result.institution == "OIM"


def test_several_institutions_without_an_account_are_refused(read):
    text = ("periodo,institucion,indicador,ubigeo,valor\n"
            "2022-05,ACNUR,camas_albergue,24,1\n2022-05,OIM,camas_albergue,24,1\n")
    problem = only_error(read(text))
    assert problem.row is None and "varias instituciones (ACNUR, OIM)" in problem.message


def test_unknown_indicator_suggests_the_code(read):
    text = ("periodo,institucion,indicador,ubigeo,valor\n"
            "2022-05,OIM,camas_albergu,24,1\n"
            "2022-05,OIM,Camas disponibles en albergues,240101,1\n"
            "2022-05,OIM,,240102,1\n")
    result = read(text)
    assert [(p.row, p.column, p.value) for p in result.errors] == [(2, "indicador", "camas_albergu"),
                                                                   (4, "indicador", "")]
    assert "Indicador desconocido. ¿Quiso decir 'camas_albergue'?" in result.errors[0].message
    assert result.values["indicator"].tolist() == ["camas_albergue"]


# --- values, duplicates, columns -------------------------------------------------------------------------
def test_value_errors(read):
    text = ("periodo,institucion,indicador,ubigeo,valor,nota\n"
            "2022-05,OIM,camas_albergue,240101,doce,\n"
            "2022-05,OIM,camas_albergue,240102,-4,\n"
            "2022-05,OIM,camas_albergue,240103,,\n"
            "2022-05,OIM,camas_albergue,240104,0,<script>alert(1)</script>\n")
    result = read(text)
    assert [(p.row, p.column, p.value) for p in result.errors] == [(2, "valor", "doce"), (3, "valor", "-4"),
                                                                   (4, "valor", "")]
    assert "No es un número" in result.errors[0].message
    assert "negativo" in result.errors[1].message
    assert "Falta el valor" in result.errors[2].message
    assert rows(result) == [("OIM", "camas_albergue", "240104", "2022-05", "total", "total", "total", 0.0,
                             "<script>alert(1)</script>")]


def test_duplicate_keys_name_both_rows(read):
    text = ("periodo,institucion,indicador,ubigeo,distrito,valor\n"
            "2022-05,OIM,camas_albergue,240101,,1\n"
            "2022-05,OIM,camas_albergue,240102,,1\n"
            "31/05/2022,IOM,camas_albergue,,Tumbes,2\n")
    problem = only_error(read(text))
    assert (problem.row, problem.column, problem.value) == (4, "valor", "2")
    assert "las filas 2 y 4" in problem.message


def test_missing_required_columns_is_one_file_level_error(read):
    text = "fecha,institucion,cantidad\n2022-05,OIM,4\n"
    result = read(text)
    problem = only_error(result)
    assert problem.row is None
    assert "«indicador»" in problem.message and "«ubigeo o distrito»" in problem.message
    assert "distrito, district" in problem.message
    assert result.values.empty


def test_no_header_at_all(read):
    result = read("a,b,c\n1,2,3\n")
    problem = only_error(result)
    assert problem.row is None and "No se encontró la fila de títulos" in problem.message


def test_every_problem_at_once_and_problems_frame(read):
    text = ("periodo,institucion,indicador,ubigeo,valor,extra\n"
            "2022-15,OIM,camas_albergue,240101,1,x\n"
            "2022-05,XYZ,camas,999999,abc,y\n")
    result = read(text)
    assert not result.ok
    frame = result.problems_frame()
    assert list(frame.columns) == ["fila", "columna", "valor", "problema", "nivel"]
    assert frame[frame["nivel"] == "error"][["fila", "columna"]].values.tolist() == [
        [2, "periodo"], [3, "institucion"], [3, "indicador"], [3, "ubigeo"], [3, "valor"]]
    assert frame[frame["nivel"] == "aviso"][["fila", "columna"]].values.tolist() == [[1, "extra"]]


# --- warnings ------------------------------------------------------------------------------------------
def test_value_far_from_own_history_is_a_warning(read):
    history = pd.DataFrame([
        {"institution": "OIM", "indicator": "camas_albergue", "ubigeo": "240302", "period": f"2022-0{m}",
         "sex": "total", "age": "total", "nationality": "total", "value": v, "note": ""}
        for m, v in [(1, 40), (2, 42), (3, 38), (4, 41)]])
    text = ("periodo,institucion,indicador,ubigeo,valor\n"
            "2022-05,OIM,camas_albergue,240302,400\n"
            "2022-05,OIM,camas_albergue,240301,400\n"
            "2022-06,OIM,camas_albergue,240302,45\n"
            "2022-07,OIM,camas_albergue,240302,10\n")
    result = read(text, history=history)
    assert result.ok
    assert [(p.row, p.column, p.value) for p in result.warnings] == [(2, "valor", "400"), (5, "valor", "10")]
    assert "mediana" in result.warnings[0].message
    assert len(result.values) == 4


def test_too_little_history_gives_no_warning(read):
    history = pd.DataFrame([
        {"institution": "OIM", "indicator": "camas_albergue", "ubigeo": "240302", "period": f"2022-0{m}",
         "sex": "total", "age": "total", "nationality": "total", "value": 40, "note": ""} for m in (1, 2, 3)])
    text = "periodo,institucion,indicador,ubigeo,valor\n2022-05,OIM,camas_albergue,240302,400\n"
    assert read(text, history=history).warnings == []


def test_total_that_disagrees_with_its_parts_is_a_warning(read):
    text = ("periodo,institucion,indicador,ubigeo,sexo,edad,valor\n"
            "2022-05,MIMP,casos_vbg_atendidos,240101,total,total,10\n"
            "2022-05,MIMP,casos_vbg_atendidos,240101,mujer,total,8\n"
            "2022-05,MIMP,casos_vbg_atendidos,240101,hombre,total,1\n"
            "2022-05,MIMP,casos_vbg_atendidos,240102,total,total,5\n"
            "2022-05,MIMP,casos_vbg_atendidos,240102,total,0-17,6\n"
            "2022-05,MIMP,casos_vbg_atendidos,240103,total,total,5\n"
            "2022-05,MIMP,casos_vbg_atendidos,240103,mujer,total,4\n")
    result = read(text)
    assert result.ok
    assert [(p.row, p.column, p.value) for p in result.warnings] == [(2, "sexo", "10"), (5, "edad", "5")]
    assert "suma de sus partes por sexo (9)" in result.warnings[0].message
    assert len(result.values) == 7



def test_parts_above_their_total_are_told_once_by_the_catalog_rule(read):
    """The file's own total check and the rule partes_sexo_total see the same figures: one message, the
    rule's (its level is the catalog's to choose). Age parts have no rule, so the total check still speaks."""
    text = ("periodo,institucion,indicador,ubigeo,sexo,edad,valor\n"
            "2022-05,MIMP,casos_vbg_atendidos,240101,total,total,10\n"
            "2022-05,MIMP,casos_vbg_atendidos,240101,mujer,total,8\n"
            "2022-05,MIMP,casos_vbg_atendidos,240101,hombre,total,5\n"
            "2022-05,MIMP,casos_vbg_atendidos,240101,total,0-17,11\n")
    result = read(text)
    assert result.ok
    sex = [p for p in result.warnings if "13" in p.message]
    assert len(sex) == 1 and "partes_sexo_total" in sex[0].message, [p.message for p in result.warnings]
    age = [p for p in result.warnings if "por edad" in p.message]
    assert [(p.row, p.value) for p in age] == [(2, "10")]

# --- personal data -------------------------------------------------------------------------------------
@pytest.mark.parametrize("header, cell", [
    ("Nombres", "Ana"), ("Apellidos", "Pérez Ríos"), ("DNI", "45678912"), ("N° de documento", "001234567"),
    ("Pasaporte", "AB123456"), ("Carné de extranjería", "001234567"), ("CE", "001234567"),
    ("Teléfono", "072 523 456"), ("Celular", "987654321"), ("Correo", "ana.perez(at)gmail.com"),
    ("e-mail", "ana@x.pe"), ("Dirección", "Av. Tumbes 345"), ("Name", "Ana Perez"), ("Phone", "+58 412 1234567"),
    ("Address", "Jr. Bolívar 12"), ("sobreviviente", "Rosa Elena"), ("persona", "Luis Quispe"),
    ("NNA", "Kevin"), ("Fecha de nacimiento", "12/03/2008")])
def test_personal_data_columns_are_refused(read, header, cell):
    text = f'periodo,institucion,indicador,ubigeo,valor,{header}\n2022-05,OIM,camas_albergue,24,1,"{cell}"\n'
    result = read(text)
    problem = only_error(result)
    assert (problem.row, problem.column) == (1, header)
    assert "filas 2" in problem.message and cell not in problem.message
    assert "cifras agregadas (conteos), nunca datos de personas" in problem.message
    assert "sobrevivientes de trata y de violencia" in problem.message
    assert "el archivo no se guardó" in problem.message
    assert result.values.empty


@pytest.mark.parametrize("note, kind", [
    ("contacto maria.perez@gmail.com", "correo"), ("llamar al 987654321", "teléfono"),
    ("+51 987 654 321", "teléfono"), ("DNI 45678912", "DNI"), ("45678912", "DNI"),
    ("pasaporte 123456789", "pasaporte"), ("CE 001234567", "pasaporte"), ("V12345678", "pasaporte"),
])
def test_personal_data_values_are_refused(read, note, kind):
    text = f'periodo,institucion,indicador,ubigeo,valor,nota\n2022-05,OIM,camas_albergue,24,1,"{note}"\n'
    result = read(text)
    problem = only_error(result)
    assert (problem.row, problem.column) == (2, "nota")
    assert kind in problem.message
    assert note not in problem.value   # masked: the problem list must not spread the datum
    assert "el archivo no se guardó" in problem.message
    assert result.values.empty


@pytest.mark.parametrize("note, kind", [
    ("María Fernanda Quispe Huamán, 16 años, vive en Av. Tumbes Norte 345, cel 987.654.321", "correo|teléfono|nombre|dirección"),
    ("María Fernanda Quispe Huamán", "nombre"), ("José Pérez", "nombre"),
    ("vive en Av. Tumbes Norte", "dirección"), ("Jr. Bolívar 120", "dirección"), ("Calle Los Pinos 45", "dirección"),
    ("Mz B Lt 4 AA.HH. Pampa Grande", "dirección"),
    ("cel 987.654.321", "teléfono"), ("(072) 52-3456", "teléfono"), ("llamar al +58 412 123 4567", "teléfono"),
    ("+57 300 123 4567", "teléfono"),
    ("DNI 45.678.912", "DNI"), ("doc 45 678 912", "DNI"), ("V-12.345.678", "DNI"), ("E 1234567", "DNI"),
    ("carné de extranjería 001234567", "DNI|pasaporte"), ("001234567", "pasaporte"),
    ("ana(at)gmail.com", "correo"), ("ana arroba gmail punto com", "correo"), ("ana [at] hotmail.com", "correo"),
    ("nació el 12/03/2008", "nacimiento"), ("F. nac. 2008-03-12", "nacimiento"),
])
def test_issue12_personal_data_in_notes_is_refused(read, note, kind):
    text = f'periodo,institucion,indicador,ubigeo,valor,nota\n2022-05,OIM,camas_albergue,24,1,"{note}"\n'
    result = read(text)
    problem = only_error(result)
    assert (problem.row, problem.column) == (2, "nota")
    assert re.search(kind, problem.message), problem.message
    assert note not in problem.value and note not in problem.message
    assert "fila 2" in problem.message and result.values.empty


def test_issue12_a_full_name_in_the_nationality_column_is_refused_and_not_echoed(read):
    text = ("periodo,institucion,indicador,ubigeo,nacionalidad,valor\n"
            "2022-05,OIM,camas_albergue,24,María Quispe Huamán,1\n2022-05,OIM,camas_albergue,24,otros países,1\n")
    result = read(text)
    assert not result.ok and result.values.empty
    assert {p.row for p in result.errors} == {2, 3}
    assert all("Quispe" not in p.value and "Quispe" not in p.message for p in result.problems)
    assert any("código" in p.message for p in result.errors if p.row == 3)


@pytest.mark.parametrize("header, cells", [
    ("Nombre del CEM", ["CEM Tumbes", "CEM Zarumilla"]), ("Nombre de la comisaría", ["Comisaría Aguas Verdes"]),
    ("Estación", ["Puesto de control CEBAF"]), ("tipo de documento", ["CPP", "Carné de extranjería"]),
    ("Establecimiento", ["Hospital Regional José Alfredo Mendoza Olavarría"]),
])
def test_issue12_real_partner_columns_are_not_taken_for_personal_data(read, header, cells):
    lines = "".join(f'2022-05,OIM,camas_albergue,{u},{i + 1},"{c}"\n'
                    for i, (c, u) in enumerate(zip(cells, ["240101", "240102", "240103"])))
    result = read(f"periodo,institucion,indicador,ubigeo,valor,{header}\n{lines}")
    assert result.ok, result.problems_frame().to_string()


def test_issue12_a_nul_byte_in_a_note_is_refused_with_its_row(read):
    months = [f"{y}-{m:02d}" for y in (2019, 2020, 2021) for m in range(1, 13)]
    places = ["240101", "240102", "240103", "240104", "240105", "240106", "240201", "240202", "240203",
              "240301", "240302", "240303", "240304"]
    good = "".join(f"{m},OIM,camas_albergue,{u},1,nota de relleno para pasar de los primeros 20 000 caracteres\n"
                   for m in months for u in places)
    n = good.count("\n") + 2
    result = read('periodo,institucion,indicador,ubigeo,valor,nota\n' + good +
                  '2022-05,OIM,camas_albergue,240101,1,"a\x00b"\n')
    problem = only_error(result)
    assert (problem.row, problem.column) == (n, "nota") and "control" in problem.message


def test_phone_number_as_a_value_is_refused(read):
    text = "periodo,institucion,indicador,ubigeo,valor\n2022-05,OIM,camas_albergue,24,987654321\n"
    problem = only_error(read(text))
    assert (problem.row, problem.column) == (2, "valor") and "teléfono" in problem.message


def test_ordinary_columns_are_not_taken_for_personal_data(read):
    text = ("periodo,institucion,indicador,ubigeo,nombre del distrito,valor,nota\n"
            "2022-05,OIM,camas_albergue,240302,Aguas Verdes,12345678,informe 2022-05 del CEBAF\n")
    result = read(text)
    assert result.ok, result.problems_frame().to_string()
    assert result.values["value"].tolist() == [12345678.0]


# --- header vocabulary ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("header, role", [
    ("Período", "period"), ("PERIODO ", "period"), ("Mes", "period"), ("fecha", "period"), ("Date", "period"),
    ("Institución", "institution"), ("Organización", "institution"), ("org", "institution"),
    ("Organization", "institution"), ("Indicador", "indicator"), ("indicator", "indicator"),
    ("UBIGEO", "ubigeo"), ("Código de distrito", "ubigeo"), ("adm3_code", "ubigeo"), ("ADM3 code", "ubigeo"),
    ("Distrito", "district"), ("district", "district"), ("adm3 name", "district"), ("Sexo", "sex"),
    ("Gender", "sex"), ("Grupo de edad", "age"), ("Age", "age"), ("Nacionalidad", "nationality"),
    ("Valor", "value"), ("Cantidad", "value"), ("Total", "value"), ("value", "value"), ("Nota", "note"),
    ("Observaciones", "note"), ("comentario", "note"), ("Valor (obligatorio)", "value"),
    ("#date", "period"), ("#date+reported", "period"), ("#org", "institution"), ("#org+name", "institution"),
    ("#org+code", "institution"), ("#indicator+code", "indicator"), ("#adm3+code", "ubigeo"),
    ("#adm3+pcode", "ubigeo"), ("#adm3+name", "district"), ("#value", "value"), ("#affected+num", "value"),
    ("#sex", "sex"), ("#gender", "sex"), ("#age", "age"), ("#country", "nationality"),
    ("#affected+nationality", "nationality"), ("#meta+note", "note"), ("Nombre", None), ("#contact+phone", None),
])
def test_header_names_and_hashtags(header, role):
    from gapsmodel.ingest.columns import header_role
    assert header_role(header) == role


# --- checks between indicators (rules.csv) -------------------------------------------------------------
def test_attended_above_identified_is_refused_with_its_row_and_fix(read):
    text = ("periodo,institucion,indicador,ubigeo,valor\n"
            "2022-05,MIMP,victimas_trata_identificadas,240101,4\n"
            "2022-05,MIMP,victimas_trata_atendidas,240101,7\n"
            "2022-05,MIMP,victimas_trata_identificadas,240102,4\n"
            "2022-05,MIMP,victimas_trata_atendidas,240102,4\n")
    result = read(text)
    assert not result.ok
    [error] = result.errors
    assert (error.row, error.value) == (3, "7 / 4")
    assert "no pueden superar a las identificadas" in error.message and "Tumbes (240101)" in error.message
    assert "correct the wrong figure" in error.message
    spanish, english = error.message.split(" / ")     # one whole sentence per language, nothing mixed
    assert "corrija" in spanish and "against" not in spanish and "frente" not in english


def test_a_warning_rule_shows_and_the_upload_goes_on(read):
    text = ("periodo,institucion,indicador,ubigeo,valor\n"
            "2022-05,MIMP,nna_no_acompanados,240101,3\n"
            "2022-05,MIMP,nna_con_medida_proteccion,240101,5\n")
    result = read(text)
    assert result.ok and len(result.values) == 2
    assert [(p.row, p.value) for p in result.warnings] == [(3, "5 / 3")]
    assert "nna_medida_no_acompanados" in result.warnings[0].message


def test_the_outlier_threshold_comes_from_the_settings(read, catalog, territory):
    history = pd.DataFrame([
        {"institution": "OIM", "indicator": "camas_albergue", "ubigeo": "240302", "period": f"2022-0{m}",
         "sex": "total", "age": "total", "nationality": "total", "value": 40, "note": ""} for m in (1, 2, 3, 4)])
    text = "periodo,institucion,indicador,ubigeo,valor\n2022-05,OIM,camas_albergue,240302,100\n"
    assert read(text, history=history).warnings == []            # 100 / 40 = 2.5 < 3 (shipped factor)
    strict = dataclasses.replace(catalog, settings={**catalog.settings, "quality": {"outlier_factor": 2.0}})
    result = read_upload(text.encode(), "datos.csv", strict, territory, history=history, today=TODAY)
    assert [p.value for p in result.warnings] == ["100"]            # 2.5 > 2


def test_the_readmes_example_upload_is_valid_and_reads_as_documented(read):
    """docs/ejemplo_carga.csv is the file the README shows partners: it must pass as it stands."""
    from pathlib import Path
    example = Path(__file__).resolve().parents[1] / "docs" / "ejemplo_carga.csv"
    result = read(example.read_bytes(), "ejemplo_carga.csv", today=date(2026, 12, 6))
    assert result.ok and not result.warnings, [p.message for p in result.errors + result.warnings]
    assert len(result.values) == 5
    women = result.values[result.values["sex"].eq("mujer")]
    assert women["value"].tolist() == [38.0] and women["ubigeo"].tolist() == ["240301"]
    readme = (example.parents[1] / "README.md").read_text("utf-8")
    header = example.read_text("utf-8").splitlines()[0]
    assert readme.count(header) == 2          # shown in the Spanish and the English part
