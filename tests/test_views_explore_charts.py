"""gapsmodel.views.explore_charts: each figure carries exactly the numbers of the frame it is given."""
from __future__ import annotations

import numpy as np
import pandas as pd

import pytest

from gapsmodel.views import explore_charts as xc
from gapsmodel.views.charts import SEVERITY_COLORS
from gapsmodel.i18n import Translator

ES, EN = Translator("es"), Translator("en")


def districts_frame():
    return pd.DataFrame({
        "ubigeo": ["240302", "240301", "240101"], "place": ["Aguas Verdes", "Zarumilla", "Tumbes"],
        "need": [1234.0, 50.0, np.nan], "supply": [400.0, 45.0, np.nan], "unmet": [834.0, 5.0, np.nan],
        "coverage": [400 / 1234, 0.9, np.nan], "severity": ["alta", "adecuada", "sin_datos"],
        "reporters": [["ACNUR", "OIM"], ["ACNUR"], []]})


def test_district_bars_draw_unmet_with_units_and_no_data_never_zero():
    fig = xc.district_bars(districts_frame(), ES, "camas", "Aguas Verdes tiene la mayor brecha")
    bar = fig.data[0]
    assert list(bar.y) == ["Aguas Verdes", "Zarumilla", "Tumbes"]
    assert list(bar.x[:2]) == [834.0, 5.0] and bar.x[2] > 0          # a grey stub, not a zero bar
    assert bar.text[0] == "834 camas · ▲▲ Alta · 32 %"
    assert bar.text[2] == "? Sin datos"
    assert list(bar.marker.color) == [SEVERITY_COLORS["alta"], SEVERITY_COLORS["adecuada"], SEVERITY_COLORS["sin_datos"]]
    assert fig.layout.title.text.replace("<br>", " ") == "Aguas Verdes tiene la mayor brecha"  # wrapped to fit a phone


def test_suppressed_counts_are_written_as_small_or_withheld():
    frame = districts_frame().assign(unmet_suppressed=[False, True, False], unmet_complementary=[False, False, False])
    fig = xc.district_bars(frame, ES, "casos", "t")
    assert fig.data[0].text[1].startswith("<5 casos")
    assert xc.count_text(ES, 3, suppressed=True, complementary=True) == "reservado"
    assert xc.count_text(EN, 1234.5) == "1,234" or xc.count_text(EN, 1234.5) == "1,235"
    assert xc.count_text(ES, np.nan) == "—"


