"""gapsmodel.views.maps: the offline district map carries exactly the rows' severities, names and numbers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gapsmodel.views import maps, presentation
from gapsmodel.views.charts import SEVERITY_COLORS
from gapsmodel.i18n import Translator

ES, EN = Translator("es"), Translator("en")


def rows_frame():
    """Four districts with figures; the other nine of the territory are absent (drawn 'Sin datos')."""
    return pd.DataFrame({
        "ubigeo": ["240302", "240301", "240101", "240202", "24"],
        "place": ["Aguas Verdes", "Zarumilla", "Tumbes", "Casitas", "Tumbes (región)"],
        "severity": ["critica", "adecuada", "moderada", "alta", "alta"],
        "need": [1234.0, 50.0, 100.0, 40.0, 9999.0], "supply": [250.0, 48.0, 70.0, 20.0, 1.0],
        "unmet": [984.0, 2.0, 30.0, 20.0, 9998.0], "coverage": [250 / 1234, 0.96, 0.7, 0.5, 0.0],
        "unit": ["camas"] * 5, "need_unit": ["personas"] * 5,
        "institutions": [["ACNUR", "OIM"], ["ACNUR"], [], ["CARE"], ["GORE"]]})


def areas(fig):
    """District polygons by UBIGEO."""
    return {d.meta["ubigeo"]: d for d in fig.data if d.meta and d.meta.get("ubigeo") and d.fill == "toself"}


def labels(fig):
    trace = next(d for d in fig.data if d.meta and d.meta.get("labels"))
    return dict(zip(trace.meta["ubigeo"], trace.text)), dict(zip(trace.meta["ubigeo"], trace.hovertext))


def test_each_district_carries_its_rows_severity_colour_and_pattern(territory):
    fig = maps.district_map(rows_frame(), territory, ES, "Camas", value_label="Camas de albergue")
    drawn = areas(fig)
    assert sorted(drawn) == sorted(territory.district_codes)                 # all 13, the region row ignored
    expected = {"240302": "critica", "240301": "adecuada", "240101": "moderada", "240202": "alta"}
    for code, area in drawn.items():
        severity = expected.get(code, "sin_datos")
        assert area.meta["severity"] == severity
        assert area.fillcolor == SEVERITY_COLORS[severity]
        assert area.fillpattern.shape == maps.SEVERITY_PATTERNS[severity]
        assert area.fillpattern.bgcolor == SEVERITY_COLORS[severity]
    assert drawn["240302"].fillpattern.shape == "x" and drawn["240301"].fillpattern.shape == ""
    # five classes, five patterns: they stay apart without colour
    assert len(set(maps.SEVERITY_PATTERNS.values())) == len(maps.SEVERITY_PATTERNS)  # one pattern per class


def test_names_and_severity_words_are_written_on_the_map_and_hover_has_the_numbers(territory):
    fig = maps.district_map(rows_frame(), territory, ES, "Camas", value_label="Camas de albergue")
    text, hover = labels(fig)
    assert text["240302"] == "<b>Aguas Verdes</b><br>▲▲▲ Crítica"
    assert text["240202"] == "<b>Casitas</b><br>▲▲ Alta"
    assert text["240105"] == "<b>San Jacinto</b><br>? Sin datos"           # name from the territory
    assert len(text) == 13
    h = areas(fig)["240302"].text
    assert h == hover["240302"]                                             # polygon and label say the same
    assert h.split("<br>") == ["<b>Aguas Verdes</b>", "Camas de albergue", "Severidad: ▲▲▲ Crítica",
                               "Necesidad: 1,234 personas", "Oferta: 250 camas",
                               "Necesidad no cubierta: 984 camas", "Cobertura: 20 %", "Reportan: ACNUR, OIM"]
    assert "Reportan: —" in areas(fig)["240101"].text                       # nobody reported: a dash


def test_a_district_without_data_is_grey_hatched_and_never_zero(territory):
    rows = rows_frame()
    rows.loc[1, ["need", "supply", "unmet", "coverage"]] = [0.0, np.nan, np.nan, np.nan]
    rows.loc[1, "severity"] = "sin_datos"                                   # need 0: no data, not full coverage
    fig = maps.district_map(rows, territory, ES, "t")
    area = areas(fig)["240301"]
    assert area.fillcolor == SEVERITY_COLORS["sin_datos"] == "#BBBBBB" and area.fillpattern.shape == "-"
    text, _ = labels(fig)
    assert text["240301"] == "<b>Zarumilla</b><br>? Sin datos"
    lines = area.text.split("<br>")
    assert "Severidad: ? Sin datos" in lines
    assert "Necesidad no cubierta: —" in lines and "Cobertura: —" in lines and "Oferta: —" in lines
    absent = areas(fig)["240303"].text                                     # a district missing from the rows
    assert "? Sin datos" in absent and "Necesidad: —" in absent
    assert not any(line.endswith(": 0") or ": 0 " in line for line in absent.split("<br>"))


def test_suppressed_counts_show_small_or_withheld_never_the_number(territory):
    rows = rows_frame().iloc[:1].copy()
    rows[["need", "unmet", "coverage"]] = np.nan
    rows["supply"] = 3.0
    rows = rows.assign(need_suppressed=[True], need_complementary=[False], supply_suppressed=[True],
                       supply_complementary=[False], unmet_suppressed=[True], unmet_complementary=[True],
                       coverage_suppressed=[True])
    fig = maps.district_map(rows, territory, ES, "t", threshold=5)
    lines = areas(fig)["240302"].text.split("<br>")
    assert "Necesidad: <5 personas" in lines and "Oferta: <5 camas" in lines
    assert "Necesidad no cubierta: reservado camas" in lines and "Cobertura: reservado" in lines
    assert not any("3" in line for line in lines[2:])                       # the masked 3 never appears
    fig = maps.district_map(rows, territory, EN, "t", threshold=10)
    lines = areas(fig)["240302"].text.split("<br>")
    assert "Need: <10 personas" in lines and "Unmet need: withheld camas" in lines


def test_nothing_needs_the_internet(territory):
    fig = maps.district_map(rows_frame(), territory, ES, "t", value_label="g")
    assert {d.type for d in fig.data} == {"scatter"}
    layout = fig.to_plotly_json()["layout"]
    assert not {"map", "geo", "mapbox"} & set(layout)
    assert not any(k.startswith(("map", "geo")) for d in fig.to_plotly_json()["data"] for k in d)
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == pytest.approx(1.0022, abs=2e-4)
    assert fig.layout.plot_bgcolor == "white"


def test_key_has_one_entry_per_class_with_icon_word_and_pattern(territory):
    fig = maps.district_map(rows_frame().iloc[:1], territory, EN, "t", value_label="Shelter beds")
    key = [d for d in fig.data if d.meta and d.meta.get("legend")]
    assert [d.meta["legend"] for d in key] == ["critica", "alta", "moderada", "adecuada", "sin_datos"]
    assert [d.name for d in key] == ["▲▲▲ Critical", "▲▲ High", "▲ Moderate", "✓ Adequate", "? No data"]
    assert [d.fillpattern.shape for d in key] == ["x", "/", ".", "", "-"]
    words = next(d for d in fig.data if d.meta and d.meta.get("key"))
    assert list(words.text[:5]) == [d.name for d in key] and words.text[5] == "<b>Shelter beds</b>"


def test_labels_do_not_overlap_and_crowded_ones_get_a_leader_line(territory):
    fig = maps.district_map(rows_frame(), territory, ES, "t", height=560)
    shapes = maps.district_shapes(territory)
    text, _ = labels(fig)
    trace = next(d for d in fig.data if d.meta and d.meta.get("labels"))
    scale = maps.label_scale(shapes, 560)
    boxes = {c: maps._box(x, y, text[c], scale, 12) for c, x, y in zip(trace.meta["ubigeo"], trace.x, trace.y)}
    codes = list(boxes)
    assert not any(maps._overlap(boxes[a], boxes[b]) for i, a in enumerate(codes) for b in codes[i + 1:])
    placed = maps.place_labels(shapes, text, scale, 12)
    assert {c: (p.x, p.y) for c, p in placed.items()} == {c: (x, y) for c, x, y in zip(codes, trace.x, trace.y)}
    callouts = [c for c, p in placed.items() if p.callout]
    assert callouts and "240104" not in callouts                             # big districts keep their label inside
    leaders = next(d for d in fig.data if d.meta and d.meta.get("leaders"))
    assert sum(1 for v in leaders.x if v is None) == len(callouts)
    for code in callouts:                                                    # each leader starts in its district
        start = placed[code].line[0]
        assert maps.inside(list(shapes[code].rings), *start)


def test_outlines_are_read_once_per_territory(territory):
    assert maps.district_shapes(territory) is maps.district_shapes(territory)
    shapes = maps.district_shapes(territory)
    assert shapes["240302"].name == "Aguas Verdes"
    for shape in shapes.values():                                           # every label point inside its district
        assert maps.inside(list(shape.rings), *shape.label)


def feature(code, coordinates, kind="Polygon"):
    return {"type": "Feature", "id": code, "properties": {"ubigeo": code, "district": code.upper()},
            "geometry": {"type": kind, "coordinates": coordinates}}


def test_holes_multipolygons_and_concave_shapes():
    outer = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]                          # counter-clockwise in the file
    hole = [[1, 1], [1, 3], [3, 3], [3, 1], [1, 1]]                           # clockwise in the file
    u_shape = [[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]
    gj = {"type": "FeatureCollection", "features": [
        feature("donut", [outer, hole]),
        feature("islands", [[[[10, 0], [10.5, 0], [10.5, 0.5], [10, 0]]], [[[20, 0], [24, 0], [24, 4], [20, 4], [20, 0]]]],
                "MultiPolygon"),
        feature("u", [u_shape])]}
    shapes = maps.shapes_from_geojson(gj)
    donut = shapes["donut"]
    assert np.isnan(donut.x).sum() == 1                                      # outer ring, gap, hole
    outer_drawn, hole_drawn = donut.rings
    assert maps._signed_area(outer_drawn) < 0 < maps._signed_area(hole_drawn)  # opposite ways: the hole stays empty
    assert maps.inside(list(donut.rings), *donut.label)                      # not in the hole (the centroid is)
    assert not maps.inside(list(donut.rings), 2, 2)
    assert shapes["islands"].label == pytest.approx((22.0, 2.0))             # the largest part's centroid
    assert maps.inside(list(shapes["u"].rings), *shapes["u"].label)          # the centroid (1.5, ~1.2) is in the notch
    assert shapes["donut"].name == "DONUT"
    fig = maps.district_map(pd.DataFrame({"ubigeo": ["donut"], "severity": ["alta"]}), gj, ES, "t")
    assert {u: a.meta["severity"] for u, a in areas(fig).items()} == {"donut": "alta", "islands": "sin_datos",
                                                                       "u": "sin_datos"}


def test_presentation_map_rows_use_peoples_units_and_the_worst_gap(catalog, territory):
    table = pd.DataFrame({
        "gap_code": ["camas_albergue", "camas_albergue", "cobertura_sis"], "level": ["district", "region", "district"],
        "ubigeo": ["240302", "24", "240101"], "severity": ["critica", "alta", "sin_datos"],
        "need": [10.0, 20.0, np.nan], "supply": [1.0, 2.0, np.nan], "unmet": [9.0, 18.0, np.nan],
        "coverage": [0.1, 0.1, np.nan]})
    rows = presentation.map_rows(table, "camas_albergue", catalog, territory, ES)
    assert list(rows["ubigeo"]) == ["240302"] and list(rows["place"]) == ["Aguas Verdes"]
    fig = presentation.district_map(rows, territory, ES, "t", value_label="Camas")
    assert "Necesidad no cubierta: 9 " in areas(fig)["240302"].text
    assert presentation.map_gap(table, pd.DataFrame(), catalog) == "camas_albergue"
    assert presentation.map_gap(table, pd.DataFrame({"gap_code": ["cobertura_sis"]}), catalog) == "cobertura_sis"


def test_on_a_phone_the_key_goes_below_the_map_and_every_label_stays_in_the_drawn_range(territory):
    from gapsmodel.views import explore_charts as xc
    # a title as long as the map page's (three lines on a phone)
    title = "Aguas Verdes es el distrito con la mayor brecha de camas de albergue: 984 personas"
    # every district with figures, most of them with a long icon (▲▲▲), as in a bad month
    codes = territory.district_codes
    severities = ["critica", "alta", "critica", "moderada", "adecuada"]
    rows = pd.DataFrame({"ubigeo": codes, "place": [territory.name(u) for u in codes],
                         "severity": [severities[i % 5] for i in range(len(codes))],
                         "need": 100.0, "supply": 50.0, "unmet": 50.0, "coverage": 0.5})
    fig = xc.choropleth(rows, territory, ES, "camas", title, "personas", value_label="Camas", phone=True)
    shapes = maps.district_shapes(territory)
    bottom_of_map = min(np.nanmin(sh.y) for sh in shapes.values())
    key = [d for d in fig.data if d.meta and d.meta.get("legend")]
    assert all(max(d.y) < bottom_of_map for d in key)                    # below the outlines, not beside
    assert max(max(d.x) for d in key) < max(np.nanmax(sh.x) for sh in shapes.values())
    # the labels were placed for the width the figure draws them at: at that scale none overlap, and
    # every label box is inside the axes' range (nothing sticks out of the chart)
    trace = next(d for d in fig.data if d.meta and d.meta.get("labels"))
    (x0, x1), (y0, y1) = fig.layout.xaxis.range, fig.layout.yaxis.range
    # degrees of longitude per pixel once Plotly fits both ranges into the plot (equal scale kept)
    ratio = fig.layout.yaxis.scaleratio
    width_px = xc.PHONE_WIDTH - fig.layout.margin.l - fig.layout.margin.r
    height_px = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    lon_per_px = max((x1 - x0) / width_px, (y1 - y0) * ratio / height_px)
    scale = (lon_per_px, lon_per_px / ratio)
    boxes = [maps._box(x, y, text, scale, 10) for x, y, text in zip(trace.x, trace.y, trace.text)]
    assert not any(maps._overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert all(x0 <= b[0] and b[2] <= x1 and y0 <= b[1] and b[3] <= y1 for b in boxes)
    # the long names take two short lines, so the outlines keep most of the phone's width
    outlines_px = (max(np.nanmax(sh.x) for sh in shapes.values()) - min(np.nanmin(sh.x) for sh in shapes.values()))
    assert outlines_px / lon_per_px >= 0.7 * width_px, outlines_px / lon_per_px      # 0.58 with one-line names
    assert any("<br>" in text for text in trace.text)
    # and the figure is as tall as what it draws: no empty band to scroll past
    assert (y1 - y0) / scale[1] >= 0.95 * height_px


def test_the_computer_map_keeps_its_key_beside_the_map(territory):
    fig = maps.district_map(rows_frame(), territory, ES, "t", value_label="g")
    shapes = maps.district_shapes(territory)
    key = [d for d in fig.data if d.meta and d.meta.get("legend")]
    assert all(min(d.x) > max(np.nanmax(sh.x) for sh in shapes.values()) for d in key)
