"""Both languages have the same keys and placeholders; numbers follow es-PE and en."""
import ast
import re
import string
from pathlib import Path

from gapsmodel.i18n import Translator, messages

ROOT = Path(__file__).resolve().parent.parent


def placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_same_keys_and_placeholders_in_both_languages():
    es, en = messages("es"), messages("en")
    assert set(es) == set(en), set(es) ^ set(en)
    for key in es:
        assert placeholders(es[key]) == placeholders(en[key]), key


def test_every_translation_key_used_in_code_exists():
    known = set(messages("es"))
    used = set()
    pattern = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")
    for path in list((ROOT / "pages").glob("*.py")) + [ROOT / "dashboard.py"] + list((ROOT / "app").glob("*.py")) + \
            list((ROOT / "gapsmodel").rglob("*.py")):
        used |= set(pattern.findall(path.read_text("utf-8")))
    missing = sorted(k for k in used if k not in known)
    assert not missing, missing


def test_number_and_date_formats():
    es, en = Translator("es"), Translator("en")
    assert es.number(1234567.5, 1) == "1,234,567.5"     # Peru writes 1,234.5
    assert es.percent(0.375) == "38 %" and en.percent(0.375) == "38 %"
    assert es.month("2022-05") == "may. 2022" and en.month("2022-05") == "May 2022"
    assert es.period("2022-Q2") == "T2 2022" and en.period("2022-Q2") == "Q2 2022"
    assert es.severity("critica") == "Crítica" and en.severity("sin_datos") == "No data"
    assert es.number(float("nan")) == "—"


def test_every_page_is_registered_with_titles_in_both_languages_and_the_entry_guard():
    tree = ast.parse((ROOT / "dashboard.py").read_text("utf-8"))
    pages = [node for node in ast.walk(tree) if isinstance(node, ast.Tuple) and node.elts
             and isinstance(node.elts[0], ast.Constant) and str(node.elts[0].value).startswith("pages/")]
    registered = {p.elts[0].value: p.elts[1].value for p in pages}
    on_disk = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py") if not p.name.startswith("_")}
    assert on_disk == set(registered), on_disk ^ set(registered)
    es, en = messages("es"), messages("en")
    for path, key in registered.items():
        assert es.get(key) and en.get(key) and es[key] != key, (path, key)
        assert "require_entry_point(__file__)" in (ROOT / path).read_text("utf-8"), path


def test_plurals_follow_the_language():
    from gapsmodel.i18n import Translator
    es, en = Translator("es"), Translator("en")
    assert [es.plural("agreements.n_overdue", n) for n in (0, 1, 2)] == ["0 vencidos", "1 vencido", "2 vencidos"]
    assert [es.plural("agreements.n_done", n) for n in (1, 1000)] == ["1 cumplido", "1,000 cumplidos"]
    assert en.plural("presentation.agreements_message", 1, done="0", total="1",
                     overdue=en.plural("agreements.n_overdue", 1)) == "0 of 1 agreement done; 1 overdue."
    # the users page counts its accounts ("1 cuentas" before)
    assert es.plural("accounts.users_caption", 1).startswith("1 cuenta. ")
    assert en.plural("accounts.users_caption", 3).startswith("3 accounts. ")


def test_times_read_in_peru_time():
    from datetime import datetime
    from gapsmodel.i18n import Translator, to_local
    assert to_local(datetime(2024, 7, 10, 3, 30)) == datetime(2024, 7, 9, 22, 30)     # UTC-5, no summer time
    assert Translator("es").time(datetime(2024, 1, 15, 14, 5, 9), seconds=True) == "2024-01-15 09:05:09"
    assert Translator("en").time(None) == ""


def test_a_month_inside_a_sentence_keeps_the_languages_case():
    es, en = Translator("es"), Translator("en")
    assert es.period("2024-05") == "Mayo 2024" and es.period("2024-05", in_sentence=True) == "mayo 2024"
    assert en.period("2024-05", in_sentence=True) == "May 2024"
    assert es.period("2024-Q2", in_sentence=True) == es.period("2024-Q2")
