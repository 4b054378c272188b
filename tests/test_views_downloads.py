"""Analysts' downloads: the reader's headers, the HXL row, place names beside UBIGEO, figures as on screen."""
from __future__ import annotations

import io
from datetime import datetime

import numpy as np
import openpyxl
import pandas as pd

from gapsmodel.i18n import Translator
from gapsmodel.views import downloads, exports

ES, EN = Translator("es"), Translator("en")


def gap_rows(**over) -> pd.DataFrame:
    row = dict(period="2024-06", level="district", ubigeo="240101", sector="alojamiento", gap_code="camas_albergue",
               need=120.0, supply=14.814814814814815, unmet=105.18518518518519, coverage=0.123456789,
               severity="critica", carried=False)
    row.update(over)
    return pd.DataFrame([row])


def test_gap_download_has_the_readers_headers_the_hxl_row_and_screen_rounding(catalog, territory):
    sheet = downloads.gaps_download(gap_rows(), catalog, territory, ES)
    assert list(sheet.columns[:4]) == ["Periodo", "Nivel", "UBIGEO", "Lugar"]
    assert sheet.iloc[0]["UBIGEO"] == "#loc+code" and sheet.iloc[0]["Lugar"] == "#loc+name"
    data = sheet.iloc[1]
    assert data["UBIGEO"] == "240101" and data["Lugar"] == "Tumbes" and data["Código de brecha"] == "camas_albergue"
    assert data["Necesidad"] == 120 and data["Oferta"] == 15 and data["Necesidad no cubierta"] == 105
    assert data["Cobertura (%)"] == 12 and data["Severidad"] == "Crítica" and data["Unidad"] == "camas"
    english = downloads.gaps_download(gap_rows(), catalog, territory, EN)
    assert "Unmet need" in english.columns and english.iloc[1]["Severity"] == "Critical"
    assert english.iloc[1]["Unit"] == "beds" and english.iloc[1]["Level"] == "District"


def test_a_withheld_count_or_coverage_is_left_empty(catalog, territory):
    rows = gap_rows(gap_code="atencion_vbg", sector="vbg", need=3.0, supply=1.0, unmet=2.0, coverage=1 / 3,
                    need_suppressed=True, supply_suppressed=True, unmet_suppressed=True, coverage_suppressed=True)
    data = downloads.gaps_download(rows, catalog, territory, ES).iloc[1]
    assert data[["Necesidad", "Oferta", "Necesidad no cubierta", "Cobertura (%)"]].isna().all()
    text = exports.to_csv_bytes(downloads.gaps_download(rows, catalog, territory, ES)).decode("utf-8-sig")
    assert ",3," not in text and "33" not in text


def test_values_download_keeps_codes_beside_names_and_times_in_peru(catalog, territory):
    values = pd.DataFrame([dict(period="2024-06", institution="ACNUR", indicator="camas_albergue", ubigeo="240301",
                                sex="total", age="total", nationality="total", value=40.000000001, note="ok",
                                uploaded_at=datetime(2024, 7, 3, 15, 30))])
    sheet = downloads.values_download(values, catalog, territory, ES)
    assert sheet.iloc[0]["Código de indicador"] == "#indicator+code"
    data = sheet.iloc[1]
    assert data["Código de institución"] == "ACNUR" and data["Institución"] != "ACNUR"
    assert data["Lugar"] == "Zarumilla" and data["Valor"] == 40 and data["Cargado (hora de Perú)"] == "2024-07-03 10:30"
    assert "Nota" in sheet.columns
    public = downloads.values_download(values.drop(columns="note"), catalog, territory, ES)
    assert "Nota" not in public.columns


def test_csv_and_excel_carry_both_header_rows(catalog, territory):
    sheet = downloads.gaps_download(gap_rows(), catalog, territory, EN)
    lines = exports.to_csv_bytes(sheet).decode("utf-8-sig").splitlines()
    assert lines[0].startswith('"Period","Level","UBIGEO","Place"')
    assert lines[1].startswith('"#date+period","#loc+type","#loc+code","#loc+name"')
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx_bytes({"gaps": sheet})))
    cells = [[c.value for c in row] for row in book["gaps"].iter_rows(max_row=3)]
    assert cells[0][2] == "UBIGEO" and cells[1][2] == "#loc+code" and cells[2][2] == "240101"
    assert cells[2][cells[0].index("Coverage (%)")] == 12 and np.isfinite(cells[2][cells[0].index("Need")])
