"""Usuarios / Users (administrators only): the accounts, and adding one, resetting a password, changing a
role, disabling and enabling. Every change goes through gapsmodel.records.accounts, which checks the permission
and writes the audit log; no password or hash is ever read here."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app import cached, entry, signin, viewer, widgets
from gapsmodel.records import accounts
from gapsmodel.records.permissions import PermissionDenied

entry.require_entry_point(__file__)

FLASH = "_users_flash"
NO_INSTITUTION = ""


def users_display(frame: pd.DataFrame, t) -> pd.DataFrame:
    """The account list as shown: translated headers and roles, yes/no flags, dates in the user's language;
    an empty cell says what it means ("no", "—", "(ninguna)") instead of looking like missing data."""
    out = frame.copy()
    out["role"] = [widgets.role_label(t, r) for r in out["role"]]
    out["institution"] = out["institution"].fillna("").replace("", t("accounts.no_institution"))
    for col in ("disabled", "locked"):
        out[col] = [t("accounts.yes") if v else t("downloads.no") for v in out[col]]
    for col in ("locked_until", "created_at", "last_login"):
        out[col] = [t.time(v) or "—" for v in out[col]]
    out = out.drop(columns=["failed_attempts"])
    return out.rename(columns={c: t(f"accounts.col_{c}") for c in out.columns})


def done(message: str) -> None:
    """Keep a success message across the rerun that redraws the list with the change."""
    st.session_state[FLASH] = message
    st.rerun()


def institution_select(t, key: str, current: str | None = None) -> str:
    catalog = cached.catalog()
    options = [NO_INSTITUTION] + list(catalog.institutions.index)
    index = options.index(current) if current in options else 0
    return st.selectbox(t("accounts.institution"), options, index=index, key=key,
                        format_func=lambda c: t("accounts.no_institution") if c == NO_INSTITUTION
                        else widgets.institution_label(c),
                        help=t("accounts.institution_help"))


def add_form(t, store, actor) -> None:
    st.subheader(t("accounts.add_title"))
    with st.form("add_user_form", clear_on_submit=False):
        c = st.columns(3)
        with c[0]:
            username = st.text_input(t("accounts.username"), key="add_username", help=t("accounts.username_help"))
        with c[1]:
            role = st.selectbox(t("accounts.role"), list(accounts.ACCOUNT_ROLES), key="add_role",
                                format_func=lambda r: widgets.role_label(t, r))
        with c[2]:
            institution = institution_select(t, "add_institution")
        c = st.columns(2)
        first = c[0].text_input(t("accounts.initial_password"), type="password", key="add_password",
                                autocomplete="new-password",
                                help=t("accounts.password_help", n=accounts.MIN_PASSWORD_LENGTH))
        second = c[1].text_input(t("accounts.repeat_password"), type="password", key="add_password2",
                                 autocomplete="new-password")
        submitted = st.form_submit_button(t("accounts.add_button"), type="primary")
    if submitted:
        if first != second:
            st.error(t("accounts.passwords_differ"))
            return
        try:
            user = accounts.add_user(store, username, role, institution or None, password=first, actor=actor,
                                     catalog=cached.catalog())
        except (accounts.AccountError, PermissionDenied) as exc:
            st.error(widgets.refusal(exc, t))
            return
        for key in ("add_username", "add_password", "add_password2"):
            st.session_state.pop(key, None)
        done(t("accounts.added", user=widgets.markdown_escaped(user.username),
               role=widgets.role_label(t, user.role)))


def manage_forms(t, store, actor, frame: pd.DataFrame) -> None:
    st.subheader(t("accounts.manage_title"))
    name = st.selectbox(t("accounts.select_user"), list(frame["username"]), key="manage_user")
    if not name:
        return
    row = frame.set_index("username").loc[name]
    tab_password, tab_role, tab_state = st.tabs([t("accounts.tab_password"), t("accounts.tab_role"),
                                                 t("accounts.tab_state")])
    with tab_password:
        with st.form("reset_password_form", clear_on_submit=True):
            first = st.text_input(t("accounts.new_password"), type="password", key="reset_password",
                                  autocomplete="new-password",
                                  help=t("accounts.password_help", n=accounts.MIN_PASSWORD_LENGTH))
            second = st.text_input(t("accounts.repeat_password"), type="password", key="reset_password2",
                                   autocomplete="new-password")
            submitted = st.form_submit_button(t("accounts.reset_button"))
        if submitted:
            if first != second:
                st.error(t("accounts.passwords_differ"))
            else:
                try:
                    accounts.set_password(store, name, first, actor=actor)
                except (accounts.AccountError, PermissionDenied) as exc:
                    st.error(widgets.refusal(exc, t))
                else:
                    done(t("accounts.password_reset", user=widgets.markdown_escaped(name)))
    with tab_role:
        with st.form("role_form"):
            roles = list(accounts.ACCOUNT_ROLES)
            role = st.selectbox(t("accounts.role"), roles, key=f"role_{name}",
                                index=roles.index(row["role"]) if row["role"] in roles else 0,
                                format_func=lambda r: widgets.role_label(t, r))
            institution = institution_select(t, f"role_institution_{name}", row["institution"])
            submitted = st.form_submit_button(t("accounts.role_button"))
        if submitted:
            try:
                user = accounts.set_role(store, name, role, institution or None, actor=actor,
                                         catalog=cached.catalog())
            except (accounts.AccountError, PermissionDenied) as exc:
                st.error(widgets.refusal(exc, t))
            else:
                done(t("accounts.role_changed", user=widgets.markdown_escaped(user.username),
                       role=widgets.role_label(t, user.role)))
    with tab_state:
        if row["disabled"]:
            st.caption(t("accounts.is_disabled", user=widgets.markdown_escaped(name)))
            if st.button(t("accounts.enable_button"), key="enable_user"):
                try:
                    accounts.enable_user(store, name, actor=actor)
                except (accounts.AccountError, PermissionDenied) as exc:
                    st.error(widgets.refusal(exc, t))
                else:
                    done(t("accounts.enabled", user=widgets.markdown_escaped(name)))
        else:
            st.caption(t("accounts.is_enabled", user=widgets.markdown_escaped(name)))
            if row["locked"]:
                st.caption(t("accounts.is_locked"))
            if st.button(t("accounts.disable_button"), key="disable_user"):
                try:
                    accounts.disable_user(store, name, actor=actor)
                except (accounts.AccountError, PermissionDenied) as exc:
                    st.error(widgets.refusal(exc, t))
                else:
                    done(t("accounts.disabled", user=widgets.markdown_escaped(name)))


def main() -> None:
    t = viewer.translator()
    st.title(t("accounts.users_title"))
    actor = signin.admin_actor(t, __file__)
    if actor is None:
        return
    store = cached.store()
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash)
    frame = accounts.list_users(store, actor=actor)
    st.caption(t.plural("accounts.users_caption", len(frame)))
    st.dataframe(users_display(frame, t), hide_index=True, width="stretch")
    add_form(t, store, actor)
    if not frame.empty:
        manage_forms(t, store, actor, frame)


main()
