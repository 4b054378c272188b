"""Auditoría / Audit log (administrators only): who did what and when, filtered by action, actor and dates,
downloadable as CSV and Excel. Read through gapsmodel.views.exports (permission check, secrets redacted, formulas
neutralised); details are user text and are shown only inside st.dataframe (never as markdown or HTML)."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from app import cached, entry, signin, viewer
from gapsmodel.i18n import to_local
from gapsmodel.views import exports

entry.require_entry_point(__file__)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filtered(frame: pd.DataFrame, actions: list[str], actors: list[str], start, end) -> pd.DataFrame:
    """Rows whose action and actor are among those chosen (all when none chosen), dated start..end (UTC)."""
    keep = pd.Series(True, index=frame.index)
    if actions:
        keep &= frame["action"].isin(actions)
    if actors:
        keep &= frame["actor"].isin(actors)
    if start is not None:
        keep &= frame["at"] >= pd.Timestamp(start)
    if end is not None:
        keep &= frame["at"] < pd.Timestamp(end) + timedelta(days=1)
    return frame[keep].reset_index(drop=True)


def action_label(t, action: str) -> str:
    """An audit action in the reader's words; an action with no words yet, as its code."""
    words = t(f"audit_actions.{action}")
    return action if words == f"audit_actions.{action}" else words


def main() -> None:
    t = viewer.translator()
    st.title(t("accounts.audit_title"))
    actor = signin.admin_actor(t, __file__)
    if actor is None:
        return
    st.caption(t("accounts.audit_caption"))
    frame = exports.audit_frame_for_export(cached.store(), actor=actor)
    shown_at = frame["at"].map(to_local) if not frame.empty else frame["at"]   # on screen: Peru time
    if frame.empty:
        st.info(t("accounts.audit_empty"))
        return
    c = st.columns([2, 2, 2])
    actions = c[0].multiselect(t("accounts.audit_action"), sorted(frame["action"].dropna().unique()),
                               key="audit_actions", placeholder=t("accounts.audit_all"),
                               format_func=lambda a: action_label(t, a))
    actors = c[1].multiselect(t("accounts.audit_actor"), sorted(frame["actor"].dropna().unique()),
                              key="audit_actors", placeholder=t("accounts.audit_all"),
                              format_func=lambda a: exports.actor_name(a, t))
    first, last = min(shown_at).date(), max(shown_at).date()
    span = c[2].date_input(t("accounts.audit_dates"), value=(first, last), min_value=first, max_value=last,
                           key="audit_dates", format="YYYY-MM-DD")
    start, end = (tuple(span) + (None, None))[:2] if isinstance(span, (tuple, list)) else (span, span)
    rows = filtered(frame.assign(at=pd.to_datetime(shown_at)), actions, actors, start, end)
    st.caption(t("accounts.audit_rows", n=len(rows), total=len(frame)))
    # on screen who, the action and its detail in words; the downloads keep codes and JSON (for scripts)
    st.dataframe(rows.assign(actor=[exports.actor_name(a, t) for a in rows["actor"]],
                             action=[action_label(t, a) for a in rows["action"]],
                             detail=[exports.readable_detail(d, t) for d in rows["detail"]]), hide_index=True,
                 width="stretch", column_config={
        "at": st.column_config.DatetimeColumn(t("accounts.audit_col_at"), format="YYYY-MM-DD HH:mm:ss"),
        "actor": st.column_config.TextColumn(t("accounts.audit_col_actor")),
        "action": st.column_config.TextColumn(t("accounts.audit_col_action")),
        "detail": st.column_config.TextColumn(t("accounts.audit_col_detail"), width="large"),
    })
    stem = "auditoria"
    c = st.columns(2)
    c[0].download_button(t("accounts.audit_csv"), lambda: exports.to_csv_bytes(rows), f"{stem}.csv", "text/csv",
                         key="dl_audit_csv", on_click="ignore")
    c[1].download_button(t("accounts.audit_xlsx"), lambda: exports.to_xlsx_bytes({stem: rows}), f"{stem}.xlsx",
                         XLSX_MIME, key="dl_audit_xlsx", on_click="ignore")


main()