def square(code, x0, y0, size=1.0):
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {"type": "Feature", "id": code, "properties": {"ubigeo": code},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_choropleth_draws_offline_polygons_with_classes_labels_and_hover():
    """The page's wrapper passes its units through to gapsmodel.views.maps (tested in full in test_views_maps.py)."""
    frame = districts_frame()
    gj = {"type": "FeatureCollection", "features": [square(u, -80 - 2 * i, -3.5) for i, u in enumerate(frame["ubigeo"])]}
    fig = xc.choropleth(frame, gj, ES, "camas", "Mapa", "personas")
    assert {d.type for d in fig.data} == {"scatter"} and fig.layout.map.style is None
    areas = {d.meta["ubigeo"]: d for d in fig.data if d.meta and "ubigeo" in d.meta and d.fill == "toself"}
    assert {u: a.fillcolor for u, a in areas.items()} == {
        "240302": SEVERITY_COLORS["alta"], "240301": SEVERITY_COLORS["adecuada"], "240101": SEVERITY_COLORS["sin_datos"]}
    hover = areas["240302"].text
    assert "Necesidad: 1,234 personas" in hover and "Oferta: 400 camas" in hover
    assert "Necesidad no cubierta: 834 camas" in hover and "Reportan: ACNUR, OIM" in hover
    assert "Necesidad no cubierta: —" in areas["240101"].text and "? Sin datos" in areas["240101"].text
    labels = next(d for d in fig.data if d.meta and d.meta.get("labels"))
    assert list(labels.text) == ["<b>Aguas Verdes</b><br>▲▲ Alta", "<b>Zarumilla</b><br>✓ Adecuada",
                                 "<b>Tumbes</b><br>? Sin datos"]


def contrib_frame():
    return pd.DataFrame({
        "role": ["need", "need", "supply", "supply", "supply"],
        "indicator": ["personas_requieren_alojamiento"] * 2 + ["camas_albergue"] * 3,
        "institution": ["OIM", "ACNUR", "ACNUR", "ENCUENTROS", "OIM"],
        "value": [120.0, 100.0, 30.0, 10.0, np.nan], "status": ["reported", "reported", "reported", "carried", "missing"],
        "carried_from": [None, None, None, "2024-01", None], "months": [1, 1, 1, 1, 0],
        "rule": ["max", "max", "sum", "sum", "sum"], "combined": [120.0, 120.0, 40.0, 40.0, 40.0],
        "chosen": [True, False, True, True, False], "unit": ["personas"] * 2 + ["camas"] * 3})


def test_contributions_bars_show_each_institution_and_the_combined_figure(catalog):
    fig = xc.contributions_bars(contrib_frame(), catalog, ES, "t")
    bar = fig.data[0]
    assert list(bar.y) == ["Necesidad · OIM", "Necesidad · ACNUR", "Necesidad · combinada (la mayor cifra)",
                           "Oferta · ACNUR", "Oferta · ENCUENTROS", "Oferta · OIM", "Oferta · combinada (suma)"]
    assert list(bar.x) == [120, 100, 120, 30, 10, 0, 40]
    assert bar.text[4] == "10 camas · arrastrado de ene. 2024"
    assert bar.text[5] == "sin reporte"                 # missing is written, its bar is empty
    assert list(bar.marker.pattern.shape) == ["", "", "", "", "/", "", ""]
    shown = xc.contributions_display(contrib_frame(), catalog, EN)
    assert list(shown["Status"]) == ["reported", "reported", "reported", "carried forward (Jan 2024)", "not reported"]


def test_disaggregation_bars_values_shares_and_disagreeing_total(catalog):
    frame = pd.DataFrame({"indicator": ["casos_vbg_reportados"] * 2, "institution": ["MIMP"] * 2,
                          "group": ["mujer", "hombre"], "value": [14.0, 5.0], "total": [10.0, 10.0],
                          "share": [14 / 19, 5 / 19], "unit": ["casos"] * 2})
    fig = xc.disaggregation_bars(frame, catalog, ES, "t", "sex")
    assert [d.name for d in fig.data] == ["Mujeres", "Hombres"]
    assert [list(d.x) for d in fig.data] == [[14.0], [5.0]]
    assert fig.data[0].text[0] == "14 (74 %)"
    assert "10" in fig.layout.annotations[0].text and "19" in fig.layout.annotations[0].text


def test_trend_chart_lines_sessions_and_last_severity(catalog):
    rows = pd.DataFrame({"gap_code": ["camas_albergue"] * 3, "period": ["2024-01", "2024-02", "2024-03"],
                         "coverage": [0.5, 0.45, np.nan], "unmet": [10, 12, np.nan],
                         "severity": ["moderada", "alta", "sin_datos"]})
    fig = xc.trend_chart(rows, catalog, ES, "t", "coverage", ["2024-02", "2023-05"])
    line = fig.data[0]
    assert list(line.x) == ["ene. 2024", "feb. 2024", "mar. 2024"]
    assert list(line.y[:2]) == [0.5, 0.45] and np.isnan(line.y[2])
    assert list(line.text) == ["", "▲▲ Alta", ""]       # the last point with data states its severity
    assert [s.x0 for s in fig.layout.shapes if s.xref == "x"] == ["feb. 2024"]
    fig = xc.trend_chart(rows, catalog, EN, "t", "unmet")
    assert list(fig.data[0].customdata[:2, 0]) == ["10", "12"]


def test_compare_bars_two_sides(catalog):
    changed = pd.DataFrame({"gap_code": ["camas_albergue"], "sector": ["alojamiento"], "coverage_before": [0.5],
                            "coverage_after": [0.25], "coverage_change": [-0.25], "unmet_before": [10.0],
                            "unmet_after": [20.0], "unmet_change": [10.0], "severity_before": ["moderada"],
                            "severity_after": ["critica"]})
    fig = xc.compare_bars(changed, catalog, ES, "Enero", "Febrero", "t")
    assert [d.name for d in fig.data] == ["Enero", "Febrero"]
    assert [d.x[0] for d in fig.data] == [0.5, 0.25]
    assert fig.data[1].text[0] == "▲▲▲ Crítica · 25 %"


def test_completeness_heatmap_cells():
    matrix = pd.DataFrame({"2024-01": [0.5, 1.0], "2024-02": [np.nan, 1.0]}, index=["DRE", "ACNUR"])
    fig = xc.completeness_heatmap(matrix, ES, "t")
    hm = fig.data[0]
    assert list(hm.y) == ["DRE", "ACNUR"] and list(hm.x) == ["ene. 2024", "feb. 2024"]
    assert hm.z[0][0] == 0.5 and np.isnan(hm.z[0][1])
    assert [list(r) for r in hm.text] == [["50 %", ""], ["100 %", "100 %"]]


def test_gap_display_writes_numbers_severity_and_carried(catalog, territory):
    rows = pd.DataFrame({"gap_code": ["atencion_vbg"], "sector": ["vbg"], "period": ["2024-01"], "ubigeo": ["240302"],
                         "level": ["district"], "need": [np.nan], "supply": [1234.0], "unmet": [np.nan],
                         "coverage": [np.nan], "severity": ["alta"], "no_data_districts": [0], "carried": [True],
                         "need_suppressed": [True], "need_complementary": [False], "unmet_suppressed": [True],
                         "unmet_complementary": [True], "coverage_suppressed": [True]})
    out = xc.gap_display(rows, catalog, ES, territory, 5).iloc[0]
    assert out["Necesidad"] == "<5" and out["Oferta"] == "1,234" and out["Necesidad no cubierta"] == "reservado"
    assert out["Cobertura"] == "—" and out["Severidad"] == "▲▲ Alta" and out["Dato arrastrado"] == "sí"
    assert out["Lugar"] == "Aguas Verdes" and out["Periodo"] == "Enero 2024"


def test_trends_are_small_multiples_with_an_axis_near_the_data_and_light_session_ticks(catalog):
    rows = pd.DataFrame({"gap_code": ["camas_albergue"] * 3 + ["cobertura_sis"] * 3,
                         "period": ["2023-12", "2024-01", "2024-02"] * 2,
                         "coverage": [0.5, 0.6, 0.9, 0.2, 0.25, 0.3], "unmet": [1, 2, 3, 4, 5, 6],
                         "severity": ["moderada", "moderada", "adecuada", "critica", "critica", "critica"]})
    fig = xc.trend_chart(rows, catalog, ES, "t", "coverage", ["2024-01"])
    assert len(fig.data) == 2 and fig.data[0].xaxis == "x" and fig.data[1].xaxis == "x2"   # a panel each
    assert not any(d.showlegend for d in fig.data)                    # named by the panel, not a legend
    assert fig.layout.yaxis.range == (0, pytest.approx(1.08))          # not 150 % for a maximum of 90 %
    ticks = [s for s in fig.layout.shapes if s.yref.endswith("domain")]
    assert {s.x0 for s in ticks} == {"ene. 2024"} and all(s.y1 == 0.1 and s.line.dash is None for s in ticks)
    assert list(fig.layout.xaxis.ticktext) == ["2023", "2024"]         # the years, not every month
    assert fig.data[1].line.color == SEVERITY_COLORS["critica"]      # the line says its latest severity


def test_a_trend_panel_without_a_line_says_whether_it_is_protected_or_has_no_data(catalog):
    rows = pd.DataFrame({"gap_code": ["atencion_vbg"] * 2 + ["camas_albergue"] * 2 + ["cobertura_sis"] * 2,
                         "period": ["2024-01", "2024-02"] * 3, "coverage": [np.nan, np.nan, np.nan, np.nan, 0.5, 0.6],
                         "unmet": [np.nan, np.nan, np.nan, np.nan, 5, 4],
                         "severity": ["indeterminada", "indeterminada", "sin_datos", "sin_datos", "moderada", "moderada"]})
    fig = xc.trend_chart(rows, catalog, ES, "t", "coverage")
    notes = {a.xref: a.text for a in fig.layout.annotations if a.xref and a.xref.endswith("domain")}
    assert notes == {"x domain": "Dato protegido", "x2 domain": "Sin datos"}     # the SIS panel has its line


def test_comparison_labels_leave_room_above_their_bars(catalog):
    """Each label sits in the upper half of its row: its lines (18 px each) must fit there, or on a phone the
    next label runs over the bars above it."""
    changed = pd.DataFrame({"gap_code": ["atencion_trata", "atencion_vbg", "canales_atencion"],
                            "coverage_before": [0.5, np.nan, np.nan], "coverage_after": [0.5, np.nan, np.nan],
                            "severity_before": ["alta", "indeterminada", "indeterminada"],
                            "severity_after": ["alta", "indeterminada", "indeterminada"]})
    fig = xc.compare_bars(changed, catalog, ES, "Mayo 2024", "Junio 2024", "Qué cambió entre dos periodos")
    lines = max(a.text.count("<br>") + 1 for a in fig.layout.annotations if a.yref == "y")
    assert lines >= 3
    plot_height = fig.layout.height - fig.layout.margin.t - 140          # the axis title and legend below
    row = plot_height / len(changed)
    assert 0.25 * row + 3 + 18 * lines <= 0.75 * row


def test_full_completeness_is_drawn_in_the_adequate_blue_not_a_warning_yellow():
    matrix = pd.DataFrame({"2024-01": [1.0, 0.0]}, index=["ACNUR", "OIM"])
    fig = xc.completeness_heatmap(matrix, ES, "t")
    scale = [tuple(step) for step in fig.data[0].colorscale]
    assert scale[-1] == (1.0, SEVERITY_COLORS["adecuada"]) and scale[0] == (0.0, SEVERITY_COLORS["critica"])


def test_a_protected_coverage_in_a_comparison_gets_no_bar_and_says_so(catalog):
    from gapsmodel.i18n import Translator
    changed = pd.DataFrame({"gap_code": ["atencion_trata", "cobertura_sis"], "coverage_before": [np.nan, 0.5],
                            "coverage_after": [0.4, 0.6], "severity_before": ["adecuada", "alta"],
                            "severity_after": ["alta", "moderada"]})
    fig = xc.compare_bars(changed, catalog, Translator("es"), "antes", "después", "título")
    before = fig.data[0]
    assert np.isnan(before.x[0]) and before.text[0] == "✓ Adecuada · reservado"
    assert before.x[1] == 0.5 and before.text[1] == "▲▲ Alta · 50 %"
