"""The command line: exit codes, CSV columns, as-of, and no traceback for bad input."""
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gapsmodel.cli.main import main
from gapsmodel.rules.gaps import CSV_COLUMNS

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_gaps_csv_has_exactly_the_documented_columns(capsys, demo_url):
    code, out, _ = run(capsys, "gaps", "--db", demo_url, "--period", "2024-06", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == CSV_COLUMNS == ["gap_code", "sector", "period", "ubigeo", "level", "need", "supply",
                                            "coverage", "unmet", "severity", "no_data_districts"]
    assert len(rows) == 10 * (13 + 3 + 1)
    assert {r["level"] for r in rows} == {"district", "province", "region"}
    assert {r["severity"] for r in rows} <= {"adecuada", "moderada", "alta", "critica", "sin_datos"}
    trata = [r for r in rows if r["gap_code"] == "atencion_trata" and r["level"] == "district"]
    assert all(r["severity"] == "sin_datos" and r["need"] == "" and r["coverage"] == "" for r in trata)
    region = next(r for r in rows if r["gap_code"] == "camas_albergue" and r["level"] == "region")
    districts = [r for r in rows if r["gap_code"] == "camas_albergue" and r["level"] == "district"]
    assert float(region["unmet"]) == pytest.approx(sum(float(r["unmet"]) for r in districts if r["unmet"]))


def test_as_of_ignores_later_uploads(capsys, demo_url):
    # the demo corrects ACNUR's beds in Aguas Verdes for March 2023 on 20 May 2023
    def beds(as_of):
        _, out, _ = run(capsys, "gaps", "--db", demo_url, "--period", "2023-03", "--as-of", as_of, "--format", "json")
        return next(r for r in json.loads(out) if r["gap_code"] == "camas_albergue" and r["ubigeo"] == "240302")["supply"]
    assert beds("2023-05-25") == beds("2023-05-19") + 25


def test_quarter_and_year_periods(capsys, demo_url):
    for period in ("2023-Q2", "2023"):
        code, out, _ = run(capsys, "gaps", "--db", demo_url, "--period", period, "--format", "csv")
        assert code == 0 and f",{period}," in out


@pytest.mark.parametrize("argv", [("gaps", "--period", "2024-13"), ("gaps", "--as-of", "ayer"),
                                  ("gaps", "--period", "Q2")])
def test_bad_arguments_exit_2_without_traceback(capsys, demo_url, argv):
    code, out, err = run(capsys, *argv, "--db", demo_url)
    assert code == 2 and "Traceback" not in err and err.strip()


def test_empty_store_says_so(capsys, tmp_path):
    code, _, err = run(capsys, "gaps", "--db", f"sqlite:///{tmp_path / 'e.db'}")
    assert code == 1 and "demo" in err


def test_import_then_gaps_shows_the_new_figure(capsys, tmp_path):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    good = tmp_path / "acnur.csv"
    good.write_text("periodo,indicador,distrito,valor\n2022-05,personas_requieren_alojamiento,Aguas Verdes,100\n"
                    "2022-05,camas_albergue,AGUAS VERDES,40\n", encoding="utf-8")
    assert run(capsys, "validate", str(good), "--institution", "ACNUR", "--db", db)[0] == 0
    code, out, _ = run(capsys, "import", str(good), "--institution", "ACNUR", "--db", db)
    assert code == 0 and "2" in out
    _, out, _ = run(capsys, "gaps", "--db", db, "--period", "2022-05", "--format", "json")
    row = next(r for r in json.loads(out) if r["gap_code"] == "camas_albergue" and r["ubigeo"] == "240302")
    assert (row["need"], row["supply"], row["unmet"], row["severity"]) == (100, 40, 60, "alta")


def test_file_with_problems_exits_1_with_row_numbers_and_stores_nothing(capsys, tmp_path):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    bad = tmp_path / "bad.csv"
    bad.write_text("periodo,indicador,distrito,valor\n2022-05,camas_albergu,Aguas Verdes,40\n"
                   "2022-05,camas_albergue,Aguas Verdes,-3\n", encoding="utf-8")
    code, out, _ = run(capsys, "import", str(bad), "--institution", "ACNUR", "--db", db)
    assert code == 1
    assert "fila 2" in out and "fila 3" in out and "camas_albergue" in out
    assert run(capsys, "gaps", "--db", db)[0] == 1   # still empty


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02\xff" * 100, b"PK\x03\x04garbage"])
def test_unreadable_file_exits_2(capsys, tmp_path, content):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    code, _, err = run(capsys, "validate", str(path), "--institution", "ACNUR", "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert code == 2 and "Traceback" not in err and err.strip()


def test_missing_file_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "validate", str(tmp_path / "nope.csv"), "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert code == 2 and "nope.csv" in err


def test_module_entry_point_runs_in_a_subprocess(tmp_path):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    done = subprocess.run([sys.executable, "-m", "gapsmodel", "demo", "--db", db], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    from gapsmodel.records.store import Store
    actors = set(Store.open(db).audit_frame()["actor"])
    assert len(actors) == 1 and next(iter(actors)).startswith("línea de comandos (")   # the OS user, audited
    again = subprocess.run([sys.executable, "-m", "gapsmodel", "demo", "--db", db], cwd=ROOT, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 1 and "totalmente vacía" in again.stderr


def test_demo_loads_only_into_an_entirely_empty_store_and_atomically(capsys, store, tmp_path):
    """Issue 12: a store with accounts or sessions but no uploads got the demo (and --force half of it)."""
    from datetime import date
    from gapsmodel.records.sessions import add_session
    from gapsmodel.records.store import batches
    import sqlalchemy as sa
    add_session(store, date(2022, 4, 6), "Sesión real")
    url = store.engine.url.render_as_string(hide_password=False)
    for extra in ([], ["--force"]):
        code, _, err = run(capsys, "demo", "--db", url, *extra)
        assert code == 1 and "totalmente vacía" in err
        with store.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(batches)).scalar() == 0


def test_demo_is_all_or_nothing(store, catalog, territory, monkeypatch):
    from gapsmodel.records import demo
    import sqlalchemy as sa
    from gapsmodel.records.store import CONTENT_TABLES, metadata

    def broken(*args, **kwargs):
        raise RuntimeError("injected failure while writing agreements")
    monkeypatch.setattr(demo, "_demo_agreements", broken)
    with pytest.raises(RuntimeError):
        demo.load_demo(store, catalog, territory)
    with store.engine.connect() as conn:
        for name in CONTENT_TABLES:
            assert conn.execute(sa.select(sa.func.count()).select_from(metadata.tables[name])).scalar() == 0, name


def test_first_page_view_never_loads_the_demo_into_a_configured_store(store, catalog, territory, monkeypatch):
    from gapsmodel.records import accounts
    from gapsmodel.records.demo import ensure_demo
    from gapsmodel.records.permissions import COMMAND_LINE
    from gapsmodel.records.store import ENV_VAR
    monkeypatch.setenv(ENV_VAR, "sqlite:///configured.db")
    assert not ensure_demo(store, catalog, territory) and store.is_empty()
    monkeypatch.delenv(ENV_VAR)
    accounts.add_user(store, "admin1", "admin", None, password="una clave larga 123", actor=COMMAND_LINE)
    assert not ensure_demo(store, catalog, territory) and store.is_empty()   # accounts but no uploads


def test_cli_audits_with_the_operating_system_user_and_refuses_an_empty_revert_reason(capsys, store, tmp_path,
                                                                                      monkeypatch):
    import getpass
    monkeypatch.setattr(getpass, "getuser", lambda: "operadora")
    url = store.engine.url.render_as_string(hide_password=False)
    data = tmp_path / "ok.csv"
    data.write_text("periodo,institucion,indicador,ubigeo,valor\n2023-05,ACNUR,camas_albergue,240302,40\n",
                    encoding="utf-8")
    assert run(capsys, "import", str(data), "--institution", "ACNUR", "--db", url)[0] == 0
    assert run(capsys, "approve", "2023-05", "--db", url)[0] == 0
    assert run(capsys, "reopen", "2023-05", "--reason", "corrección", "--db", url)[0] == 0
    actors = set(store.audit_frame()["actor"])
    assert actors == {"línea de comandos (operadora)"}, actors
    batch = int(store.batches_frame()["id"].iloc[0])
    for reason in ("", "   "):
        code, _, err = run(capsys, "batches", "revert", str(batch), "--reason", reason, "--db", url)
        assert code == 1 and "motivo" in err
    assert store.batches_frame()["reverted_at"].isna().all()


def test_an_internal_failure_prints_no_sql_or_exception_text(capsys, store, tmp_path, monkeypatch):
    """Issue 12: a NUL byte reached PostgreSQL and the CLI printed the SQL statement with its parameters."""
    import sqlalchemy as sa
    from gapsmodel.records.store import Store
    monkeypatch.setenv("GAPSMODEL_LOG_FILE", str(tmp_path / "op.log"))

    def fail(self, *args, **kwargs):
        raise sa.exc.OperationalError("INSERT INTO observations (note) VALUES (?)", {"note": "María secreta"},
                                      Exception("boom"))
    monkeypatch.setattr(Store, "values", fail)
    url = store.engine.url.render_as_string(hide_password=False)
    code, out, err = run(capsys, "gaps", "--db", url)
    assert code == 2
    assert "INSERT" not in err + out and "María" not in err + out and "boom" not in err + out
    assert "Error interno" in err
    assert "INSERT INTO observations" in (tmp_path / "op.log").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang, expected", [(None, {"validate": "Revisa un archivo sin guardarlo",
                                                     "sessions": "Sesiones de la Mesa"}),
                                             ("en", {"validate": "Check a file without storing it",
                                                     "sessions": "The table's sessions"})])
