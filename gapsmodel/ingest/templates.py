"""Upload templates for one institution: a CSV and an Excel workbook, both read back by :func:`read_upload`.

Both carry the Spanish header plus an HXL hashtag row (DOMAIN.md §6), and example rows for the
institution's reporting obligations × districts (every indicator for the whole region when it has no
obligations), for the last complete month, with ``valor`` left empty to be filled in.
"""
from __future__ import annotations

import csv
import io
from datetime import date

from ..spreadsheet import neutralise
from ..rules.periods import add_months, month_of
from .columns import ROLES, TEMPLATE_HEADER, TEMPLATE_HXL

INSTRUCTIONS_ES = [
    "Instrucciones para subir datos a la Mesa de Refugiados y Migrantes de Tumbes",
    "",
    "1. Llene la hoja «datos»: una fila por valor. No cambie la fila de títulos ni la fila de etiquetas HXL (#).",
    "2. periodo: el mes, como AAAA-MM (2022-05). También se acepta una fecha (31/05/2022) o «mayo 2022».",
    "3. institucion: el código de su institución (vea abajo). Si la quita, se usa la institución de su cuenta.",
    "4. indicador: el código del indicador (hoja «indicadores»).",
    "5. ubigeo: el código del distrito (hoja «distritos»), o 24 para toda la región. Puede usar la columna "
    "distrito con el nombre en su lugar; si llena ambas, deben coincidir.",
    "6. sexo (mujer, hombre, total), edad (0-17, 18-59, 60+, total) y nacionalidad son opcionales: vacío = total.",
    "7. valor: un número de 0 en adelante, sin unidades. Use un solo estilo de decimales en todo el archivo.",
    "8. nota: texto libre opcional.",
    "",
    "IMPORTANTE: solo cifras agregadas (conteos). Nunca nombres, DNI, pasaportes, carnés de extranjería,",
    "teléfonos, correos ni direcciones de personas: el tablero guarda información sobre sobrevivientes de",
    "trata y de violencia. Un archivo con datos personales se rechaza y no se guarda.",
    "",
    "Si hay algún problema, el tablero los lista todos a la vez, con su fila y columna; nada se guarda hasta",
    "que el archivo esté correcto. Los meses aprobados por la secretaría técnica ya no se pueden cambiar.",
]
INSTRUCTIONS_EN = [
    "Instructions (English)",
    "",
    "1. Fill in the «datos» sheet: one row per value. Do not change the header row or the row of HXL tags (#).",
    "2. periodo: the month, as YYYY-MM (2022-05). A date (31/05/2022) or «May 2022» is accepted too.",
    "3. institucion: your institution's code (see the institution codes above). If you remove it, your account's "
    "institution is used.",
    "4. indicador: the indicator code (sheet «indicadores»).",
    "5. ubigeo: the district code (sheet «distritos»), or 24 for the whole region. You can use the distrito "
    "column with the name instead; if you fill in both, they must match.",
    "6. sexo (mujer, hombre, total), edad (0-17, 18-59, 60+, total) and nacionalidad are optional: empty = total.",
    "7. valor: a number from 0 up, without units. Use a single decimal style in the whole file.",
    "8. nota: optional free text.",
    "",
    "IMPORTANT: aggregated figures (counts) only. Never names, DNI, passport or foreigner's card (carné de",
    "extranjería) numbers, phone numbers, e-mails or addresses of people: the dashboard holds information about",
    "survivors of trafficking and violence. A file with personal data is refused and not stored.",
    "",
    "If there are problems, the dashboard lists them all at once, with their row and column; nothing is stored",
    "until the file is correct. Months approved by the technical secretariat can no longer be changed.",
]


