"""Page «Cargar datos» under AppTest on a private demo database: refuse clearly, preview, commit, revert.

Demo facts used (ACNUR, June 2024, total rows): pob_migrante Tumbes 4192 and Corrales 727;
camas_albergue Tumbes 23. Nothing for ACNUR in July 2024.
"""
from __future__ import annotations

import pandas as pd
import pytest

from gapsmodel.records.permissions import Actor
from gapsmodel.records.store import Store

PAGE = "pages/cargar.py"
HISTORY = "pages/historial.py"
PARTNER = Actor("test_partner", "partner", "ACNUR")

# cp1252 bytes, ';' separator, Spanish-locale numbers, Spanish headers with accents and capitals
MESSY = ("Período;Institución;Indicador;Distrito;Valor;Nota\r\n"
         "junio 2024;Acnur Perú;pob_migrante;Tumbes;4.192;\r\n"             # unchanged
         "junio 2024;ACNUR;pob_migrante;Corrales;1.234,5;revisión\r\n"      # 727 -> 1234.5
         "junio 2024;ACNUR;camas_albergue;TUMBES;30;\r\n"                   # 23 -> 30
         "2024-07;ACNUR;camas_albergue;Tumbes;25;\r\n"                      # new
         "2024-07;ACNUR;pob_migrante;Región Tumbes;12.345,0;\r\n").encode("cp1252")   # new

REFUSED = ("periodo,indicador,ubigeo,valor,DNI\n"
           "2024-06,pob_migrnte,240101,10,12345678\n"
           "2024-06,camas_albergue,240102,-3,87654321\n").encode()


def key_value(store: Store, indicator: str, ubigeo: str, period: str, institution: str = "ACNUR"):
    v = store.values()
    hit = v[(v["institution"] == institution) & (v["indicator"] == indicator) & (v["ubigeo"] == ubigeo)
            & (v["period"] == period) & (v["sex"] == "total") & (v["age"] == "total")]
    return None if hit.empty else float(hit["value"].iloc[0])


def upload(at, name: str, data: bytes, mime: str = "text/csv"):
    at.file_uploader[0].set_value((name, data, mime)).run()
    assert not at.exception, at.exception
    return at


def problems(at) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if "Problema" in df.value.columns)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def confirm_button(at):
    found = [b for b in at.button if b.label.startswith("Confirmar y guardar")]
    return found[0] if found else None


def test_public_and_analyst_see_no_uploader_but_how_to_get_in(app):
    for role in ("public", "analyst"):
        at = app(role=role, page=PAGE)
        assert not at.exception and not at.error
        assert at.title[0].value == "Cargar datos"
        assert len(at.file_uploader) == 0 and not at.get("download_button")
        assert any("cuenta de una institución socia" in i.value for i in at.info)


def test_partner_gets_templates_and_the_size_limit(app):
    at = app(role="partner", institution="ACNUR", page=PAGE)
    assert not at.exception and not at.error
    assert len(at.file_uploader) == 1
    assert [b.label for b in at.get("download_button")] == ["Plantilla CSV", "Plantilla Excel (.xlsx)"]
    assert "Tamaño máximo por archivo: 20 MB." in [c.value for c in at.caption]
    assert any("Alto Comisionado" in m.value and "ACNUR" in m.value for m in at.markdown)
    assert "upload_institution" not in [s.key for s in at.selectbox]      # a partner cannot choose


def test_refused_file_lists_every_problem_with_rows_and_suggestions_and_writes_nothing(app, demo_url):
    before = Store.open(demo_url).version()
    at = upload(app(role="partner", institution="ACNUR", page=PAGE), "malo.csv", REFUSED)
    assert len(at.error) == 1 and "no se guardó nada" in at.error[0].value
    assert "3 errores y 0 avisos" in at.error[0].value   # the DNI column once, naming its rows 2 and 3
    table = problems(at)
    assert set(table["Nivel"]) == {"error"}
    assert table["Fila"].tolist()[:1] == [1]                                   # the DNI header
    assert {2, 3} <= set(table["Fila"].dropna().astype(int))
    assert "filas 2, 3" in table["Problema"].iloc[0]
    typo = table[table["Columna"].eq("indicador")]
    assert typo["Fila"].tolist() == [2] and "¿quiso decir 'pob_migrante'?" in typo["Problema"].iloc[0].lower()
    negative = table[table["Columna"].eq("valor")]
    assert negative["Fila"].tolist() == [3] and "negativo" in negative["Problema"].iloc[0]
    assert table["Problema"].str.contains("DNI").any()
    assert "Descargar la lista de problemas (CSV)" in [b.label for b in at.get("download_button")]
    assert confirm_button(at) is None and not at.metric
    assert Store.open(demo_url).version() == before


