"""Page «Catálogo» under AppTest: administrators only; a wrong table is refused with every problem and
nothing written; a good one is saved, kept, audited and used by the other pages at once."""
from __future__ import annotations

import shutil

import pytest

from gapsmodel.rules.catalog import DEFAULT_DIR, DIR_ENV_VAR
from gapsmodel.records.catalog_edit import HISTORY_DIR, TABLE_KEYS, read_table
from gapsmodel.i18n import messages
from gapsmodel.records.store import Store

PAGE = "pages/catalogo.py"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    target = tmp_path / "catalog"
    shutil.copytree(DEFAULT_DIR, target)
    monkeypatch.setenv(DIR_ENV_VAR, str(target))
    return target


def send(at, name: str, text: str):
    at.file_uploader[0].set_value((name, text.encode("utf-8"), "text/csv")).run()
    at.button(key="catalog_upload_save").click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("role", ["public", "analyst", "partner", "admin"])
def test_only_administrators_see_the_catalog_in_the_navigation(app, folder, role):
    at = app(role=role, institution="ACNUR" if role == "partner" else None)
    try:
        at.switch_page(PAGE)
        listed = True
    except ValueError:
        listed = False
    assert listed is (role == "admin")    # the page's own check is tested with the other admin pages


def test_every_table_has_a_title_and_a_help_line_in_both_languages():
    for lang in ("es", "en"):
        known = messages(lang)
        for name in TABLE_KEYS:
            stem = name.removesuffix(".csv")
            assert known.get(f"catalog_admin.table_{stem}") and known.get(f"catalog_admin.help_{stem}"), (lang, name)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_editor_names_every_column_in_the_users_language_and_keeps_the_csv_name_in_its_help(app, lang):
    import json
    known = messages(lang)
    for name in TABLE_KEYS:
        at = app(role="admin", page=PAGE, lang=lang, run=False)
        at.session_state["catalog_table"] = name
        at.run()
        [editor] = [e for e in at.main if type(e).__name__ == "Dataframe"][:1]
        config = json.loads(editor.proto.columns)
        for column in read_table(name).columns:
            assert config[column]["label"] == known[f"catalog_columns.{column}"], (name, column)
            assert f"«{column}»" in config[column]["help"]
    assert known["catalog_columns.supply"] == {"es": "Indicador de oferta", "en": "Supply indicator"}[lang]

def test_a_wrong_table_is_refused_with_every_problem_and_nothing_written(app, folder):
    original = (folder / "gaps.csv").read_bytes()
    gaps = read_table("gaps.csv", folder)
    gaps.loc[gaps["code"].eq("camas_albergue"), "supply"] = "camas_fantasma"
    gaps.loc[gaps["code"].eq("cobertura_sis"), "target_coverage"] = "85"
    at = app(role="admin", page=PAGE)
    send(at, "brechas.csv", gaps.to_csv(index=False, sep=";"))
    [error] = at.error
    assert "No se guardó nada" in error.value and "camas\\_fantasma" in error.value and "entre 0 y 1" in error.value
    assert (folder / "gaps.csv").read_bytes() == original and not (folder / HISTORY_DIR).exists()


def test_an_english_refusal_lists_the_problems_in_english_only(app, folder):
    gaps = read_table("gaps.csv", folder)
    gaps.loc[gaps["code"].eq("cobertura_sis"), "target_coverage"] = "85"
    at = app(role="admin", page=PAGE, lang="en")
    send(at, "gaps.csv", gaps.to_csv(index=False))
    [error] = at.error
    assert "must be between 0 and 1" in error.value
    assert "debe" not in error.value and " / " not in error.value


def test_a_good_table_is_saved_audited_and_changes_the_gaps_on_the_overview(app, folder, demo_url):
    gaps = read_table("gaps.csv", folder)
    gaps.loc[gaps["code"].eq("camas_albergue"), "name_es"] = "Plazas de albergue"
    at = app(role="admin", page=PAGE)
    send(at, "gaps.csv", gaps.to_csv(index=False))
    assert any("gaps.csv guardada" in s.value and "celdas cambiadas: 1" in s.value for s in at.success)
    assert read_table("gaps.csv", folder).set_index("code").at["camas_albergue", "name_es"] == "Plazas de albergue"
    assert len(list((folder / HISTORY_DIR).glob("gaps.*.csv"))) == 1
    audit = Store.open(demo_url).audit_frame()
    assert audit[audit["action"].eq("catalog")]["actor"].tolist() == ["test_admin"]
    recent = at.dataframe[-1].value
    assert recent.iloc[0].tolist()[-2:] == ["gaps.csv", "filas añadidas: 0 · quitadas: 0 · celdas cambiadas: 1"]
    # the other pages read the changed catalog at once (the app's catalog cache follows the files)
    overview = app(role="admin", page="pages/mapa.py")
    assert not overview.exception
    assert "Plazas de albergue" in [o for box in overview.selectbox for o in box.options]


def test_every_page_still_runs_after_a_gap_and_its_indicators_leave_the_catalog(app, folder, demo_url):
    """The store keeps values of indicators the catalog no longer defines: the pages must ignore them."""
    from gapsmodel.records.catalog_edit import replace_table
    from gapsmodel.records.permissions import Actor
    from tests.test_pages_all import registered_pages
    store, admin = Store.open(demo_url), Actor("secretaria", "admin")
    gone = ["camas_albergue", "personas_requieren_alojamiento"]
    gaps, obligations = read_table("gaps.csv", folder), read_table("obligations.csv", folder)
    replace_table(store, "gaps.csv", gaps[gaps["code"].ne("camas_albergue")], actor=admin, directory=folder)
    replace_table(store, "obligations.csv", obligations[~obligations["indicator"].isin(gone)], actor=admin,
                  directory=folder)
    indicators = read_table("indicators.csv", folder)
    replace_table(store, "indicators.csv", indicators[~indicators["code"].isin(gone)], actor=admin,
                  directory=folder)
    at = app(role="admin")
    for page in registered_pages():
        at.switch_page(page).run()
        assert not at.exception and not at.error, (page, [e.value for e in at.exception] + [e.value for e in at.error])
    at.switch_page("pages/resumen.py").run()
    assert not any("Alojamiento" in m.label for m in at.metric if "albergue" in m.value)
