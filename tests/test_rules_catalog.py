"""The catalog and territory are data: loading checks every cross-reference and names each problem."""
import shutil

import pandas as pd
import pytest

from gapsmodel.i18n import one_language
from gapsmodel.rules.catalog import CatalogError, DEFAULT_DIR, load_catalog
from gapsmodel.rules.territory import DEFAULT_DIR as TERRITORY_DIR, load_territory

DOMAIN_GAPS = {"cobertura_sis", "atencion_salud_mental", "camas_albergue", "regularizacion", "atencion_trata",
               "atencion_vbg", "canales_atencion", "proteccion_nna", "matricula_escolar", "asistencia_alimentaria"}


def test_shipped_catalog_has_the_domain_codes(catalog):
    assert DOMAIN_GAPS <= set(catalog.gaps.index)
    assert len(catalog.indicators) >= 19 and set(catalog.sectors.index) >= {"salud", "trata", "vbg", "ninez"}
    assert catalog.gaps.at["camas_albergue", "need"] == "personas_requieren_alojamiento"
    assert catalog.gaps.at["canales_atencion", "fixed_target_per_district"] == 1
    assert catalog.indicators.loc[catalog.indicators["role"] == "need", "rule"].eq("max").all()
    assert catalog.small_cell_threshold == 5 and catalog.carry_forward_months == 3 and catalog.deadline_day == 10


def test_aliases_resolve_to_one_institution(catalog):
    for alias in ("UNHCR", "Acnur Perú", "acnur peru", "ACNUR"):
        assert catalog.resolve_institution(alias) == "ACNUR"
    assert catalog.resolve_institution("IOM") == "OIM"
    assert catalog.resolve_institution("Nadie") is None


def test_territory_has_13_districts_in_3_provinces(territory):
    assert len(territory.districts) == 13 and len(territory.provinces) == 3
    assert territory.district_by_name("san juan de la virgen") == "240106"
    assert territory.district_by_name("AGUAS VERDES") == "240302"
    assert territory.level_of("24") == "region" and territory.level_of("2402") == "province"
    features = territory.geojson("district")["features"]
    assert sorted(f["properties"]["ubigeo"] for f in features) == sorted(territory.district_codes)


