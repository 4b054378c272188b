"""The overview's charts: small multiples of coverage say why a panel has no line."""
from __future__ import annotations

import numpy as np
import pandas as pd

from gapsmodel.i18n import Translator
from gapsmodel.views import charts


def series(gap: str, sector: str, coverages, severities) -> pd.DataFrame:
    return pd.DataFrame({"gap_code": gap, "sector": sector, "ubigeo": "24",
                         "period": ["2024-04", "2024-05", "2024-06"], "coverage": coverages, "severity": severities})


def test_a_withheld_panel_says_protected_and_a_missing_one_says_no_data(catalog):
    rows = pd.concat([
        series("cobertura_sis", "salud", [0.3, 0.32, 0.35], ["alta"] * 3),
        series("atencion_vbg", "vbg", [np.nan] * 3, ["indeterminada"] * 3),
        series("camas_albergue", "alojamiento", [np.nan] * 3, ["sin_datos"] * 3)])
    for lang, protected, missing in (("es", "Dato protegido", "Sin datos"), ("en", "Protected figure", "No data")):
        fig = charts.coverage_trend(rows, catalog, Translator(lang), "24", "")
        notes = {a.text: (a.xref, a.yref) for a in fig.layout.annotations if a.xref and a.xref.endswith("domain")}
        assert set(notes) == {protected, missing}
        drawn = {tr.name: tr for tr in fig.data}
        vbg = catalog.label("gaps", "atencion_vbg", lang)
        # the note sits in the VBG panel's own axes
        assert notes[protected][0].removesuffix(" domain") == (drawn[vbg].xaxis or "x")
