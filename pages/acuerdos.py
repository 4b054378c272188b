"""Acuerdos: what the table agreed, who answers for it, and whether it was done; overdue ones first.

Agreement texts are written by users: they are only shown in data frames and plain text, never as HTML.
"""
from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from app import cached, entry, viewer, widgets
from gapsmodel.records.permissions import PermissionDenied
from gapsmodel.views.presentation import agreement_history_table, agreements_summary, agreements_table
from gapsmodel.records.sessions import (AGREEMENT_STATUSES, OVERDUE, SessionError, add_agreement, agreement_history,
                                agreements_frame, follow_up_order, update_agreement)

entry.require_entry_point(__file__)

t = viewer.translator()
catalog = cached.catalog()
actor = viewer.actor()
st.title(t("agreements.title"))
st.caption(t("agreements.subtitle"))

frame = agreements_frame(cached.store())
institutions = list(catalog.institutions.index)
label = lambda code: catalog.label("institutions", code, t.lang)  # noqa: E731

wanted = st.query_params.get("institution", "")
options = [""] + institutions
chosen = st.selectbox(t("agreements.institution_filter"), options,
                      index=options.index(wanted) if wanted in options else 0,
                      format_func=lambda c: t("agreements.all") if not c else f"{c} — {label(c)}",
                      key="agreements_institution")
if chosen:
    st.query_params["institution"] = chosen
elif "institution" in st.query_params:
    del st.query_params["institution"]

shown = frame[frame["institution"].eq(chosen)] if chosen else frame
if shown.empty:
    st.info(t("agreements.none"))
else:
    status = shown["effective_status"]
    st.metric(t("agreements.status"), agreements_summary(shown, t), border=True)
    st.dataframe(agreements_table(shown, catalog, t), hide_index=True, width="stretch")
    st.caption(t("agreements.overdue_note"))
    st.subheader(t("agreements.by_institution"))
    ordered = follow_up_order(shown)
    # institutions with overdue agreements first
    first_rank = ordered.groupby("institution", sort=False).head(1)["institution"].tolist()
    for code in first_rank:
        part = shown[shown["institution"].eq(code)]
        overdue = int(part["effective_status"].eq(OVERDUE).sum())
        with st.expander(f"{label(code)} · {agreements_summary(part, t)}",
                         expanded=bool(chosen) or overdue > 0):
            st.dataframe(agreements_table(part, catalog, t), hide_index=True, width="stretch")

    st.subheader(t("agreements.history"), help=t("agreements.history_help"))
    listed = follow_up_order(shown)
    texts = dict(zip(listed["id"], listed["text"]))
    which = st.selectbox(t("agreements.select_agreement"), list(listed["id"]),
                         format_func=lambda i: f"{i} · {texts[i][:80]}", key="agreement_history")
    st.dataframe(agreement_history_table(agreement_history(cached.store(), int(which)), t,
                                         with_author=actor.can("read_audit")), hide_index=True, width="stretch")

if actor.can("manage_sessions"):
    sessions = cached.sessions()
    st.subheader(t("agreements.new"))
    if sessions.empty:
        st.info(t("agreements.no_sessions"))
    else:
        days = sorted(sessions["date"], reverse=True)
        gaps = [""] + list(catalog.gaps.index)
        with st.form("new_agreement", clear_on_submit=True):
            session_day = st.selectbox(t("agreements.session_field"), days, format_func=t.date)
            text = st.text_area(t("agreements.text_field"), max_chars=2000)
            institution = st.selectbox(t("agreements.institution_field"), institutions,
                                       format_func=lambda c: f"{c} — {label(c)}")
            due = st.date_input(t("agreements.due_field"), value=date.today() + timedelta(days=30), format="YYYY-MM-DD")
            gap = st.selectbox(t("agreements.gap_field"), gaps,
                               format_func=lambda g: t("agreements.no_gap") if not g else catalog.label("gaps", g, t.lang))
            status = st.selectbox(t("agreements.status_field"), AGREEMENT_STATUSES,
                                  format_func=lambda s: t(f"agreements.status_{s}"))
            if st.form_submit_button(t("agreements.create")):
                if not text.strip():
                    st.error(t("agreements.text_required"))
                else:
                    try:
                        add_agreement(cached.store(), session_day, text.strip(), institution, due, status=status,
                                      gap_code=gap or None, actor=actor)
                        cached.sessions_changed()
                        st.success(t("agreements.created"))
                        st.rerun()
                    except (ValueError, PermissionDenied) as exc:
                        st.error(widgets.refusal(exc, t))

    if not frame.empty:
        st.subheader(t("agreements.follow_up"))
        ordered = follow_up_order(frame)
        ids = list(ordered["id"])
        texts = dict(zip(ordered["id"], ordered["text"]))
        with st.form("update_agreement"):
            which = st.selectbox(t("agreements.select_agreement"), ids,
                                 format_func=lambda i: f"{i} · {texts[i][:80]}", key="agreement_which")
            new_status = st.selectbox(t("agreements.new_status"), AGREEMENT_STATUSES,
                                      format_func=lambda s: t(f"agreements.status_{s}"), key="agreement_status")
            if st.form_submit_button(t("agreements.update")):
                try:
                    update_agreement(cached.store(), int(which), status=new_status, actor=actor)
                    cached.sessions_changed()
                    st.success(t("agreements.updated", id=which))
                    st.rerun()
                except (SessionError, ValueError, PermissionDenied) as exc:
                    st.error(widgets.refusal(exc, t))
