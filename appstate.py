"""Streamlit glue shared by the pages: the store, the catalog, the user's language and cached model calls.

Only this file, dashboard.py and pages/ import streamlit; the model in gapsmodel/ never does.
"""
from __future__ import annotations

import traceback
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from gapsmodel import model
from gapsmodel.rules.catalog import catalog_dir, load_catalog
from gapsmodel.records.catalog_edit import catalog_signature
from gapsmodel.records.demo import ensure_demo, is_demo
from gapsmodel.i18n import LANGUAGES, Translator
from gapsmodel.rules.periods import KINDS, Period, parse_as_of, parse_period, period_of, periods_between
from gapsmodel.records.permissions import PUBLIC, Actor
from gapsmodel.records.sessions import sessions_frame
from gapsmodel.records.store import Store, default_url
from gapsmodel.rules.territory import load_territory


@st.cache_resource(show_spinner=False, max_entries=4)
def _catalog(directory: str, signature: tuple):
    return load_catalog(directory)


def catalog():
    """The catalog, read again whenever one of its files changes (an edit in the app or on disk)."""
    return _catalog(str(catalog_dir()), catalog_signature())


@st.cache_resource(show_spinner=False)
def territory():
    return load_territory()


@st.cache_resource(show_spinner=False)
def _open_store(url: str) -> Store:
    store = Store.open(url)
    ensure_demo(store, catalog(), territory())
    return store


def store() -> Store:
    return _open_store(default_url())


def version() -> tuple:
    """Changes whenever the data or the catalog the model sees changes: part of every cache key."""
    return store().version() + (catalog_signature(),)


# --- the user -----------------------------------------------------------------------
def actor() -> Actor:
    return st.session_state.get("actor", PUBLIC)


def is_public() -> bool:
    return not actor().can("view_exact")


def language() -> str:
    lang = st.session_state.get("lang")
    if lang not in LANGUAGES:
        lang = st.query_params.get("lang", "es")
        lang = lang if lang in LANGUAGES else "es"
        st.session_state["lang"] = lang
    return lang


def translator() -> Translator:
    return Translator(language())


# --- cached model calls ---------------------------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=16)
def _snapshot(url: str, data_version: tuple, as_of: str | None, until: str | None) -> model.Snapshot:
    return model.take_snapshot(store(), catalog(), territory(), as_of=as_of, until_month=until)


def snapshot(as_of: date | datetime | None = None, until: str | None = None) -> model.Snapshot:
    key = parse_as_of(as_of).isoformat() if as_of else None
    return _snapshot(default_url(), version(), key, until)


@st.cache_data(show_spinner=False, max_entries=128)
def _gaps(url: str, data_version: tuple, as_of: str | None, until: str | None, periods: tuple[str, ...],
          public: bool) -> pd.DataFrame:
    snap = _snapshot(url, data_version, as_of, until)
    table = model.gap_table(snap, catalog(), territory(), [parse_period(p) for p in periods])
    if public:
        from gapsmodel.rules.protection import suppress_gaps
        table = suppress_gaps(table, catalog(), territory())
    return table


def gaps(periods: list[Period], as_of: date | datetime | None = None, until: str | None = None,
         public: bool | None = None) -> pd.DataFrame:
    key = parse_as_of(as_of).isoformat() if as_of else None
    return _gaps(default_url(), version(), key, until, tuple(p.code for p in periods),
                 is_public() if public is None else public)


def series(kind: str = "month", as_of=None, until: str | None = None) -> pd.DataFrame:
    snap = snapshot(as_of, until)
    if snap.empty:
        return model.series(snap, catalog(), territory(), kind)
    return gaps(periods_between(snap.first_month, snap.last_month, kind), as_of, until)


@st.cache_resource(show_spinner=False, max_entries=32)
def _overview_view(url: str, data_version: tuple, period_code: str, public: bool, lang: str):
    from gapsmodel.views import overview_view
    return overview_view.build(_snapshot(url, data_version, None, None), parse_period(period_code),
                               lambda periods: gaps(periods, public=public), series("month"),
                               list(sessions()["date"]), catalog(), territory(), Translator(lang))


def overview_view(period: Period):
    """What the overview page draws for ``period`` (gapsmodel.views.overview_view), cached whole per data version,
    period, public or exact view, and language."""
    return _overview_view(default_url(), version(), period.code, is_public(), language())


@st.cache_data(show_spinner=False, max_entries=8)
def _sessions(url: str, data_version: tuple) -> pd.DataFrame:
    return sessions_frame(store())


