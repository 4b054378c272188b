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


def test_the_largest_gaps_bars_are_labelled_with_the_share_they_draw():
    rows = pd.DataFrame({"place": ["Zorritos", "Tumbes"], "gap": ["Asistencia alimentaria"] * 2,
                         "unmet": [277.0, 969.0], "unit": ["personas"] * 2, "severity": ["critica", "critica"],
                         "coverage": [0.19, 0.25], "gap_share": [0.81, 0.75]})
    fig = charts.worst_bars(rows, Translator("es"), "")
    assert list(fig.data[0].x) == [0.81, 0.75]
    assert [a.text.replace("<br>", " ") for a in fig.layout.annotations] == [
        "Zorritos — Asistencia alimentaria: 277 personas · ▲▲▲ Crítica · 81 % sin cubrir",
        "Tumbes — Asistencia alimentaria: 969 personas · ▲▲▲ Crítica · 75 % sin cubrir"]
