"""Resumen / Overview: where the gaps are, by sector, and what changed since the last session."""
from __future__ import annotations

import streamlit as st

import appstate
from gapsmodel import charts, model, overview

appstate.require_entry_point(__file__)

t = appstate.translator()
catalog, territory = appstate.catalog(), appstate.territory()
st.title(t("overview.title"))
st.caption(t("overview.subtitle"))

snap = appstate.snapshot()
if snap.empty:
    st.info(t("overview.no_data"))
    st.stop()

period = appstate.period_picker(t, snap)
table = appstate.gaps([period])
region = territory.region_ubigeo
status = model.reporting(snap, catalog, period)

# the change against the period before (what the previous monthly session looked at)
earlier = model.previous(period)
before = None
if snap.first_month <= earlier.end:
    before = (appstate.gaps([earlier]), model.reporting(snap, catalog, earlier))

cards = overview.headline(table, status, catalog, region, before)
since = t("overview.versus", period=t.period(earlier.code))
c1, c2, c3 = st.columns(3)
c1.metric(t("overview.card_critical_region"), f"{cards.critical} / {cards.total}",
          **appstate.change_args(cards.critical_delta, f"{cards.critical_delta or 0:+d}", t, since),
          help=t("overview.card_critical_help"), border=True)
c2.metric(t("overview.card_completeness"), t.percent(cards.completeness),
          **appstate.change_args(cards.completeness_delta, f"{(cards.completeness_delta or 0) * 100:+.0f} pp", t,
                                 since, worse_when_up=False),
          help=t("overview.card_completeness_help"), border=True)
c3.metric(t("overview.card_critical") + " · " + t("level.district"), cards.district_critical,
          **appstate.change_args(cards.district_critical_delta, f"{cards.district_critical_delta or 0:+d}", t, since),
          border=True)

sector_rows = overview.sector_cards(table, catalog, region, before[0] if before else None, t)
columns = st.columns(3)
for i, row in enumerate(sector_rows.itertuples()):
    # a sector whose gaps have different units shows its first gap in the card and the others below it
    texts = [f"{text} {unit}" for _, unit, text in row.parts] or [t.severity("sin_datos")]
    with columns[i % 3]:
        st.metric(f"{charts.SEVERITY_ICONS[row.severity]} {catalog.label('sectors', row.sector, t.lang)}",
                  texts[0], **appstate.change_args(row.delta, t.signed(row.delta), t, since), border=True,
                  help=t("overview.card_unmet", sector=catalog.label("sectors", row.sector, t.lang)))
        if len(texts) > 1:
            st.caption(t("overview.also_unmet", values=" · ".join(texts[1:])))

fig = charts.coverage_bars(table, catalog, t, region, charts.coverage_finding(table, catalog, t, region, period.code))
appstate.show_figure(fig, overview.bars_table(table, catalog, t, region), t, t("overview.coverage_caption"), "bars")
only_region = overview.region_only_gaps(table, region)
if only_region:
    st.info(t("overview.region_only", gaps=", ".join(catalog.label("gaps", g, t.lang) for g in only_region)))

trend = appstate.series("month")
fig = charts.coverage_trend(trend, catalog, t, region, t("overview.trend_title"), list(appstate.sessions()["date"]))
appstate.show_figure(fig, overview.trend_table(trend, catalog, t, region), t, t("overview.trend_caption"), "trend")
st.caption(t("overview.trata_vbg_note"))

worst = charts.worst_frame(table, catalog, t, territory)
fig = charts.worst_bars(worst, t, charts.worst_finding(worst, t, period.code))
appstate.show_figure(fig, overview.worst_table(worst, t), t, t("overview.worst_caption"), "worst")
