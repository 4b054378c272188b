"""Widgets and formatting shared by the pages: the period picker, the demo banner, charts with
their data, guarded drawing, change arrows, escaped text and institution pickers."""
from __future__ import annotations

import traceback
from contextlib import contextmanager

import pandas as pd
import streamlit as st

from gapsmodel import model
from gapsmodel.records.demo import is_demo
from gapsmodel.i18n import Translator, one_language
from gapsmodel.rules.periods import KINDS, Period, parse_period, period_of, periods_between

from app import viewer
from app import cached


def period_picker(t: Translator, snap: model.Snapshot, key: str = "period") -> Period | None:
    """Kind (month, quarter, year) and period; default the latest complete month; kept in the URL."""
    if snap.empty:
        return None
    default = model.latest_complete_month(snap, cached.catalog())
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


# static page style only (no user text): metric cards wrap their label and value instead of cutting them
# with an ellipsis the reader cannot open ("Documentation and regularisat…", "▲ Moder…")
GLOBAL_STYLE = """<style>
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *, [data-testid="stMetricValue"],
[data-testid="stMetricValue"] *, [data-testid="stMetricDelta"], [data-testid="stMetricDelta"] * {
  white-space: normal !important; text-overflow: clip !important; overflow: visible !important;
  overflow-wrap: anywhere;}
[data-testid="stMetricValue"] {line-height: 1.15;}
/* phones (Streamlit stacks columns below 640 px): Plotly's mode bar would sit over chart titles, and a
   page drawing a chart twice (.st-key-wide_only / .st-key-narrow_only) shows the one for the screen */
@media (max-width: 640px) {
  .js-plotly-plot .modebar-container {display: none !important;}
  .st-key-wide_only {display: none !important;}
}
@media (min-width: 641px) {.st-key-narrow_only {display: none !important;}}
/* on a touch screen a table's toolbar (search, full screen…) is always shown, 44 px above the table: give it
   that room, or it covers the caption, card or expander title above */
@media (hover: none) {
  [data-testid="stElementContainer"]:has([data-testid="stElementToolbar"]) {padding-top: 44px;}
}
</style>"""


def _css_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def own_strings_style(t: Translator) -> str:
    """Streamlit writes a few strings of its own in English whatever the page's language and offers no
    way to translate them. The least bad way: the file picker's button and hint are written over from
    our catalog (the hint also drops Streamlit's upload limit, which is not ours: the page states ours),
    and the "Press Enter to apply" hints are hidden. What stays in English is named in the README."""
    return f"""<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{font-size: 0;}}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
  content: {_css_text(t("app.st_upload_button"))}; font-size: 0.875rem;}}
[data-testid="stFileUploaderDropzoneInstructions"] span {{font-size: 0;}}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{
  content: {_css_text(t("app.st_upload_hint"))}; font-size: 0.875rem;}}
[data-testid="InputInstructions"] {{display: none;}}
</style>"""


def global_style(t: Translator) -> None:
    st.html(GLOBAL_STYLE + own_strings_style(t))


def demo_banner(t: Translator) -> None:
    if is_demo(cached.store()):
        st.warning(t("app.demo_banner"))


@contextmanager
def guarded(t: Translator):
    """Show a clear message instead of a traceback when something fails while drawing a view."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - users never see a traceback
        traceback.print_exc()
        st.error(t("app.error", detail=f"{type(exc).__name__}: {exc}"))


# a drawn map has no data to select or rescale: its mode bar keeps zoom, pan, reset and the picture, and is
# then narrow enough to stay clear of a long title in the page's wider column
MAP_MODE_BAR = {"displaylogo": False,
                "modeBarButtonsToRemove": ["select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d"]}


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
    show_data(data, t, caption)


def show_data(data: pd.DataFrame, t: Translator, caption: str) -> None:
    """A chart's one-line caption and the numbers behind it one click away."""
    st.caption(caption)
    with st.expander(t("overview.show_data")):
        st.dataframe(data, hide_index=True, width="stretch")


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
        return f"{code} — {cached.catalog().label('institutions', code, viewer.language())}"
    except Exception:  # noqa: BLE001 - an institution no longer in the catalog still shows its code
        return code


def institution_picker(t: Translator, key: str) -> str:
    """An institution chosen from the catalog by an administrator or analyst, kept in the URL (?institucion=)."""
    codes = list(cached.catalog().institutions.index)
    wanted = st.query_params.get("institucion")
    if key not in st.session_state and wanted in codes:
        st.session_state[key] = wanted
    code = st.selectbox(t("upload.institution"), codes, key=key,
                        format_func=lambda c: f"{c} — {cached.catalog().label('institutions', c, t.lang)}")
    st.query_params["institucion"] = code
    return code


def figure_notes(first_month: str, last_month: str, gap_codes=None, ubigeos=None) -> pd.DataFrame:
    """The notes on the figures a viewer may read (public ones only when signed out), for those months,
    gaps and places, as they are now."""
    from gapsmodel.records.notes import covering, notes_frame
    notes = notes_frame(cached.store(), public_only=viewer.is_public())
    return covering(notes, first_month, last_month, gap_codes, ubigeos).reset_index(drop=True)


def show_notes(notes: pd.DataFrame, t: Translator) -> None:
    """Notes listed as plain text (the user's words, never markup), numbered as their chart markers."""
    if notes.empty:
        return
    from gapsmodel.views.presentation import note_lines
    st.caption(t("notes.header"))
    st.text("\n".join(note_lines(notes, cached.catalog(), cached.territory(), t,
                                 with_author=not viewer.is_public())))


def in_language(message: str, lang: str) -> str:
    """One language of a model message written "castellano / English" (see ``i18n.both``)."""
    return one_language(message, lang)


def refusal(exc: Exception, t: Translator) -> str:
    """A refused action's message for ``st.error``: the reader's language only, shown literally."""
    return markdown_escaped(in_language(str(exc), t.lang))
