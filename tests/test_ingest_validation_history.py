"""An upload's history checks read only the history they need (its institutions and indicators, its months and
the twelve before each) and warn exactly as they do with the whole store as history."""
from datetime import date

import pandas as pd

from gapsmodel.ingest import read_upload
from gapsmodel.ingest.validation import OUTLIER_WINDOW, history_scope
from gapsmodel.records.store import VALUE_COLUMNS
from tests.helpers import values

UPLOAD = ("periodo,institucion,indicador,ubigeo,valor\n"
          "2022-05,OIM,camas_albergue,240302,400\n"
          "2022-05,OIM,camas_albergue,240301,400\n"
          "2022-06,OIM,camas_albergue,240302,45\n"
          "2022-07,OIM,camas_albergue,240302,10\n").encode()


def stored_history(store):
    """OIM's beds in 240302 around 40 for four months, plus values the check must not need: another
    institution, another indicator, and months too old to count."""
    rows = [("OIM", "camas_albergue", "240302", f"2022-0{m}", v) for m, v in [(1, 40), (2, 42), (3, 38), (4, 41)]]
    rows += [("ACNUR", "camas_albergue", "240302", f"2022-0{m}", 5) for m in (1, 2, 3, 4)]
    rows += [("OIM", "pob_migrante", "240302", "2022-04", 9000), ("OIM", "camas_albergue", "240302", "2020-01", 1)]
    for inst in ("OIM", "ACNUR"):
        store.add_batch(values(*[r for r in rows if r[0] == inst])[VALUE_COLUMNS], institution=inst)


def read(history, catalog, territory):
    return read_upload(UPLOAD, "oim.csv", catalog, territory, institution="OIM", history=history,
                       today=date(2022, 8, 20))


def test_the_scope_is_the_uploads_keys_and_the_window_before_its_months():
    frame = pd.DataFrame({"institution": ["OIM", "OIM"], "indicator": ["camas_albergue", "camas_albergue"],
                          "period": ["2022-05", "2022-07"]})
    scope = history_scope(frame)
    assert scope.institutions == {"OIM"} and scope.indicators == {"camas_albergue"}
    assert min(scope.months) == "2021-05" and max(scope.months) == "2022-07"
    assert len(scope.months) == OUTLIER_WINDOW + 3   # 2021-05 … 2022-07


def test_the_check_reads_only_the_needed_history_and_warns_as_with_the_whole_store(store, catalog, territory):
    stored_history(store)
    asked = []

    def history(scope):
        asked.append(scope)
        return store.values(within=scope)
    scoped = read(history, catalog, territory)
    whole = read(store.values(), catalog, territory)
    assert len(asked) == 1
    got = store.values(within=asked[0])
    assert set(got["institution"]) == {"OIM"} and set(got["indicator"]) == {"camas_albergue"}
    assert "2020-01" not in set(got["period"]) and len(got) == 4
    # the same warnings, hand-checked: 400 in May and 10 in July are far from a median of about 40
    assert [(p.row, p.column, p.value, p.message) for p in scoped.warnings] == \
        [(p.row, p.column, p.value, p.message) for p in whole.warnings]
    assert [(p.row, p.value) for p in scoped.warnings] == [(2, "400"), (5, "10")]
    pd.testing.assert_frame_equal(scoped.values, whole.values)
