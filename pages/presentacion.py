"""Presentación: one session for the projector, one message per slide, small counts always suppressed."""
from __future__ import annotations

from datetime import date

import streamlit as st

from app import cached, entry, viewer
from gapsmodel.views.deck import PdfUnavailable, office_program, pdf_from_pptx, render_pptx
from gapsmodel.views.presentation import md_escape

entry.require_entry_point(__file__)

# static page style only (no user text): large type and high contrast for a projected screen
STYLE = """<style>
.st-key-slide h1 {font-size: 3.2rem !important; line-height: 1.15; color: #000;}
.st-key-slide h2 {font-size: 2.1rem !important; font-weight: 600; color: #111;}
.st-key-slide li, .st-key-slide p {font-size: 1.5rem; color: #111;}
.st-key-counter p {font-size: 1.6rem; font-weight: 700; text-align: center; margin: 0;}
</style>"""

t = viewer.translator()
catalog, territory = cached.catalog(), cached.territory()
frames = cached.sessions()
if frames.empty:
    st.title(t("presentation.title"))
    st.info(t("presentation.none"))
    st.stop()

titles = dict(zip(frames["date"], frames["title"]))
dates = sorted(titles, reverse=True)


def _date_param(name: str) -> date | None:
    try:
        return date.fromisoformat(st.query_params.get(name, ""))
    except ValueError:
        return None


wanted = _date_param("session")
day = st.selectbox(t("presentation.select"), dates, index=dates.index(wanted) if wanted in titles else 0,
                   format_func=lambda d: t("sessions.option", date=t.date(d), title=titles[d]), key="present_day")
st.query_params["session"] = day.isoformat()

data, slides = cached.session_bundle(day, public=True)   # suppression always on: it is a projected screen
total = len(slides)

if st.session_state.get("slide_day") != day:
    st.session_state["slide_day"] = day
    try:
        start = int(st.query_params.get("slide", "1"))
    except ValueError:
        start = 1
    st.session_state["slide_no"] = start
st.session_state["slide_no"] = max(1, min(total, int(st.session_state.get("slide_no", 1))))


def _step(delta: int) -> None:
    st.session_state["slide_no"] = max(1, min(total, st.session_state["slide_no"] + delta))


st.markdown(STYLE, unsafe_allow_html=True)
number = st.session_state["slide_no"]
nav = st.columns([1, 1, 1], vertical_alignment="center")
nav[0].button(t("presentation.prev"), icon=":material/arrow_back:", key="slide_prev", on_click=_step, args=(-1,),
              disabled=number <= 1, shortcut="Left", width="stretch")
with nav[1].container(key="counter"):
    st.markdown(t("presentation.counter", n=number, total=total))
nav[2].button(t("presentation.next"), icon=":material/arrow_forward:", key="slide_next", on_click=_step, args=(1,),
              disabled=number >= total, shortcut="Right", width="stretch")
st.query_params["slide"] = str(number)

slide = slides[number - 1]
with st.container(key="slide"):
    st.markdown(f"# {md_escape(slide.title)}")
    if slide.message:
        st.markdown(f"## {md_escape(slide.message)}")
    if slide.bullets:
        st.markdown("\n".join(f"- {md_escape(b)}" for b in slide.bullets))
    if slide.figure is not None:
        st.plotly_chart(slide.figure, theme=None, width="stretch", key=f"slide_fig_{slide.key}")
    if slide.note:
        st.caption(md_escape(slide.note))
    if slide.tables:
        with st.expander(t("presentation.data")):
            for caption, table in slide.tables:
                st.caption(md_escape(caption))
                st.dataframe(table, hide_index=True, width="stretch")
st.caption(t("presentation.keys_help"))


def _deck() -> bytes:
    from gapsmodel.records.demo import is_demo
    return render_pptx(slides, data, t, territory_name=territory.region_name, demo=is_demo(cached.store()))


def _deck_pdf() -> bytes:
    try:
        return pdf_from_pptx(_deck())
    except PdfUnavailable:      # LibreOffice failed after all: an empty file rather than a traceback
        return b""


# built only when clicked; the same public slides as on the screen
downloads = st.columns(2)
downloads[0].download_button(t("deck.download"), _deck, f"sesion_{day.isoformat()}.pptx",
                             "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                             key="dl_deck", icon=":material/slideshow:", on_click="ignore")
if office_program() is not None:
    downloads[1].download_button(t("deck.download_pdf"), _deck_pdf, f"sesion_{day.isoformat()}.pdf",
                                 "application/pdf", key="dl_deck_pdf", icon=":material/picture_as_pdf:",
                                 on_click="ignore")
