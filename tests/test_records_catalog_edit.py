"""Changing the catalog: checked as a whole, all problems at once, the old file kept, every change audited."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from gapsmodel.rules.catalog import DEFAULT_DIR, CatalogError, load_catalog
from gapsmodel.records.catalog_edit import HISTORY_DIR, catalog_signature, read_table, replace_table
from gapsmodel.records.permissions import Actor

ADMIN = Actor("secretaria", "admin")


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "catalog"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def test_a_valid_change_is_written_kept_and_audited(store, folder):
    gaps = read_table("gaps.csv", folder)
    edited = gaps.copy()
    edited.loc[edited["code"].eq("camas_albergue"), "target_coverage"] = "0.8"
    before = catalog_signature(folder)
    change = replace_table(store, "gaps.csv", edited, actor=ADMIN, directory=folder)
    assert change.changed == [("camas_albergue", "target_coverage", "1.0", "0.8")]
    assert change.added == change.removed == []
    assert load_catalog(folder).gaps.at["camas_albergue", "target_coverage"] == 0.8
    assert catalog_signature(folder) != before                      # the app's cache key moves
    [kept] = (folder / HISTORY_DIR).glob("gaps.*.csv")
    assert pd.read_csv(kept, dtype=str, keep_default_na=False).equals(gaps)    # the old file, as it was
    audit = store.audit_frame()
    row = audit[audit["action"].eq("catalog")].iloc[0]
    detail = json.loads(row["detail"])
    assert row["actor"] == "secretaria" and detail["table"] == "gaps.csv"
    assert detail["changed"] == [["camas_albergue", "target_coverage", "1.0", "0.8"]]


def test_every_problem_is_listed_and_nothing_is_written(store, folder):
    original = (folder / "gaps.csv").read_bytes()
    gaps = read_table("gaps.csv", folder)
    edited = gaps.copy()
    edited.loc[0, "supply"] = "camas_inexistentes"
    edited.loc[1, "target_coverage"] = "90"
    edited.loc[2, "threshold_moderada"] = "0.95"
    with pytest.raises(CatalogError) as info:
        replace_table(store, "gaps.csv", edited, actor=ADMIN, directory=folder)
    text = "\n".join(info.value.problems)
    assert "camas_inexistentes" in text and "entre 0 y 1" in text and "adecuada > moderada > alta" in text
    assert len(info.value.problems) == 3
    assert (folder / "gaps.csv").read_bytes() == original
    assert not (folder / HISTORY_DIR).exists()
    assert "catalog" not in set(store.audit_frame()["action"])


def test_removing_an_institution_still_named_elsewhere_is_refused(store, folder):
    institutions = read_table("institutions.csv", folder)
    with pytest.raises(CatalogError) as info:
        replace_table(store, "institutions.csv", institutions[institutions["code"].ne("ACNUR")], actor=ADMIN,
                      directory=folder)
    assert any("ACNUR" in p for p in info.value.problems)      # aliases and obligations still name it


def test_blank_rows_from_an_editor_are_dropped_and_added_rows_reported(store, folder):
    aliases = read_table("institution_aliases.csv", folder)
    edited = pd.concat([aliases, pd.DataFrame([{"alias": " OIM Tumbes ", "institution": "OIM"},
                                               {"alias": None, "institution": None}])], ignore_index=True)
    change = replace_table(store, "institution_aliases.csv", edited, actor=ADMIN, directory=folder)
    assert change.added == ["OIM Tumbes"] and not change.changed
    assert load_catalog(folder).resolve_institution("oim tumbes") == "OIM"
    assert replace_table(store, "institution_aliases.csv", read_table("institution_aliases.csv", folder),
                         actor=ADMIN, directory=folder).empty        # saving without changes writes nothing
    assert len(list((folder / HISTORY_DIR).glob("*.csv"))) == 1


def test_duplicate_obligations_and_a_non_numeric_sector_order_are_problems(store, folder):
    obligations = read_table("obligations.csv", folder)
    with pytest.raises(CatalogError, match="filas repetidas"):
        replace_table(store, "obligations.csv", pd.concat([obligations, obligations.head(1)]), actor=ADMIN,
                      directory=folder)
    sectors = read_table("sectors.csv", folder).assign(order="primero")
    with pytest.raises(CatalogError, match="order"):
        replace_table(store, "sectors.csv", sectors, actor=ADMIN, directory=folder)


def test_only_catalog_tables_can_be_replaced(store, folder):
    with pytest.raises(CatalogError, match="no es una tabla editable"):
        replace_table(store, "settings.toml", pd.DataFrame(), actor=ADMIN, directory=folder)
    with pytest.raises(CatalogError, match="faltan columnas"):
        replace_table(store, "gaps.csv", pd.DataFrame({"nombre": ["x"]}), actor=ADMIN, directory=folder)


def test_the_settings_cannot_switch_off_small_cell_protection(folder):
    settings = (folder / "settings.toml").read_text("utf-8")
    (folder / "settings.toml").write_text(settings.replace('protected_sectors = ["trata", "vbg", "ninez"]',
                                                           'protected_sectors = ["trata"]')
                                          .replace("small_cell_threshold = 5", "small_cell_threshold = 0"), "utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(folder)
    assert len(info.value.problems) == 2
    assert "['vbg', 'ninez']" in info.value.problems[1] and "small_cell_threshold" in info.value.problems[0]


def test_the_settings_cannot_switch_off_public_rounding(folder):
    settings = (folder / "settings.toml").read_text("utf-8")
    (folder / "settings.toml").write_text(settings.replace("rounding_base = 5", "rounding_base = 0"), "utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(folder)
    assert info.value.problems == ["settings.toml: rounding_base debe ser 1 o más / settings.toml: rounding_base must be 1 or more"]


def test_a_rules_table_naming_an_unknown_indicator_is_refused_and_a_good_one_saved(store, folder):
    rules = read_table("rules.csv", folder)
    bad = rules.copy()
    bad.loc[0, "right"] = "victimas_identificadas"
    bad.loc[1, "operator"] = "≤"
    with pytest.raises(CatalogError) as info:
        replace_table(store, "rules.csv", bad, actor=ADMIN, directory=folder)
    assert len(info.value.problems) == 2
    assert read_table("rules.csv", folder).equals(rules)            # nothing written
    good = rules.copy()
    good.loc[2, "level"] = "error"
    change = replace_table(store, "rules.csv", good, actor=ADMIN, directory=folder)
    assert change.changed == [("nna_medida_no_acompanados", "level", "warning", "error")]
