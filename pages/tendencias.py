"""Tendencias / Trends: coverage and unmet need per gap over months or quarters, two periods side by side,
and what changed most between two sessions (figures as known at each session)."""
from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import streamlit as st

from app import cached, entry, viewer, widgets
from app import filters
from gapsmodel.views import explore, presentation
from gapsmodel.views import explore_charts as xc
from gapsmodel.i18n import Translator
from gapsmodel.rules.periods import month_of, parse_period, period_of, periods_between
from gapsmodel.records.store import default_url

entry.require_entry_point(__file__)


def pick(label: str, options: list, key: str, default, fmt):
    if st.session_state.get(key) not in options:
        st.session_state[key] = default if default in options else options[0]
    return st.selectbox(label, options, key=key, format_func=fmt)


def change_title(t, changed, catalog) -> str:
    moved = changed.dropna(subset=["coverage_change"])
    if moved.empty:
        return t("explore.title_compare_none")
    top = moved.iloc[0]
    return t("explore.title_compare", gap=catalog.label("gaps", top["gap_code"], t.lang),
             change=f"{top['coverage_change'] * 100:+.0f}",
             before=t.percent(top["coverage_before"]), after=t.percent(top["coverage_after"]))


@st.cache_data(show_spinner=False, max_entries=64)
def _trend(url: str, data_version: tuple, public: bool, place: str, gaps: tuple[str, ...], kind: str, metric: str,
           lang: str):
    """The trend figure and its table (cached: building ~10 lines × 30 months costs a few hundred ms)."""
    t = Translator(lang)
    catalog, territory = cached.catalog(), cached.territory()
    series = cached.gaps(periods_between(*_months(), kind), public=public)
    rows = series[series["ubigeo"].eq(place) & series["gap_code"].isin(gaps)]
    sessions = cached.sessions()
    marks = sorted({period_of(month_of(d), kind).code for d in sessions["date"]}) if not sessions.empty else []
    first = rows.sort_values("period").dropna(subset=["coverage"])
    if len(gaps) == 1 and not first.empty:
        title = t("explore.title_trend_one", gap=catalog.label("gaps", gaps[0], t.lang), place=territory.name(place),
                  start=t.percent(first["coverage"].iloc[0]), end=t.percent(first["coverage"].iloc[-1]),
                  first=t.period(first["period"].iloc[0], in_sentence=True), last=t.period(first["period"].iloc[-1], in_sentence=True))
    else:
        title = t("explore.title_trend", place=territory.name(place))
    fig = xc.trend_chart(rows, catalog, t, title, metric, marks)
    wide = rows.pivot_table(index="period", columns="gap_code", values=metric, aggfunc="first")
    wide.columns = [catalog.label("gaps", g, t.lang) for g in wide.columns]
    return fig, wide.reset_index()


def _months() -> tuple[str, str]:
    snap = cached.snapshot()
    return snap.first_month, snap.last_month