def test_every_command_has_help_in_the_terminal_language(monkeypatch, lang, expected):
    from gapsmodel.cli.main import EXTRA_COMMANDS, _parser
    import importlib
    if lang:
        monkeypatch.setenv("GAPSMODEL_LANG", lang)
    else:
        monkeypatch.delenv("GAPSMODEL_LANG", raising=False)
    parser = _parser([importlib.import_module(m) for m in EXTRA_COMMANDS])
    sub = next(a for a in parser._actions if a.dest == "command")
    documented = {c.dest: c.help for c in sub._choices_actions}
    for name in ("validate", "import", "gaps", "report", "demo", "users", "approve", "reopen", "sessions", "agreements",
                 "batches", "audit", "values", "catalog", "notes", "protection", "publish", "reminders"):
        assert name in sub.choices
        assert documented.get(name) and " / " not in documented[name], f"{name}: {documented.get(name)!r}"
    assert {name: documented[name] for name in expected} == expected

    def helps(p):          # every help text, subcommands of subcommands too
        for action in p._actions:
            yield from [action.help] if action.help else []
            yield from [c.help for c in getattr(action, "_choices_actions", []) if c.help]
            for child in (action.choices or {}).values() if isinstance(action.choices, dict) else []:
                yield from helps(child)
    found = list(helps(parser))
    assert len(found) > 100 and not [h for h in found if " / " in h or "o/or" in h]


