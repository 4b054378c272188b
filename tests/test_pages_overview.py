"""The overview page under AppTest: both languages, period changes, public suppression."""
import pytest

from gapsmodel.records.store import Store


def texts(at):
    return " ".join([m.label + " " + str(m.value) for m in at.metric] + [e.value for e in at.markdown]
                    + [e.value for e in at.caption] + [e.value for e in at.info])


@pytest.mark.parametrize("lang, title, banner", [("es", "Resumen de brechas", "Datos sintéticos"),
                                                 ("en", "Gap overview", "Synthetic demo data")])
def test_overview_runs_in_both_languages(app, lang, title, banner):
    at = app(lang=lang)
    assert not at.exception and not at.error
    assert at.title[0].value == title
    assert any(banner in w.value for w in at.warning)


def test_default_period_is_the_latest_complete_month_and_cards_show_numbers(app):
    at = app(role="analyst")
    assert at.selectbox(key="period_month").value == "2024-06"
    labels = [m.label for m in at.metric]
    assert "Brechas críticas en la región" in labels and "Reportes recibidos" in labels
    assert len(at.metric) == 3 + 9   # three headline cards and one per sector


def test_changing_the_period_changes_the_figures(app):
    at = app(role="analyst")
    before = [m.value for m in at.metric]
    at.selectbox(key="period_month").set_value("2022-06").run()
    assert not at.exception
    assert [m.value for m in at.metric] != before
    assert at.query_params["period"] == ["2022-06"] or at.query_params["period"] == "2022-06"


def test_quarter_from_the_url(app):
    at = app(role="analyst", query={"period": "2023-Q2"})
    assert not at.exception
    assert at.radio(key="period_kind").value == "quarter"
    assert at.selectbox(key="period_quarter").value == "2023-Q2"


def test_bad_period_in_the_url_falls_back_to_the_default(app):
    at = app(role="analyst", query={"period": "2023-99"})
    assert not at.exception and at.selectbox(key="period_month").value == "2024-06"


def test_sector_cards_match_the_model(app, demo_url, catalog, territory):
    from gapsmodel import model
    from gapsmodel.rules.periods import parse_period
    snap = model.take_snapshot(Store.open(demo_url), catalog, territory)
    table = model.gap_table(snap, catalog, territory, [parse_period("2024-06")])
    shelter = table[(table["gap_code"] == "camas_albergue") & (table["ubigeo"] == "24")].iloc[0]
    at = app(role="analyst")
    card = next(m for m in at.metric if "Alojamiento temporal" in m.label)
    assert card.value == f"{shelter['unmet']:,.0f} camas"


def test_an_upload_changes_the_overview(app, demo_url, catalog):
    from gapsmodel.records.permissions import Actor
    from tests.helpers import values
    at = app(role="analyst")
    card = next(m for m in at.metric if "Alojamiento temporal" in m.label).value
    store = Store.open(demo_url)
    extra = values(("ACNUR", "camas_albergue", "240302", "2024-06", 500))
    store.add_batch(extra.drop(columns="uploaded_at"), institution="ACNUR", actor=Actor("p", "partner", "ACNUR"))
    at.run()
    assert next(m for m in at.metric if "Alojamiento temporal" in m.label).value != card


def test_public_overview_never_shows_a_small_protected_count(app, catalog):
    protected = [catalog.label("gaps", g) for g in catalog.gaps.index
                 if catalog.gaps.at[g, "sector"] in catalog.protected_sectors]
    for role in ("public", "analyst"):
        at = app(role=role)
        at.selectbox(key="period_month").select_index(at.selectbox(key="period_month").options.index("Enero 2023")).run()
        assert not at.exception
        small = []
        for frame in at.dataframe:
            shown = frame.value
            if "Brecha" not in shown.columns:
                continue
            rows = shown[shown["Brecha"].isin(protected)]
            for col in ("Necesidad", "Oferta", "Necesidad no cubierta"):
                if col in rows:
                    small += [v for v in rows[col] if not isinstance(v, str) and v == v and 0 < v < 5]
        if role == "public":
            assert not small
        else:
            assert small, "the analyst sees exact small counts (so the public check is meaningful)"


def test_card_changes_are_signed_and_no_change_reads_sin_cambio(app, demo_url, catalog, territory):
    from gapsmodel import model
    from gapsmodel.rules.periods import parse_period
    snap = model.take_snapshot(Store.open(demo_url), catalog, territory)
    table = model.gap_table(snap, catalog, territory, [parse_period("2024-05"), parse_period("2024-06")])
    region = table[table["ubigeo"].eq("24")].set_index(["gap_code", "period"])["unmet"]
    at = app(role="analyst")
    cards = {m.label.split(" ", 1)[1]: m for m in at.metric if m.label.startswith("▲")}
    for sector, gap in (("Alojamiento temporal", "camas_albergue"), ("Seguridad alimentaria", "asistencia_alimentaria")):
        change = region[(gap, "2024-06")] - region[(gap, "2024-05")]
        expected = "sin cambio" if change == 0 else f"{change:+,.0f}"
        assert cards[sector].delta == f"{expected} frente a mayo 2024", (sector, change)
    assert any(m.delta.startswith("sin cambio") for m in at.metric)   # the demo has unchanged cards
    assert not any(m.delta.startswith(("+0 ", "0 ")) for m in at.metric if m.delta)


def test_english_overview_cards_give_units_in_english(app):
    at = app(page="pages/resumen.py", lang="en")
    values = [m.value for m in at.metric]
    assert any(v.endswith(" people") for v in values), values
    assert not any("personas" in v or "camas" in v for v in values), values


def test_a_public_range_card_shows_no_change_figure(app):
    """"12–60 personas ↑ +8": the +8 would be a difference of midpoints that nobody published."""
    at = app(role="public")
    ranged = [m for m in at.metric if "–" in str(m.value)]
    assert ranged, "the demo shows at least one protected sector as a range"
    for card in ranged:
        assert not card.delta or "–" in str(card.delta), (card.label, card.value, card.delta)
    sectors = {c.label.split(" ", 1)[1] for c in ranged}      # the label after its severity mark
    exact = [m for m in app(role="analyst").metric if m.label.split(" ", 1)[-1] in sectors]
    assert exact and any(m.delta for m in exact)       # members still see how the exact figure moved