def sessions() -> pd.DataFrame:
    return _sessions(default_url(), version())


def previous_session(before: date | None = None):
    """The latest session strictly before ``before`` (default: today), or None."""
    frame = sessions()
    before = before or date.today()
    earlier = frame[frame["date"] < before]
    return None if earlier.empty else earlier.iloc[-1]


# --- widgets shared by pages ------------------------------------------------------------
def period_picker(t: Translator, snap: model.Snapshot, key: str = "period") -> Period | None:
    """Kind (month, quarter, year) and period; default the latest complete month; kept in the URL."""
    if snap.empty:
        return None
    default = model.latest_complete_month(snap, catalog())
    wanted = st.query_params.get(key)
    try:
        wanted_period = parse_period(wanted) if wanted else None
    except ValueError:
        wanted_period = None
    kinds = list(KINDS)
    kind_default = kinds.index(wanted_period.kind) if wanted_period else 0
    cols = st.columns([1, 2])
    kind = cols[0].radio(t("periods.kind"), kinds, index=kind_default, format_func=lambda k: t(f"periods.{k}"),
                         horizontal=True, key=f"{key}_kind")
    options = [p.code for p in periods_between(snap.first_month, snap.last_month, kind)][::-1]
    preferred = wanted_period.code if wanted_period and wanted_period.kind == kind else period_of(default, kind).code
    index = options.index(preferred) if preferred in options else 0
    code = cols[1].selectbox(t("periods.select"), options, index=index, format_func=t.period, key=f"{key}_{kind}")
    st.query_params[key] = code
    return parse_period(code)


def demo_banner(t: Translator) -> None:
    if is_demo(store()):
        st.warning(t("app.demo_banner"))


