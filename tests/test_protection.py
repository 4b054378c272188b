"""Small-cell suppression: a public view never shows a small count of a protected indicator, directly, by
subtraction from a total, or from its own row."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gapsmodel.rules.gaps import compute_gaps
from gapsmodel.rules.periods import parse_period
from gapsmodel.model.audience import gaps_for
from gapsmodel.rules.protection import (COUNT_COLUMNS, format_count, protected_gap_codes,
                                        public_institution_breakdown_allowed, suppress_gaps, suppress_values)
from gapsmodel.records.permissions import Actor

PERIOD = "2022-05"


def monthly(rows) -> pd.DataFrame:
    """rows: (indicator, ubigeo, value) for PERIOD, as steps 1-3 of the model hand them to compute_gaps."""
    frame = pd.DataFrame(rows, columns=["indicator", "ubigeo", "value"]).assign(
        period=PERIOD, carried=False, n_institutions=1, low_institution="MIMP", high_institution="MIMP")
    frame["value"] = frame["value"].astype(float)
    frame["low"] = frame["value"]
    frame["high"] = frame["value"]
    return frame


def gap_rows(catalog, territory, need: dict, supply: dict, gap="atencion_trata") -> pd.DataFrame:
    need_ind, supply_ind = catalog.gaps.at[gap, "need"], catalog.gaps.at[gap, "supply"]
    rows = [(need_ind, u, v) for u, v in need.items() if v is not None]
    rows += [(supply_ind, u, v) for u, v in supply.items() if v is not None]
    # an unprotected gap alongside, to check it is left alone
    rows += [("pob_migrante", "240101", 3), ("afiliados_sis", "240101", 1)]
    return compute_gaps(monthly(rows), catalog, territory, [parse_period(PERIOD)])


def row(table, gap, ubigeo):
    return table[table["gap_code"].eq(gap) & table["ubigeo"].eq(ubigeo)].iloc[0]


# --- what is protected -----------------------------------------------------------------------
def test_protected_gaps_and_institution_breakdown(catalog):
    assert protected_gap_codes(catalog) == {"atencion_trata", "atencion_vbg", "canales_atencion", "proteccion_nna"}
    assert not public_institution_breakdown_allowed("victimas_trata_identificadas", catalog)
    assert not public_institution_breakdown_allowed("casos_vbg_atendidos", catalog)
    assert not public_institution_breakdown_allowed("nna_no_acompanados", catalog)
    assert not public_institution_breakdown_allowed("atencion_vbg", catalog)
    assert public_institution_breakdown_allowed("camas_albergue", catalog)
    assert public_institution_breakdown_allowed("pob_migrante", catalog)


# --- hand-computed cases ------------------------------------------------------------------
def test_one_small_district_gets_a_complementary_partner(catalog, territory):
    # province Zarumilla (2403): Zarumilla 40/30, Aguas Verdes 3/1, Matapalo 20/18, Papayal 60/50
    need = {"240301": 40, "240302": 3, "240303": 20, "240304": 60}
    supply = {"240301": 30, "240302": 1, "240303": 18, "240304": 50}
    exact = gap_rows(catalog, territory, need, supply)
    shown = suppress_gaps(exact, catalog, territory)
    aguas = row(shown, "atencion_trata", "240302")
    assert np.isnan(aguas["need"]) and aguas["need_suppressed"] and not aguas["need_complementary"]
    assert np.isnan(aguas["supply"]) and np.isnan(aguas["unmet"]) and np.isnan(aguas["coverage"])
    assert aguas["severity"] == "alta"  # severity may stay
    # the smallest other need of the province is masked too, as complementary (not shown as <5)
    matapalo = row(shown, "atencion_trata", "240303")
    assert np.isnan(matapalo["need"]) and matapalo["need_complementary"]
    # the province total stays visible
    province = row(shown, "atencion_trata", "2403")
    assert province["need"] == 123 and not province["need_suppressed"]
    # unprotected gap untouched even with small counts
    sis = row(shown, "cobertura_sis", "240101")
    assert sis["need"] == 3 and sis["supply"] == 1 and not sis["need_suppressed"]
    pd.testing.assert_frame_equal(shown[exact.columns].loc[shown["gap_code"].eq("cobertura_sis")],
                                  exact.loc[exact["gap_code"].eq("cobertura_sis")])


def test_small_unmet_hides_supply_of_its_row(catalog, territory):
    need = {"240101": 40, "240102": 50}
    supply = {"240101": 38, "240102": 20}
    shown = suppress_gaps(gap_rows(catalog, territory, need, supply), catalog, territory)
    tumbes = row(shown, "atencion_trata", "240101")
    assert tumbes["need"] == 40 and np.isnan(tumbes["unmet"]) and np.isnan(tumbes["supply"])
    assert tumbes["supply_complementary"] and not tumbes["unmet_complementary"]


def test_zero_is_a_small_count_but_zero_unmet_is_not(catalog, territory):
    shown = suppress_gaps(gap_rows(catalog, territory, {"240101": 30, "240102": 30, "240103": 50},
                                   {"240101": 0, "240102": 40, "240103": 20}), catalog, territory)
    assert row(shown, "atencion_trata", "240101")["supply_suppressed"]
    corrales = row(shown, "atencion_trata", "240102")
    assert corrales["unmet"] == 0 and not corrales["unmet_suppressed"]


def test_institution_range_is_blanked_for_protected_gaps(catalog, territory):
    shown = suppress_gaps(gap_rows(catalog, territory, {"240101": 30}, {"240101": 20}), catalog, territory)
    trata = shown[shown["gap_code"].eq("atencion_trata")]
    assert trata[["need_low", "need_high"]].isna().all().all()
    assert trata["need_low_institution"].isna().all()
    assert row(shown, "cobertura_sis", "240101")["need_low_institution"] == "MIMP"


def test_gaps_for_depends_on_the_actor(catalog, territory):
    exact = gap_rows(catalog, territory, {"240101": 3}, {"240101": 1})
    assert gaps_for(Actor("a", "analyst"), exact, catalog, territory) is exact
    public = gaps_for(Actor("p", "public"), exact, catalog, territory)
    assert row(public, "atencion_trata", "240101")["need_suppressed"]


def test_format_count():
    assert format_count(np.nan, True, 5) == "<5"
    assert format_count(np.nan, True, 5, "en", complementary=True) == "withheld"
    assert format_count(np.nan, True, 5, "es", complementary=True) == "reservado"
    assert format_count(1234.0, False, 5) == "1,234"
    assert format_count(12.5, False, 5, "en") == "12.5"
    assert format_count(None, False, 5) == "—"
    assert format_count(np.nan, False, 5) == "—"


def test_suppress_values_with_a_sex_breakdown(catalog):
    frame = pd.DataFrame({
        "institution": "MIMP", "indicator": "casos_vbg_reportados", "ubigeo": "240101", "period": PERIOD,
        "sex": ["total", "mujer", "hombre"], "age": "total", "nationality": "total", "value": [30.0, 27.0, 3.0]})
    frame = pd.concat([frame, frame.assign(indicator="pob_migrante", value=[3.0, 2.0, 1.0])], ignore_index=True)
    shown = suppress_values(frame, catalog)
    vbg = shown[shown["indicator"].eq("casos_vbg_reportados")].set_index("sex")
    assert vbg.at["total", "value"] == 30
    assert vbg["value_suppressed"].tolist() == [False, True, True]
    assert vbg.at["mujer", "value_complementary"]
    assert shown[shown["indicator"].eq("pob_migrante")]["value"].tolist() == [3.0, 2.0, 1.0]


def test_suppress_values_region_from_districts(catalog, territory):
    frame = pd.DataFrame({"indicator": "nna_no_acompanados", "period": PERIOD,
                          "ubigeo": ["24", "240101", "240102"], "value": [12.0, 2.0, 10.0]})
    shown = suppress_values(frame, catalog, territory=territory)
    assert shown["value_suppressed"].tolist() == [False, True, True]


# --- the property -------------------------------------------------------------------------
count = st.one_of(st.none(), st.integers(0, 6), st.integers(0, 80))


def sums_of(table: pd.DataFrame, territory) -> list[tuple[int, list[int]]]:
    """The sums an attacker knows, written independently of the module: province = Σ its districts with
    data; a region pooled from districts = Σ provinces = Σ districts."""
    province_of = territory.districts["province_ubigeo"]
    out = []
    for _, group in table.groupby(["gap_code", "period"]):
        data = group[group["severity"].ne("sin_datos")]
        districts = data[data["level"].eq("district")]
        provinces = data[data["level"].eq("province")]
        for p, prow in provinces.iterrows():
            parts = districts.index[districts["ubigeo"].map(province_of).eq(prow["ubigeo"])].tolist()
            out.append((p, parts))
        for r, rrow in data[data["level"].eq("region")].iterrows():
            if rrow["basis"] == "districts":
                out.append((r, provinces.index.tolist()))
                out.append((r, districts.index.tolist()))
    return out


def recoverable(exact: pd.DataFrame, shown: pd.DataFrame, territory) -> list[str]:
    """Masked cells that a linear combination of the known relations pins down exactly."""
    unknowns = [(i, c) for i in shown.index for c in COUNT_COLUMNS if shown.at[i, f"{c}_suppressed"]]
    if not unknowns:
        return []
    col = {u: k for k, u in enumerate(unknowns)}
    equations = []
    for total, parts in sums_of(exact, territory):
        for c in COUNT_COLUMNS:
            eq = np.zeros(len(unknowns))
            for i, sign in [(total, 1.0)] + [(p, -1.0) for p in parts]:
                if (i, c) in col:
                    eq[col[(i, c)]] += sign
            equations.append(eq)
    for i in exact.index[exact["level"].eq("district") & exact["unmet"].gt(0)]:
        eq = np.zeros(len(unknowns))  # unmet = need − supply in a district (the attacker may assume it)
        for c, sign in (("unmet", 1.0), ("need", -1.0), ("supply", 1.0)):
            if (i, c) in col:
                eq[col[(i, c)]] += sign
        equations.append(eq)
    a = np.array([e for e in equations if e.any()]) if any(e.any() for e in equations) else np.zeros((0, len(unknowns)))
    rank = np.linalg.matrix_rank(a) if len(a) else 0
    found = []
    for (i, c), k in col.items():
        unit = np.zeros(len(unknowns))
        unit[k] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            found.append(f"{c} of {exact.at[i, 'ubigeo']} = {exact.at[i, c]}")
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(need=st.lists(count, min_size=13, max_size=13), supply=st.lists(count, min_size=13, max_size=13),
       region=st.tuples(st.one_of(st.none(), st.integers(0, 50)), st.one_of(st.none(), st.integers(0, 50))),
       gap=st.sampled_from(["atencion_trata", "atencion_vbg", "proteccion_nna", "canales_atencion"]))
def test_no_small_count_is_shown_or_recomputable(catalog, territory, need, supply, region, gap):
    codes = territory.district_codes
    need_by = dict(zip(codes, need)) | {territory.region_ubigeo: region[0]}
    supply_by = dict(zip(codes, supply)) | {territory.region_ubigeo: region[1]}
    exact = gap_rows(catalog, territory, need_by, supply_by, gap)
    exact = exact[exact["gap_code"].eq(gap)].reset_index(drop=True)
    shown = suppress_gaps(exact, catalog, territory)
    threshold = catalog.small_cell_threshold
    # 1. directly: no shown need or supply below the threshold, no shown unmet from 1 to threshold − 1
    for c in ("need", "supply"):
        assert not shown[c].lt(threshold).any(), shown[c]
    assert not shown["unmet"].between(1, threshold - 1).any()
    # 2. masked cells are masked (no value left behind) and the flags say so
    for c in COUNT_COLUMNS:
        assert shown.loc[shown[f"{c}_suppressed"], c].isna().all()
        assert (shown[c].isna() == (exact[c].isna() | shown[f"{c}_suppressed"])).all()
        small = exact[c].lt(threshold) & ~(c == "unmet" and exact[c].eq(0))
        assert (shown.loc[shown[f"{c}_complementary"], c].isna()).all()
        assert not (shown[f"{c}_complementary"] & small).any()
    # 3. ratios never reveal a masked count
    assert shown.loc[shown["need_suppressed"] | shown["supply_suppressed"], "coverage"].isna().all()
    assert shown.loc[shown["need_suppressed"] | shown["unmet_suppressed"], "gap_share"].isna().all()
    # 4. no masked cell can be recomputed from the shown ones through the sums and row relations
    assert recoverable(exact, shown, territory) == []


def test_property_checker_catches_a_lone_masked_cell(catalog, territory):
    """The checker itself: masking one district without a partner is recoverable."""
    exact = gap_rows(catalog, territory, {"240301": 40, "240302": 3}, {"240301": 30, "240302": 20})
    exact = exact[exact["gap_code"].eq("atencion_trata")].reset_index(drop=True)
    naive = exact.copy()
    for c in COUNT_COLUMNS:
        naive[f"{c}_suppressed"] = naive["ubigeo"].eq("240302") & (c == "need")
    assert recoverable(exact, naive, territory)
