"""gapsmodel.views.explore: filter state and the analysis figures, on hand-computed cases."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from gapsmodel.views import explore
from gapsmodel.rules.combine import monthly_figures
from gapsmodel.views.explore import Filters, parse_filters
from gapsmodel.rules.gaps import compute_gaps
from gapsmodel.rules.periods import parse_period
from gapsmodel.records.store import KEY

AV, ZA, TU = "240302", "240301", "240101"   # Aguas Verdes, Zarumilla (province 2403), Tumbes (2401)


def vals(*rows) -> pd.DataFrame:
    """rows: (institution, indicator, ubigeo, period, value[, sex[, age]])."""
    out = []
    for inst, ind, ubigeo, period, value, *rest in rows:
        out.append(dict(institution=inst, indicator=ind, ubigeo=ubigeo, period=period,
                        sex=rest[0] if rest else "total", age=rest[1] if len(rest) > 1 else "total",
                        nationality="total", value=float(value), note="", batch_id=1,
                        uploaded_at=pd.Timestamp("2024-04-05")))
    return pd.DataFrame(out, columns=KEY + ["value", "note", "batch_id", "uploaded_at"])


# --- filters -------------------------------------------------------------------------------------
def test_parse_filters_valid_state_round_trips(catalog, territory):
    params = {"period": "2024-Q1", "sector": "alojamiento", "gap": "camas_albergue", "prov": "2403",
              "dist": AV, "sex": "mujer"}
    f = parse_filters(params, catalog, territory, months=("2022-01", "2024-06"))
    assert f == Filters(kind="quarter", period="2024-Q1", sector="alojamiento", gap="camas_albergue",
                        province="2403", district=AV, sex="mujer")
    assert f.place(territory) == AV
    assert parse_filters(f.to_params(), catalog, territory, months=("2022-01", "2024-06")) == f


def test_parse_filters_drops_what_is_unknown_or_inconsistent(catalog, territory):
    f = parse_filters({"period": "2024-13", "sector": "nope", "gap": "x", "prov": "99", "dist": "1",
                       "sex": "otro", "age": "5-9"}, catalog, territory)
    assert f == Filters()
    # a gap of another sector is dropped; a district of another province is dropped
    f = parse_filters({"sector": "salud", "gap": "camas_albergue", "prov": "2401", "dist": AV}, catalog, territory)
    assert (f.sector, f.gap, f.province, f.district) == ("salud", "", "2401", "")
    # a gap implies its sector, a district its province
    f = parse_filters({"gap": "camas_albergue", "dist": AV}, catalog, territory)
    assert (f.sector, f.province, f.place(territory)) == ("alojamiento", "2403", AV)
    # a period outside the data is dropped
    assert parse_filters({"period": "2019-01"}, catalog, territory, months=("2022-01", "2024-06")).period == ""


def test_parse_filters_session_only_when_it_is_a_known_session(catalog, territory):
    sessions = [date(2022, 4, 6), date(2024, 5, 8)]
    f = parse_filters({"session": "2024-05-08", "period": "2024-02"}, catalog, territory, sessions)
    assert (f.kind, f.session, f.period) == ("session", "2024-05-08", "")
    assert f.to_params() == {"session": "2024-05-08"}
    f = parse_filters({"session": "2024-05-09", "period": "2024-02"}, catalog, territory, sessions)
    assert (f.kind, f.period) == ("month", "2024-02")
    assert parse_filters({"session": "mañana"}, catalog, territory, sessions).kind == "month"


def test_defaults_are_left_out_of_the_url():
    assert Filters(kind="month", period="2024-05").to_params() == {"period": "2024-05"}


def test_selected_gaps_and_areas(catalog, territory):
    assert explore.selected_gaps(Filters(sector="vbg"), catalog) == ["atencion_vbg", "canales_atencion"]
    assert explore.selected_gaps(Filters(gap="regularizacion"), catalog) == ["regularizacion"]
    assert len(explore.selected_gaps(Filters(), catalog)) == len(catalog.gaps)
    assert explore.area_districts("2403", territory) == ["240301", "240302", "240303", "240304"]
    assert explore.area_districts(AV, territory) == [AV]
    assert len(explore.area_districts("24", territory)) == 13


# --- contributions ------------------------------------------------------------------------------------
@pytest.fixture
def shelter(catalog, territory):
    """Shelter in Aguas Verdes, Q1 2024: two need estimates (max), three bed providers (sum), one of them
    last reported in January (carried forward to March)."""
    v = vals(("ACNUR", "personas_requieren_alojamiento", AV, "2024-03", 100),
             ("OIM", "personas_requieren_alojamiento", AV, "2024-03", 120),
             ("ACNUR", "personas_requieren_alojamiento", AV, "2024-01", 90),
             ("ACNUR", "camas_albergue", AV, "2024-03", 30),
             ("OIM", "camas_albergue", AV, "2024-03", 20),
             ("ENCUENTROS", "camas_albergue", AV, "2024-01", 10),
             ("ACNUR", "camas_albergue", ZA, "2024-03", 7),
             ("ACNUR", "personas_requieren_alojamiento", ZA, "2024-03", 40))
    return v, monthly_figures(v, catalog, territory), explore.institution_figures(v, catalog, territory)


def test_contributions_stock_rule_max_and_sum_with_carried(shelter, catalog, territory):
    v, monthly, figs = shelter
    c = explore.contributions(figs, monthly, catalog, territory, "camas_albergue", AV, parse_period("2024-Q1"))
    need = c[c["role"].eq("need")].set_index("institution")
    supply = c[c["role"].eq("supply")].set_index("institution")
    assert need.loc["OIM", "value"] == 120 and need.loc["ACNUR", "value"] == 100
    assert (need["combined"] == 120).all() and need["rule"].eq("max").all()
    assert need.loc["OIM", "chosen"] and not need.loc["ACNUR", "chosen"]
    assert supply.loc["ACNUR", "value"] == 30 and supply.loc["OIM", "value"] == 20
    assert supply.loc["ENCUENTROS", "value"] == 10
    assert supply.loc["ENCUENTROS", "status"] == "carried" and supply.loc["ENCUENTROS", "carried_from"] == "2024-01"
    assert (supply["combined"] == 60).all() and supply["chosen"].all()
    assert set(supply["status"]) == {"reported", "carried"}


def test_contributions_province_sums_its_districts_and_marks_missing(shelter, catalog, territory):
    v, monthly, figs = shelter
    c = explore.contributions(figs, monthly, catalog, territory, "camas_albergue", "2403", parse_period("2024-03"))
    supply = c[c["role"].eq("supply")].set_index("institution")
    assert supply.loc["ACNUR", "value"] == 37          # 30 in Aguas Verdes + 7 in Zarumilla
    assert supply["combined"].iloc[0] == 67             # (30 + 20 + 10) + 7
    need = c[c["role"].eq("need")].set_index("institution")
    assert need["combined"].iloc[0] == 160               # max in AV (120) + max in Zarumilla (40)
    # Tumbes district: nobody reported; the obliged institutions are listed as missing, never as zero
    c = explore.contributions(figs, monthly, catalog, territory, "camas_albergue", TU, parse_period("2024-03"))
    assert set(c["status"]) == {"missing"} and c["value"].isna().all() and c["combined"].isna().all()
    assert set(c.loc[c["role"].eq("supply"), "institution"]) == {"ACNUR", "OIM", "ENCUENTROS"}


def test_contributions_flow_sums_months(catalog, territory):
    v = vals(("DIRESA", "personas_requieren_smental", TU, "2024-01", 10),
             ("DIRESA", "personas_requieren_smental", TU, "2024-02", 12),
             ("CARE", "personas_atendidas_smental", TU, "2024-01", 4),
             ("CARE", "personas_atendidas_smental", TU, "2024-02", 5),
             ("DIRESA", "personas_atendidas_smental", TU, "2024-02", 3))
    monthly = monthly_figures(v, catalog, territory)
    figs = explore.institution_figures(v, catalog, territory)
    c = explore.contributions(figs, monthly, catalog, territory, "atencion_salud_mental", TU, parse_period("2024-Q1"))
    supply = c[c["role"].eq("supply")].set_index("institution")
    assert supply.loc["CARE", "value"] == 9 and supply.loc["CARE", "months"] == 2
    assert supply.loc["DIRESA", "value"] == 3 and supply.loc["DIRESA", "months"] == 1
    assert supply["combined"].iloc[0] == 12 and supply["status"].eq("reported").all()
    assert c.loc[c["role"].eq("need"), "combined"].iloc[0] == 22


def test_region_only_reports_are_not_called_missing_in_a_district(catalog, territory):
    v = vals(("PNP", "victimas_trata_identificadas", "24", "2024-03", 9),
             ("MIMP", "victimas_trata_atendidas", "24", "2024-03", 4))
    monthly = monthly_figures(v, catalog, territory)
    figs = explore.institution_figures(v, catalog, territory)
    region = explore.contributions(figs, monthly, catalog, territory, "atencion_trata", "24", parse_period("2024-03"))
    assert region.set_index("institution").loc["PNP", "value"] == 9
    assert region.loc[region["role"].eq("supply"), "combined"].iloc[0] == 4
    district = explore.contributions(figs, monthly, catalog, territory, "atencion_trata", AV, parse_period("2024-03"))
    assert district.set_index("institution").loc["PNP", "status"] == "region_only"


def test_reporters_lists_who_reported_not_who_was_carried(shelter, catalog, territory):
    v, monthly, figs = shelter
    who = explore.reporters(figs, catalog, territory, "camas_albergue", parse_period("2024-03"))
    assert who[AV] == ["ACNUR", "OIM"] and who[ZA] == ["ACNUR"] and who[TU] == []


# --- disaggregation and values ---------------------------------------------------------------------------
def test_disaggregation_by_sex_with_and_without_total(catalog, territory):
    v = vals(("MIMP", "casos_vbg_reportados", AV, "2024-01", 10), ("MIMP", "casos_vbg_reportados", AV, "2024-01", 8, "mujer"),
             ("MIMP", "casos_vbg_reportados", AV, "2024-01", 3, "hombre"),
             ("MIMP", "casos_vbg_reportados", AV, "2024-02", 6, "mujer"),
             ("MIMP", "casos_vbg_reportados", AV, "2024-02", 2, "hombre"),
             ("MIMP", "casos_vbg_reportados", ZA, "2024-02", 5, "mujer"),   # another district: not counted
             ("CARE", "casos_vbg_atendidos", AV, "2024-02", 4))
    d = explore.disaggregation(v, catalog, territory, ["casos_vbg_reportados", "casos_vbg_atendidos"], AV,
                               parse_period("2024-Q1"), "sex")
    assert list(d["group"]) == ["mujer", "hombre"]
    assert list(d["value"]) == [14, 5]
    assert d["total"].iloc[0] == 10                       # only January has a total row to compare with
    assert d["share"].tolist() == pytest.approx([14 / 19, 5 / 19])
    assert explore.disaggregation(v, catalog, territory, ["casos_vbg_reportados"], AV, parse_period("2024-Q1"),
                                  "age").empty


def test_filter_values_by_gap_place_period_and_sex(catalog, territory):
    v = vals(("MIMP", "casos_vbg_reportados", AV, "2024-01", 8, "mujer"),
             ("MIMP", "casos_vbg_reportados", AV, "2024-01", 3, "hombre"),
             ("MIMP", "casos_vbg_reportados", TU, "2024-01", 7),
             ("MIMP", "casos_vbg_reportados", AV, "2023-12", 7),
             ("DIRESA", "pob_migrante", AV, "2024-01", 70))
    f = Filters(kind="month", period="2024-01", sector="vbg", province="2403", district=AV, sex="mujer")
    rows = explore.filter_values(v, f, catalog, territory, parse_period("2024-01"))
    assert rows[["ubigeo", "sex", "value"]].values.tolist() == [[AV, "mujer", 8.0]]
    rows = explore.filter_values(v, f.with_(sex="total", district="", province=""), catalog, territory,
                                 parse_period("2024-01"))
    assert sorted(rows["value"]) == [3.0, 7.0, 8.0]


def test_data_dimensions_lists_groups_present():
    v = vals(("X", "i", AV, "2024-01", 1, "mujer"), ("X", "i", AV, "2024-01", 1))
    assert explore.data_dimensions(v) == {"sex": ["mujer"], "age": []}


# --- gap rows, comparisons -------------------------------------------------------------------------------
def _gap(gap, ubigeo, coverage, unmet, severity, period="2024-01", level="district"):
    return dict(gap_code=gap, sector="alojamiento", period=period, ubigeo=ubigeo, level=level, need=np.nan,
                supply=np.nan, coverage=coverage, unmet=unmet, severity=severity)


def test_district_rows_fill_missing_districts_with_no_data_and_largest_gap(territory):
    table = pd.DataFrame([_gap("camas_albergue", AV, 0.4, 70, "alta"), _gap("camas_albergue", ZA, 0.2, 30, "critica"),
                          _gap("cobertura_sis", TU, 0.1, 900, "critica")])
    rows = explore.district_rows(table, "camas_albergue", territory)
    assert len(rows) == 13 and rows["severity"].value_counts()["sin_datos"] == 11
    top = explore.largest_gap(rows)
    assert (top["place"], top["unmet"]) == ("Aguas Verdes", 70)
    assert explore.largest_gap(rows[rows["severity"].eq("sin_datos")]) is None


def test_changes_sorted_by_coverage_change():
    before = pd.DataFrame([_gap("a", "24", 0.50, 100, "moderada"), _gap("b", "24", 0.30, 10, "alta"),
                           _gap("c", "24", np.nan, np.nan, "sin_datos")])
    after = pd.DataFrame([_gap("a", "24", 0.55, 90, "moderada"), _gap("b", "24", 0.10, 18, "critica"),
                          _gap("c", "24", 0.9, 1, "adecuada")])
    ch = explore.changes(before, after, "24")
    assert list(ch["gap_code"]) == ["b", "a", "c"]
    assert ch["coverage_change"].iloc[0] == pytest.approx(-0.20)
    assert ch["unmet_change"].iloc[0] == 8
    assert (ch["severity_before"].iloc[0], ch["severity_after"].iloc[0]) == ("alta", "critica")
    assert np.isnan(ch["coverage_change"].iloc[2])


def test_filter_gaps_keeps_area_and_its_districts(catalog, territory):
    table = pd.DataFrame([_gap("camas_albergue", AV, 0.4, 70, "alta"), _gap("camas_albergue", TU, 0.4, 70, "alta"),
                          _gap("camas_albergue", "2403", 0.4, 70, "alta", level="province"),
                          _gap("cobertura_sis", AV, 0.4, 70, "alta")])
    rows = explore.filter_gaps(table, Filters(sector="alojamiento", province="2403"), catalog, territory)
    assert sorted(rows["ubigeo"]) == ["2403", AV]


# --- data quality ------------------------------------------------------------------------------------------
def test_completeness_matrix_and_missing():
    status = pd.DataFrame({
        "institution": ["A", "A", "A", "B", "B"], "indicator": ["x", "y", "x", "x", "x"],
        "month": ["2024-01", "2024-01", "2024-02", "2024-01", "2024-02"],
        "period": ["2024-01", "2024-01", "2024-02", "2024-01", "2024-02"],
        "deadline": pd.to_datetime(["2024-02-11"] * 3 + ["2024-02-11", "2024-03-11"]),
        "reported": [True, False, True, True, True], "on_time": [True, False, False, True, True],
        "first_upload": pd.to_datetime(["2024-02-05", None, "2024-03-20", "2024-02-01", "2024-03-01"])})
    m = explore.completeness_matrix(status)
    assert list(m.index) == ["A", "B"]                       # lowest overall completeness first
    assert m.loc["A", "2024-01"] == 0.5 and m.loc["A", "2024-02"] == 1.0 and m.loc["B", "2024-01"] == 1.0
    miss = explore.missing_reports(status)
    assert miss[["institution", "indicator", "period"]].values.tolist() == [["A", "y", "2024-01"]]
    late = explore.late_reports(status)
    assert late[["institution", "period"]].values.tolist() == [["A", "2024-02"]]


def test_flagged_outliers_against_own_history():
    rows = [("DIRESA", "pob_migrante", AV, f"2023-{m:02d}", 100) for m in range(1, 13)]
    rows += [("DIRESA", "pob_migrante", AV, "2024-01", 1000), ("ACNUR", "pob_migrante", AV, "2024-01", 1000)]
    flagged = explore.flagged_outliers(vals(*rows), ["2024-01"])
    assert flagged[["institution", "value", "median"]].values.tolist() == [["DIRESA", 1000.0, 100.0]]


def test_catalog_tables(catalog):
    ind = explore.indicator_catalog(catalog, "es").set_index("code")
    assert ind.loc["camas_albergue", "rule"] == "sum" and ind.loc["camas_albergue", "unit"] == "camas"
    assert "ACNUR (mensual)" in ind.loc["camas_albergue", "obligations"]
    assert ind.loc["casos_vbg_reportados", "protected"] and not ind.loc["pob_migrante", "protected"]
    gaps = explore.gap_catalog(catalog, "en").set_index("code")
    assert gaps.loc["canales_atencion", "fixed_target_per_district"] == 1
    assert gaps.loc["camas_albergue", "name"] == "Shelter beds"


def test_contributions_combined_matches_the_gap_table(shelter, catalog, territory):
    v, monthly, figs = shelter
    period = parse_period("2024-Q1")
    table = compute_gaps(monthly, catalog, territory, [period])
    row = table[table["gap_code"].eq("camas_albergue") & table["ubigeo"].eq(AV)].iloc[0]
    c = explore.contributions(figs, monthly, catalog, territory, "camas_albergue", AV, period)
    assert c.loc[c["role"].eq("need"), "combined"].iloc[0] == row["need"] == 120
    assert c.loc[c["role"].eq("supply"), "combined"].iloc[0] == row["supply"] == 60


def test_failing_rules_say_where_and_since_when():
    from gapsmodel.views.explore import failing_rules
    from gapsmodel.rules.validation_rules import RULE_COLUMNS
    rules = pd.DataFrame([dict(zip(RULE_COLUMNS, ("r", "atendidas", "<=", "identificadas", "error", "institucion",
                                                  "es", "en")))])
    rows = [("A", ind, "240101", month, "total", "total", "total", value)
            for month, ident, att in (("2024-04", 5, 6), ("2024-05", 5, 5), ("2024-06", 5, 9))
            for ind, value in (("identificadas", ident), ("atendidas", att))]
    rows += [("B", "identificadas", "240102", "2024-04", "total", "total", "total", 1),
             ("B", "atendidas", "240102", "2024-04", "total", "total", "total", 2)]   # fails, but not in June
    values = pd.DataFrame(rows, columns=["institution", "indicator", "ubigeo", "period", "sex", "age",
                                         "nationality", "value"])
    found = failing_rules(values, rules, ["2024-06"])
    assert found[["institution", "ubigeo", "since", "last", "months"]].values.tolist() == \
        [["A", "240101", "2024-04", "2024-06", 2]]