@pytest.fixture
def catalog_copy(tmp_path):
    target = tmp_path / "catalog"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def test_gap_naming_an_unknown_indicator_is_named(catalog_copy):
    path = catalog_copy / "gaps.csv"
    path.write_text(path.read_text("utf-8").replace("afiliados_sis,pob_migrante", "afiliados_sis,poblacion_x"), "utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(catalog_copy)
    assert any("cobertura_sis" in p and "poblacion_x" in p for p in err.value.problems)


def test_every_problem_is_listed_at_once(catalog_copy):
    ind = catalog_copy / "indicators.csv"
    ind.write_text(ind.read_text("utf-8").replace("pob_migrante,salud,need,stock,max", "pob_migrante,salud,need,stock,mediana")
                   .replace("afiliados_sis,salud,supply", "afiliados_sis,sanidad,supply"), "utf-8")
    (catalog_copy / "institution_aliases.csv").write_text("alias,institution\nUNHCR,ACNURR\n", "utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(catalog_copy)
    text = "\n".join(err.value.problems)
    assert "mediana" in text and "sanidad" in text and "ACNURR" in text


def test_source_rule_must_name_a_known_institution(catalog_copy):
    ind = catalog_copy / "indicators.csv"
    ind.write_text(ind.read_text("utf-8").replace("pob_migrante,salud,need,stock,max", "pob_migrante,salud,need,stock,source:INEI"), "utf-8")
    with pytest.raises(CatalogError, match="source:INEI"):
        load_catalog(catalog_copy)
    ind.write_text(ind.read_text("utf-8").replace("source:INEI", "source:DIRESA"), "utf-8")
    assert load_catalog(catalog_copy).indicators.at["pob_migrante", "rule"] == "source:DIRESA"


def test_missing_file_is_named(catalog_copy):
    (catalog_copy / "obligations.csv").unlink()
    with pytest.raises(CatalogError, match="obligations.csv"):
        load_catalog(catalog_copy)


def test_territory_with_unknown_province_is_refused(tmp_path):
    target = tmp_path / "territory"
    shutil.copytree(TERRITORY_DIR, target)
    path = target / "districts.csv"
    path.write_text(path.read_text("utf-8").replace("240304,Papayal,2403", "240304,Papayal,2409"), "utf-8")
    with pytest.raises(CatalogError, match="2409"):
        load_territory(target)


def _set_contacts(folder, contacts: dict[str, str]) -> None:
    table = pd.read_csv(folder / "institutions.csv", dtype=str, keep_default_na=False)
    for code, cell in contacts.items():
        table.loc[table["code"].eq(code), "contact_emails"] = cell
    table.to_csv(folder / "institutions.csv", index=False)


def test_contact_emails_split_on_semicolons_and_kept_apart_from_the_table(catalog):
    assert catalog.contacts["ACNUR"] == ("datos.acnur@example.org", "tumbes.acnur@example.org")
    # the institutions table (labels, pages, exports) has no address column at all
    assert "contact_emails" not in catalog.institutions.columns
    assert "@" not in catalog.institutions.to_csv()
    assert all(a.endswith("@example.org") for found in catalog.contacts.values() for a in found)  # reserved domain


def test_every_bad_contact_address_is_listed(catalog_copy):
    _set_contacts(catalog_copy, {"ACNUR": "datos.acnur@example.org; acnur at example.org",
                                 "CARE": "care@example", "OIM": "oim@@example.org;  ;datos.oim@example.org",
                                 "PNP": "pnp.@example.org"})
    with pytest.raises(CatalogError) as err:
        load_catalog(catalog_copy)
    text = "\n".join(err.value.problems)
    assert len(err.value.problems) == 4
    for bad in ("'acnur at example.org'", "'care@example'", "'oim@@example.org'", "'pnp.@example.org'"):
        assert bad in text
    assert "datos.oim@example.org'" not in text


def test_contacts_are_optional(catalog_copy):
    table = pd.read_csv(catalog_copy / "institutions.csv", dtype=str, keep_default_na=False)
    table.drop(columns=["contact_emails"]).to_csv(catalog_copy / "institutions.csv", index=False)
    assert load_catalog(catalog_copy).contacts == {}
    _set_contacts(catalog_copy, {"CARE": "care@example.org"})
    assert load_catalog(catalog_copy).contacts == {"CARE": ("care@example.org",)}


SPANISH_WORDS = (" no es ", "falta", "desconocid", "fila ", "debe", "repetid", "hay filas", "apunta", "umbrales",
                 "indique", "correo")
ENGLISH_WORDS = ("unknown", "missing", "must", " is not ", "duplicate", "row ", "rows ", "points to", "give ",
                 "e-mail")


def test_each_catalog_problem_reads_whole_in_either_language(catalog_copy):
    """A page or terminal shows one side of a problem: neither side may carry words of the other language."""
    def replace(name, old, new):
        path = catalog_copy / name
        assert old in path.read_text("utf-8"), old
        path.write_text(path.read_text("utf-8").replace(old, new, 1), "utf-8")
    replace("indicators.csv", "pob_migrante,salud,need,stock,max", "pob_migrante,sanidad,necesidad,anual,mediana")
    replace("gaps.csv", "afiliados_sis,pob_migrante,,1.0,personas,0.9,0.6,0.3", "afiliados_x,pob_y,2,1.5,personas,0.3,0.6,uno")
    replace("obligations.csv", "DIRESA,afiliados_sis,mensual", "DIRESAX,afiliados_z,diaria")
    replace("sectors.csv", "salud,Salud,Health,1", "salud,Salud,Health,primero")
    replace("settings.toml", "small_cell_threshold = 5", "small_cell_threshold = 0")
    replace("settings.toml", 'protected_sectors = ["trata", "vbg", "ninez"]', 'protected_sectors = ["trata"]')
    (catalog_copy / "institution_aliases.csv").write_text("alias,institution\nUNHCR,ACNURR\nUNHCR,ACNUR\n", "utf-8")
    (catalog_copy / "rules.csv").write_text(
        "code,left,operator,right,level,scope,message_es,message_en\n"
        "r1,no_such + *,=<,x[sex=otro],fatal,everywhere,,m\n", "utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(catalog_copy)
    problems = err.value.problems
    assert len(problems) >= 20
    for problem in problems:
        spanish, english = one_language(problem, "es"), one_language(problem, "en")
        assert spanish != english, problem
        assert not any(word in english.lower() for word in SPANISH_WORDS), english
        assert not any(word in spanish.lower() for word in ENGLISH_WORDS), spanish
