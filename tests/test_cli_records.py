"""The records commands: sessions, agreements, batches, the audit log and values, from a terminal."""
import csv
import io

import pytest

from gapsmodel.cli.main import main
from gapsmodel.records.sessions import agreement_history, agreements_frame, sessions_frame
from gapsmodel.records.store import Store


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'records.db'}"


def test_sessions_add_and_list_and_refuse_a_second_session_on_the_same_day(capsys, db):
    code, out, _ = run(capsys, "sessions", "add", "2024-03-13", "--title", "Sesión de marzo", "--db", db)
    assert code == 0 and "2024-03-13" in out
    code, _, err = run(capsys, "sessions", "add", "2024-03-13", "--title", "Otra", "--db", db)
    assert code == 1 and "Ya hay una sesión" in err
    assert run(capsys, "sessions", "add", "13/03/2024", "--title", "x", "--db", db)[0] == 2
    code, out, _ = run(capsys, "sessions", "list", "--format", "csv", "--db", db)
    assert rows(out) == [{"date": "2024-03-13", "title": "Sesión de marzo", "notes": ""}]


def test_agreements_from_the_terminal_keep_their_history(capsys, db):
    run(capsys, "sessions", "add", "2024-03-13", "--title", "Sesión de marzo", "--db", db)
    code, out, _ = run(capsys, "agreements", "add", "--session", "2024-03-13", "--institution", "unhcr",
                       "--due", "2099-05-31", "--text", "Ampliar camas", "--gap", "camas_albergue", "--db", db)
    assert code == 0 and "N.º 1" in out
    store = Store.open(db)
    assert agreements_frame(store)[["institution", "gap_code"]].values.tolist() == [["ACNUR", "camas_albergue"]]
    code, out, _ = run(capsys, "agreements", "status", "1", "en_curso", "--db", db)
    assert code == 0 and "pendiente → en_curso" in out
    assert agreement_history(store, 1)["status"].tolist() == ["pendiente", "en_curso"]
    code, out, _ = run(capsys, "agreements", "history", "1", "--format", "csv", "--db", db)
    history = rows(out)
    assert [r["status"] for r in history] == ["pendiente", "en_curso"]
    assert all(r["recorded_by"].startswith("línea de comandos (") for r in history)   # the OS user is named
    code, out, _ = run(capsys, "agreements", "list", "--institution", "ACNUR", "--format", "csv", "--db", db)
    assert [(r["id"], r["status"]) for r in rows(out)] == [("1", "en_curso")]


@pytest.mark.parametrize("argv, code, message", [
    (["--session", "2024-03-14"], 1, "No hay sesión el 2024-03-14"),
    (["--institution", "NADIE"], 2, "Código desconocido 'NADIE'"),
    (["--gap", "camas"], 2, "Código desconocido 'camas'"),
    (["--due", "mañana"], 2, "fecha no válida"),
    (["--text", "  "], 1, "no puede estar vacío"),
])
def test_a_wrong_agreement_is_refused_with_one_line_and_nothing_stored(capsys, db, argv, code, message):
    run(capsys, "sessions", "add", "2024-03-13", "--title", "Sesión de marzo", "--db", db)
    wanted = {"--session": "2024-03-13", "--institution": "ACNUR", "--due": "2024-05-31", "--text": "Camas"}
    wanted.update(dict(zip(argv[::2], argv[1::2])))
    result = run(capsys, "agreements", "add", *[x for pair in wanted.items() for x in pair], "--db", db)
    assert result[0] == code and message in result[2] and "Traceback" not in result[2]
    assert agreements_frame(Store.open(db)).empty
    assert run(capsys, "agreements", "status", "7", "cumplido", "--db", db)[0] == 1


def test_agreements_as_of_a_past_day_show_the_status_of_that_day(capsys, demo_url):
    demo = Store.open(demo_url)
    done = int(agreements_frame(demo).query("status == 'cumplido'")["id"].iloc[0])
    first, second, _ = agreement_history(demo, done)["recorded_at"].dt.date
    _, out, _ = run(capsys, "agreements", "list", "--as-of", str(first), "--format", "csv", "--db", demo_url)
    assert {r["id"]: r["status"] for r in rows(out)}[str(done)] == "pendiente"
    _, out, _ = run(capsys, "agreements", "list", "--as-of", str(second), "--format", "csv", "--db", demo_url)
    assert {r["id"]: r["status"] for r in rows(out)}[str(done)] in {"en_curso", "vencido"}


