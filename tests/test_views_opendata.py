"""Open data: 'publish' writes CSV files with an HXL row and a datapackage.json that a second program reads
back, with published figures only for the protected indicators (DOMAIN.md §7)."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime

import pandas as pd
import pytest

from gapsmodel import cli, model
from gapsmodel.records.store import Store
from gapsmodel.rules.periods import parse_period
from gapsmodel.views import opendata
from tests.helpers import values

NEED, SUPPLY = "victimas_trata_identificadas", "victimas_trata_atendidas"
EXACT = {"2024-01": (6, 5), "2024-02": (8, 6), "2024-03": (3, 2)}   # Aguas Verdes (240302): need, supply
NOTE = "familia López, calle 5"
FILES = ["brechas.csv", "brechas_mensuales.csv", "cifras_mensuales.csv", "valores.csv"]


@pytest.fixture
def small(store):
    rows = []
    for month, (need, supply) in EXACT.items():
        rows += [("MIMP", NEED, "240302", month, need), ("MIMP", SUPPLY, "240302", month, supply),
                 ("MIMP", NEED, "240301", month, 40), ("MIMP", SUPPLY, "240301", month, 12)]
    store.add_batch(values(*rows), institution="MIMP", uploaded_at=datetime(2024, 4, 5))
    shelter = values(("ACNUR", "personas_requieren_alojamiento", "240302", "2024-02", 123),
                     ("ACNUR", "camas_albergue", "240302", "2024-02", 47))
    shelter["note"] = NOTE
    store.add_batch(shelter, institution="ACNUR", uploaded_at=datetime(2024, 4, 6))
    return store


def published(store: Store, tmp_path, catalog) -> tuple[dict[str, pd.DataFrame], dict[str, list[str]], dict]:
    url = store.engine.url.render_as_string(hide_password=False)
    folder = tmp_path / "abiertos"
    assert cli.main(["publish", "--period", "2024", "-o", str(folder), "--db", url]) == 0
    frames, hxl = {}, {}
    for name in FILES:
        text = (folder / name).read_text("utf-8")
        header, tags = list(csv.reader(io.StringIO(text)))[:2]
        hxl[name] = tags
        frames[name] = pd.read_csv(folder / name, skiprows=[1], dtype={"ubigeo": str, "periodo": str})
        assert list(frames[name].columns) == header
    return frames, hxl, json.loads((folder / "datapackage.json").read_text("utf-8"))


def test_publish_writes_csv_with_hxl_rows_described_by_the_data_package(small, tmp_path, catalog):
    frames, hxl, package = published(small, tmp_path, catalog)
    assert package["profile"] == "tabular-data-package" and package["period"] == "2024"
    assert "<5" in package["protection"]["description"] and package["protection"]["rounding_base"] == 5
    assert NEED in package["protection"]["protected_indicators"]
    assert [r["path"] for r in package["resources"]] == FILES
    for resource in package["resources"]:
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == list(frames[resource["path"]].columns)
        assert [f["hxl"] for f in fields] == hxl[resource["path"]]
        assert all(tag.startswith("#") for tag in hxl[resource["path"]])
        assert {f["type"] for f in fields} <= {"string", "number", "integer", "boolean"}
        assert resource["dialect"]["commentRows"] == [2] and resource["rows"] == len(frames[resource["path"]])
    assert hxl["brechas.csv"][:4] == ["#date+period", "#loc+type", "#loc+code", "#loc+name"]
    shelter = frames["valores.csv"]
    assert shelter[["indicador", "valor"]].values.tolist() == [["camas_albergue", 47], ["personas_requieren_alojamiento", 123]]
    assert frames["brechas.csv"]["periodo"].eq("2024").all()
    assert set(frames["brechas_mensuales.csv"]["periodo"]) == {"2024-01", "2024-02", "2024-03"}


def test_published_files_hold_no_exact_protected_count(small, tmp_path, catalog):
    frames, _, _ = published(small, tmp_path, catalog)
    everything = "\n".join((tmp_path / "abiertos" / name).read_text("utf-8")
                           for name in FILES + ["datapackage.json"])
    assert NOTE not in everything and "López" not in everything        # notes are never published
    assert not frames["valores.csv"]["indicador"].isin([NEED, SUPPLY]).any()  # no per-institution trata

    monthly = frames["cifras_mensuales.csv"]
    av = monthly[monthly["ubigeo"].eq("240302") & monthly["indicador"].eq(NEED)].set_index("periodo")
    assert av["valor_publicada"].tolist() == ["5", "10", "<5"]           # exact 6, 8, 3
    assert av["valor"].iloc[:2].tolist() == [5, 10] and pd.isna(av["valor"].iloc[2])
    assert av[["valor_min", "valor_max"]].values.tolist() == [[5, 5], [10, 10], [0, 4]]
    # the region-wide figure of a protected indicator beside district figures would tell their sum
    assert not monthly[monthly["protegido"] & monthly["ubigeo"].eq("24")].any(axis=None)

    year = frames["brechas.csv"].set_index(["brecha", "ubigeo"])
    row = year.loc[("atencion_trata", "240302")]
    assert row["necesidad_publicada"] == "15–19" and pd.isna(row["necesidad"])     # exact 17
    assert (row["necesidad_min"], row["necesidad_max"]) == (15, 19)
    assert row["oferta_publicada"] == "10–14" and pd.isna(row["oferta"])           # exact 13
    region = year.loc[("atencion_trata", "24")]
    assert region["necesidad_publicada"] == "135–139"                              # exact 137

    fixed = set(catalog.gaps.index[catalog.gaps["fixed_target_per_district"].notna()])  # a target, not a count
    for name in ("brechas.csv", "brechas_mensuales.csv"):
        gaps = frames[name]
        protected = gaps[gaps["protegida"] & ~gaps["brecha"].isin(fixed)]
        assert not protected.empty
        for col in ("necesidad", "oferta", "necesidad_no_cubierta"):
            figures = protected[col].dropna()
            assert (figures % 5 == 0).all(), (name, col, figures.tolist())     # only published figures
    february = frames["brechas_mensuales.csv"].set_index(["periodo", "brecha", "ubigeo"])
    assert february.loc[("2024-02", "atencion_trata", "240302"), "necesidad"] == 10    # exact 8
    assert february.loc[("2024-03", "atencion_trata", "240302"), "necesidad_publicada"] == "<5"


def test_publish_command_errors_and_the_zip(small, tmp_path, catalog, territory, capsys):
    url = small.engine.url.render_as_string(hide_password=False)
    assert cli.main(["publish", "--period", "20x4", "-o", str(tmp_path / "a"), "--db", url]) == 2
    assert cli.main(["publish", "--period", "2019", "-o", str(tmp_path / "a"), "--db", url]) == 2
    assert "No hay datos para 2019" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    assert cli.main(["publish", "--period", "2024", "-o", str(tmp_path / "file"), "--db", url]) == 2
    snapshot = model.take_snapshot(small, catalog, territory)
    content = opendata.files(snapshot, catalog, territory, parse_period("2024-Q1"), datetime(2024, 5, 1))
    archive = zipfile.ZipFile(io.BytesIO(opendata.zip_bytes(content)))
    assert sorted(archive.namelist()) == sorted(FILES + ["datapackage.json"])
    assert archive.read("valores.csv").decode("utf-8").splitlines()[1].startswith("#date+month,#org+code")
