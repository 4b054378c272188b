"""Sign-in state: password and identity-provider login, the remembered browser (cookie), the
account box in the sidebar and the pages each role sees."""
from __future__ import annotations

import traceback
from pathlib import Path

import streamlit as st

from gapsmodel.i18n import Translator
from gapsmodel.records.permissions import Actor

from app import viewer
from app import cached
from app import widgets


# st.session_state["actor"] holds the Actor; LOGIN records how it signed in ({"username", "via"}), so that
# refresh_actor() can rebuild it from the users table on every run. ("via" is "password", "oidc" or "remembered": a reload of a browser kept signed in.)
LOGIN = "_login"


LOGIN_NOTICE = "_login_notice"


REMEMBER_COOKIE = "gapsmodel_sesion"


REMEMBERED_TOKEN = "_remembered_token"


COOKIE_PENDING = "_cookie_pending"      # ("set", token) or ("clear", None), written by the next run


COOKIE_CHECKED = "_cookie_checked"      # the browser's cookie is looked at once per browser session


REQUIRE_LOGIN_ENV = "GAPSMODEL_REQUIRE_LOGIN"


ADMIN_PAGE_ACTIONS = {"pages/usuarios.py": "manage_users", "pages/auditoria.py": "read_audit",
                      "pages/catalogo.py": "manage_catalog"}


def admin_actor(t: Translator, page_file: str) -> Actor | None:
    """The user of an administration page when their role allows it (ADMIN_PAGE_ACTIONS, the same map
    the navigation uses); otherwise None, after saying the page is for administrators."""
    who = viewer.actor()
    if who.can(ADMIN_PAGE_ACTIONS[f"pages/{Path(page_file).name}"]):
        return who
    st.warning(t("accounts.admins_only"))
    return None


def login_required() -> bool:
    """True when the deployment shows nothing but the login page to visitors (GAPSMODEL_REQUIRE_LOGIN=1)."""
    import os
    return os.environ.get(REQUIRE_LOGIN_ENV, "").strip().lower() in {"1", "true", "yes", "on", "si", "sí"}


def signed_in() -> bool:
    return viewer.actor().role != "public"


def sign_in(who: Actor, via: str = "password", remember: bool = False) -> None:
    """Remember a signed-in user for this browser session (the login page calls this after authenticate);
    with ``remember``, also in this browser for ``remember_hours`` (settings.toml), across page reloads."""
    st.session_state["actor"] = who
    st.session_state[LOGIN] = {"username": who.username, "via": via}
    st.session_state.pop(LOGIN_NOTICE, None)
    if remember:
        _remember(who.username)


def _remember(username: str) -> None:
    from gapsmodel.records import login_sessions
    token = login_sessions.start(cached.store(), username, hours=remember_hours())
    st.session_state[REMEMBERED_TOKEN] = token
    st.session_state[COOKIE_PENDING] = ("set", token)


def remember_hours() -> float:
    return float(cached.catalog().settings.get("accounts", {}).get("remember_hours", 12))


def renew_remembered() -> None:
    """After a password change (which ends every remembered sign-in of the account), remember this
    browser again if it was remembered."""
    if st.session_state.get(REMEMBERED_TOKEN):
        _remember(viewer.actor().username)


def sign_out(notice: str | None = None) -> None:
    """Forget the signed-in user of this session (and of this browser, if remembered); ``notice`` is shown
    once in the sidebar."""
    st.session_state.pop("actor", None)
    st.session_state.pop(LOGIN, None)
    token = st.session_state.pop(REMEMBERED_TOKEN, None)
    if token:
        from gapsmodel.records import login_sessions
        login_sessions.end(cached.store(), token)
        st.session_state[COOKIE_PENDING] = ("clear", None)
    if notice:
        st.session_state[LOGIN_NOTICE] = notice


def _resume_remembered() -> None:
    """Once per browser session: sign in again the user this browser was remembered for (a reload)."""
    if st.session_state.get(COOKIE_CHECKED):
        return
    st.session_state[COOKIE_CHECKED] = True
    try:
        token = st.context.cookies.get(REMEMBER_COOKIE)
    except Exception:  # noqa: BLE001 - no browser request (tests, bare mode)
        token = None
    if not isinstance(token, str) or not token:
        return
    from gapsmodel.records import accounts, login_sessions
    username = login_sessions.resume(cached.store(), token)
    try:
        who = accounts.actor_for(cached.store(), username) if username else None
    except accounts.LoginFailed:
        who = None
    if who is None:
        st.session_state[COOKIE_PENDING] = ("clear", None)    # expired or ended: forget it in the browser
        return
    sign_in(who, via="remembered")
    st.session_state[REMEMBERED_TOKEN] = token