def test_partner_of_acnur_cannot_upload_rows_of_oim(app, demo_url):
    before = Store.open(demo_url).version()
    data = b"periodo,institucion,indicador,ubigeo,valor\n2024-06,OIM,pob_migrante,240101,10\n"
    at = upload(app(role="partner", institution="ACNUR", page=PAGE), "oim.csv", data)
    assert at.error and confirm_button(at) is None
    table = problems(at)
    assert table["Fila"].tolist() == [2] and "Su cuenta es de ACNUR" in table["Problema"].iloc[0]
    assert Store.open(demo_url).version() == before


def test_unreadable_file_is_one_clear_sentence_and_writes_nothing(app, demo_url):
    before = Store.open(demo_url).version()
    at = upload(app(role="partner", institution="ACNUR", page=PAGE), "foto.csv",
                b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "text/csv")
    assert len(at.error) == 1 and at.error[0].value.startswith("No se pudo leer el archivo como una tabla")
    assert not [df for df in at.dataframe if "Problema" in df.value.columns]
    assert Store.open(demo_url).version() == before


def test_messy_file_previews_exact_changes_then_lands_and_the_overview_shows_it(app, demo_url, catalog,
                                                                                 territory):
    from gapsmodel import model
    from gapsmodel.rules.periods import parse_period

    store = Store.open(demo_url)
    n_batches = len(store.batches_frame("ACNUR"))
    at = upload(app(role="partner", institution="ACNUR", page=PAGE), "reporte_junio ñ.csv", MESSY)
    assert not at.error
    assert metrics(at) == {"Valores nuevos": "2", "Reemplazan un valor guardado": "2", "Sin cambio": "1"}
    changed = next(df.value for df in at.dataframe if "Guardado ahora" in df.value.columns
                   and set(df.value["Efecto"]) == {"Reemplaza"})
    pairs = sorted(zip(changed["Guardado ahora"], changed["En el archivo"]))
    assert pairs == [(23.0, 30.0), (727.0, 1234.5)]
    assert "Meses del archivo: junio 2024, julio 2024." in [m.value for m in at.markdown]
    assert len(at.get("plotly_chart")) == 1
    assert len(store.batches_frame("ACNUR")) == n_batches                    # nothing yet

    # the overview before, for the same month
    snap = model.take_snapshot(store, catalog, territory)
    shelter_before = model.gap_table(snap, catalog, territory, [parse_period("2024-06")])
    unmet_before = shelter_before.query("gap_code == 'camas_albergue' and ubigeo == '24'")["unmet"].iloc[0]

    confirm_button(at).click().run()
    assert not at.exception and not at.error
    assert any("Guardado: lote" in s.value and "5 valores" in s.value for s in at.success)
    assert len(at.file_uploader) == 1 and at.file_uploader[0].value is None  # ready for the next file
    assert not at.metric                                                       # no stale preview

    store = Store.open(demo_url)
    assert key_value(store, "pob_migrante", "240102", "2024-06") == 1234.5
    assert key_value(store, "camas_albergue", "240101", "2024-06") == 30
    assert key_value(store, "pob_migrante", "240101", "2024-06") == 4192
    assert key_value(store, "camas_albergue", "240101", "2024-07") == 25
    assert key_value(store, "pob_migrante", "24", "2024-07") == 12345
    batch = store.batches_frame("ACNUR").iloc[0]
    assert (batch["uploaded_by"], batch["filename"], batch["n_values"]) == ("test_partner", "reporte_junio ñ.csv", 5)
    note = store.values().query("ubigeo == '240102' and period == '2024-06' and indicator == 'pob_migrante' "
                                "and institution == 'ACNUR'")["note"].iloc[0]
    assert note == "revisión"                                                  # cp1252 decoded right
    assert (store.audit_frame()["action"] == "upload").any()

    # the history lists the new batch first, by the partner, active
    at.switch_page(HISTORY).run()
    history = next(df.value for df in at.dataframe if "Lote" in df.value.columns)
    assert history.iloc[0][["Lote", "Usuario", "Archivo", "Valores", "Estado"]].tolist() == [
        int(batch["id"]), "test_partner", "reporte_junio ñ.csv", 5, "Activo"]

    # the overview now shows 7 more beds in Tumbes for June 2024
    snap = model.take_snapshot(store, catalog, territory)
    after = model.gap_table(snap, catalog, territory, [parse_period("2024-06")])
    unmet_after = after.query("gap_code == 'camas_albergue' and ubigeo == '24'")["unmet"].iloc[0]
    assert unmet_after == unmet_before - 7
    at.query_params["period"] = "2024-06"    # July now has ACNUR data, so it became the default month
    at.switch_page("pages/resumen.py").run()
    assert not at.exception
    assert at.selectbox(key="period_month").value == "2024-06"
    card = next(m for m in at.metric if "Alojamiento temporal" in m.label)
    assert card.value == f"{unmet_after:,.0f} camas" != f"{unmet_before:,.0f} camas"


