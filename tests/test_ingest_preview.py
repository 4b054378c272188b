"""upload_preview: what an upload would change against what is stored, on hand-made frames."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from gapsmodel.ingest import preview as preview
from gapsmodel.i18n import Translator
from gapsmodel.records.store import KEY, VALUE_COLUMNS
from tests.helpers import values


def upload(*rows) -> pd.DataFrame:
    """rows: (institution, indicator, ubigeo, period, value[, note]) as read_upload returns them."""
    records = [dict(institution=i, indicator=ind, ubigeo=u, period=p, sex="total", age="total",
                    nationality="total", value=float(v), note=rest[0] if rest else "")
               for i, ind, u, p, v, *rest in rows]
    return pd.DataFrame(records, columns=VALUE_COLUMNS)


STORED = values(("ACNUR", "camas_albergue", "240101", "2024-06", 23),
                ("ACNUR", "pob_migrante", "240101", "2024-06", 4192),
                ("ACNUR", "pob_migrante", "240102", "2024-06", 727),
                ("OIM", "camas_albergue", "240101", "2024-07", 99))


def test_each_value_is_new_replaces_or_unchanged_with_the_stored_value_beside_it():
    new = upload(("ACNUR", "camas_albergue", "240101", "2024-06", 30),      # 23 -> 30
                 ("ACNUR", "pob_migrante", "240101", "2024-06", 4192),      # same
                 ("ACNUR", "pob_migrante", "240102", "2024-06", 1234.5),    # 727 -> 1234.5
                 ("ACNUR", "camas_albergue", "240101", "2024-07", 25))      # OIM's key differs: new
    out = preview.compare(new, STORED)
    assert list(out.columns) == preview.COMPARE_COLUMNS
    assert out["status"].tolist() == ["reemplaza", "sin cambio", "reemplaza", "nuevo"]
    assert out["old_value"].iloc[0] == 23 and out["value"].iloc[0] == 30
    assert out["old_value"].iloc[2] == 727 and out["value"].iloc[2] == 1234.5
    assert math.isnan(out["old_value"].iloc[3])
    assert preview.counts(out) == {"nuevo": 1, "reemplaza": 2, "sin cambio": 1}


def test_the_breakdown_is_part_of_the_key():
    stored = values(("ACNUR", "camas_albergue", "240101", "2024-06", 10, "mujer"))
    new = upload(("ACNUR", "camas_albergue", "240101", "2024-06", 10))     # the total, not the women's row
    assert preview.compare(new, stored)["status"].tolist() == ["nuevo"]
    new.loc[0, "sex"] = "mujer"
    assert preview.compare(new, stored)["status"].tolist() == ["sin cambio"]


def test_a_changed_note_replaces_and_float_noise_does_not():
    stored = values(("ACNUR", "camas_albergue", "240101", "2024-06", 0.3))
    new = upload(("ACNUR", "camas_albergue", "240101", "2024-06", 0.1 + 0.2))
    assert preview.compare(new, stored)["status"].tolist() == ["sin cambio"]
    noted = upload(("ACNUR", "camas_albergue", "240101", "2024-06", 0.3, "corregido"))
    out = preview.compare(noted, stored)
    assert out["status"].tolist() == ["reemplaza"] and out["old_note"].tolist() == [""]


def test_a_reported_zero_against_a_stored_value_is_a_replacement_not_missing():
    out = preview.compare(upload(("ACNUR", "camas_albergue", "240101", "2024-06", 0)), STORED)
    assert out["status"].tolist() == ["reemplaza"] and out["value"].tolist() == [0.0]


def test_missing_categories_count_as_total_and_an_empty_store_makes_everything_new():
    new = upload(("ACNUR", "pob_migrante", "240101", "2024-06", 4192)).assign(sex=None, age=None)
    assert preview.compare(new, STORED)["status"].tolist() == ["sin cambio"]
    empty = pd.DataFrame(columns=KEY + ["value", "note"])
    out = preview.compare(new, empty)
    assert out["status"].tolist() == ["nuevo"] and preview.counts(out) == {"nuevo": 1, "reemplaza": 0,
                                                                         "sin cambio": 0}


def test_counts_per_indicator_follow_the_catalog_order_and_sum_to_the_upload(catalog):
    new = upload(("ACNUR", "camas_albergue", "240101", "2024-06", 30),
                 ("ACNUR", "pob_migrante", "240101", "2024-06", 4192),
                 ("ACNUR", "pob_migrante", "240102", "2024-06", 1234.5),
                 ("ACNUR", "pob_migrante", "240103", "2024-06", 5))
    per = preview.by_indicator(preview.compare(new, STORED), catalog)
    assert per["indicator"].tolist() == ["pob_migrante", "camas_albergue"]   # catalog order
    assert per.set_index("indicator").loc["pob_migrante"].tolist() == [1, 1, 1]
    assert per.set_index("indicator").loc["camas_albergue"].tolist() == [0, 1, 0]
    assert int(per[list(preview.STATUSES)].to_numpy().sum()) == len(new)


@pytest.mark.parametrize("lang, words", [("es", ["Nuevo", "Reemplaza", "Sin cambio"]),
                                         ("en", ["New", "Replaces", "Unchanged"])])
def test_figure_has_one_trace_per_status_with_its_word_and_the_numbers(catalog, lang, words):
    t = Translator(lang)
    new = upload(("ACNUR", "camas_albergue", "240101", "2024-06", 30),
                 ("ACNUR", "camas_albergue", "240102", "2024-06", 3),
                 ("ACNUR", "pob_migrante", "240101", "2024-06", 4192))
    per = preview.by_indicator(preview.compare(new, STORED), catalog)
    fig = preview.preview_bars(per, catalog, t, "title")
    assert [trace.name for trace in fig.data] == words
    assert fig.layout.xaxis.dtick == 1 and fig.layout.legend.traceorder == "normal"   # whole counts, in order
    by_name = {trace.name: trace for trace in fig.data}
    shelter = catalog.label("indicators", "camas_albergue", lang)
    row = list(by_name[words[0]].y).index(shelter)
    assert by_name[words[0]].x[row] == 1 and by_name[words[1]].x[row] == 1 and by_name[words[2]].x[row] == 0
    assert by_name[words[2]].text[list(by_name[words[2]].y).index(
        catalog.label("indicators", "pob_migrante", lang))] == "1"
    table = preview.counts_table(per, catalog, t)
    assert list(table.columns)[1:] == words and table.to_numpy()[:, 1:].sum() == 3


def test_changes_table_names_places_and_shows_old_and_new(catalog, territory):
    t = Translator("es")
    new = upload(("ACNUR", "camas_albergue", "240101", "2024-06", 30, "=HYPERLINK()"),
                 ("ACNUR", "pob_migrante", "24", "2024-07", 12345))
    table = preview.changes_table(preview.compare(new, STORED), catalog, territory, t)
    assert table["Lugar"].tolist() == ["Tumbes", "Región Tumbes (toda)"]
    assert table["Mes"].tolist() == ["Junio 2024", "Julio 2024"]
    assert table["Guardado ahora"].iloc[0] == 23 and table["En el archivo"].iloc[0] == 30
    assert table["Efecto"].tolist() == ["Reemplaza", "Nuevo"]
    assert table["Nota"].iloc[0] == "=HYPERLINK()"    # plain data for st.dataframe, never markdown
    only = preview.changes_table(preview.compare(new, STORED), catalog, territory, t, ("reemplaza",))
    assert len(only) == 1
