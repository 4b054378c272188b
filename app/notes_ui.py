"""The notes on the figures of a session's months on the Sesiones page: the list (public ones only for
visitors), and for analysts and administrators the forms to write, correct or withdraw one. Notes are the
users' own words: always shown as plain text."""
from __future__ import annotations

import streamlit as st

from app import cached, widgets
from gapsmodel.records.notes import (MAX_NOTE_CHARS, NoteError, add_note, covering, notes_frame, update_note,
                                     withdraw_note)
from gapsmodel.records.permissions import PermissionDenied
from gapsmodel.views import presentation


def session_notes(data, t):
    """The notes on the session's months as they are now (the slides keep them as on the session day)."""
    catalog, territory = cached.catalog(), cached.territory()
    first = data.series["period"].min() if not data.series.empty else data.current.period.start
    notes = covering(notes_frame(cached.store(), public_only=data.public), str(first), data.current.period.end)
    notes = notes.reset_index(drop=True)
    return notes, presentation.note_lines(notes, catalog, territory, t, with_author=not data.public)


def figure_notes(data, actor, t) -> None:
    """The notes on the figures of the months this session covers; analysts and administrators write or
    withdraw one here. Notes are shown with st.text: the user's words, never markup."""
    st.subheader(t("notes.header"))
    listing = st.container()           # filled last, so that a note written below shows at once
    if actor.can("annotate") and not data.series.empty:
        _note_forms(data, actor, t)
    _, lines = session_notes(data, t)
    if lines:
        listing.text("\n".join(lines))
    else:
        listing.caption(t("notes.none"))


def _note_forms(data, actor, t) -> None:
    catalog, territory = cached.catalog(), cached.territory()
    months = sorted(data.series["period"].astype(str).unique(), reverse=True)
    places = [territory.region_ubigeo] + territory.district_codes
    with st.expander(t("notes.write")), st.form("new_note", clear_on_submit=True):
        c1, c2 = st.columns(2)
        gap = c1.selectbox(t("columns.gap"), list(catalog.gaps.index),
                           format_func=lambda g: catalog.label("gaps", g, t.lang), key="note_gap")
        place = c2.selectbox(t("columns.place"), places, key="note_place",
                             format_func=lambda u: presentation._place(territory, u, t))
        first = c1.selectbox(t("notes.from"), months, format_func=t.month, key="note_from")
        last = c2.selectbox(t("notes.to"), months, format_func=t.month, key="note_to")
        text = st.text_area(t("notes.text"), max_chars=MAX_NOTE_CHARS, key="note_text")
        shown = st.checkbox(t("notes.public"), value=False, key="note_public")
        if st.form_submit_button(t("notes.save")):
            try:
                add_note(cached.store(), gap, place, first, text, end=last, public=shown, actor=actor)
            except (NoteError, PermissionDenied) as exc:
                st.error(widgets.refusal(exc, t))
            else:
                cached.sessions_changed()
                st.success(t("notes.saved"))
    notes, lines = session_notes(data, t)
    if notes.empty:
        return
    with st.expander(t("notes.edit")), st.form("edit_note"):
        numbered = dict(zip(notes["id"], lines))
        chosen = st.selectbox(t("notes.which"), list(numbered), format_func=lambda i: numbered[i][:90],
                              key="note_edit")
        current = notes.set_index("id").loc[chosen]
        text = st.text_area(t("notes.text"), value=str(current["text"]), max_chars=MAX_NOTE_CHARS,
                            key="note_edit_text")
        shown = st.checkbox(t("notes.public"), value=bool(current["public"]), key="note_edit_public")
        if st.form_submit_button(t("notes.edit_button")):
            try:
                update_note(cached.store(), int(chosen), text=text, public=shown, actor=actor)
            except (NoteError, PermissionDenied) as exc:
                st.error(widgets.refusal(exc, t))
            else:
                cached.sessions_changed()
                st.success(t("notes.edited"))
    with st.expander(t("notes.withdraw")), st.form("withdraw_note"):
        numbered = dict(zip(notes["id"], lines))
        chosen = st.selectbox(t("notes.which"), list(numbered), format_func=lambda i: numbered[i][:90],
                              key="note_withdraw")
        if st.form_submit_button(t("notes.withdraw_button")):
            try:
                withdraw_note(cached.store(), int(chosen), actor=actor)
            except (NoteError, PermissionDenied) as exc:
                st.error(widgets.refusal(exc, t))
            else:
                cached.sessions_changed()
                st.success(t("notes.withdrawn"))
