"""The command line speaks the terminal's language only (GAPSMODEL_LANG), never "castellano / English" pairs."""
import io
import re
import shutil

import pytest

from gapsmodel.cli.main import main
from gapsmodel.cli.speech import plain
from gapsmodel.i18n import both
from gapsmodel.rules.catalog import DEFAULT_DIR

# words that only one of the two languages uses in these messages (data, quoted values and paths are removed)
ENGLISH = {"the", "file", "row", "column", "value", "nothing", "stored", "problem", "problems", "sessions",
           "recorded", "yet", "unknown", "invalid", "catalog", "supply", "indicator", "must", "between", "batch",
           "there", "agreement", "with", "was", "did", "mean", "codes", "negative", "warning", "needs",
           "accounts", "create", "first", "one", "name", "store", "has", "data", "try"}
SPANISH = {"el", "la", "los", "las", "del", "fila", "columna", "valor", "hay", "se", "guardó", "nada", "problema",
           "sesiones", "registradas", "catálogo", "desconocido", "inválido", "indicador", "oferta", "debe", "entre",
           "existe", "lote", "acuerdo", "archivo", "con", "quiso", "decir", "negativo", "aviso", "rol", "requiere",
           "cuentas", "cree", "primera", "nombre", "base", "tiene", "datos", "pruebe", "valores"}


def words(text: str, tmp_path) -> set[str]:
    text = text.replace(str(tmp_path), " ")
    # quoted data (not an apostrophe: "template's"), commands, file names
    text = re.sub(r"(?<!\w)'[^']*'(?!\w)|«[^»]*»|`[^`]*`|\S+\.(csv|db)\b", " ", text)
    return {w.lower() for w in re.findall(r"[^\W\d_]+", text)}


def outputs(capsys, tmp_path) -> list[str]:
    """Representative commands: a file with problems, a broken catalog, an empty store, refused actions."""
    db = f"sqlite:///{tmp_path / 'lang.db'}"
    bad = tmp_path / "bad.csv"
    bad.write_text("periodo,indicador,distrito,valor\n2022-05,camas_albergu,Aguas Verdes,40\n"
                   "2022-05,camas_albergue,Aguas Verdes,-3\n", encoding="utf-8")
    folder = tmp_path / "catalog"
    if not folder.exists():
        shutil.copytree(DEFAULT_DIR, folder)
        gaps = (folder / "gaps.csv").read_text("utf-8")
        broken = (gaps.replace(",camas_albergue,personas_requieren", ",camas_x,personas_requieren")
                  .replace(",1.0,personas,0.9,0.6,0.3,Asistencia", ",2,personas,0.9,0.6,0.3,Asistencia"))
        (folder / "gaps.csv").write_text(broken, "utf-8")
    runs = [(["validate", str(bad), "--institution", "ACNUR", "--db", db], 1),
            (["catalog", "check", "--dir", str(folder)], 1),
            (["sessions", "list", "--db", db], 0),
            (["users", "list", "--db", db], 0),
            (["gaps", "--db", db], 1),
            (["batches", "revert", "9", "--reason", "prueba", "--db", db], 1),
            (["agreements", "add", "--session", "2024-01-01", "--institution", "ACNUR", "--due", "2024-02-01",
              "--text", "Camas", "--db", db], 1),
            (["users", "add", "ana", "--role", "partner", "--password-stdin", "--db", db], 1)]
    printed = []
    for argv, code in runs:
        assert main(argv) == code, argv
        out = capsys.readouterr()
        assert out.out.strip() or out.err.strip(), argv
        printed.append(out.out + out.err)
    return printed


