"""Page «Reportar» under AppTest on a private demo database: the form, its checks and the stored batch."""
from __future__ import annotations

import pandas as pd

from gapsmodel.ingest.form import draft_key, form_grid
from gapsmodel.records.store import Store

PAGE = "pages/reportar.py"


def test_partner_fills_the_month_confirms_and_the_batch_is_stored(app, demo_url, catalog):
    at = app(role="partner", institution="ACNUR", page=PAGE)
    assert not at.exception
    month = at.selectbox(key="report_month").value
    store = Store.open(demo_url)
    grid = form_grid(catalog, "ACNUR", month, store.values())
    cell = grid["indicator"].eq("camas_albergue") & grid["ubigeo"].eq("240101") & grid["sex"].eq("total")
    assert cell.sum() == 1
    grid.loc[cell, "value"] = 30
    part = grid[cell].assign(sex="mujer", value=45.0, last_value=None)    # a part above its total: a rule warning
    grid = pd.concat([grid, part], ignore_index=True)
    at.session_state[draft_key("ACNUR", month)] = grid      # what the partner typed (the draft)
    at.run()
    assert not at.exception and not at.error
    assert any("mujeres y hombres" in w.value for w in at.warning)   # the rule warning shows, does not block
    confirm = next(b for b in at.button if b.key == "report_confirm")
    confirm.click().run()
    assert not at.exception
    assert at.success
    stored = Store.open(demo_url).values()
    row = stored[stored["institution"].eq("ACNUR") & stored["indicator"].eq("camas_albergue")
                 & stored["ubigeo"].eq("240101") & stored["period"].eq(month) & stored["sex"].eq("total")]
    assert row["value"].tolist() == [30.0]


def test_public_visitor_sees_how_to_get_in(app):
    at = app(page=PAGE)
    assert not at.exception and at.info


def test_admin_picks_the_institution_and_a_partner_cannot(app):
    admin = app(role="admin", page=PAGE)
    assert not admin.exception and "report_institution" in [s.key for s in admin.selectbox]
    partner = app(role="partner", institution="ACNUR", page=PAGE)
    assert "report_institution" not in [s.key for s in partner.selectbox]
