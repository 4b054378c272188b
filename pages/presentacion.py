"""Presentación: one session for the projector, one slide filling the screen, small counts always suppressed.

The slide is sized to the window (CSS viewport units) so it fits a 16:9 screen without scrolling; the
sidebar, header and demo banner are hidden and a thin bar at the bottom holds the controls: ← / →
(and PageUp / PageDown, what presentation clickers send), the data behind the slide, the session, and
Esc to leave.
"""
from __future__ import annotations

import html
from datetime import date

import streamlit as st

from app import cached, entry, viewer
from gapsmodel.records.demo import is_demo
from gapsmodel.views.deck import PdfUnavailable, office_program, pdf_from_pptx, render_pptx
from gapsmodel.views.presentation import LARGE_SCREEN_SCALE, md_escape, on_slide

entry.require_entry_point(__file__)

BAR_HEIGHT = 56  # px: the control bar at the bottom of the screen
LARGE_SCREEN_PX = 1600  # from this window width on, the slide's chart is drawn with larger text
# static page style only (no user text). Sizes grow with the window width and never go below 28 px at
# 1280 px wide, so a projected slide reads from the back of the room.
STYLE = f"""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stExpandSidebarButton"], [data-testid="stDecoration"] {{display: none !important;}}
[data-testid="stMainBlockContainer"] {{padding: 1.2vh 2.5vw 0 2.5vw !important; max-width: none !important;}}
[data-testid="stAppViewContainer"] > section, [data-testid="stMain"] {{overflow: hidden;}}
div:has(> .st-key-slide), .st-key-slide {{height: calc(100dvh - {BAR_HEIGHT}px - 2.4vh) !important;
  flex: 0 0 auto !important;
  max-height: none !important;}}
.st-key-slide {{overflow: hidden !important; gap: 1.2vh; flex-wrap: nowrap;}}
.st-key-slide p.slide-kicker {{font-size: max(28px, 2.2vw); color: #555; margin: 0; line-height: 1.25;}}
.st-key-slide p.slide-message {{font-size: max(34px, 3.3vw); line-height: 1.12; color: #000; margin: 0;
  padding-top: .1em; font-weight: 700;}}
.st-key-slide ul.slide-bullets {{margin: .6em 0 0 0; padding-left: calc(1.3 * max(28px, 2.2vw));}}
.st-key-slide ul.slide-bullets li {{font-size: max(28px, 2.2vw); color: #111; line-height: 1.3; margin: 0 0 .3em 0;}}
.st-key-slide > * {{flex-shrink: 0 !important;}}
.st-key-slide [data-testid="stMarkdownContainer"] {{margin-bottom: 0 !important;}}
.st-key-slide [data-testid="stMarkdownContainer"] > div {{display: flow-root;}}
.st-key-slide > .stElementContainer:has([data-testid="stPlotlyChart"]) {{flex: 1 1 0 !important;
  min-height: 0 !important; height: auto !important;}}
.st-key-slide p.slide-note {{font-size: max(20px, 1.5vw); color: #333; margin: 0; line-height: 1.25;}}
table.slide-list {{width: 100%; border-collapse: collapse; font-size: max(28px, 2.1vw); color: #111;
  line-height: 1.2;}}
table.slide-list th, table.slide-list td {{border: none !important;}}
table.slide-list th {{text-align: left; font-weight: 600; color: #444; border-bottom: 2px solid #333 !important;
  padding: .15em .5em .15em 0;}}
table.slide-list td {{vertical-align: top; border-bottom: 1px solid #ccc !important; padding: .2em .5em .2em 0;}}
table.slide-list td.nowrap {{white-space: nowrap;}}
table.slide-list tr.overdue td {{color: #A13D00;}}
table.slide-list tr.overdue td:first-child {{font-weight: 700;}}
.st-key-slidebar {{position: fixed; left: 0; right: 0; bottom: 0; height: {BAR_HEIGHT}px; z-index: 99;
  background: #fff; border-top: 1px solid #ddd; padding: 8px 2.5vw; align-items: center;}}
.st-key-slide_counter p {{font-size: 20px; font-weight: 700; margin: 0 .5em; line-height: 40px; white-space: nowrap;}}
.st-key-slidebar_credit {{margin-left: auto; max-width: 30vw;}}
.st-key-slidebar_credit p {{font-size: 12px; color: #555; margin: 0; line-height: 1.2;}}
.st-key-slide_demo_tag {{position: fixed; top: 8px; right: 12px; z-index: 100; width: auto !important;}}
.st-key-slide_demo_tag p {{font-size: 14px; background: #FFF3C4; color: #5A4500; border: 1px solid #E6C200;
  border-radius: 4px; padding: 2px 8px; margin: 0;}}
.st-key-slide_page_keys {{display: none;}}
@media (min-width: {LARGE_SCREEN_PX}px) {{.st-key-slide [class*="st-key-slide_fig_"] {{display: none !important;}}}}
@media (max-width: {LARGE_SCREEN_PX - 0.02}px) {{
  .st-key-slide [class*="st-key-slide_bigfig_"] {{display: none !important;}}}}
</style>"""


def _date_param(name: str) -> date | None:
    try:
        return date.fromisoformat(st.query_params.get(name, ""))
    except ValueError:
        return None


def _words(text: str) -> str:
    """Escaped text whose figures keep their unit on the same line ("33 %" never breaks before "%")."""
    return html.escape(text).replace(" %", "&nbsp;%")


def _text_html(kicker: str, message: str, bullets: list[str]) -> str:
    parts = [f'<p class="slide-kicker">{html.escape(kicker)}</p>',
             f'<p class="slide-message" role="heading" aria-level="1">{_words(message)}</p>']
    if bullets:
        parts.append('<ul class="slide-bullets">' + "".join(f"<li>{_words(b)}</li>" for b in bullets) + "</ul>")
    return f'<div>{"".join(parts)}</div>'