def write_cookie() -> None:
    """Set or clear the remembered sign-in cookie when a sign-in or sign-out asked for it (call once per run,
    after anything that may sign in or out). Only the random token goes into the cookie."""
    pending = st.session_state.pop(COOKIE_PENDING, None)
    if not pending:
        return
    action, token = pending
    age = int(remember_hours() * 3600) if action == "set" else 0
    value = token if action == "set" else ""
    st.html(f"""<script>document.cookie = "{REMEMBER_COOKIE}={value}; Path=/; Max-Age={age}; SameSite=Strict"
            + (location.protocol === "https:" ? "; Secure" : "");</script>""", unsafe_allow_javascript=True)


def oidc_providers() -> list[str]:
    """Names to pass to st.login() for the identity providers configured in .streamlit/secrets.toml:
    "default" when [auth] itself holds client_id, plus one per [auth.<name>] table. Empty when there is
    no [auth] section or Authlib (needed by st.login) is missing."""
    try:
        if not st.secrets.load_if_toml_exists():  # no secrets.toml: no OIDC (and no error shown)
            return []
        section = st.secrets.get("auth")
    except Exception:  # noqa: BLE001 - an unreadable secrets.toml: no OIDC
        return []
    if not section or "redirect_uri" not in section or "cookie_secret" not in section:
        return []
    try:
        import authlib  # noqa: F401 - st.login needs it
    except ImportError:
        return []
    names = ["default"] if "client_id" in section else []
    names += [k for k, v in section.items() if hasattr(v, "keys") and "client_id" in v]
    return names


def oidc_email() -> str | None:
    """The e-mail of the user signed in with the identity provider (st.user), or None. A provider that
    says the address is not verified (email_verified = false) gives None: the address is the account key."""
    if not oidc_providers():
        return None
    try:
        info = st.user.to_dict()
    except Exception:  # noqa: BLE001
        return None
    if info.get("is_logged_in") is not True or info.get("email_verified") is False:
        return None
    email = str(info.get("email") or "").strip()
    return email or None


def refresh_actor() -> None:
    """Rebuild the signed-in user's Actor from the users table on every run (call once, before navigation).

    A disabled account or a changed role takes effect at once; an account that may no longer sign in is
    signed out with a notice. Someone signed in with the identity provider (OIDC) is mapped to the account
    whose user name is their e-mail. A session whose actor was not set by a sign-in (LOGIN absent, as in the
    AppTest fixtures) is left as it is.
    """
    try:
        _refresh_actor()
    except Exception:  # noqa: BLE001 - fail closed: without a confirmed account the session is public
        traceback.print_exc()
        sign_out(viewer.translator()("accounts.refresh_failed"))


def _refresh_actor() -> None:
    from gapsmodel.records import accounts
    login = st.session_state.get(LOGIN)
    email = oidc_email()
    if login and login.get("via") == "oidc" and (email is None or accounts.normalise_username(email)
                                                != login.get("username")):
        sign_out()  # signed out of the provider, or another provider account
        login = None
    if login is None and email is None:
        _resume_remembered()
        login = st.session_state.get(LOGIN)
    if login is None:
        if email is None:
            return
        try:
            who = accounts.actor_for(cached.store(), email)
        except accounts.LoginFailed:
            st.session_state[LOGIN_NOTICE] = viewer.translator()("accounts.oidc_no_account", email=widgets.markdown_escaped(email))
            return
        sign_in(who, via="oidc")
        cached.store().audit(who.username, "login", {"role": who.role, "institution": who.institution, "via": "oidc"})
        return
    try:
        st.session_state["actor"] = accounts.actor_for(cached.store(), login["username"])
    except accounts.LoginFailed as exc:
        sign_out(str(exc))


def account_sidebar(t: Translator) -> None:
    """Who is signed in, with which role and institution (or that nobody is), in the sidebar."""
    notice = st.session_state.pop(LOGIN_NOTICE, None)
    if notice:
        st.warning(notice)
    who = viewer.actor()
    if not signed_in():
        st.caption(t("accounts.sidebar_public"))
        return
    lines = [t("accounts.sidebar_user", user=who.username), t("accounts.sidebar_role", role=widgets.role_label(t, who.role))]
    if who.institution:
        lines.append(t("accounts.sidebar_institution", institution=widgets.institution_label(who.institution)))
    st.text("\n".join(lines))  # st.text: user names are shown as typed, never as markdown


def visible_pages(pages: list[tuple], admin_pages: list[tuple], account_page: tuple) -> list[tuple]:
    """The navigation entries for this user: everything public, the account page (titled "Mi cuenta"
    once signed in), and the administration pages for administrators; only the account page when the
    deployment requires a login and nobody is signed in. Entries: (file, title key, icon, section key, url).
    """
    path, _title, icon, section, url = account_page
    account = (path, "accounts_nav.my_account" if signed_in() else "accounts_nav.login", icon, section, url)
    if login_required() and not signed_in():
        return [account]
    admin = [p for p in admin_pages if viewer.actor().can(ADMIN_PAGE_ACTIONS.get(p[0], "manage_users"))]
    return list(pages) + [account] + admin