@pytest.mark.parametrize("lang", [None, "es", "fr"])
def test_spanish_by_default_without_english_words(capsys, monkeypatch, tmp_path, lang):
    if lang:
        monkeypatch.setenv("GAPSMODEL_LANG", lang)
    else:
        monkeypatch.delenv("GAPSMODEL_LANG", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))          # no password for `users add`
    printed = outputs(capsys, tmp_path)
    for text in printed:
        assert " / " not in text, text
        assert not words(text, tmp_path) & ENGLISH, (words(text, tmp_path) & ENGLISH, text)
    joined = "\n".join(printed)
    assert "fila 2" in joined and "No hay sesiones registradas." in joined
    assert "2 problema(s) en el catálogo:" in joined and "indicador de oferta desconocido" in joined
    assert "No hay cuentas. Cree la primera con: python -m gapsmodel users add NOMBRE --role admin" in joined


def test_english_without_spanish_words(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("GAPSMODEL_LANG", "en")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))          # no password for `users add`
    printed = outputs(capsys, tmp_path)
    for text in printed:
        assert " / " not in text, text
        assert not words(text, tmp_path) & SPANISH, (words(text, tmp_path) & SPANISH, text)
    joined = "\n".join(printed)
    assert "ERROR row 2, column 'indicador', value 'camas_albergu'" in joined
    assert "File with 2 problem(s); nothing was stored." in joined and "No sessions recorded yet." in joined
    assert "2 problem(s) in the catalog:" in joined and "unknown supply indicator" in joined
    assert "No session on 2024-01-01; record it first with `sessions add`." in joined
    assert "No accounts yet. Create the first one with: python -m gapsmodel users add NAME --role admin" in joined


def test_the_internal_error_in_one_language(capsys, monkeypatch, tmp_path):
    import sqlalchemy as sa
    from gapsmodel.records.store import Store
    monkeypatch.setenv("GAPSMODEL_LOG_FILE", str(tmp_path / "op.log"))

    def fail(self, *args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("boom"))
    monkeypatch.setattr(Store, "values", fail)
    monkeypatch.setenv("GAPSMODEL_LANG", "en")
    assert main(["gaps", "--db", f"sqlite:///{tmp_path / 'x.db'}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Internal error: the command did not complete") and "Error interno" not in err
    assert str(tmp_path / "op.log") in err and " / " not in err


@pytest.mark.parametrize("lang, expected", [
    ("es", "Catálogo inválido:\n- primero\n- segundo"),
    ("en", "invalid catalog:\n- first\n- second"),
])
def test_plain_picks_one_side_of_every_line(monkeypatch, lang, expected):
    monkeypatch.setenv("GAPSMODEL_LANG", lang)
    message = "\n".join([both("Catálogo inválido:", "invalid catalog:"), "- " + both("primero", "first"),
                         "- " + both("segundo", "second")])
    assert plain(message) == expected
    assert plain("sin pareja") == "sin pareja"


ARGPARSE_ENGLISH = ("usage:", "options:", "show this help message", "the following arguments are required",
                    "invalid choice", "expected one argument")


def argparse_says(argv, capsys) -> str:
    with pytest.raises(SystemExit):
        main(argv)
    out = capsys.readouterr()
    return out.out + out.err


def test_argparse_own_words_follow_the_terminal(capsys, monkeypatch):
    import argparse
    monkeypatch.delenv("GAPSMODEL_LANG", raising=False)
    spanish = "\n".join(argparse_says(argv, capsys) for argv in
                        (["gaps", "--help"], ["import", "x.csv"], ["bogus"], ["gaps", "--period"]))
    assert not [w for w in ARGPARSE_ENGLISH if w in spanish], spanish
    for words_es in ("uso:", "opciones:", "muestra esta ayuda y sale", "faltan argumentos obligatorios: --institution",
                     "argumento ORDEN: opción no válida: 'bogus'", "argumento --period: falta su valor"):
        assert words_es in spanish
    assert argparse._("usage: ") == "usage: "          # restored: the rest of the process is untouched

    monkeypatch.setenv("GAPSMODEL_LANG", "en")
    english = "\n".join(argparse_says(argv, capsys) for argv in (["gaps", "--help"], ["import", "x.csv"]))
    assert "usage:" in english and "options:" in english and "uso:" not in english
    assert "the following arguments are required: --institution" in english
