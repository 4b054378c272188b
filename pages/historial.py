"""Historial de cargas / Upload history: an institution's batches, and reverting one with a reason.

Reverting restores the values the batch superseded; nothing is deleted. Permissions are checked again
inside Store.revert_batch (a partner only for its own institution; an administrator for any).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app import cached, entry, signin, viewer, widgets
from gapsmodel.records.permissions import PermissionDenied
from gapsmodel.views import exports
from gapsmodel.views.presentation import md_escape
from gapsmodel.records.store import LockedPeriodError, StoreError

entry.require_entry_point(__file__)

t = viewer.translator()
catalog = cached.catalog()
actor = viewer.actor()
store = cached.store()


def _institution() -> str | None:
    """A partner's own institution; an administrator's or analyst's choice (kept in the URL)."""
    if actor.role == "partner":
        return actor.institution if actor.institution in catalog.institutions.index else None
    return widgets.institution_picker(t, "history_institution")


def _history(inst: str) -> None:
    st.subheader(t("upload.history_header", institution=catalog.label("institutions", inst, t.lang)))
    done = st.session_state.pop("revert_done", None)
    if done:
        st.success(t("upload.reverted", batch=done))
    batches = store.batches_frame(inst)
    if batches.empty:
        st.write(t("upload.history_none"))
        return
    st.caption(t("upload.history_caption"))

    def when(moment) -> str:
        return t.time(moment)

    state = [t("upload.state_active") if pd.isna(at) else
             t("upload.state_reverted", user=exports.actor_name(by, t), date=when(at), reason=why or "")
             for at, by, why in zip(batches["reverted_at"], batches["reverted_by"], batches["revert_reason"])]
    st.dataframe(pd.DataFrame({
        t("upload.col_batch"): batches["id"].astype(int).to_numpy(),
        t("upload.col_date"): [when(m) for m in batches["uploaded_at"]],
        t("upload.col_user"): [exports.actor_name(by, t) for by in batches["uploaded_by"]],
        t("upload.col_file"): batches["filename"].to_numpy(),
        t("upload.col_values"): batches["n_values"].astype(int).to_numpy(),
        t("upload.col_state"): state,
    }), hide_index=True, width="stretch", key="upload_history", column_config={
        t("upload.col_file"): st.column_config.TextColumn(width="medium"),
        t("upload.col_state"): st.column_config.TextColumn(width="large")})

    if not actor.can("revert", inst):
        return
    st.markdown(f"**{t('upload.revert_header')}**")
    st.caption(t("upload.revert_help"))
    active = batches[batches["reverted_at"].isna()]
    if active.empty:
        st.write(t("upload.revert_none"))
        return
    info = {int(r.id): r for r in active.itertuples()}
    which = st.selectbox(t("upload.revert_which"), list(info), key="revert_which",
                         format_func=lambda b: t("upload.revert_option", batch=b, date=when(info[b].uploaded_at),
                                                 values=t.number(info[b].n_values)))
    reason = st.text_input(t("upload.revert_reason"), max_chars=500, key="revert_reason")
    if st.button(t("upload.revert_button"), icon=":material/undo:", key="revert_start"):
        if not reason.strip():
            st.error(t("upload.revert_reason_required"))
        else:
            st.session_state["revert_pending"] = {"batch": which, "reason": reason.strip(), "institution": inst}
    pending = st.session_state.get("revert_pending")
    if not pending or pending["institution"] != inst or pending["batch"] not in info:
        return
    batch = pending["batch"]
    st.warning(t("upload.revert_confirm_text", batch=batch, values=t.number(info[batch].n_values),
                 reason=md_escape(pending["reason"])))
    c1, c2 = st.columns(2)
    if c2.button(t("upload.revert_cancel"), key="revert_cancel"):
        st.session_state.pop("revert_pending", None)
        st.rerun()
    if c1.button(t("upload.revert_confirm"), type="primary", key="revert_confirm"):
        st.session_state.pop("revert_pending", None)
        try:
            store.revert_batch(batch, actor=actor, reason=pending["reason"])
        except (LockedPeriodError, StoreError, PermissionDenied) as exc:
            st.error(t("upload.revert_failed", detail=md_escape(exc)))
            return
        st.session_state["revert_done"] = batch
        st.session_state.pop("revert_reason", None)
        st.session_state.pop("revert_which", None)
        st.rerun()



def main() -> None:
    st.title(t("upload_history.title"))
    if not actor.can("download"):
        st.info(t("upload.need_partner"))
        if not signin.signed_in():
            st.page_link("pages/ingresar.py", label=t("upload.login_link"), icon=":material/login:")
        return
    inst = _institution()
    if inst is not None:
        _history(inst)


main()
