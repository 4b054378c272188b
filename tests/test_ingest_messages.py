"""Every upload message is a whole sentence in each language: a page shows one side of "castellano / English"
(``one_language``), so the English side must say what the Spanish side says, with the same numbers, rows and
fix, and neither side may carry words of the other language."""
from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from datetime import date

import pandas as pd
import pytest

from gapsmodel.i18n import BOTH_SEPARATOR, one_language
from gapsmodel.ingest import UnreadableFile, read_upload
from gapsmodel.ingest.columns import TEMPLATE_HEADER
from gapsmodel.ingest.reading import DEFAULT_LIMITS, read_grid
from gapsmodel.rules.catalog import load_catalog
from gapsmodel.rules.territory import load_territory

TODAY = date(2022, 8, 15)
#: Spanish words that have no business in an English sentence (quoted names and codes are taken out first).
SPANISH = re.compile(r"\b(el|la|los|las|del|al|fila|filas|escriba|valor|valores|mes|meses|archivo|número|para|"
                     r"una|que|está|falta|faltan|columna|quiso|decir|use el|hoja|plantilla|región|desconocid[oa]|"
                     r"se|su|sus|como|sin|ni|por|con|y|o|es|en)\b", re.IGNORECASE)
#: English words that have no business in a Spanish sentence ("use" is Spanish too: «Use el código»).
ENGLISH = re.compile(r"\b(the|file|row|rows|value|values|missing|is|are|and|of|not|this|with|please|column|"
                     r"number|month|write|sheet|template|unknown|did you mean)\b", re.IGNORECASE)
#: A quoted name, code or suggestion («indicadores», 'camas_albergue'): the same in both languages.
QUOTED = re.compile(r"«[^»]*»|'[^'\s]*'")


#: District and region names («La Cruz», «San Juan de la Virgen») are names in both languages.
_TERRITORY = load_territory()
PLACES = re.compile("|".join(re.escape(n) for n in sorted(
    [*_TERRITORY.districts["name"], _TERRITORY.region_name], key=len, reverse=True)))


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def territory():
    return _TERRITORY


def sides(message: str) -> tuple[str, str]:
    assert message.count(BOTH_SEPARATOR) == 1, f"one separator, no more: {message!r}"
    return one_language(message, "es"), one_language(message, "en")


def assert_bilingual(message: str, ignore: set[str] = frozenset()) -> tuple[str, str]:
    """Both sides whole and in their own language, with the same figures; ``ignore``: literal column names
    both sides quote bare (periodo, valor...)."""
    spanish, english = sides(message)
    assert spanish != english and spanish.strip() and english.strip(), message

    def plain(text):
        text = PLACES.sub(" ", QUOTED.sub(" ", text))
        return " ".join(w for w in re.split(r"(\W+)", text) if w.lower() not in ignore)
    assert not SPANISH.search(plain(english)), f"Spanish in the English side: {SPANISH.search(plain(english))!r} " \
                                                f"in {english!r}"
    assert not ENGLISH.search(plain(spanish)), f"English in the Spanish side: {ENGLISH.search(plain(spanish))!r} " \
                                                f"in {spanish!r}"
    assert len(english.split()) > 3, f"a fragment, not a sentence: {english!r}"
    assert Counter(re.findall(r"\d+", spanish)) == Counter(re.findall(r"\d+", english)), \
        f"the two sides give different figures: {message!r}"
    return spanish, english