def main() -> None:
    t = viewer.translator()
    catalog, territory = cached.catalog(), cached.territory()
    view = filters.page_view(t, "explore.trends_title", groups=False)
    if view is None:
        return
    f = view.filters
    place = f.place(territory)
    gaps = explore.selected_gaps(f, catalog)
    kind = f.kind if f.kind in ("month", "quarter") else "month"
    c1, c2 = st.columns(2)
    kind = c1.radio(t("periods.kind"), ["month", "quarter"], index=["month", "quarter"].index(kind),
                    format_func=lambda k: t(f"periods.{k}"), horizontal=True, key="trend_kind")
    metric = c2.radio(t("explore.metric"), ["coverage", "unmet"], horizontal=True, key="trend_metric",
                      format_func=lambda m: t(f"columns.{m}"))
    rows = cached.series(kind)
    rows = rows[rows["ubigeo"].eq(place) & rows["gap_code"].isin(gaps)]
    if metric == "unmet" and rows["gap_code"].map(catalog.gaps["unit"]).nunique() > 1:
        st.caption(t("explore.units_differ"))
    fig, wide = _trend(default_url(), cached.view_version(), viewer.is_public(), place, tuple(gaps), kind, metric,
                       t.lang)
    first, last = _months()
    notes = widgets.figure_notes(first, last, gaps, [place])
    if kind == "month" and not notes.empty:     # markers on monthly charts; the list below says what they are
        months = sorted(rows["period"].astype(str).unique())
        fig = presentation.mark_notes(go.Figure(fig), notes, months, t)
    widgets.show_figure(fig, wide, t, t("explore.trend_caption"), "trend")
    widgets.show_notes(notes, t)
    sessions = cached.sessions()
    if any(catalog.gaps.at[g, "sector"] in ("trata", "vbg") for g in gaps):
        st.caption(t("overview.trata_vbg_note"))

    st.header(t("explore.compare_periods"))
    snap = cached.snapshot()
    options = [p.code for p in periods_between(snap.first_month, snap.last_month, view.period.kind)][::-1]
    here = view.period.code if view.period.code in options else options[0]
    before_default = options[min(options.index(here) + 1, len(options) - 1)]
    a, b = st.columns(2)
    with a:
        first_p = pick(t("explore.period_a"), options, "cmp_a", before_default, t.period)
    with b:
        second_p = pick(t("explore.period_b"), options, "cmp_b", here, t.period)
    table = cached.gaps([parse_period(first_p), parse_period(second_p)])
    table = table[table["gap_code"].isin(gaps)]
    changed = explore.changes(table[table["period"].eq(first_p)], table[table["period"].eq(second_p)], place)
    fig = xc.compare_bars(changed, catalog, t, t.period(first_p), t.period(second_p),
                          change_title(t, changed, catalog))
    widgets.show_figure(fig, changes_display(changed, catalog, t), t, t("explore.compare_caption"), "compare")

    st.header(t("explore.compare_sessions"))
    if len(sessions) < 2:
        st.info(t("explore.no_sessions"))
        return
    days = [d.isoformat() for d in sessions["date"]][::-1]
    fmt = lambda d: t.date(date.fromisoformat(d))  # noqa: E731
    a, b = st.columns(2)
    with a:
        s1 = pick(t("explore.session_a"), days, "ses_a", days[1], fmt)
    with b:
        s2 = pick(t("explore.session_b"), days, "ses_b", days[0], fmt)
    sides = []
    for day in (s1, s2):
        snap_s, period, as_of, until = filters.session_view(date.fromisoformat(day))
        sides.append(None if period is None else (period, cached.gaps([period], as_of, until)))
    if sides[0] is None or sides[1] is None:
        st.info(t("explore.no_data_session"))
        return
    (p1, t1), (p2, t2) = sides
    changed = explore.changes(t1[t1["gap_code"].isin(gaps)], t2[t2["gap_code"].isin(gaps)], place)
    label1 = t("explore.session_label", date=fmt(s1), period=t.period(p1.code, in_sentence=True))
    label2 = t("explore.session_label", date=fmt(s2), period=t.period(p2.code, in_sentence=True))
    fig = xc.compare_bars(changed, catalog, t, label1, label2, change_title(t, changed, catalog))
    widgets.show_figure(fig, changes_display(changed, catalog, t), t, t("explore.sessions_caption"), "sessions")


def changes_display(changed, catalog, t):
    return changed.assign(
        gap_code=[catalog.label("gaps", g, t.lang) for g in changed["gap_code"]],
        sector=[catalog.label("sectors", s, t.lang) for s in changed["sector"]],
        severity_before=[t.severity(s) for s in changed["severity_before"]],
        severity_after=[t.severity(s) for s in changed["severity_after"]],
    ).rename(columns={"gap_code": t("columns.gap"), "sector": t("columns.sector")})


main()
