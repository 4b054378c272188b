"""Sesiones: each session with the gaps as known that day, what changed since the previous one, the report,
and the approval of months (administrators create and edit sessions and approve or reopen months)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from app import cached, entry, notes_ui, viewer, widgets
from gapsmodel.views import charts, narrative, presentation
from gapsmodel.records.approvals import ApprovalError, approvals_frame, approve_month, reopen_month
from gapsmodel.rules.periods import month_range
from gapsmodel.records.permissions import PermissionDenied
from gapsmodel.rules.quality import overall
from gapsmodel.views.report import build_report
from gapsmodel.records.sessions import SessionError, add_session, update_session
from gapsmodel.records.store import Store, default_url

entry.require_entry_point(__file__)

t = viewer.translator()
catalog, territory = cached.catalog(), cached.territory()
actor = viewer.actor()
is_admin = actor.can("manage_sessions")
st.title(t("sessions.title"))
st.caption(t("sessions.subtitle"))


def _admin_new_session() -> None:
    with st.expander(t("sessions.new_session")), st.form("new_session", clear_on_submit=True):
        day = st.date_input(t("sessions.date_field"), value=date.today(), format="YYYY-MM-DD")
        title = st.text_input(t("sessions.title_field"), max_chars=255)
        notes = st.text_area(t("sessions.notes_field"))
        if st.form_submit_button(t("sessions.create")):
            if not title.strip():
                st.error(t("sessions.title_required"))
            elif day in set(cached.sessions()["date"]):
                st.error(t("sessions.exists", date=t.date(day)))
            else:
                add_session(cached.store(), day, title.strip(), notes, actor=actor)
                cached.sessions_changed()
                st.query_params["session"] = day.isoformat()
                st.success(t("sessions.created", date=t.date(day)))


frames = cached.sessions()
if frames.empty:
    st.info(t("sessions.none"))
    if is_admin:
        _admin_new_session()
    st.stop()

titles = dict(zip(frames["date"], frames["title"]))
dates = sorted(titles, reverse=True)
try:
    wanted = date.fromisoformat(st.query_params.get("session", ""))
except ValueError:
    wanted = None
day = st.selectbox(t("sessions.select"), dates, index=dates.index(wanted) if wanted in titles else 0,
                   format_func=lambda d: t("sessions.option", date=t.date(d), title=titles[d]), key="sessions_day")
st.query_params["session"] = day.isoformat()

public = viewer.is_public()
data, slides = cached.session_bundle(day, public=public)
cur, prev = data.current, data.previous
if public:
    st.caption(t("sessions.public_note"))
if data.notes.strip():
    with st.expander(t("sessions.notes")):
        st.text(data.notes)

if cur.period is None:
    st.info(t("sessions.no_data"))
else:
    period_label = t.period(cur.period.code, in_sentence=True)
    st.write(t("sessions.as_of", date=t.date(day, "long"), period=period_label))
    if prev is not None:
        st.markdown(t("sessions.previous", date=t.date(prev.day, "long"), title=presentation.md_escape(prev.title)))
    else:
        st.write(t("sessions.no_previous"))

    region = territory.region_ubigeo
    before = prev.gaps if prev is not None and prev.period is not None else None
    changes = narrative.changes(cur.gaps, before)
    at_region = changes[changes["ubigeo"].eq(region)]
    critical = int(at_region["severity_now"].eq("critica").sum())
    done = overall(cur.status)
    c1, c2 = st.columns(2)
    change_critical = None
    if before is not None:
        change_critical = critical - int(at_region["severity_before"].eq("critica").sum())
    since = t("sessions.versus")
    c1.metric(t("sessions.critical"), t("sessions.critical_value", n=critical, total=len(at_region)),
              **widgets.change_args(change_critical, f"{change_critical or 0:+d}", t, since), border=True)
    done_before = overall(prev.status) if before is not None else None
    change_done = None if done is None or done_before is None else done - done_before
    c2.metric(t("sessions.completeness"), t.percent(done),
              **widgets.change_args(change_done, f"{(change_done or 0) * 100:+.0f} pp", t, since,
                                     worse_when_up=False),
              help=t("sessions.completeness_help"), border=True)

    st.subheader(t("sessions.key_changes"))
    sentences = narrative.key_sentences(changes, catalog, territory, t, completeness=done,
                                        completeness_before=done_before)
    # the notes (as they stood on the session day) that explain a change, escaped: the words are a user's
    sentences += presentation.explained_changes(changes, data, catalog, territory, t)
    st.markdown("\n".join(f"- {presentation.md_escape(s)}" for s in sentences))
    if before is not None:
        tabs = st.tabs([t("sessions.became_critical"), t("sessions.worsened"), t("sessions.improved")])
        for tab, kind in zip(tabs, ("became_critical", "worsened", "improved")):
            table = presentation.changes_table(changes, catalog, territory, t, kinds=(kind,))
            if table.empty:
                tab.write(t("sessions.none_in_group"))
            else:
                tab.dataframe(table, hide_index=True, width="stretch")

    fig = charts.coverage_bars(cur.gaps, catalog, t, region,
                               t("sessions.gaps_title", period=period_label, date=t.date(day)))
    widgets.show_figure(fig, presentation.gaps_table(charts.coverage_bars_frame(cur.gaps, catalog, t, region),
                                                      catalog, territory, t),
                         t, t("sessions.gaps_caption"), "session_bars")
    st.caption(t("overview.trata_vbg_note"))
    if not cur.status.empty:
        st.subheader(t("sessions.reporting_title", period=period_label))
        st.dataframe(presentation.reporting_table(cur.status, catalog, t), hide_index=True, width="stretch")

    notes_ui.figure_notes(data, actor, t)

st.page_link("pages/presentacion.py", label=t("sessions.present"), icon=":material/slideshow:",
             query_params={"session": day.isoformat(), "slide": "1"})

# --- the report ------------------------------------------------------------------------------------------
st.subheader(t("sessions.report_header"))
st.caption(t("sessions.report_help"))
exact = actor.can("view_exact") and st.checkbox(t("sessions.report_exact"), value=False, key="report_exact")
url, lang = default_url(), t.lang


def _report_bytes() -> bytes:
    # runs on a separate thread when the button is clicked: pure model calls only, no Streamlit
    return build_report(Store.open(url), catalog, territory, day, lang=lang, public=not exact).encode("utf-8")


st.download_button(t("sessions.report_button"), data=_report_bytes, mime="text/html",
                   file_name=f"informe_sesion_{day.isoformat()}_{lang}{'_exacto' if exact else ''}.html",
                   icon=":material/download:", key="report_download")

# --- approvals -------------------------------------------------------------------------------------------
st.subheader(t("approvals.header"))
st.caption(t("approvals.help"))
approved = approvals_frame(cached.store())
if approved.empty:
    st.write(t("approvals.none"))
else:
    st.dataframe(pd.DataFrame({
        t("approvals.month"): [t.period(m) for m in approved["period"]],
        t("approvals.state"): [t("approvals.state_open") if o else t("approvals.state_reopened")
                               for o in approved["open"]],
        t("approvals.approved_at"): approved["approved_at"],
        t("approvals.approved_by"): approved["approved_by"],
        t("approvals.reopened_at"): approved["reopened_at"],
        t("approvals.reopened_by"): approved["reopened_by"].fillna(""),
        t("approvals.reason"): approved["reopen_reason"].fillna(""),
    }), hide_index=True, width="stretch")

if actor.can("approve"):
    locked = sorted(approved.loc[approved["open"], "period"]) if not approved.empty else []
    snap = cached.snapshot()
    months = [] if snap.empty else [m for m in month_range(snap.first_month, snap.last_month) if m not in locked][::-1]
    a1, a2 = st.columns(2)
    with a1, st.form("approve_month"):
        st.markdown(f"**{t('approvals.approve')}**")
        month = st.selectbox(t("approvals.approve_month"), months, format_func=t.period, key="approve_which")
        if st.form_submit_button(t("approvals.approve_button")) and month:
            try:
                approve_month(cached.store(), month, actor, catalog=cached.catalog())
                st.success(t("approvals.approved", month=t.period(month, in_sentence=True)))
                st.rerun()
            except (ApprovalError, PermissionDenied) as exc:
                st.error(widgets.refusal(exc, t))
    with a2, st.form("reopen_month"):
        st.markdown(f"**{t('approvals.reopen')}**")
        if not locked:
            st.write(t("approvals.nothing_to_reopen"))
        month = st.selectbox(t("approvals.reopen_month"), locked[::-1], format_func=t.period, key="reopen_which")
        reason = st.text_input(t("approvals.reason_field"), key="reopen_reason")
        if st.form_submit_button(t("approvals.reopen_button")) and month:
            try:
                reopen_month(cached.store(), month, actor, reason)
                st.success(t("approvals.reopened", month=t.period(month, in_sentence=True)))
                st.rerun()
            except (ApprovalError, PermissionDenied) as exc:
                st.error(widgets.refusal(exc, t))

# --- managing sessions (administrators) ----------------------------------------------------------------------
if is_admin:
    st.subheader(t("sessions.admin_header"))
    _admin_new_session()
    with st.expander(t("sessions.edit")), st.form("edit_session"):
        title = st.text_input(t("sessions.title_field"), value=titles[day], max_chars=255)
        notes = st.text_area(t("sessions.notes_field"), value=data.notes)
        if st.form_submit_button(t("sessions.save")):
            try:
                update_session(cached.store(), day, title=title, notes=notes, actor=actor)
                cached.sessions_changed()
                st.success(t("sessions.saved"))
            except (SessionError, PermissionDenied) as exc:
                st.error(widgets.refusal(exc, t))
