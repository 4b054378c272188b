"""Invariants of the gap model, checked on random reports (hypothesis)."""
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gapsmodel.rules.combine import monthly_figures
from gapsmodel.rules.gaps import compute_gaps
from gapsmodel.rules.periods import parse_period
from tests.helpers import values

DISTRICTS = ["240101", "240102", "240201", "240301", "240302"]
INSTITUTIONS = ["ACNUR", "OIM", "CARE"]
INDICATORS = ["personas_requieren_alojamiento", "camas_albergue", "casos_vbg_reportados", "casos_vbg_atendidos"]
MONTHS = ["2022-03", "2022-04", "2022-05"]

report = st.tuples(st.sampled_from(INSTITUTIONS), st.sampled_from(INDICATORS),
                   st.sampled_from(DISTRICTS + ["24"]), st.sampled_from(MONTHS), st.integers(0, 300))
reports = st.lists(report, min_size=1, max_size=40, unique_by=lambda r: r[:4])
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def compute(frame, catalog, territory, period="2022-Q2"):
    table = compute_gaps(monthly_figures(frame, catalog, territory), catalog, territory, [parse_period(period)])
    return table.sort_values(["gap_code", "ubigeo"]).reset_index(drop=True)


@SETTINGS
@given(rows=reports, seed=st.integers(0, 1000))
def test_row_order_does_not_change_results(catalog, territory, rows, seed):
    frame = values(*rows)
    shuffled = frame.sample(frac=1, random_state=seed).reset_index(drop=True)
    pd.testing.assert_frame_equal(compute(frame, catalog, territory), compute(shuffled, catalog, territory))


@SETTINGS
@given(rows=reports)
def test_region_unmet_is_the_sum_of_district_unmet(catalog, territory, rows):
    table = compute(values(*rows), catalog, territory)
    for gap, part in table.groupby("gap_code"):
        region = part[part["level"] == "region"].iloc[0]
        districts = part[(part["level"] == "district") & (part["severity"] != "sin_datos")]
        if region["basis"] == "districts":
            assert np.isclose(region["unmet"], districts["unmet"].sum())
            assert np.isclose(region["coverage"], districts["supply"].sum() / districts["need"].sum())
            assert region["no_data_districts"] == 13 - len(districts)
        for province, prov in part[part["level"] == "province"].groupby("ubigeo"):
            inside = districts[districts["ubigeo"].str.startswith(province)]
            if len(inside):
                assert np.isclose(prov["unmet"].iloc[0], inside["unmet"].sum())
            else:
                assert prov["severity"].iloc[0] == "sin_datos"


@SETTINGS
@given(rows=reports)
def test_sin_datos_exactly_where_need_or_supply_is_missing(catalog, territory, rows):
    # one report in the last month, so the data reach May and stocks can be carried into it
    frame = values(*rows, ("CARE", "personas_asistencia_alimentaria", "240304", "2022-05", 1))
    table = compute(frame, catalog, territory, "2022-05")
    districts = table[table["level"] == "district"]
    for r in districts.itertuples():
        supply_ind = catalog.gaps.at[r.gap_code, "supply"]
        need_ind = catalog.gaps.at[r.gap_code, "need"]
        if not need_ind:
            continue
        def present(ind, months):
            return bool(((frame["indicator"] == ind) & (frame["ubigeo"] == r.ubigeo) & frame["period"].isin(months)).any())
        stock_months = ["2022-03", "2022-04", "2022-05"]   # carried forward up to 3 months
        need_months = stock_months if catalog.indicators.at[need_ind, "time"] == "stock" else ["2022-05"]
        supply_months = stock_months if catalog.indicators.at[supply_ind, "time"] == "stock" else ["2022-05"]
        expected_missing = not present(need_ind, need_months) or not present(supply_ind, supply_months)
        need_zero = r.need == 0
        assert (r.severity == "sin_datos") == (expected_missing or need_zero)
        if r.severity == "sin_datos":
            assert np.isnan(r.coverage) and np.isnan(r.unmet)