def test_batches_list_and_revert_with_a_reason(capsys, tmp_path, db):
    upload = tmp_path / "acnur.csv"
    upload.write_text("periodo,indicador,distrito,valor\n2022-05,camas_albergue,Aguas Verdes,40\n", encoding="utf-8")
    assert run(capsys, "import", str(upload), "--institution", "ACNUR", "--db", db)[0] == 0
    _, out, _ = run(capsys, "batches", "list", "--format", "csv", "--db", db)
    [batch] = rows(out)
    assert (batch["institution"], batch["n_values"], batch["reverted_at"]) == ("ACNUR", "1", "")
    _, out, _ = run(capsys, "values", "--format", "csv", "--db", db)
    assert [r["value"] for r in rows(out)] == ["40.0"]
    with pytest.raises(SystemExit) as refused:                                       # --reason is required
        run(capsys, "batches", "revert", batch["id"], "--db", db)
    assert refused.value.code == 2 and "--reason" in capsys.readouterr().err
    code, out, _ = run(capsys, "batches", "revert", batch["id"], "--reason", "archivo equivocado", "--db", db)
    assert code == 0 and "revertido" in out
    assert rows(run(capsys, "values", "--format", "csv", "--db", db)[1]) == []   # nothing counts any more
    code, _, err = run(capsys, "batches", "revert", batch["id"], "--reason", "otra vez", "--db", db)
    assert code == 1 and "ya fue revertido" in err
    _, out, _ = run(capsys, "audit", "--format", "csv", "--db", db)
    revert = next(r for r in rows(out) if r["action"] == "revert")
    assert "archivo equivocado" in revert["detail"] and revert["actor"].startswith("línea de comandos (")


def test_values_filter_by_period_and_institution_alias(capsys, demo_url):
    code, out, _ = run(capsys, "values", "--period", "2024-Q2", "--institution", "UNHCR", "--format", "csv",
                       "--db", demo_url)
    found = rows(out)
    assert code == 0 and found
    assert {r["institution"] for r in found} == {"ACNUR"}
    assert {r["period"] for r in found} == {"2024-04", "2024-05", "2024-06"}
    assert run(capsys, "values", "--period", "2024-13", "--db", demo_url)[0] == 2


def test_csv_from_the_terminal_neutralises_spreadsheet_formulas(capsys, db):
    run(capsys, "sessions", "add", "2024-03-13", "--title", "=HYPERLINK(\"http://x\")", "--db", db)
    assert sessions_frame(Store.open(db))["title"].tolist() == ["=HYPERLINK(\"http://x\")"]   # stored as typed
    _, out, _ = run(capsys, "sessions", "list", "--format", "csv", "--db", db)
    assert rows(out)[0]["title"] == "'=HYPERLINK(\"http://x\")"


# --- the catalog ------------------------------------------------------------------------------------------
@pytest.fixture
def catalog_folder(tmp_path):
    import shutil

    from gapsmodel.rules.catalog import DEFAULT_DIR
    target = tmp_path / "catalog"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def test_catalog_check_lists_every_problem_even_when_the_catalog_is_broken(capsys, catalog_folder, monkeypatch):
    from gapsmodel.rules.catalog import DIR_ENV_VAR
    code, out, _ = run(capsys, "catalog", "check", "--dir", str(catalog_folder))
    assert code == 0 and "19 indicadores" in out
    gaps = (catalog_folder / "gaps.csv").read_text("utf-8")
    (catalog_folder / "gaps.csv").write_text(gaps.replace(",camas_albergue,personas_requieren", ",camas_x,personas_requieren")
                                             .replace(",1.0,personas,0.9,0.6,0.3,Asistencia", ",2,personas,0.9,0.6,0.3,Asistencia"),
                                             "utf-8")
    monkeypatch.setenv(DIR_ENV_VAR, str(catalog_folder))     # the broken catalog is the one in use
    code, _, err = run(capsys, "catalog", "check")
    assert code == 1 and err.startswith("2 problema(s)")
    assert "camas_x" in err and "entre 0 y 1" in err and "Traceback" not in err


def test_catalog_replace_from_a_spreadsheet_file(capsys, catalog_folder, db, tmp_path):
    from gapsmodel.rules.catalog import load_catalog
    sent = tmp_path / "alias.csv"
    sent.write_bytes("alias;institution\r\nUNHCR;ACNUR\r\nOrganización Internacional para las Migraciones;OIM\r\n"
                     .encode("cp1252"))
    before = load_catalog(catalog_folder).aliases
    code, out, _ = run(capsys, "catalog", "replace", "institution_aliases.csv", str(sent), "--dir",
                       str(catalog_folder), "--db", db)
    assert code == 0 and out.startswith("Guardado: ") and "1 filas añadidas, 24 quitadas" in out
    after = load_catalog(catalog_folder)
    assert after.resolve_institution("organizacion internacional para las migraciones") == "OIM"
    assert len(after.aliases) == 2 and len(before) > 2          # the table was replaced as a whole
    _, out, _ = run(capsys, "audit", "--format", "csv", "--db", db)
    assert [r["action"] for r in rows(out)] == ["catalog"]
    bad = tmp_path / "bad.csv"
    bad.write_text("alias,institution\nX,NADIE\n", "utf-8")
    code, _, err = run(capsys, "catalog", "replace", "institution_aliases.csv", str(bad), "--dir",
                       str(catalog_folder), "--db", db)
    assert code == 1 and "NADIE" in err and "no se cambió nada" in err
    assert len(load_catalog(catalog_folder).aliases) == 2