def test_a_rerun_does_not_parse_the_same_file_again(app, monkeypatch):
    import gapsmodel.ingest as ingest
    calls = []
    real = ingest.read_upload

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)
    monkeypatch.setattr(ingest, "read_upload", counting)
    at = upload(app(role="partner", institution="ACNUR", page=PAGE), "datos.csv", MESSY)
    at.run()
    at.run()
    assert calls == ["datos.csv"]
    assert metrics(at)["Valores nuevos"] == "2"


def test_warnings_are_shown_and_do_not_block(app, demo_url):
    # 40x ACNUR's usual Tumbes figure: an outlier warning against its own history
    data = b"periodo,indicador,ubigeo,valor\n2024-06,pob_migrante,240101,170000\n"
    at = upload(app(role="partner", institution="ACNUR", page=PAGE), "raro.csv", data)
    assert not at.error
    assert any("1 avisos" in w.value for w in at.warning)
    assert set(problems(at)["Nivel"]) == {"aviso"}
    assert metrics(at)["Reemplazan un valor guardado"] == "1"
    confirm_button(at).click().run()
    assert key_value(Store.open(demo_url), "pob_migrante", "240101", "2024-06") == 170000


def test_upload_to_a_locked_month_is_refused_with_the_reason(app, demo_url):
    from gapsmodel.records.approvals import approve_month
    approve_month(Store.open(demo_url), "2024-06", Actor("admin", "admin"))
    before = Store.open(demo_url).version()
    at = upload(app(role="partner", institution="ACNUR", page=PAGE), "datos.csv", MESSY)
    assert at.error and confirm_button(at) is None
    assert problems(at)["Problema"].str.contains("aprobado").any()
    assert Store.open(demo_url).version() == before


def _revert_from_page(at, batch_id: int, reason: str):
    at.selectbox(key="revert_which").set_value(batch_id)
    at.text_input(key="revert_reason").set_value(reason)
    at.button(key="revert_start").click().run()
    assert not at.exception
    assert any(f"¿Revertir el lote {batch_id}" in w.value for w in at.warning)
    at.button(key="revert_confirm").click().run()
    assert not at.exception
    return at


def test_revert_from_the_history_restores_the_previous_value(app, demo_url):
    store = Store.open(demo_url)
    fix = pd.DataFrame([dict(institution="ACNUR", indicator="camas_albergue", ubigeo="240101", period="2024-06",
                             sex="total", age="total", nationality="total", value=99.0, note="")])
    batch_id = store.add_batch(fix, institution="ACNUR", actor=PARTNER, filename="=cmd|x.csv")
    assert key_value(store, "camas_albergue", "240101", "2024-06") == 99
    at = app(role="partner", institution="ACNUR", page=HISTORY)
    history = next(df.value for df in at.dataframe if "Lote" in df.value.columns)
    assert history.iloc[0]["Archivo"] == "=cmd|x.csv"          # shown as data, not markdown
    # a reason is required before the confirm step
    at.selectbox(key="revert_which").set_value(batch_id)
    at.button(key="revert_start").click().run()
    assert any("Escriba el motivo" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "revert_confirm"]
    _revert_from_page(at, batch_id, "cifra de prueba")
    assert any(f"Lote {batch_id} revertido." in s.value for s in at.success)
    assert key_value(Store.open(demo_url), "camas_albergue", "240101", "2024-06") == 23
    history = next(df.value for df in at.dataframe if "Lote" in df.value.columns)
    state = history.set_index("Lote").loc[batch_id, "Estado"]
    assert state.startswith("Revertido por test_partner") and state.endswith("cifra de prueba")
    assert not [o for o in at.selectbox(key="revert_which").options if o.startswith(f"Lote {batch_id} ")]
    assert any(o.startswith("Lote ") for o in at.selectbox(key="revert_which").options)
    assert at.text_input(key="revert_reason").value == ""                    # ready for another revert
    audit = Store.open(demo_url).audit_frame()
    assert (audit["action"] == "revert").sum() == 1


