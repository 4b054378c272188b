"""An upload's problems as the partner reads them: errors before warnings, one language, whole entries."""
from __future__ import annotations

from datetime import date

from gapsmodel.i18n import Translator
from gapsmodel.ingest import read_upload
from gapsmodel.views.upload_problems import problem_entries, problems_table

FILE = ("periodo,institucion,indicador,ubigeo,valor,xyz\n"      # an unknown column: a warning, listed first
        "2024-05,ACNUR,camas_albergue,240101,50,a\n"
        "2024-05,ACNUR,camas_albergue,999999,4,b\n"               # unknown UBIGEO: an error
        "2024-05,ACNUR,camas_albergue,240102,-3,c\n")             # negative: an error


def _result(catalog, territory):
    return read_upload(FILE.encode(), "datos.csv", catalog, territory, today=date(2024, 6, 20))


def test_errors_come_first_in_file_order_with_translated_headers(catalog, territory):
    result = _result(catalog, territory)
    assert len(result.errors) == 2
    table = problems_table(result, Translator("es"))
    t = Translator("es")
    assert list(table.columns) == [t(f"upload.col_{c}") for c in ("row", "column", "value", "problem", "level")]
    assert table[t("upload.col_level")].tolist() == [t("upload.level_error")] * 2 + [t("upload.level_warning")]
    assert table[t("upload.col_row")].tolist()[:2] == [3, 4]


def test_each_message_is_in_the_readers_language_only(catalog, territory):
    result = _result(catalog, territory)
    for lang in ("es", "en"):
        t = Translator(lang)
        messages = problems_table(result, t)[t("upload.col_problem")].tolist()
        assert messages and all(" / " not in m for m in messages), messages
    english = problems_table(result, Translator("en"))[Translator("en")("upload.col_problem")].tolist()
    assert any("UBIGEO" in m for m in english) and not any("Valor negativo" in m for m in english)


def test_entries_say_where_and_keep_the_value_as_typed(catalog, territory):
    t = Translator("es")
    entries = problem_entries(problems_table(_result(catalog, territory), t), t)
    ubigeo = next(e for e in entries if "999999" in e.value)
    assert ubigeo.level == t("upload.level_error") and ubigeo.where.startswith(f"{t('upload.col_row')} 3")
    assert ubigeo.message and " / " not in ubigeo.message
