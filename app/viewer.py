"""Who is looking: the signed-in actor (or the public) and the language of the page."""
from __future__ import annotations


import streamlit as st

from gapsmodel.i18n import LANGUAGES, Translator
from gapsmodel.records.permissions import PUBLIC, Actor



ACTOR_KEY = "actor"   # st.session_state[ACTOR_KEY]: the signed-in Actor (app.signin writes it)


def actor() -> Actor:
    return st.session_state.get(ACTOR_KEY, PUBLIC)


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