MESSY = "\n".join([
    "periodo,institucion,indicador,ubigeo,distrito,sexo,edad,nacionalidad,valor,nota,columna rara,cantidad",
    "2022-05,OIM,camas_albergue,240101,,,,,,,,",                   # 2 missing value
    "2022-05,OIM,camas_albergue,240102,,,,,-4,,,",                 # 3 negative value
    "2022-05,OIM,camas_albergue,240103,,,,,doce,,,",               # 4 not a number
    "2022-05,OIM,camas_albergue,150101,,,,,1,,,",                  # 5 unknown UBIGEO
    "2022-05,OIM,camas_albergue,2401,Zorritos,,,,1,,,",            # 6 a province's code (with the district)
    "2022-05,OIM,camas_albergue,,Zoritos,,,,1,,,",                 # 7 unknown district
    "2022-05,OIM,camas_albergue,,,,,,1,,,",                        # 8 missing district
    "2022-05,OIM,camas_albergue,240101,Zorritos,,,,1,,,",          # 9 UBIGEO and name disagree
    "2022-09,OIM,camas_albergue,240101,,,,,1,,,",                  # 10 future month
    "2022-13,OIM,camas_albergue,240101,,,,,1,,,",                  # 11 impossible month
    "31/02/2022,OIM,camas_albergue,240101,,,,,1,,,",               # 12 impossible date
    "1899-05,OIM,camas_albergue,240101,,,,,1,,,",                  # 13 year out of range
    ",OIM,camas_albergue,240101,,,,,1,,,",                         # 14 missing period
    "hola,OIM,camas_albergue,240101,,,,,1,,,",                     # 15 period not recognised
    "2022-05,OIM,camas_albergues,240101,,,,,1,,,",                 # 16 unknown indicator
    "2022-05,OIM,,240101,,,,,1,,,",                                # 17 missing indicator
    "2022-05,ACNUR,camas_albergue,240102,,,,,1,,,",                # 18 a second institution
    "2022-05,XYZ,camas_albergue,240101,,,,,1,,,",                  # 19 unknown institution
    "2022-05,,camas_albergue,240101,,,,,1,,,",                     # 20 missing institution
    "2022-05,OIM,camas_albergue,240101,,otro,,,1,,,",              # 21 unknown sex
    "2022-05,OIM,camas_albergue,240101,,,viejo,,1,,,",             # 22 unknown age group
    "2022-05,OIM,camas_albergue,240101,,,,otros países,1,,,",      # 23 nationality not a code
    "2022-05,OIM,camas_albergue,240101,,,,,1,\x01nota,,",          # 24 control character
    "2022-05,OIM,camas_albergue,240104,,,,,1,,,",                  # 25 and 26 the same key
    "2022-05,OIM,camas_albergue,240104,,,,,2,,,",
    "2022-05,OIM,camas_albergue,240105,,,,,1,llamar al 987654321,,",   # 27 personal data
    "2022-05,OIM,pob_migrante,240201,,total,,,9,,,",               # 28-30 parts that miss the total
    "2022-05,OIM,pob_migrante,240201,,mujer,,,4,,,",
    "2022-05,OIM,pob_migrante,240201,,hombre,,,3,,,",
    "2022-05,OIM,pob_migrante,240202,,,,,1.234,,,",                # 31 thousands or decimals?
    "2022-05,OIM,pob_migrante,240203,,,,,100,,,",                  # 32 far from its own history
    "TOTAL,,,,,,,,99,,,",                                          # 33 a total footer
]) + "\n"

#: Spanish beginnings of the problems MESSY must raise, each checked in both languages.
EXPECTED = [
    "Falta el valor", "Valor negativo", "No es un número", "UBIGEO desconocido", "Este UBIGEO es de una provincia",
    "Distrito desconocido", "Falta el distrito", "El UBIGEO 240101", "Mes futuro", "Mes imposible",
    "Fecha imposible", "Año fuera de rango", "Falta el periodo", "Periodo no reconocido", "Indicador desconocido",
    "Falta el indicador", "El archivo trae datos de varias instituciones", "Institución desconocida",
    "Falta la institución en esta fila", "Sexo no reconocido", "Grupo de edad no reconocido",
    "Nacionalidad no reconocida", "La nota tiene caracteres de control", "Dato repetido", "Parece un número de teléfono",
    "Columna repetida", "Columna no reconocida", "Fila de total al pie", "No se puede saber si el punto",
    "Valor muy distinto de lo habitual", "El total (9) no coincide",
]


def _history() -> pd.DataFrame:
    months = [f"2022-0{m}" for m in range(1, 5)] + ["2021-12", "2021-11"]
    return pd.DataFrame({"institution": "OIM", "indicator": "pob_migrante", "ubigeo": "240203", "period": months,
                         "sex": "total", "age": "total", "nationality": "total", "value": 10.0})


def test_a_messy_file_gets_every_message_whole_in_each_language(catalog, territory):
    result = read_upload(MESSY.encode("utf-8"), "messy.csv", catalog, territory, history=_history(), today=TODAY)
    messages = [p.message for p in result.problems]
    for start in EXPECTED:
        assert any(one_language(m, "es").startswith(start) for m in messages), f"no «{start}…» among {messages}"
    for message in messages:
        assert_bilingual(message)

    by_row = {}
    for p in result.problems:
        by_row.setdefault(p.row, []).append(p.message)
    [missing] = by_row[2]
    english = one_language(missing, "en")
    assert len(english.split()) > 2 and "missing" in english.lower() and "0" in english
    assert one_language(by_row[4][0], "en").startswith("This is not a number. Write a plain number")
    assert "Impossible month (13)" in one_language(by_row[11][0], "en")
    assert "Write the month as YYYY-MM" in one_language(by_row[11][0], "en")
    assert one_language(by_row[6][0], "en").endswith("The district of this row, Zorritos, is 240201.")
    assert "(2022-08)" in one_language(by_row[10][0], "en")
    several = next(m for m in messages if "varias instituciones" in m)
    assert one_language(several, "en") == ("The file holds data of several institutions (ACNUR, OIM); upload one "
                                           "file per institution.")
    ambiguous = next(m for m in messages if "separa miles" in m)
    assert one_language(ambiguous, "en").endswith("(rows 31…)") and "(filas 31…)" in one_language(ambiguous, "es")
    assert "rows 25 and 26" in one_language(by_row[26][0], "en")
    assert "(column «nota», row 27)" in one_language(by_row[27][0], "en")


