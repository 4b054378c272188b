"""The monthly form: grid from obligations and history, and the filled grid through the upload checks."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from gapsmodel.ingest import read_upload
from gapsmodel.ingest.form import FORM_FILENAME, draft_key, form_grid, form_to_csv
from gapsmodel.rules.catalog import load_catalog
from gapsmodel.rules.territory import load_territory


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def territory():
    return load_territory()


def _history(rows):
    return pd.DataFrame(rows, columns=["institution", "indicator", "ubigeo", "period", "sex", "age",
                                       "nationality", "value"])


HISTORY = _history([
    ("MIMP", "casos_vbg_reportados", "240101", "2024-05", "total", "total", "total", 12.0),
    ("MIMP", "casos_vbg_reportados", "240101", "2024-05", "mujer", "total", "total", 10.0),
    ("MIMP", "casos_vbg_atendidos", "240101", "2024-04", "total", "total", "total", 7.0),
    ("MIMP", "casos_vbg_reportados", "240101", "2024-07", "total", "total", "total", 99.0),   # later: ignored
    ("OIM", "casos_vbg_reportados", "240101", "2024-05", "total", "total", "total", 50.0),    # other institution
])


def test_grid_has_one_row_per_obligation_and_reported_cell_with_last_month(catalog):
    grid = form_grid(catalog, "MIMP", "2024-06", HISTORY)
    owed = set(catalog.obligations.query("institution == 'MIMP'")["indicator"])
    assert set(grid["indicator"]) == owed
    reported = grid[grid["indicator"].eq("casos_vbg_reportados")]
    # the total before its part, last month's figures beside them
    assert reported[["ubigeo", "sex", "last_value"]].values.tolist() == [["240101", "total", 12.0],
                                                                         ["240101", "mujer", 10.0]]
    attended = grid[grid["indicator"].eq("casos_vbg_atendidos")]
    assert attended["last_value"].isna().all()        # reported in April, not in May
    never = grid[grid["indicator"].eq("victimas_trata_atendidas")]
    assert never[["ubigeo", "sex", "age"]].values.tolist() == [["24", "total", "total"]]   # whole region
    assert grid["value"].isna().all()


def test_filled_form_goes_through_the_upload_checks(catalog, territory):
    grid = form_grid(catalog, "MIMP", "2024-06", HISTORY)
    grid.loc[(grid["indicator"] == "casos_vbg_reportados") & (grid["sex"] == "total"), "value"] = 10
    grid.loc[grid["indicator"] == "casos_vbg_atendidos", "value"] = 0        # a typed 0 is reported
    data = form_to_csv(grid, "MIMP", "2024-06")
    lines = data.decode().splitlines()
    assert lines[0] == "periodo,institucion,indicador,ubigeo,sexo,edad,valor"
    assert len(lines) == 3                                                 # empty cells are not reported
    result = read_upload(data, FORM_FILENAME, catalog, territory, institution="MIMP", today=date(2024, 7, 2))
    assert not result.errors
    assert sorted(result.values["value"].tolist()) == [0.0, 10.0]


def test_form_breaking_an_error_rule_is_refused(catalog, territory):
    grid = form_grid(catalog, "MIMP", "2024-06", HISTORY)
    grid.loc[(grid["indicator"] == "casos_vbg_reportados") & (grid["sex"] == "total"), "value"] = 3
    grid.loc[grid["indicator"] == "casos_vbg_atendidos", "value"] = 8     # 8 attended > 3 reported
    result = read_upload(form_to_csv(grid, "MIMP", "2024-06"), FORM_FILENAME, catalog, territory,
                         institution="MIMP", today=date(2024, 7, 2))
    assert result.errors
    assert any("VBG" in p.message for p in result.errors)


def test_draft_key_separates_institutions_and_months():
    assert len({draft_key("MIMP", "2024-06"), draft_key("MIMP", "2024-07"), draft_key("OIM", "2024-06")}) == 3
