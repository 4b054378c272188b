"""The entry-point guard: a page opened by its own address goes through dashboard.py first."""
from __future__ import annotations


import streamlit as st




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
