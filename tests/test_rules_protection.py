"""What is protected (gapsmodel.rules.protection) and who sees published figures (gapsmodel.model.audience)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from gapsmodel.model.audience import gap_table_for, is_public
from gapsmodel.records.permissions import Actor
from gapsmodel.rules.periods import parse_period
from gapsmodel.rules.protection import (format_count, protected_gap_codes, protected_indicators,
                                        public_institution_breakdown_allowed)

PERIOD = "2022-05"


def monthly(rows) -> pd.DataFrame:
    """rows: (indicator, ubigeo, value) for PERIOD, as steps 1-3 of the model hand them to compute_gaps."""
    frame = pd.DataFrame(rows, columns=["indicator", "ubigeo", "value"]).assign(
        period=PERIOD, carried=False, n_institutions=1, low_institution="MIMP", high_institution="MIMP")
    frame["value"] = frame["value"].astype(float)
    frame["low"] = frame["value"]
    frame["high"] = frame["value"]
    return frame


def row(table, gap, ubigeo):
    return table[table["gap_code"].eq(gap) & table["ubigeo"].eq(ubigeo)].iloc[0]


def test_protected_gaps_indicators_and_institution_breakdown(catalog):
    assert protected_gap_codes(catalog) == {"atencion_trata", "atencion_vbg", "canales_atencion", "proteccion_nna"}
    assert {"victimas_trata_identificadas", "casos_vbg_reportados", "canales_atencion_activos",
            "nna_no_acompanados"} <= protected_indicators(catalog)
    assert "pob_migrante" not in protected_indicators(catalog)
    assert not public_institution_breakdown_allowed("victimas_trata_identificadas", catalog)
    assert not public_institution_breakdown_allowed("casos_vbg_atendidos", catalog)
    assert not public_institution_breakdown_allowed("nna_no_acompanados", catalog)
    assert not public_institution_breakdown_allowed("atencion_vbg", catalog)
    assert public_institution_breakdown_allowed("camas_albergue", catalog)
    assert public_institution_breakdown_allowed("pob_migrante", catalog)


def test_the_viewer_decides_exact_or_published(catalog, territory):
    figures = monthly([("victimas_trata_identificadas", "240101", 3), ("victimas_trata_atendidas", "240101", 1),
                       ("pob_migrante", "240101", 3), ("afiliados_sis", "240101", 1)])
    periods = [parse_period(PERIOD)]
    assert not is_public(Actor("a", "analyst")) and is_public(Actor("p", "public"))
    exact = gap_table_for(Actor("a", "analyst"), figures, catalog, territory, periods)
    public = gap_table_for(Actor("p", "public"), figures, catalog, territory, periods)
    assert row(exact, "atencion_trata", "240101")["need"] == 3
    assert row(public, "atencion_trata", "240101")["need_suppressed"]
    assert np.isnan(row(public, "atencion_trata", "240101")["need"])
    assert row(public, "cobertura_sis", "240101")["need"] == 3        # unprotected gaps stay exact


def test_format_count():
    assert format_count(np.nan, True, 5) == "<5"
    assert format_count(np.nan, True, 5, "en", complementary=True) == "withheld"
    assert format_count(1234.0, False, 5) == "1,234"
    assert format_count(12.5, False, 5, "en") == "12.5"
    assert format_count(None, False, 5) == "—"