def test_public_flag_never_prints_a_small_protected_count(capsys, demo_url, catalog):
    _, exact, _ = run(capsys, "gaps", "--db", demo_url, "--period", "2024-06", "--format", "csv")
    _, public, _ = run(capsys, "gaps", "--db", demo_url, "--period", "2024-06", "--format", "csv", "--public")
    protected = {"atencion_trata", "atencion_vbg", "canales_atencion", "proteccion_nna"}
    exact_rows = [r for r in csv.DictReader(io.StringIO(exact)) if r["gap_code"] in protected]
    public_rows = [r for r in csv.DictReader(io.StringIO(public)) if r["gap_code"] in protected]
    assert any(r["need"] and 0 < float(r["need"]) < 5 for r in exact_rows)   # the demo has small cells
    for row in public_rows:
        for col in ("need", "supply", "unmet"):
            value = row[col]
            if value in ("", "<5"):
                continue
            low, _, high = value.partition("-")
            low, high = float(low), float(high or low)
            fixed_target = col == "need" and row["gap_code"] == "canales_atencion"  # 1 per district: public
            if col != "unmet" and not fixed_target:  # sums of multiples of 5, plus 0..4 for each "<5"
                assert low % 5 == 0 and (high - low) % 4 == 0, (row, col)
            assert fixed_target or not (low == high and 0 < low < 5), (row, col)
    assert any(r["need"] == "<5" for r in public_rows)
