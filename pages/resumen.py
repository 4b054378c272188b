"""Resumen / Overview: where the gaps are, by sector, and what changed since the last session."""
from __future__ import annotations

import streamlit as st

from app import cached, entry, viewer, widgets
from gapsmodel.views import charts

entry.require_entry_point(__file__)

t = viewer.translator()
catalog = cached.catalog()
st.title(t("overview.title"))
st.caption(t("overview.subtitle"))
if viewer.is_public():
    st.caption(t("explore.public_suppressed"))

snap = cached.snapshot()
if snap.empty:
    st.info(t("overview.no_data"))
    st.stop()

period = widgets.period_picker(t, snap)
view = cached.overview_view(period)
cards = view.cards
since = t("overview.versus", period=t.period(view.earlier.code, in_sentence=True))
c1, c2, c3 = st.columns(3)
c1.metric(t("overview.card_critical_region"), f"{cards.critical} / {cards.total}",
          **widgets.change_args(cards.critical_delta, f"{cards.critical_delta or 0:+d}", t, since),
          help=t("overview.card_critical_help"), border=True)
c2.metric(t("overview.card_completeness"), t.percent(cards.completeness),
          **widgets.change_args(cards.completeness_delta, f"{(cards.completeness_delta or 0) * 100:+.0f} pp", t,
                                 since, worse_when_up=False),
          help=t("overview.card_completeness_help"), border=True)
c3.metric(t("overview.card_critical") + " · " + t("level.district"), cards.district_critical,
          **widgets.change_args(cards.district_critical_delta, f"{cards.district_critical_delta or 0:+d}", t, since),
          border=True)

columns = st.columns(3)
for i, row in enumerate(view.sectors.itertuples()):
    # a sector whose gaps have different units shows its first gap in the card and the others below it
    texts = [f"{text} {t.unit(unit)}" for _, unit, text in row.parts] or [t.severity("sin_datos")]
    with columns[i % 3]:
        st.metric(f"{charts.SEVERITY_ICONS[row.severity]} {catalog.label('sectors', row.sector, t.lang)}",
                  texts[0], **widgets.change_args(row.delta, t.signed(row.delta), t, since), border=True,
                  help=t("overview.card_unmet", sector=catalog.label("sectors", row.sector, t.lang)))
        if len(texts) > 1:
            st.caption(t("overview.also_unmet", values=" · ".join(texts[1:])))

widgets.show_figure(*view.coverage, t, t("overview.coverage_caption"), "bars")
if view.region_only:
    st.info(t("overview.region_only", gaps=", ".join(catalog.label("gaps", g, t.lang) for g in view.region_only)))
widgets.show_figure(*view.trend, t, t("overview.trend_caption"), "trend")
st.caption(t("overview.trata_vbg_note"))
widgets.show_figure(*view.worst, t, t("overview.worst_caption"), "worst")