def test_number_styles_mixed_in_one_file(catalog, territory):
    text = "periodo,institucion,indicador,ubigeo,valor\n2022-05,OIM,camas_albergue,240101,1.5\n" \
           "2022-05,OIM,camas_albergue,240102,\"2,5\"\n"
    result = read_upload(text.encode(), "d.csv", catalog, territory, today=TODAY)
    problem = next(p for p in result.problems if "mezcla" in p.message)
    spanish, english = assert_bilingual(problem.message)
    assert english.startswith("The file mixes both number styles (1,234.5 and 1.234,5).")


COLUMN_NAMES = set(TEMPLATE_HEADER.values())


@pytest.mark.parametrize("text", [
    "titulo del informe\n\nuno,dos\n",                                             # no header row
    "periodo,institucion,valor\n2022-05,OIM,1\n",                                  # missing columns
    "Mes reportado,Institución,Observación,Responsable\n",                         # a header lacking columns
    "periodo,indicador,ubigeo,valor\n2022-05,camas_albergue,240101,1\n",           # no institution column
    "periodo,institucion,indicador,ubigeo,valor\n",                                # no data rows
])
def test_header_messages_are_whole_in_each_language(catalog, territory, text):
    result = read_upload(text.encode(), "d.csv", catalog, territory, today=TODAY)
    assert result.problems
    for problem in result.problems:
        spanish, english = sides(problem.message)
        # the accepted header names are listed in both languages; the rest must be one language
        strip = re.compile(r"\((se acepta|accepted):[^)]*\)")
        assert_bilingual(f"{strip.sub('', spanish)} / {strip.sub('', english)}", ignore=COLUMN_NAMES)


def _zip(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in names.items():   # a fixed date: the same bytes on every xdist worker
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), content)
    return buffer.getvalue()


@pytest.mark.parametrize("data, filename, english_start", [
    (b"%PDF-1.4 something", "a.pdf", "The file is a PDF, not a table. Save it as Excel"),
    (b"a,b\x00c\n" * 10, "a.csv", "The file looks binary"),
    (b'{"a": 1}', "a.json", "The file is JSON, not a table"),
    (b"<html><body>hola</body></html>", "a.html", "The file is XML or HTML"),
    (b"solo una columna\notra linea\n", "a.csv", "The file does not look like a table"),
    (b"   \n", "a.csv", "The file is empty"),
    (_zip({"content.xml": b"<x/>"}), "a.ods", "The file is an OpenDocument spreadsheet (.ods)"),
    (b"PK\x03\x04broken", "a.xlsx", "The file looks like an Excel file (.xlsx) but it is damaged"),
    (b"periodo,institucion,indicador,ubigeo,valor,nota\n2022-05,OIM,camas_albergue,240101,1,\"abre\n"
     b"2022-05,OIM,camas_albergue,240102,1,x\n2022-05,OIM,camas_albergue,240103,1,x\n", "a.csv",
     "Unclosed quote in row"),
], ids=["pdf", "binary", "json", "html", "one-column", "empty", "ods", "damaged-xlsx", "unclosed-quote"])
def test_unreadable_files_are_told_whole_in_each_language(catalog, territory, data, filename, english_start):
    with pytest.raises(UnreadableFile) as caught:
        read_upload(data, filename, catalog, territory, today=TODAY)
    spanish, english = assert_bilingual(str(caught.value))
    assert english.startswith(english_start), english


@pytest.mark.parametrize("limits, data, english_start", [
    ({"max_rows": 3}, b"a,b\n" * 40, "The file has more than 3 rows; split it into several files"),
    ({"max_columns": 2}, b"a,b,c\n1,2,3\n", "The file has 3 columns and the limit is 2; use the template"),
    ({"max_file_bytes": 10}, b"a,b\n1,2\n3,4\n", "The file is 0.0 MB and the limit is 0 MB"),
], ids=["rows", "columns", "bytes"])
def test_limit_messages_are_whole_in_each_language(limits, data, english_start):
    with pytest.raises(UnreadableFile) as caught:
        read_grid(data, "a.csv", {**DEFAULT_LIMITS, **limits})
    spanish, english = assert_bilingual(str(caught.value))
    assert english.startswith(english_start), english
    assert "(por ejemplo. " not in spanish        # the thousands mark once turned this comma into a point


def test_a_slash_in_the_users_own_text_does_not_split_the_message(catalog, territory):
    text = ("periodo,institucion,indicador,ubigeo,distrito,valor,Nombre / Name\n"
            "2022-05,OIM,camas_albergue,240101,Tumbes / Zorritos,1,Ana\n"
            "2022-05,OIM,camas_albergue,240102,,1,María Quispe Huamán\n")
    result = read_upload(text.encode(), "d.csv", catalog, territory, today=TODAY)
    column = next(p for p in result.problems if p.column == "Nombre / Name")
    spanish, english = assert_bilingual(column.message)
    assert english.startswith("The column «Nombre/Name» holds data about people (a person's name) in rows 2, 3.")
    district = next(p for p in result.problems if p.row == 2 and p.column == "distrito")
    spanish, english = assert_bilingual(district.message)
    assert english.startswith("The district «Tumbes/Zorritos» does not match UBIGEO 240101 (Tumbes).")
