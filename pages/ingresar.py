"""Ingresar / Log in (Mi cuenta / My account once signed in): user name and password, or the identity
provider when one is configured; sign out; change one's own password. The checks, the lockout and the
audit log are in gapsmodel.records.accounts; this page only draws the forms."""
from __future__ import annotations

import streamlit as st

from app import cached, entry, signin, viewer, widgets
from gapsmodel.records import accounts

entry.require_entry_point(__file__)


def login_form(t) -> None:
    with st.form("login_form"):
        username = st.text_input(t("accounts.username"), key="login_username", autocomplete="username")
        password = st.text_input(t("accounts.password"), type="password", key="login_password",
                                 autocomplete="current-password")
        remember = st.checkbox(t("accounts.remember", hours=f"{signin.remember_hours():g}"), key="login_remember",
                               help=t("accounts.remember_help"))
        submitted = st.form_submit_button(t("accounts.login_button"), type="primary")
    if submitted:
        if not username.strip() or not password:
            st.error(t("accounts.login_missing"))
            return
        try:
            who = accounts.authenticate(cached.store(), username, password, client=signin.client_key())
        except accounts.LoginFailed as exc:
            # one message whatever the cause (unknown user, wrong password, disabled), in the user's language
            st.error(widgets.markdown_escaped(exc.localised(t.lang)))
            return
        signin.sign_in(who, via="password", remember=remember)
        st.rerun()


def oidc_buttons(t) -> None:
    providers = signin.oidc_providers()
    if not providers:
        return
    st.divider()
    st.caption(t("accounts.oidc_caption"))
    for name in providers:
        label = t("accounts.oidc_default") if name == "default" else name.replace("_", " ").title()
        if st.button(t("accounts.oidc_button", provider=label), key=f"oidc_{name}"):
            st.login(None if name == "default" else name)


def account_view(t) -> None:
    who = viewer.actor()
    via = (st.session_state.get(signin.LOGIN) or {}).get("via", "password")
    st.success(t("accounts.signed_in_as", user=widgets.markdown_escaped(who.username),
                 role=widgets.role_label(t, who.role)))
    if who.institution:
        st.caption(t("accounts.institution_line", institution=widgets.institution_label(who.institution)))
    st.caption(t(f"accounts.rights_{who.role}"))
    if st.button(t("accounts.logout_button"), key="logout"):
        signin.sign_out()
        if via == "oidc":
            st.logout()  # also clears the identity provider's cookie, then reruns
        st.rerun()
    if via == "oidc" or st.session_state.get(signin.LOGIN) is None:
        st.caption(t("accounts.password_elsewhere"))
        return
    st.subheader(t("accounts.change_password_title"))
    with st.form("own_password_form", clear_on_submit=True):
        old = st.text_input(t("accounts.current_password"), type="password", key="own_old",
                            autocomplete="current-password")
        new = st.text_input(t("accounts.new_password"), type="password", key="own_new",
                            autocomplete="new-password")
        again = st.text_input(t("accounts.repeat_password"), type="password", key="own_again",
                              autocomplete="new-password")
        submitted = st.form_submit_button(t("accounts.change_password_button"))
    if submitted:
        if new != again:
            st.error(t("accounts.passwords_differ"))
            return
        try:
            accounts.change_own_password(cached.store(), who.username, old, new)
        except accounts.LoginFailed as exc:
            st.error(widgets.markdown_escaped(exc.localised(t.lang)))
            return
        except accounts.AccountError as exc:
            st.error(widgets.refusal(exc, t))
            return
        signin.renew_remembered()
        st.success(t("accounts.password_changed"))


def main() -> None:
    t = viewer.translator()
    if signin.signed_in():
        st.title(t("accounts.account_title"))
        account_view(t)
        return
    st.title(t("accounts.login_title"))
    st.caption(t("accounts.login_intro"))
    if signin.login_required():
        st.info(t("accounts.login_required"))
    login_form(t)
    oidc_buttons(t)


main()
