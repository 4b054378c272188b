"""Entry point: ``streamlit run dashboard.py``. Page config, language, demo banner and navigation."""
from __future__ import annotations

import streamlit as st

from app import entry, signin, viewer, widgets

# (file, title key, icon, section key, url path); the section keys are translated in [nav]
PAGES = [
    ("pages/resumen.py", "nav.overview", ":material/dashboard:", "nav.section_table", "resumen"),
    ("pages/sesiones.py", "sessions_nav.sessions", ":material/event:", "nav.section_table", "sesiones"),
    ("pages/acuerdos.py", "sessions_nav.agreements", ":material/handshake:", "nav.section_table", "acuerdos"),
    ("pages/presentacion.py", "sessions_nav.presentation", ":material/slideshow:", "nav.section_table", "presentacion"),
    ("pages/sectores.py", "explore_nav.sectors", ":material/category:", "explore_nav.section_analysis", "sectores"),
    ("pages/mapa.py", "explore_nav.map", ":material/map:", "explore_nav.section_analysis", "mapa"),
    ("pages/tendencias.py", "explore_nav.trends", ":material/trending_up:", "explore_nav.section_analysis", "tendencias"),
    ("pages/calidad.py", "explore_nav.quality", ":material/fact_check:", "explore_nav.section_analysis", "calidad"),
    ("pages/datos.py", "explore_nav.data", ":material/table_view:", "explore_nav.section_analysis", "datos"),
    ("pages/cargar.py", "upload_nav.upload", ":material/upload_file:", "upload_nav.section_partners", "cargar"),
    ("pages/reportar.py", "upload_nav.report", ":material/edit_note:", "upload_nav.section_partners", "reportar"),
    ("pages/historial.py", "upload_history.nav", ":material/history:", "upload_nav.section_partners", "historial"),
]
# the login page for everyone ("Mi cuenta" once signed in); the administration pages only for administrators
ACCOUNT_PAGE = ("pages/ingresar.py", "accounts_nav.login", ":material/login:", "accounts_nav.section_account", "ingresar")
ADMIN_PAGES = [
    ("pages/usuarios.py", "accounts_nav.users", ":material/group:", "accounts_nav.section_admin", "usuarios"),
    ("pages/auditoria.py", "accounts_nav.audit", ":material/history:", "accounts_nav.section_admin", "auditoria"),
    ("pages/catalogo.py", "accounts_nav.catalog", ":material/tune:", "accounts_nav.section_admin", "catalogo"),
]


def main() -> None:
    st.set_page_config(page_title="Brechas Tumbes", page_icon=":material/bar_chart:", layout="wide")
    t = viewer.translator()
    signin.refresh_actor()
    pages = signin.visible_pages(PAGES, ADMIN_PAGES, ACCOUNT_PAGE)
    sections: dict[str, list] = {}
    for path, title, icon, section, url in pages:
        sections.setdefault(t(section), []).append(st.Page(path, title=t(title), icon=icon, url_path=url))
    page = st.navigation(sections, expanded=True)
    wanted, params = st.session_state.pop(entry.WANTED_PAGE, (None, {}))
    if wanted and any(path == wanted for path, *_ in pages):
        st.switch_page(wanted, query_params=params)
    with st.sidebar:
        lang = st.radio(t("app.language"), ["es", "en"], horizontal=True, key="lang",
                        format_func=lambda code: {"es": "Español", "en": "English"}[code])
        st.query_params["lang"] = lang
        st.caption(t("app.table"))
        signin.account_sidebar(t)
        signin.write_cookie()
    t = viewer.translator()
    # set once and never cleared: writing session state after the page ran resets its widgets
    st.session_state[entry.ENTRY_FLAG] = True
    # the presentation fills the screen: it writes its own small demo tag and credit line
    slide_view = page.url_path == "presentacion"
    widgets.global_style(t)
    with widgets.guarded(t):
        if not slide_view:
            widgets.demo_banner(t)
        page.run()
    if not slide_view:
        st.divider()
        st.caption(t("app.footer_geo"))


main()
