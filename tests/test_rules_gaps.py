"""Steps 4-5 of the gap rules, severity and sector pooling against hand-computed cases."""
import math

import pandas as pd
import pytest

from gapsmodel.rules.combine import monthly_figures
from gapsmodel.rules.gaps import compute_gaps, sector_summary, severity
from gapsmodel.rules.periods import parse_period
from tests.helpers import values


def gaps_for(v, catalog, territory, period="2022-05"):
    return compute_gaps(monthly_figures(v, catalog, territory), catalog, territory, [parse_period(period)])


def row(table, gap, ubigeo):
    rows = table[(table["gap_code"] == gap) & (table["ubigeo"] == ubigeo)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_district_gap_numbers(catalog, territory):
    v = values(("ACNUR", "personas_requieren_alojamiento", "240302", "2022-05", 100),
               ("ACNUR", "camas_albergue", "240302", "2022-05", 50))
    r = row(gaps_for(v, catalog, territory), "camas_albergue", "240302")
    assert (r["need"], r["supply"], r["coverage"], r["unmet"], r["gap_share"]) == (100, 50, 0.5, 50, 0.5)
    assert r["severity"] == "alta" and r["level"] == "district"


@pytest.mark.parametrize("rows", [
    [("ACNUR", "personas_requieren_alojamiento", "240302", "2022-05", 100)],            # supply missing
    [("ACNUR", "camas_albergue", "240302", "2022-05", 50)],                            # need missing
    [("ACNUR", "personas_requieren_alojamiento", "240302", "2022-05", 0),
     ("ACNUR", "camas_albergue", "240302", "2022-05", 50)],                            # need zero
])
def test_missing_or_zero_need_or_missing_supply_is_sin_datos(catalog, territory, rows):
    r = row(gaps_for(values(*rows), catalog, territory), "camas_albergue", "240302")
    assert r["severity"] == "sin_datos"
    assert math.isnan(r["coverage"]) and math.isnan(r["unmet"])


def test_reported_zero_supply_is_a_real_zero(catalog, territory):
    v = values(("ACNUR", "personas_requieren_alojamiento", "240302", "2022-05", 40),
               ("ACNUR", "camas_albergue", "240302", "2022-05", 0))
    r = row(gaps_for(v, catalog, territory), "camas_albergue", "240302")
    assert (r["coverage"], r["unmet"], r["severity"]) == (0, 40, "critica")


def test_region_pools_districts_but_unmet_is_sum_of_district_gaps(catalog, territory):
    v = values(("ACNUR", "personas_requieren_alojamiento", "240201", "2022-05", 10),
               ("ACNUR", "camas_albergue", "240201", "2022-05", 40),
               ("ACNUR", "personas_requieren_alojamiento", "240302", "2022-05", 100),
               ("ACNUR", "camas_albergue", "240302", "2022-05", 50))
    table = gaps_for(v, catalog, territory)
    region = row(table, "camas_albergue", "24")
    assert (region["need"], region["supply"], region["unmet"]) == (110, 90, 50)
    assert region["coverage"] == pytest.approx(90 / 110)
    assert region["no_data_districts"] == 11 and region["basis"] == "districts"
    zarumilla = row(table, "camas_albergue", "2403")
    assert (zarumilla["need"], zarumilla["supply"], zarumilla["unmet"], zarumilla["no_data_districts"]) == (100, 50, 50, 3)
    tumbes = row(table, "camas_albergue", "2401")
    assert tumbes["severity"] == "sin_datos" and tumbes["no_data_districts"] == 6


def test_region_falls_back_to_region_wide_figures(catalog, territory):
    v = values(("PNP", "victimas_trata_identificadas", "24", "2022-05", 19),
               ("MIMP", "victimas_trata_atendidas", "24", "2022-05", 6),
               ("OIM", "victimas_trata_atendidas", "24", "2022-05", 4))
    table = gaps_for(v, catalog, territory)
    region = row(table, "atencion_trata", "24")
    assert (region["need"], region["supply"], region["unmet"], region["basis"]) == (19, 10, 9, "region_report")
    assert region["no_data_districts"] == 13
    assert row(table, "atencion_trata", "240302")["severity"] == "sin_datos"


def test_no_data_anywhere_is_sin_datos_at_every_level(catalog, territory):
    v = values(("ACNUR", "camas_albergue", "240302", "2022-05", 5))
    table = gaps_for(v, catalog, territory)
    assert set(table.loc[table["gap_code"] == "cobertura_sis", "severity"]) == {"sin_datos"}


def test_fixed_target_one_channel_per_district(catalog, territory):
    v = values(("MIMP", "canales_atencion_activos", "240302", "2022-05", 2),
               ("MIMP", "canales_atencion_activos", "240301", "2022-05", 0))
    table = gaps_for(v, catalog, territory)
    aguas = row(table, "canales_atencion", "240302")
    assert (aguas["need"], aguas["supply"], aguas["unmet"], aguas["severity"]) == (1, 2, 0, "adecuada")
    zarumilla = row(table, "canales_atencion", "240301")
    assert (zarumilla["unmet"], zarumilla["severity"]) == (1, "critica")
    region = row(table, "canales_atencion", "24")
    assert (region["need"], region["supply"], region["unmet"], region["no_data_districts"]) == (2, 2, 1, 11)


def test_fixed_target_region_only_report_uses_thirteen(catalog, territory):
    v = values(("MIMP", "canales_atencion_activos", "24", "2022-05", 6))
    region = row(gaps_for(v, catalog, territory), "canales_atencion", "24")
    assert (region["need"], region["supply"], region["unmet"]) == (13, 6, 7)


def test_quarter_sums_flows_and_takes_last_month_of_stocks(catalog, territory):
    v = values(*[("DIRESA", "personas_requieren_smental", "240101", m, 10) for m in ("2022-04", "2022-05", "2022-06")],
               *[("DIRESA", "personas_atendidas_smental", "240101", m, 4) for m in ("2022-04", "2022-05")],
               ("ACNUR", "personas_requieren_alojamiento", "240101", "2022-04", 100),
               ("ACNUR", "personas_requieren_alojamiento", "240101", "2022-06", 120),
               ("ACNUR", "camas_albergue", "240101", "2022-05", 30))
    table = gaps_for(v, catalog, territory, "2022-Q2")
    mental = row(table, "atencion_salud_mental", "240101")
    assert (mental["need"], mental["supply"], mental["need_months"], mental["supply_months"]) == (30, 8, 3, 2)
    beds = row(table, "camas_albergue", "240101")
    # beds carried from May into June (flagged), need is June's
    assert (beds["need"], beds["supply"], beds["carried"]) == (120, 30, True)


def test_stock_older_than_three_months_is_not_carried(catalog, territory):
    v = values(("ACNUR", "personas_requieren_alojamiento", "240101", "2022-06", 120),
               ("ACNUR", "camas_albergue", "240101", "2022-02", 30))
    beds = row(gaps_for(v, catalog, territory, "2022-06"), "camas_albergue", "240101")
    assert beds["severity"] == "sin_datos"


@pytest.mark.parametrize("coverage, expected", [(0.95, "adecuada"), (0.9, "adecuada"), (0.6, "moderada"),
                                                (0.3, "alta"), (0.2999, "critica"), (0.0, "critica"),
                                                (float("nan"), "sin_datos")])
def test_severity_thresholds(coverage, expected):
    assert severity(pd.Series([coverage]), 0.9, 0.6, 0.3).iloc[0] == expected


def test_sector_pools_only_gaps_that_share_a_unit(catalog, territory):
    v = values(("MIMP", "casos_vbg_reportados", "240302", "2022-05", 20),
               ("MIMP", "casos_vbg_atendidos", "240302", "2022-05", 5),
               ("MIMP", "canales_atencion_activos", "240302", "2022-05", 1),
               ("DIRESA", "pob_migrante", "240302", "2022-05", 100),
               ("DIRESA", "afiliados_sis", "240302", "2022-05", 40))
    summary = sector_summary(gaps_for(v, catalog, territory), catalog).set_index(["sector", "ubigeo"])
    vbg = summary.loc[("vbg", "240302")]
    assert math.isnan(vbg["coverage"]) and vbg["worst_severity"] == "critica"
    health = summary.loc[("salud", "240302")]
    assert health["coverage"] == pytest.approx(0.4) and health["unit"] == "personas"


def test_default_month_skips_a_nearly_empty_month(store, catalog, territory):
    from datetime import datetime

    from gapsmodel import model
    from gapsmodel.records.store import VALUE_COLUMNS
    june = values(*[(ob.institution, ob.indicator, "240101", "2024-06", 10)
                    for ob in catalog.obligations.itertuples()])
    for inst, part in june.groupby("institution"):
        store.add_batch(part[VALUE_COLUMNS], institution=inst, uploaded_at=datetime(2024, 7, 5))
    july = values(("ACNUR", "camas_albergue", "240101", "2024-07", 10))
    store.add_batch(july[VALUE_COLUMNS], institution="ACNUR", uploaded_at=datetime(2024, 8, 1))
    snap = model.take_snapshot(store, catalog, territory)
    assert model.latest_complete_month(snap, catalog, now=datetime(2024, 8, 20)) == "2024-06"
    assert model.latest_complete_month(snap, catalog, now=datetime(2024, 7, 20)) == "2024-06"
    assert model.latest_complete_month(snap, catalog, now=datetime(2024, 7, 8)) == "2024-06"
