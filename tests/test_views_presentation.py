"""What the slides say: the map slide speaks of the gap it draws; the agreements slide lists them."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from gapsmodel.i18n import Translator
from gapsmodel.records.permissions import Actor
from gapsmodel.records.sessions import add_agreement, add_session
from gapsmodel.views import charts, deck, presentation

ES, EN = Translator("es"), Translator("en")
ADMIN = Actor("ana", "admin")


def _rows(territory, severities: dict[str, str]) -> pd.DataFrame:
    codes = list(territory.district_codes)
    return pd.DataFrame({"ubigeo": codes, "severity": [severities.get(c, "adecuada") for c in codes]})


def test_map_message_names_the_districts_where_the_drawn_gap_is_critical(territory):
    a, b = territory.district_codes[:2]
    rows = _rows(territory, {a: "critica", b: "critica"})
    text = presentation.map_message(rows, "Camas de albergue", territory, ES)
    names = ", ".join(sorted([territory.name(a), territory.name(b)]))
    assert text == (f"Camas de albergue: situación crítica en 2 de {len(territory.district_codes)} distritos: "
                    f"{names}.")


def test_map_message_when_every_or_no_district_is_critical(territory):
    every = _rows(territory, {c: "critica" for c in territory.district_codes})
    assert presentation.map_message(every, "SIS", territory, EN) == "SIS: critical in every district."
    assert presentation.map_message(_rows(territory, {}), "SIS", territory, EN) == "SIS: no district is critical."


def test_the_map_slide_message_agrees_with_the_map(demo_store, catalog, territory):
    day = presentation.sessions_frame(demo_store)["date"].iloc[-1]
    data = presentation.session_data(demo_store, catalog, territory, day)
    slides = presentation.build_slides(data, catalog, territory, ES)
    slide = next(s for s in slides if s.key == "map")
    worst = presentation.charts.worst_frame(data.current.gaps[data.current.gaps["gap_share"].notna()], catalog, ES,
                                            territory)
    gap = presentation.map_gap(data.current.gaps, worst, catalog)
    drawn = data.current.gaps[data.current.gaps["gap_code"].eq(gap) & data.current.gaps["level"].eq("district")]
    critical = sorted(territory.name(u) for u in drawn.loc[drawn["severity"].eq("critica"), "ubigeo"])
    label = catalog.label("gaps", gap, "es")
    assert slide.message.startswith(f"{label}:")
    if 0 < len(critical) < len(territory.district_codes):
        assert slide.message.endswith(", ".join(critical) + ".")


def test_agreements_slide_lists_status_and_due_first_overdue_first(store, catalog, territory):
    add_session(store, date(2023, 4, 12), "Sesión de abril", actor=ADMIN)
    add_session(store, date(2023, 6, 14), "Sesión de junio", actor=ADMIN)
    add_agreement(store, date(2023, 4, 12), "Campaña SIS", "DIRESA", date(2023, 7, 1), actor=ADMIN)
    add_agreement(store, date(2023, 4, 12), "Canal VBG", "MIMP", date(2023, 5, 31), status="en_curso", actor=ADMIN)
    data = presentation.session_data(store, catalog, territory, date(2023, 6, 14))
    slide = presentation.build_slides(data, catalog, territory, ES)[-1]
    assert slide.key == "agreements"
    listing = slide.listing
    assert list(listing.columns) == ["Estado", "Vence", "Acuerdo", "Responsable", "overdue"]
    assert listing["Acuerdo"].tolist() == ["Canal VBG", "Campaña SIS"]          # overdue first
    assert listing["Estado"].tolist() == ["⚠ Vencido", "○ Pendiente"]
    assert listing["overdue"].tolist() == [True, False]
    assert listing["Responsable"].tolist() == ["MIMP", "DIRESA"]


def test_agreements_slide_shows_a_few_and_says_how_many_more(store, catalog, territory):
    add_session(store, date(2023, 4, 12), "Sesión", actor=ADMIN)
    for i in range(presentation.AGREEMENTS_ON_SLIDE + 2):
        add_agreement(store, date(2023, 4, 12), f"Acuerdo {i}", "DIRESA", date(2023, 7, 1 + i), actor=ADMIN)
    data = presentation.session_data(store, catalog, territory, date(2023, 4, 12))
    slide = presentation.build_slides(data, catalog, territory, ES)[-1]
    assert len(slide.listing) == presentation.AGREEMENTS_ON_SLIDE
    assert slide.note.startswith("Y 2 más")
    assert len(slide.tables[0][1]) == presentation.AGREEMENTS_ON_SLIDE + 2     # all of them one click away


def test_a_slide_figure_loses_its_title_and_fixed_height_for_the_slide_view():
    import plotly.graph_objects as go
    fig = go.Figure(go.Bar(x=[1], y=["a"]))
    fig.update_layout(title="Título", height=900)
    shown = presentation.on_slide(fig)
    assert shown.layout.title.text is None and shown.layout.height is None
    assert fig.layout.title.text == "Título" and fig.layout.height == 900      # the report keeps its own


def test_a_slide_figure_for_a_large_screen_has_every_text_size_scaled():
    import plotly.graph_objects as go
    fig = go.Figure(go.Scatter(x=[1, 2], y=[1, 2], mode="text", text=["a", "b"], textfont=dict(size=[10, 14])))
    fig.add_annotation(text="nota", x=1, y=1, font=dict(size=20), yshift=6)
    fig.update_layout(font=dict(size=20), xaxis=dict(tickfont=dict(size=16)), legend=dict(font=dict(size=12)))
    big = presentation.on_slide(fig, 1.5)
    assert big.layout.font.size == 30 and big.layout.xaxis.tickfont.size == 24 and big.layout.legend.font.size == 18
    assert big.layout.annotations[0].font.size == 30 and big.layout.annotations[0].yshift == 9
    assert list(big.data[0].textfont.size) == [15, 21]
    assert presentation.on_slide(fig).layout.font.size == 20 and fig.data[0].textfont.size == (10, 14)


def test_a_protected_coverage_is_a_grey_hatched_band_with_the_word_not_a_zero_bar(catalog):
    from gapsmodel.views import charts
    gaps = pd.DataFrame({
        "ubigeo": ["24", "24"], "sector": ["salud", "vbg"], "gap_code": ["cobertura_sis", "canales_atencion"],
        "coverage": [0.33, float("nan")], "severity": ["alta", "adecuada"],
        "coverage_suppressed": [False, True], "need": [1.0, 1.0], "supply": [1.0, 1.0], "unmet": [0.0, 0.0]})
    fig = charts.coverage_bars(gaps, catalog, ES, "24", "Título")
    bar = fig.data[0]
    by_label = dict(zip(bar.y, zip(bar.x, bar.text, bar.marker.color, bar.marker.pattern.shape)))
    sis = next(v for k, v in by_label.items() if "SIS" in k)
    assert sis[0] == 0.33 and sis[1] == "▲▲ Alta · 33 %" and sis[3] == ""
    shielded = next(v for k, v in by_label.items() if "SIS" not in k)
    assert shielded[0] == 1.2                                      # a band across the chart, not length zero
    assert shielded[1] == "Dato protegido (reservado)" and "Adecuada" not in shielded[1]
    assert shielded[2] == charts.PROTECTED_COLOR and shielded[3] == "/"
    # every label is written above its bar, wrapped so that it stays inside a phone's width
    assert all(max(len(line) for line in a.text.split("<br>")) <= charts.WRAP for a in fig.layout.annotations)


def test_wrap_breaks_long_text_at_spaces():
    from gapsmodel.views.charts import wrap
    assert wrap("Tumbes tiene la mayor brecha de cobertura del SIS", 20) == \
        "Tumbes tiene la<br>mayor brecha de<br>cobertura del SIS"


def test_the_agreements_table_reads_status_and_due_date_first(store, catalog, territory):
    add_session(store, date(2023, 4, 12), "Sesión", actor=ADMIN)
    add_agreement(store, date(2023, 4, 12), "Campaña SIS", "DIRESA", date(2023, 7, 1), actor=ADMIN)
    frame = presentation.agreements_frame(store, today=date(2023, 8, 1))
    table = presentation.agreements_table(frame, catalog, ES)
    assert list(table.columns[:4]) == ["Estado", "Vence", "Acuerdo", "Responsable"]
    assert table.iloc[0, :2].tolist() == ["⚠ Vencido", "1 jul. 2023"]


def test_a_sector_slide_trend_is_named_at_its_end_with_light_session_ticks(catalog, territory):
    series = pd.DataFrame({"ubigeo": territory.region_ubigeo, "sector": "salud", "gap_code": "cobertura_sis",
                           "period": ["2023-11", "2023-12", "2024-01"], "coverage": [0.2, 0.3, 0.35],
                           "severity": ["critica", "alta", "alta"]})
    fig = presentation.sector_trend(series, catalog, ES, territory.region_ubigeo, "t", [date(2023, 12, 13)])
    line = fig.data[0]
    assert list(line.text) == ["", "", "35 %"] and not line.showlegend      # the value at the end, no legend
    ticks = [s for s in fig.layout.shapes if s.xref == "x"]
    assert [(s.x0, s.y1, s.line.dash) for s in ticks] == [("dic. 2023", 0.05, None)]   # a short light tick
    assert fig.layout.yaxis.range == (0, pytest.approx(1.1))                 # ends near the 100 % target
    assert list(fig.layout.xaxis.ticktext) == ["2023", "2024"]


def test_line_end_labels_keep_off_their_own_line_and_off_each_other(catalog, territory):
    """A label above the end of a line that falls into it sits on the line; it goes below instead. Two
    lines ending close together are named one above, one below."""
    def series(gap, values):
        return pd.DataFrame({"ubigeo": territory.region_ubigeo, "sector": "vbg", "gap_code": gap,
                             "period": ["2023-11", "2023-12", "2024-01"], "coverage": values, "severity": "alta"})
    apart = pd.concat([series("atencion_vbg", [0.9, 0.8, 0.7]), series("canales_atencion", [0.1, 0.2, 0.3])])
    fig = presentation.sector_trend(apart, catalog, ES, territory.region_ubigeo, "t", [])
    assert {d.name: d.textposition for d in fig.data} == {
        catalog.label("gaps", "atencion_vbg", "es"): "bottom left",       # falls into its end
        catalog.label("gaps", "canales_atencion", "es"): "top left"}      # rises into it
    close = pd.concat([series("atencion_vbg", [0.9, 0.8, 0.5]), series("canales_atencion", [0.3, 0.4, 0.45])])
    fig = presentation.sector_trend(close, catalog, ES, territory.region_ubigeo, "t", [])
    assert {d.name: d.textposition for d in fig.data} == {
        catalog.label("gaps", "atencion_vbg", "es"): "top left",
        catalog.label("gaps", "canales_atencion", "es"): "bottom left"}
    panels = charts.coverage_trend(apart, catalog, ES, territory.region_ubigeo, "t")
    assert [d.textposition for d in panels.data] == ["bottom left", "top left"]

def test_a_sector_slide_with_no_line_says_the_figure_is_protected(catalog, territory):
    series = pd.DataFrame({"ubigeo": territory.region_ubigeo, "sector": "vbg",
                           "gap_code": ["atencion_vbg"] * 2 + ["canales_atencion"] * 2,
                           "period": ["2023-12", "2024-01"] * 2, "coverage": [np.nan] * 4,
                           "severity": ["indeterminada", "indeterminada", "sin_datos", "sin_datos"]})
    fig = presentation.sector_trend(series, catalog, ES, territory.region_ubigeo, "t", [])
    [note] = [a for a in fig.layout.annotations if a.xref == "paper" and a.yref == "paper" and a.y == 0.5]
    assert note.text == "<br>".join([f"{catalog.label('gaps', 'atencion_vbg', 'es')}: dato protegido",
                                     f"{catalog.label('gaps', 'canales_atencion', 'es')}: sin datos"])
    # on the projector too: one gap a line, not one run-on sentence
    [projected] = [a for a in presentation.projector(fig).layout.annotations if a.y == 0.5]
    assert projected.text == note.text and projected.font.size == presentation.PROJECTOR_FONT


def test_the_reporting_slide_draws_each_institution_least_complete_first(catalog):
    status = pd.DataFrame({"institution": ["DIRESA", "DIRESA", "DIRESA", "ACNUR", "ACNUR", "OIM"],
                           "reported": [True, True, False, True, True, False],
                           "on_time": [True, False, False, True, True, False]})
    fig = presentation.reporting_bars(status, catalog, ES)
    bar = fig.data[0]
    assert list(bar.x) == [0.0, 2 / 3, 1.0]
    assert [catalog.label("institutions", c, "es") for c in ("OIM", "DIRESA", "ACNUR")] == list(bar.y)
    assert list(bar.text) == ["0 de 1 · 0 %", "2 de 3 · 67 %", "2 de 2 · 100 %"]
    assert deck.chart_kind(fig) is not None            # a native bar chart in the PowerPoint too


def test_the_demo_reporting_slide_has_its_chart(demo_store, catalog, territory):
    day = presentation.sessions_frame(demo_store)["date"].iloc[-1]
    data = presentation.session_data(demo_store, catalog, territory, day)
    slide = next(s for s in presentation.build_slides(data, catalog, territory, ES) if s.key == "reporting")
    assert slide.figure is not None and len(slide.figure.data[0].y) == data.current.status["institution"].nunique()


def test_an_agreements_history_names_who_recorded_it_in_the_readers_language_for_members_only():
    from gapsmodel.i18n import Translator
    from gapsmodel.records.demo import DEMO_ACTOR
    history = pd.DataFrame({"recorded_at": ["2024-01-10 15:00:00", "2024-02-01 15:00:00"],
                            "status": ["pendiente", "en_curso"], "due_date": [date(2024, 3, 1)] * 2,
                            "text": ["Jornada", "Jornada"], "recorded_by": [DEMO_ACTOR.username, "admin.mesa"]})
    table = presentation.agreement_history_table(history, Translator("en"), with_author=True)
    assert list(table.iloc[:, -1]) == ["demo data", "admin.mesa"]
    assert list(table.iloc[:, 1]) == [Translator("en")("agreements.status_pendiente"),
                                      Translator("en")("agreements.status_en_curso")]
    hidden = presentation.agreement_history_table(history, Translator("en"), with_author=False)
    assert "admin.mesa" not in hidden.to_string() and len(hidden.columns) == len(table.columns) - 1
