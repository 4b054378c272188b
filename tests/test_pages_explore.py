"""The analysis pages under AppTest: filters changed, restored from the URL, both languages, public and analyst."""
from __future__ import annotations

from gapsmodel.records.store import VALUE_COLUMNS

import re

import pytest

SECTORS, MAPA, TENDENCIAS, CALIDAD, DATOS = ("pages/sectores.py", "pages/mapa.py", "pages/tendencias.py",
                                             "pages/calidad.py", "pages/datos.py")
ALL = [SECTORS, MAPA, TENDENCIAS, CALIDAD, DATOS]


def texts(at) -> str:
    parts = [e.value for kind in ("title", "header", "subheader", "caption", "markdown", "info", "success")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def frames(at):
    return [d.value for d in at.dataframe]


def selectbox(at, key):
    return next(s for s in at.selectbox if s.key == key)


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("page", ALL)
def test_every_page_runs_for_analyst_in_spanish_and_writes_the_url(app, page):
    at = app(role="analyst", page=page)
    ok(at)
    assert "period" in at.query_params
    assert selectbox(at, "flt_sector").value == ""


def test_filter_state_restored_from_query_params_and_kept_across_pages(app):
    at = app(role="analyst", page=SECTORS, query={"period": "2024-03", "sector": "alojamiento", "dist": "240302"})
    ok(at)
    assert selectbox(at, "flt_period").value == "2024-03"
    assert selectbox(at, "flt_sector").value == "alojamiento"
    assert selectbox(at, "flt_province").value == "2403"          # implied by the district
    assert selectbox(at, "flt_district").value == "240302"
    assert "Camas de albergue — Aguas Verdes" in texts(at)
    # the contributions table lists who reports need and supply, with the rule
    contrib = next(f for f in frames(at) if "Regla" in f.columns)
    assert {"ACNUR", "OIM"} <= set(contrib["Institución"])
    assert set(contrib["Regla"]) == {"la mayor cifra", "suma"}
    # switching page (the URL's filters are dropped by sidebar navigation) keeps the filters
    at.query_params.clear()
    at.switch_page(MAPA).run()
    ok(at)
    assert selectbox(at, "flt_district").value == "240302"
    assert at.query_params["dist"] == "240302" and at.query_params["sector"] == "alojamiento"
    assert at.query_params["period"] == "2024-03"


def test_changing_filters_changes_the_content(app):
    at = app(role="analyst", page=SECTORS)
    ok(at)
    assert "Elija un sector" in texts(at)
    selectbox(at, "flt_sector").set_value("salud").run()
    ok(at)
    assert "Cobertura del SIS" in texts(at) and at.query_params["sector"] == "salud"
    selectbox(at, "flt_province").set_value("2403").run()
    selectbox(at, "flt_district").set_value("240301").run()
    ok(at)
    assert "Cobertura del SIS — Zarumilla" in texts(at)
    assert at.query_params["dist"] == "240301"
    # sex filter (the demo has SIS enrolment by sex): only that group in the breakdown
    selectbox(at, "flt_sex").set_value("mujer").run()
    ok(at)
    breakdown = [f for f in frames(at) if "group" in f.columns]
    assert breakdown and set(breakdown[0]["group"]) == {"Mujeres"}
    # quarter
    selectbox(at, "flt_kind").set_value("quarter").run()
    ok(at)
    assert re.fullmatch(r"\d{4}-Q[1-4]", at.query_params["period"])


def test_session_view(app):
    at = app(role="analyst", page=TENDENCIAS, query={"session": "2023-05-10"})
    ok(at)
    assert selectbox(at, "flt_kind").value == "session"
    assert selectbox(at, "flt_session").value == "2023-05-10"
    assert "Sesión del" in texts(at)
    assert "Qué cambió entre dos sesiones" in texts(at)


@pytest.mark.parametrize("page", ALL)
def test_every_page_in_english_as_public(app, page):
    at = app(role="public", lang="en", page=page)
    ok(at)
    assert at.title[0].value in {"Gaps by sector", "Map of gaps by district", "Trends", "Data quality", "Data"}
    # the only download a visitor gets is the open data of the Data page (public figures only)
    assert [b.label for b in at.get("download_button")] == (["Download open data (.zip)"] if page == DATOS else [])


def test_notes_show_on_the_sector_page_and_as_markers_on_the_trend(app, demo_url):
    from gapsmodel.records.notes import add_note
    from gapsmodel.records.permissions import Actor
    from gapsmodel.records.store import Store
    store = Store.open(demo_url)
    add_note(store, "camas_albergue", "240302", "2024-03", "Abrió el albergue <i>nuevo</i>", public=True,
             actor=Actor("luis", "analyst"))
    add_note(store, "camas_albergue", "240302", "2024-02", "Solo para miembros", end="2024-03",
             actor=Actor("luis", "analyst"))
    query = {"period": "2024-03", "sector": "alojamiento", "dist": "240302"}
    visitor = "\n".join(e.value for e in app(page=SECTORS, query=query).text)
    assert "✎ 1 · Camas de albergue, Aguas Verdes, mar. 2024: Abrió el albergue <i>nuevo</i>" in visitor
    assert "Solo para miembros" not in visitor and "luis" not in visitor
    member = "\n".join(e.value for e in app(role="analyst", page=SECTORS, query=query).text)
    assert "Solo para miembros (nota de luis," in member
    at = app(page=TENDENCIAS, query={"sector": "alojamiento", "dist": "240302"})
    ok(at)
    spec = at.get("plotly_chart")[0].proto.spec
    assert '"text":"✎ 1","x":"mar. 2024"' in spec              # the marker over the note's month
    assert "Abrió el albergue" not in spec                  # the text stays out of the figure


def _numbers(cells):
    for cell in cells:
        text = str(cell).strip()
        if text in ("", "—", "<5", "reservado", "withheld"):
            continue
        yield float(text.replace(",", ""))


def test_public_views_suppress_small_counts_and_institutions_of_protected_sectors(app):
    at = app(role="public", page=DATOS, query={"sector": "trata", "period": "2024-05"})
    ok(at)
    assert [b.label for b in at.get("download_button")] == ["Descargar datos abiertos (.zip)"]   # public figures
    gaps = frames(at)[0]
    assert len(gaps) > 0
    for col in ("Necesidad", "Oferta", "Necesidad no cubierta"):
        assert all(n == 0 and col == "Necesidad no cubierta" or n >= 5 for n in _numbers(gaps[col]))
    values = frames(at)[1]
    assert values.empty                                   # no per-institution values of a protected sector
    at = app(role="public", page=SECTORS, query={"sector": "vbg", "period": "2024-05"})
    ok(at)
    assert "no desglosa este sector por institución" in texts(at)
    assert not [f for f in frames(at) if "Regla" in f.columns]


def test_issue12_partners_notes_never_appear_on_a_public_page(app, demo_url):
    """A note with personal data was accepted and shown to a visitor on Datos: notes are for members."""
    from gapsmodel.records.store import Store
    from gapsmodel.records.permissions import Actor
    import pandas as pd
    store = Store.open(demo_url)
    row = store.values().query("institution == 'ACNUR' and period == '2024-06' and indicator == 'camas_albergue'").iloc[[0]]
    secret = "nota interna de la socia 7Q"
    store.add_batch(row.assign(note=secret)[VALUE_COLUMNS], institution="ACNUR", actor=Actor("s", "partner", "ACNUR"))
    query = {"sector": "alojamiento", "period": "2024-06"}
    public = app(role="public", page=DATOS, query=query)
    ok(public)
    shown = " ".join(f.to_string() for f in frames(public)) + texts(public)
    assert secret not in shown and "Nota" not in frames(public)[1].columns
    member = app(role="analyst", page=DATOS, query=query)
    assert any(secret in " ".join(map(str, f.get("Nota", []))) for f in frames(member))


def test_analyst_sees_exact_figures_and_downloads(app):
    at = app(role="analyst", page=DATOS, query={"sector": "trata", "period": "2024-05"})
    ok(at)
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Descargar datos abiertos (.zip)", "Brechas (CSV)", "Valores (CSV)", "Todo (Excel .xlsx)"]
    assert len(frames(at)[1]) > 0
    at = app(role="analyst", page=SECTORS, query={"sector": "vbg", "period": "2024-05"})
    ok(at)
    assert [f for f in frames(at) if "Regla" in f.columns]


def test_map_and_quality_pages_show_their_findings(app):
    at = app(role="analyst", page=MAPA, query={"gap": "camas_albergue", "period": "2024-05"})
    ok(at)
    assert "Totales por provincia y región" in texts(at)
    totals = next(f for f in frames(at) if "Nivel" in f.columns and "Provincia" in set(f["Nivel"]))
    assert set(totals["Nivel"]) == {"Provincia", "Región"}
    at = app(role="analyst", page=CALIDAD, query={"period": "2022-07"})
    ok(at)
    missing = next(f for f in frames(at) if "Plazo" in f.columns)
    assert "DRE" in set(missing["Institución"])            # DRE skipped July 2022 in the demo


def test_quality_lists_failing_validation_rules_for_analysts_only(app):
    at = app(role="analyst", page=CALIDAD)
    ok(at)
    assert "Reglas de validación que fallan" in texts(at)
    public = app(role=None, page=CALIDAD)
    ok(public)
    assert "Reglas de validación que fallan" not in texts(public)


def test_quality_shows_the_outlier_method_and_its_threshold(app):
    at = app(role="analyst", page=CALIDAD)
    ok(at)
    assert "mayor que 3 veces la mediana de los 12 meses anteriores" in texts(at)


@pytest.mark.parametrize("page", [MAPA, SECTORS])
def test_chart_title_keeps_an_acronym_in_capitals_inside_the_sentence(app, page):
    at = app(role="analyst", page=page, query={"gap": "cobertura_sis", "period": "2024-06"})
    ok(at)
    specs = " ".join(c.proto.spec for c in at.get("plotly_chart"))
    sentence = specs.replace("<br>", " ").replace("\\u003cbr\\u003e", " ")   # as written in the JSON spec
    assert "cobertura del SIS" in sentence and "del sis" not in sentence


def test_quality_heatmap_comes_with_a_phone_drawing_without_cell_numbers(app):
    import json
    at = app(role="analyst", page=CALIDAD)
    ok(at)
    heatmaps = [json.loads(c.proto.spec) for c in at.get("plotly_chart")
                if json.loads(c.proto.spec)["data"][0]["type"] == "heatmap"]
    assert len(heatmaps) == 2
    wide, phone = heatmaps
    assert wide["data"][0]["texttemplate"] == "%{text}" and phone["data"][0]["texttemplate"] == ""
    assert phone["data"][0]["colorbar"]["orientation"] == "h"
    assert wide["data"][0]["z"] == phone["data"][0]["z"]


def test_public_outlier_list_says_it_leaves_out_protected_indicators(app):
    public = app(role=None, page=CALIDAD)
    ok(public)
    assert "no incluye los indicadores protegidos" in texts(public)
    analyst = app(role="analyst", page=CALIDAD)
    assert "no incluye los indicadores protegidos" not in texts(analyst)