def _agreements_html(listing, t) -> str:
    """The agreements on the slide as a plain table (their text is the users' own: escaped here)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in listing.columns if c != "overdue")
    rows = []
    for _, row in listing.iterrows():
        cells = [f'<td class="nowrap">{html.escape(str(row.iloc[0]))}</td>',
                 f'<td class="nowrap">{html.escape(str(row.iloc[1]))}</td>']
        cells += [f"<td>{html.escape(str(v))}</td>" for v in row.iloc[2:4]]
        rows.append(f'<tr class="{"overdue" if row["overdue"] else ""}">{"".join(cells)}</tr>')
    return f'<div><table class="slide-list"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


t = viewer.translator()
frames = cached.sessions()
if frames.empty:
    st.title(t("presentation.title"))
    st.info(t("presentation.none"))
    st.stop()

titles = dict(zip(frames["date"], frames["title"]))
dates = sorted(titles, reverse=True)
if st.session_state.pop("slide_leave", False):
    st.switch_page("pages/sesiones.py", query_params={"session": st.query_params.get("session", ""),
                                                      "lang": t.lang})

wanted = _date_param("session")
if st.session_state.get("present_day") not in titles:
    st.session_state["present_day"] = wanted if wanted in titles else dates[0]
day = st.session_state["present_day"]
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


def _deck() -> bytes:
    return render_pptx(slides, data, t, territory_name=cached.territory().region_name, demo=is_demo(cached.store()))


def _deck_pdf() -> bytes:
    try:
        return pdf_from_pptx(_deck())
    except PdfUnavailable:      # LibreOffice failed after all: an empty file rather than a traceback
        return b""


def _step(delta: int) -> None:
    st.session_state["slide_no"] = max(1, min(total, st.session_state["slide_no"] + delta))


def _leave() -> None:
    st.session_state["slide_leave"] = True


st.html(STYLE)   # style only: Streamlit adds it to the page without taking space
number = st.session_state["slide_no"]
st.query_params["slide"] = str(number)
slide = slides[number - 1]

# a fixed height (overridden by the style to the window's) lets the chart stretch into what the text leaves
with st.container(key="slide", height=560, border=False):
    # one block of escaped text: the kicker (what the slide is about), its message as the title, the bullets
    st.markdown(_text_html(slide.title if slide.message else t("presentation.title"), slide.message or slide.title,
                           slide.bullets), unsafe_allow_html=True)
    if slide.listing is not None and not slide.listing.empty:
        st.markdown(_agreements_html(slide.listing, t), unsafe_allow_html=True)
    if slide.figure is not None:
        # Plotly sizes text in pixels: a large screen gets a copy with larger text, and the style shows
        # the one that fits the window (a 1920 px screen shows no more than a 1280 px one)
        st.plotly_chart(on_slide(slide.figure), theme=None, width="stretch", height="stretch",
                        key=f"slide_fig_{slide.key}", config={"displayModeBar": False})
        st.plotly_chart(on_slide(slide.figure, LARGE_SCREEN_SCALE), theme=None, width="stretch",
                        height="stretch", key=f"slide_bigfig_{slide.key}", config={"displayModeBar": False})
    if slide.note:
        st.markdown(f'<div><p class="slide-note">{html.escape(slide.note)}</p></div>', unsafe_allow_html=True)

with st.container(key="slidebar", horizontal=True, gap="small"):
    st.button(t("presentation.prev"), key="slide_prev", on_click=_step, args=(-1,),
              disabled=number <= 1, shortcut="Left")
    with st.container(key="slide_counter", width="content"):
        st.markdown(t("presentation.counter", n=number, total=total))
    st.button(t("presentation.next"), key="slide_next", on_click=_step, args=(1,),
              disabled=number >= total, shortcut="Right")
    if slide.tables:
        with st.popover(t("presentation.data"), icon=":material/table_view:"):
            for caption, table in slide.tables:
                st.caption(md_escape(caption))
                st.dataframe(table, hide_index=True, width="stretch")
    with st.popover(t("presentation.select"), icon=":material/event:"):
        st.selectbox(t("presentation.select"), dates, key="present_day",
                     format_func=lambda d: t("sessions.option", date=t.date(d), title=titles[d]))
    with st.popover(t("deck.downloads"), icon=":material/download:"):
        # built only when clicked; the same public slides as on the screen
        st.download_button(t("deck.download"), _deck, f"sesion_{day.isoformat()}.pptx",
                           "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                           key="dl_deck", icon=":material/slideshow:", on_click="ignore")
        if office_program() is not None:
            st.download_button(t("deck.download_pdf"), _deck_pdf, f"sesion_{day.isoformat()}.pdf",
                               "application/pdf", key="dl_deck_pdf", icon=":material/picture_as_pdf:",
                               on_click="ignore")
    st.button(t("presentation.leave"), icon=":material/close:", key="slide_exit", on_click=_leave, shortcut="Esc")
    if is_demo(cached.store()):
        with st.container(key="slide_demo_tag", width="content"):
            st.markdown(md_escape(t("presentation.demo_tag")))
    with st.container(key="slidebar_credit", width="content"):
        st.markdown(md_escape(t("app.footer_geo_short")))
with st.container(key="slide_page_keys"):
    # what presentation clickers send; hidden, the arrows above are the visible controls
    st.button(t("presentation.next"), key="slide_page_down", on_click=_step, args=(1,), shortcut="PageDown")
    st.button(t("presentation.prev"), key="slide_page_up", on_click=_step, args=(-1,), shortcut="PageUp")
