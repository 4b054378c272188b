"""Calidad de datos / Data quality: reporting completeness and timeliness by institution and month, who
has not reported this period, values far from the institution's own history, totals that disagree with
their parts."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app import cached, entry, viewer, widgets
from app import filters
from gapsmodel.views import explore
from gapsmodel.views import explore_charts as xc
from gapsmodel.rules.periods import Period, add_months
from gapsmodel.rules.protection import is_protected_indicator
from gapsmodel.rules.quality import completeness, overall
from gapsmodel.views.reminders import last_reminded

entry.require_entry_point(__file__)


def last_reminders_block(t, catalog) -> None:
    """Signed-in only: when each institution with obligations was last reminded by e-mail (audit log's
    ``reminder`` entries: date, month and number of recipients; never the addresses)."""
    st.subheader(t("reminders.last_header"))
    st.caption(t("reminders.last_caption"))
    last = last_reminded(cached.store().audit_frame()).set_index("institution")
    if last.empty:
        st.caption(t("reminders.last_none"))
        return
    codes = sorted(set(catalog.obligations["institution"]) | set(last.index))
    st.dataframe(pd.DataFrame({
        t("columns.institution"): codes,
        t("reminders.col_at"): [t.time(last.at[c, "at"]) if c in last.index else "—" for c in codes],
        t("reminders.col_month"): [t.period(last.at[c, "month"]) if c in last.index else "—" for c in codes],
        t("reminders.col_recipients"): [t.number(last.at[c, "recipients"]) if c in last.index else "—"
                                        for c in codes],
    }), hide_index=True, width="stretch")


def rule_failures(t, view, territory) -> None:
    """Which checks between indicators (rules.csv) fail in the period, where, and since when."""
    st.subheader(t("quality_rules.title"))
    failing = filters.failing_rules(view, view.period.months)
    if failing.empty:
        st.caption(t("quality_rules.none"))
        return
    st.dataframe(pd.DataFrame({
        t("quality_rules.col_level"): [t(f"quality_rules.level_{lv}") for lv in failing["level"]],
        t("quality_rules.col_rule"): failing[f"message_{t.lang}"],
        t("columns.institution"): failing["institution"].replace("", t("quality_rules.all_institutions")),
        t("columns.place"): [territory.name(u) for u in failing["ubigeo"]],
        t("quality_rules.col_since"): [t.month(m) for m in failing["since"]],
        t("quality_rules.col_months"): failing["months"],
    }), hide_index=True, width="stretch")
    st.caption(t("quality_rules.caption"))


def main() -> None:
    t = viewer.translator()
    catalog, territory = cached.catalog(), cached.territory()
    view = filters.page_view(t, "explore.quality_title", groups=False)
    if view is None:
        return
    public = viewer.is_public()
    status = filters.reporting(view)
    rate = overall(status)
    timely = None if status.empty else float(status["on_time"].mean())
    c = st.columns(3)
    c[0].metric(t("explore.completeness"), t.percent(rate), border=True)
    c[1].metric(t("explore.timeliness"), t.percent(timely), border=True)
    c[2].metric(t("explore.missing_count"), str(int((~status["reported"].astype(bool)).sum())) if not status.empty
                else "0", border=True)

    end = view.period.end
    start = max(add_months(end, -11), view.snap.first_month)
    window = Period("month", f"{start}..{end}", start, end)
    history = filters.reporting(view, window)
    matrix = explore.completeness_matrix(history)
    if not matrix.empty:
        per = completeness(history).sort_values("completeness")
        worst = per.iloc[0]
        title = t("explore.title_completeness", institution=worst["institution"],
                  rate=t.percent(worst["completeness"]), first=t.month(start), last=t.month(end))
        # drawn twice, the page's style shows the one for the screen (cells too narrow for numbers on a phone)
        with st.container(key="wide_only"):
            st.plotly_chart(xc.completeness_heatmap(matrix, t, title), width="stretch", theme=None, key="heatmap")
        with st.container(key="narrow_only"):
            st.plotly_chart(xc.completeness_heatmap(matrix, t, title, phone=True), width="stretch", theme=None,
                            key="heatmap_phone")
        widgets.show_data(per, t, t("explore.heatmap_caption"))

    st.subheader(t("explore.not_reported", period=t.period(view.period.code, in_sentence=True)))
    missing = explore.missing_reports(status)
    if missing.empty:
        st.success(t("explore.all_reported"))
    else:
        shown = missing.assign(indicator=[catalog.label("indicators", i, t.lang) for i in missing["indicator"]],
                               deadline=[t.date(d) for d in missing["deadline"]])
        st.dataframe(shown.rename(columns={"institution": t("columns.institution"),
                                           "indicator": t("columns.indicator"), "period": t("columns.period"),
                                           "deadline": t("explore.deadline")}), hide_index=True, width="stretch")
    late = explore.late_reports(status)
    if not late.empty:
        st.caption(t("explore.late", n=len(late), institutions=", ".join(sorted(set(late["institution"])))))

    st.subheader(t("explore.outliers"))
    method = catalog.outlier_settings
    st.caption(t("quality_rules.outlier_method", **{**method, "factor": f"{method['factor']:g}"}))
    flagged = filters.outliers(view, view.period.months)
    if public and not flagged.empty:
        flagged = flagged[[not is_protected_indicator(i, catalog) for i in flagged["indicator"]]]
    if public:
        st.caption(t("explore.outliers_public_scope"))
    if flagged.empty:
        st.caption(t("explore.no_outliers", factor=f"{method['factor']:g}", history_months=method["history_months"]))
    else:
        st.dataframe(flagged.assign(
            indicator=[catalog.label("indicators", i, t.lang) for i in flagged["indicator"]],
            ubigeo=[territory.name(u) for u in flagged["ubigeo"]],
            value=[t.number(v) for v in flagged["value"]], median=[t.number(v) for v in flagged["median"]],
            ratio=[t.number(v, 1) for v in flagged["ratio"]],
        )[["institution", "indicator", "ubigeo", "period", "value", "median", "ratio"]].rename(columns={
            "institution": t("columns.institution"), "indicator": t("columns.indicator"),
            "ubigeo": t("columns.place"), "period": t("columns.period"), "value": t("columns.value"),
            "median": t("explore.median"), "ratio": t("explore.ratio")}), hide_index=True, width="stretch")
        st.caption(t("explore.outliers_caption"))

    if not public:      # the checks compare exact protected counts: signed-in users only
        rule_failures(t, view, territory)

    st.subheader(t("explore.disagreements"))
    dis = filters.disagreements(view)
    dis = dis[dis["period"].isin(view.period.months)] if not dis.empty else dis
    if public and not dis.empty:
        dis = dis[[not is_protected_indicator(i, catalog) for i in dis["indicator"]]]
    if dis.empty:
        st.caption(t("explore.no_disagreements"))
    else:
        st.dataframe(dis.assign(
            indicator=[catalog.label("indicators", i, t.lang) for i in dis["indicator"]],
            ubigeo=[territory.name(u) for u in dis["ubigeo"]],
            total=[t.number(v) for v in dis["total"]], parts_sum=[t.number(v) for v in dis["parts_sum"]],
        ).rename(columns={"institution": t("columns.institution"), "indicator": t("columns.indicator"),
                          "ubigeo": t("columns.place"), "period": t("columns.period"),
                          "breakdown": t("explore.breakdown"), "total": t("explore.total"),
                          "parts_sum": t("explore.parts_sum")}), hide_index=True, width="stretch")
        st.caption(t("explore.disagreements_caption"))

    if not public:
        last_reminders_block(t, catalog)


main()