@contextmanager
def guarded(t: Translator):
    """Show a clear message instead of a traceback when something fails while drawing a view."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - users never see a traceback
        traceback.print_exc()
        st.error(t("app.error", detail=f"{type(exc).__name__}: {exc}"))


def change_args(change: float | None, text: str, t: Translator, since: str, *, worse_when_up: bool = True) -> dict:
    """``st.metric`` keyword arguments for a change: ``text`` is the formatted change (``+3``); no change
    reads "sin cambio" in grey with no arrow (a text delta would otherwise show a coloured up arrow)."""
    if change is None or change != change:
        return {"delta": None}
    if round(change, 9) == 0:
        return {"delta": f"{t('overview.no_change')} {since}", "delta_color": "off", "delta_arrow": "off"}
    return {"delta": f"{text} {since}", "delta_color": "inverse" if worse_when_up else "normal"}


def show_figure(fig, data: pd.DataFrame, t: Translator, caption: str, key: str) -> None:
    """A chart, its one-line caption, and the numbers behind it one click away."""
    st.plotly_chart(fig, width="stretch", theme=None, key=key)
    st.caption(caption)
    with st.expander(t("overview.show_data")):
        st.dataframe(data, hide_index=True, width="stretch")


# --- sessions: what the table saw on a session day (pages Sesiones and Presentación) -------------------
@st.cache_resource(show_spinner=False, max_entries=8)
def _session_bundle(url: str, data_version: tuple, day: date, lang: str, public: bool):
    from gapsmodel.views.presentation import build_slides, session_data
    data = session_data(store(), catalog(), territory(), day, public=public,
                        snapshot=lambda as_of, until: snapshot(as_of, until),
                        gaps=lambda periods, as_of, until, pub: gaps(periods, as_of, until, public=pub))
    return data, build_slides(data, catalog(), territory(), Translator(lang))


def session_bundle(day: date, public: bool = True):
    """(SessionData, slides) of the session on ``day`` as known that day; cached per data version."""
    return _session_bundle(default_url(), version(), day, language(), public)


def sessions_changed() -> None:
    """Forget cached sessions and session slides after a session or agreement was written."""
    _sessions.clear()
    _session_bundle.clear()


# --- entry point guard ----------------------------------------------------------------------
ENTRY_FLAG = "_ran_through_dashboard"
WANTED_PAGE = "_wanted_page"


def require_entry_point(page_file: str) -> None:
    """Send a page opened by its own address straight after a server start through dashboard.py.

    Until some session has run ``st.navigation``, Streamlit serves files in ``pages/`` on their own (its
    older multipage mode), without the app's navigation, language switch and banner. The entry point
    sets ENTRY_FLAG in every session it runs; a page run in a session without it hands over to the
    entry point, which then opens the page the user asked for.
    """
    if not st.session_state.get(ENTRY_FLAG):
        from pathlib import Path
        # the page and its query string (a shared link's filters) survive the hand-over
        st.session_state[WANTED_PAGE] = (f"pages/{Path(page_file).name}", st.query_params.to_dict())
        st.switch_page("dashboard.py", query_params=st.query_params.to_dict())


# --- accounts: sign-in state, the account box in the sidebar, pages by role ----------------------------
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
    who = actor()
    if who.can(ADMIN_PAGE_ACTIONS[f"pages/{Path(page_file).name}"]):
        return who
    st.warning(t("accounts.admins_only"))
    return None


def login_required() -> bool:
    """True when the deployment shows nothing but the login page to visitors (GAPSMODEL_REQUIRE_LOGIN=1)."""
    import os
    return os.environ.get(REQUIRE_LOGIN_ENV, "").strip().lower() in {"1", "true", "yes", "on", "si", "sí"}


def signed_in() -> bool:
    return actor().role != "public"


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
    token = login_sessions.start(store(), username, hours=remember_hours())
    st.session_state[REMEMBERED_TOKEN] = token
    st.session_state[COOKIE_PENDING] = ("set", token)


def remember_hours() -> float:
    return float(catalog().settings.get("accounts", {}).get("remember_hours", 12))


def renew_remembered() -> None:
    """After a password change (which ends every remembered sign-in of the account), remember this
    browser again if it was remembered."""
    if st.session_state.get(REMEMBERED_TOKEN):
        _remember(actor().username)


def sign_out(notice: str | None = None) -> None:
    """Forget the signed-in user of this session (and of this browser, if remembered); ``notice`` is shown
    once in the sidebar."""
    st.session_state.pop("actor", None)
    st.session_state.pop(LOGIN, None)
    token = st.session_state.pop(REMEMBERED_TOKEN, None)
    if token:
        from gapsmodel.records import login_sessions
        login_sessions.end(store(), token)
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
    username = login_sessions.resume(store(), token)
    try:
        who = accounts.actor_for(store(), username) if username else None
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
        sign_out(translator()("accounts.refresh_failed"))


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
            who = accounts.actor_for(store(), email)
        except accounts.LoginFailed:
            st.session_state[LOGIN_NOTICE] = translator()("accounts.oidc_no_account", email=markdown_escaped(email))
            return
        sign_in(who, via="oidc")
        store().audit(who.username, "login", {"role": who.role, "institution": who.institution, "via": "oidc"})
        return
    try:
        st.session_state["actor"] = accounts.actor_for(store(), login["username"])
    except accounts.LoginFailed as exc:
        sign_out(str(exc))


def markdown_escaped(text: str) -> str:
    """Text from outside (an e-mail from the identity provider) shown literally inside st.warning/st.info."""
    import re
    return re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~$:])", r"\\\1", str(text))


def role_label(t: Translator, role: str) -> str:
    return t(f"accounts.role_{role}")


def institution_label(code: str | None) -> str:
    if not code:
        return ""
    try:
        return f"{code} — {catalog().label('institutions', code, language())}"
    except Exception:  # noqa: BLE001 - an institution no longer in the catalog still shows its code
        return code


def account_sidebar(t: Translator) -> None:
    """Who is signed in, with which role and institution (or that nobody is), in the sidebar."""
    notice = st.session_state.pop(LOGIN_NOTICE, None)
    if notice:
        st.warning(notice)
    who = actor()
    if not signed_in():
        st.caption(t("accounts.sidebar_public"))
        return
    lines = [t("accounts.sidebar_user", user=who.username), t("accounts.sidebar_role", role=role_label(t, who.role))]
    if who.institution:
        lines.append(t("accounts.sidebar_institution", institution=institution_label(who.institution)))
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
    admin = [p for p in admin_pages if actor().can(ADMIN_PAGE_ACTIONS.get(p[0], "manage_users"))]
    return list(pages) + [account] + admin


def institution_picker(t: Translator, key: str) -> str:
    """An institution chosen from the catalog by an administrator or analyst, kept in the URL (?institucion=)."""
    codes = list(catalog().institutions.index)
    wanted = st.query_params.get("institucion")
    if key not in st.session_state and wanted in codes:
        st.session_state[key] = wanted
    code = st.selectbox(t("upload.institution"), codes, key=key,
                        format_func=lambda c: f"{c} — {catalog().label('institutions', c, t.lang)}")
    st.query_params["institucion"] = code
    return code
