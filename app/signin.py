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


# st.session_state[viewer.ACTOR_KEY] holds the Actor; LOGIN records how it signed in ({"username", "via",
# "stamp"}), so that refresh_actor() can rebuild it from the users table on every run. ("via" is "password",
# "oidc" or "remembered": a reload of a browser kept signed in; "stamp" fingerprints the credentials it
# signed in with.) Every sign-in holds a server-side login session (REMEMBERED_TOKEN; the cookie only with
# "keep me signed in"): signing out ends it, a password change or a disabled account ends all of the
# account's, and every run checks it, so no other tab or browser stays signed in.
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


CLIENT_KEY = "_client_key"


def client_key() -> str:
    """Who is guessing, for throttling sign-in attempts: the client's public address when Streamlit knows
    it, else this browser session (a random id). A private or loopback address is a reverse proxy's, shared
    by every visitor: throttling it would let one guesser slow everyone down, so it is not used."""
    import ipaddress
    import secrets
    key = st.session_state.get(CLIENT_KEY)
    if not key:
        key = st.session_state[CLIENT_KEY] = secrets.token_hex(8)
    try:
        address = st.context.ip_address
        public = bool(address) and ipaddress.ip_address(address).is_global
    except Exception:  # noqa: BLE001 - bare mode, tests, an address that does not parse
        public = False
    return f"ip:{address}" if public else f"session:{key}"


def login_required() -> bool:
    """True when the deployment shows nothing but the login page to visitors (GAPSMODEL_REQUIRE_LOGIN=1)."""
    import os
    return os.environ.get(REQUIRE_LOGIN_ENV, "").strip().lower() in {"1", "true", "yes", "on", "si", "sí"}


def signed_in() -> bool:
    return viewer.actor().role != "public"


REMEMBER_WANTED = "_remember_wanted"    # this browser asked to be kept signed in (the cookie is set)


def sign_in(who: Actor, via: str = "password", remember: bool = False, token: str | None = None) -> None:
    """Remember a signed-in user for this browser session (the login page calls this after authenticate);
    with ``remember``, also in this browser for ``remember_hours`` (settings.toml), across page reloads.
    ``token``: the login session already proven (a remembered browser's cookie); otherwise one is started."""
    from gapsmodel.records import accounts
    st.session_state[viewer.ACTOR_KEY] = who
    st.session_state[LOGIN] = {"username": who.username, "via": via,
                               "stamp": accounts.credential_stamp(cached.store(), who.username)}
    st.session_state.pop(LOGIN_NOTICE, None)
    if token:
        st.session_state[REMEMBERED_TOKEN] = token
        st.session_state[REMEMBER_WANTED] = True
    else:
        _start_session(who.username, remember)


def _start_session(username: str, remember: bool) -> None:
    from gapsmodel.records import login_sessions
    token = login_sessions.start(cached.store(), username, hours=remember_hours())
    st.session_state[REMEMBERED_TOKEN] = token
    st.session_state[REMEMBER_WANTED] = remember
    if remember:
        st.session_state[COOKIE_PENDING] = ("set", token)


def remember_hours() -> float:
    return float(cached.catalog().settings.get("accounts", {}).get("remember_hours", 12))


def renew_remembered() -> None:
    """After one's own password change (which ends every login session of the account, so every other
    browser is signed out): start this browser's again, with the new credentials."""
    from gapsmodel.records import accounts
    username = viewer.actor().username
    _start_session(username, bool(st.session_state.get(REMEMBER_WANTED)))
    login = st.session_state.get(LOGIN)
    if login:
        login["stamp"] = accounts.credential_stamp(cached.store(), username)


def sign_out(notice: str | None = None) -> None:
    """Forget the signed-in user of this session (and of this browser, if remembered); ``notice`` is shown
    once in the sidebar."""
    st.session_state.pop(viewer.ACTOR_KEY, None)
    st.session_state.pop(LOGIN, None)
    token = st.session_state.pop(REMEMBERED_TOKEN, None)
    remembered = st.session_state.pop(REMEMBER_WANTED, False)
    if token:
        from gapsmodel.records import login_sessions
        try:
            login_sessions.end(cached.store(), token)
        except Exception:  # noqa: BLE001 - signing out never fails for the user; the token expires anyway
            traceback.print_exc()
        if remembered:
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
    sign_in(who, via="remembered", token=token)


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
    whose user name is their e-mail. A session whose viewer.actor was not set by a sign-in (LOGIN absent, as in the
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
    from gapsmodel.records import login_sessions
    token = st.session_state.get(REMEMBERED_TOKEN)
    if login_sessions.resume(cached.store(), token) != login["username"]:
        # signed out in another tab (a replayed token), password changed, account disabled, or expired
        sign_out(viewer.translator()("accounts.session_ended"))
        return
    try:
        st.session_state[viewer.ACTOR_KEY] = accounts.actor_for(cached.store(), login["username"],
                                                                stamp=login.get("stamp"))
    except accounts.LoginFailed:
        sign_out(viewer.translator()("accounts.session_ended"))


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