def _rows(catalog, territory, institution: str) -> list[dict]:
    if institution not in catalog.institutions.index:
        raise ValueError(f"unknown institution {institution!r}; allowed: {', '.join(catalog.institutions.index)}")
    obliged = catalog.obligations.loc[catalog.obligations["institution"] == institution, "indicator"].tolist()
    month = add_months(month_of(date.today()), -1)
    places = territory.district_codes if obliged else [territory.region_ubigeo]
    out = []
    for indicator in obliged or list(catalog.indicators.index):
        for ubigeo in places:
            out.append({"period": month, "institution": institution, "indicator": indicator, "ubigeo": ubigeo,
                        "district": territory.name(ubigeo), "sex": "total", "age": "total",
                        "nationality": "total", "value": "", "note": ""})
    return out


def make_template_csv(catalog, territory, institution: str) -> bytes:
    """CSV template (UTF-8 with BOM, so Excel shows accents right): header, HXL row, example rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([TEMPLATE_HEADER[r] for r in ROLES])
    writer.writerow([TEMPLATE_HXL[r] for r in ROLES])
    for row in _rows(catalog, territory, institution):
        writer.writerow([neutralise(row[r]) for r in ROLES])
    return buffer.getvalue().encode("utf-8-sig")


def make_template_xlsx(catalog, territory, institution: str) -> bytes:
    """Excel template: sheets «datos», «instrucciones», «indicadores» and «distritos»."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    rows = _rows(catalog, territory, institution)
    book = Workbook()
    data = book.active
    data.title = "datos"
    data.append([TEMPLATE_HEADER[r] for r in ROLES])
    data.append([TEMPLATE_HXL[r] for r in ROLES])
    for row in rows:
        data.append([neutralise(row[r]) for r in ROLES])
    for cell in data[1]:
        cell.font = Font(bold=True)
    for cell in data[2]:
        cell.font = Font(italic=True, color="666666")
    for column in ("A", "D"):   # periodo and ubigeo are text: Excel must not turn them into numbers or dates
        for cell in data[column]:
            cell.number_format = "@"
    for column, width in zip("ABCDEFGHIJ", (10, 14, 34, 10, 22, 9, 8, 14, 10, 30)):
        data.column_dimensions[column].width = width
    data.freeze_panes = "A3"

    help_sheet = book.create_sheet("instrucciones")
    lines = INSTRUCTIONS_ES + ["", "Códigos de institución / institution codes:"] + [
        f"  {code}: {catalog.institutions.at[code, 'name_es']}" for code in catalog.institutions.index
    ] + [""] + INSTRUCTIONS_EN
    for line in lines:
        help_sheet.append([line])
    help_sheet["A1"].font = Font(bold=True, size=13)
    help_sheet.column_dimensions["A"].width = 110

    ind = book.create_sheet("indicadores")
    ind.append(["codigo", "nombre", "unidad", "sector", "obligatorio para su institucion", "name (English)"])
    obliged = set(catalog.obligations.loc[catalog.obligations["institution"] == institution, "indicator"])
    order = sorted(catalog.indicators.index, key=lambda c: (c not in obliged, list(catalog.indicators.index).index(c)))
    for code in order:
        row = catalog.indicators.loc[code]
        ind.append([code, row["name_es"], row["unit"], catalog.label("sectors", row["sector"]),
                    "sí" if code in obliged else "", row["name_en"]])
    for column, width in zip("ABCDEF", (34, 60, 12, 30, 14, 60)):
        ind.column_dimensions[column].width = width

    places = book.create_sheet("distritos")
    places.append(["ubigeo", "distrito", "provincia"])
    places.append([territory.region_ubigeo, f"Región {territory.region_name} (toda la región)", ""])
    for code in territory.district_codes:
        province = territory.districts.at[code, "province_ubigeo"]
        places.append([code, territory.name(code), territory.name(province)])
    for cell in places["A"]:
        cell.number_format = "@"
    for column, width in zip("ABC", (10, 34, 26)):
        places.column_dimensions[column].width = width
    for sheet in (ind, places):
        for cell in sheet[1]:
            cell.font = Font(bold=True)

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
