"""Steps 1-3 of the gap rules against hand-computed cases."""
from dataclasses import replace

import pytest

from gapsmodel.rules.combine import across_institutions, carry_forward, monthly_figures, region_wide, report_figures
from tests.helpers import values


def one(frame, **where):
    mask = True
    for key, value in where.items():
        mask = mask & (frame[key] == value)
    rows = frame[mask]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_total_row_wins_over_parts_and_disagreement_is_reported():
    v = values(("ACNUR", "pob_migrante", "240302", "2022-05", 100),
               ("ACNUR", "pob_migrante", "240302", "2022-05", 40, "mujer"),
               ("ACNUR", "pob_migrante", "240302", "2022-05", 50, "hombre"))
    figures, disagreements = report_figures(v)
    assert one(figures, institution="ACNUR")["value"] == 100
    assert not one(figures, institution="ACNUR")["from_parts"]
    row = one(disagreements, institution="ACNUR")
    assert (row["total"], row["parts_sum"], row["breakdown"]) == (100, 90, "sex")


def test_parts_without_total_are_summed_using_one_breakdown():
    v = values(("DIRESA", "afiliados_sis", "240101", "2022-05", 40, "mujer"),
               ("DIRESA", "afiliados_sis", "240101", "2022-05", 50, "hombre"),
               ("DIRESA", "afiliados_sis", "240101", "2022-05", 30, "total", "0-17"),
               ("DIRESA", "afiliados_sis", "240101", "2022-05", 70, "total", "18-59"))
    figures, disagreements = report_figures(v)
    row = one(figures, institution="DIRESA")
    assert row["value"] == 90 and row["from_parts"]
    assert disagreements.empty


def test_matching_total_and_parts_raise_no_warning():
    v = values(("MIMP", "casos_vbg_reportados", "240101", "2022-05", 9),
               ("MIMP", "casos_vbg_reportados", "240101", "2022-05", 8, "mujer"),
               ("MIMP", "casos_vbg_reportados", "240101", "2022-05", 1, "hombre"))
    assert report_figures(v)[1].empty


def test_stocks_carry_forward_three_months_and_flows_never(catalog):
    v = values(("ACNUR", "camas_albergue", "240302", "2022-01", 10),
               ("DIRESA", "personas_atendidas_smental", "240302", "2022-01", 7),
               ("OIM", "camas_albergue", "240302", "2022-06", 1))
    figures, _ = report_figures(v)
    carried = carry_forward(figures, catalog, until="2022-06")
    beds = carried[(carried["institution"] == "ACNUR")].sort_values("period")
    assert beds["period"].tolist() == ["2022-01", "2022-02", "2022-03", "2022-04"]
    assert beds["carried"].tolist() == [False, True, True, True]
    assert set(beds["carried_from"]) == {"2022-01"}
    assert carried[carried["indicator"] == "personas_atendidas_smental"]["period"].tolist() == ["2022-01"]


def test_carry_forward_stops_at_a_new_report_and_at_the_horizon(catalog):
    v = values(("ACNUR", "camas_albergue", "240302", "2022-01", 10),
               ("ACNUR", "camas_albergue", "240302", "2022-03", 30))
    carried = carry_forward(report_figures(v)[0], catalog, until="2022-04")
    series = carried.sort_values("period").set_index("period")["value"].to_dict()
    assert series == {"2022-01": 10, "2022-02": 10, "2022-03": 30, "2022-04": 30}


def test_rules_across_institutions(catalog):
    v = values(("ACNUR", "personas_requieren_alojamiento", "240302", "2022-05", 100),
               ("OIM", "personas_requieren_alojamiento", "240302", "2022-05", 80),
               ("ACNUR", "camas_albergue", "240302", "2022-05", 30),
               ("OIM", "camas_albergue", "240302", "2022-05", 20))
    figures = carry_forward(report_figures(v)[0], catalog, until="2022-05")
    out = across_institutions(figures, catalog)
    need = one(out, indicator="personas_requieren_alojamiento")
    assert need["value"] == 100 and need["chosen_by"] == "max"
    assert (need["low"], need["low_institution"], need["high"], need["high_institution"]) == (80, "OIM", 100, "ACNUR")
    beds = one(out, indicator="camas_albergue")
    assert beds["value"] == 50 and beds["chosen_by"] == "sum" and beds["n_institutions"] == 2


@pytest.mark.parametrize("rule, expected, chosen", [("mean", 90, "mean"), ("source:OIM", 80, "source:OIM"),
                                                    ("source:UNICEF", 100, "max")])
def test_mean_and_source_rules(catalog, rule, expected, chosen):
    indicators = catalog.indicators.copy()
    indicators.loc["personas_requieren_alojamiento", "rule"] = rule
    custom = replace(catalog, indicators=indicators)
    v = values(("ACNUR", "personas_requieren_alojamiento", "240302", "2022-05", 100),
               ("OIM", "personas_requieren_alojamiento", "240302", "2022-05", 80))
    out = across_institutions(carry_forward(report_figures(v)[0], custom, until="2022-05"), custom)
    row = one(out, indicator="personas_requieren_alojamiento")
    assert row["value"] == expected and row["chosen_by"] == chosen


def test_region_wide_uses_region_report_else_sum_of_districts(catalog, territory):
    v = values(("ACNUR", "camas_albergue", "24", "2022-05", 50),
               ("ACNUR", "camas_albergue", "240101", "2022-05", 7),
               ("OIM", "camas_albergue", "240101", "2022-05", 30),
               ("OIM", "camas_albergue", "240302", "2022-05", 20))
    figures = carry_forward(report_figures(v)[0], catalog, until="2022-05")
    wide = region_wide(figures, territory)
    assert one(wide, institution="ACNUR")["value"] == 50
    assert one(wide, institution="OIM")["value"] == 50
    monthly = monthly_figures(v, catalog, territory)
    assert one(monthly, ubigeo="24", indicator="camas_albergue")["value"] == 100
    assert one(monthly, ubigeo="240101", indicator="camas_albergue")["value"] == 37