def test_revert_of_a_locked_month_is_refused_with_its_message(app, demo_url):
    from gapsmodel.records.approvals import approve_month
    store = Store.open(demo_url)
    batch_id = int(store.batches_frame("ACNUR").query("filename == 'demo_acnur_2024-06.csv'")["id"].iloc[0])
    approve_month(store, "2024-06", Actor("admin", "admin"))
    at = _revert_from_page(app(role="partner", institution="ACNUR", page=HISTORY), batch_id, "prueba")
    assert any("No se revirtió" in e.value and "aprobados" in e.value for e in at.error)
    assert Store.open(demo_url).batches_frame("ACNUR").set_index("id").loc[batch_id, "reverted_at"] is None


def test_cancel_leaves_the_batch_active(app, demo_url):
    store = Store.open(demo_url)
    batch_id = int(store.batches_frame("ACNUR")["id"].iloc[0])
    at = app(role="partner", institution="ACNUR", page=HISTORY)
    at.selectbox(key="revert_which").set_value(batch_id)
    at.text_input(key="revert_reason").set_value("no")
    at.button(key="revert_start").click().run()
    at.button(key="revert_cancel").click().run()
    assert not at.exception and not [b for b in at.button if b.key == "revert_confirm"]
    assert Store.open(demo_url).batches_frame("ACNUR")["reverted_at"].isna().all()


def test_admin_chooses_the_institution_and_uploads_for_it(app, demo_url):
    at = app(role="admin", page=PAGE)
    at.selectbox(key="upload_institution").set_value("OIM").run()
    assert at.query_params["institucion"] in ("OIM", ["OIM"])
    assert any("Organización Internacional" in m.value for m in at.markdown)
    data = b"periodo,indicador,ubigeo,valor\n2024-07,camas_albergue,240302,12\n"
    at = upload(at, "oim.csv", data)
    assert metrics(at)["Valores nuevos"] == "1"
    confirm_button(at).click().run()
    assert key_value(Store.open(demo_url), "camas_albergue", "240302", "2024-07", "OIM") == 12
    assert Store.open(demo_url).batches_frame("OIM").iloc[0]["uploaded_by"] == "test_admin"


@pytest.mark.parametrize("lang, title, new", [("en", "Upload data", "New values"), ("es", "Cargar datos",
                                                                                     "Valores nuevos")])
def test_both_languages(app, lang, title, new):
    at = upload(app(role="partner", institution="ACNUR", lang=lang, page=PAGE), "datos.csv", MESSY)
    assert at.title[0].value == title and new in metrics(at)


def test_history_page_is_for_signed_in_users_and_revert_only_for_the_owner(app):
    visitor = app(role="public", page=HISTORY)
    assert not visitor.dataframe
    assert [link.proto.label for link in visitor.get("page_link")] == ["Ingresar con la cuenta de su institución"]
    analyst = app(role="analyst", page=HISTORY, query={"institucion": "ACNUR"})
    assert any("Lote" in df.value.columns for df in analyst.dataframe)
    assert not [b for b in analyst.button if b.key == "revert_start"]
    partner = app(role="partner", institution="OIM", page=HISTORY)
    assert [b for b in partner.button if b.key == "revert_start"]


def test_problems_are_written_out_whole_in_the_page_language_only(app):
    at = upload(app(role="partner", institution="ACNUR", page=PAGE, lang="en"), "malo.csv", REFUSED)
    listed = [m.value for m in at.markdown if m.value.startswith("**error**")]
    assert len(listed) == 3       # every problem, each in its own block: the DNI column once, the typo, the -3
    typo = next(m for m in listed if "indicador" in m)
    assert "pob\\_migrante" in typo and "Row 2" in typo           # whole, with where it is
    assert not any(" / " in m for m in listed)                    # no "castellano / English" pairs
    assert "Did you mean" in typo and not any("¿quiso decir" in m.lower() for m in listed)   # the English half
