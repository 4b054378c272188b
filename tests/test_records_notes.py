"""Notes on the figures: written by analysts and administrators, edited or withdrawn with their history
kept and audited, shown as plain text in the session's slides, report and deck, public ones only to the
public."""
from __future__ import annotations

import io
import re
from datetime import date, datetime

import pandas as pd
import pytest
from pptx import Presentation

from gapsmodel import cli
from gapsmodel.i18n import Translator
from gapsmodel.records.notes import NoteError, add_note, note_history, notes_frame, update_note, withdraw_note
from gapsmodel.records.permissions import Actor, PermissionDenied
from gapsmodel.records.sessions import add_session
from gapsmodel.views.deck import build_pptx
from gapsmodel.views.presentation import build_slides, session_data
from gapsmodel.views.report import build_report
from tests.helpers import shelter_rows

ADMIN, ANALYST, PARTNER = Actor("ana", "admin"), Actor("luis", "analyst"), Actor("p", "partner", "ACNUR")
PUBLIC_NOTE = "Abrió el albergue de <b>Aguas Verdes</b> **hoy**"
MEMBERS_NOTE = "DIRESA cambió su método de conteo"




@pytest.fixture
def noted(store):
    """April and May 2022 of shelter in Aguas Verdes, sessions in May and June, two notes on May."""
    store.add_batch(shelter_rows("2022-04", 1000, 900), institution="ACNUR", uploaded_at=datetime(2022, 5, 5))
    add_session(store, date(2022, 5, 20), "Sesión de mayo", actor=ADMIN)
    store.add_batch(shelter_rows("2022-05", 1000, 300), institution="ACNUR", uploaded_at=datetime(2022, 6, 5))
    add_session(store, date(2022, 6, 20), "Sesión de junio", actor=ADMIN)
    add_note(store, "camas_albergue", "240302", "2022-05", PUBLIC_NOTE, public=True, actor=ANALYST,
             at=datetime(2022, 6, 10))
    add_note(store, "camas_albergue", "240302", "2022-04", MEMBERS_NOTE, end="2022-05", actor=ADMIN,
             at=datetime(2022, 6, 11))
    return store


def test_notes_keep_their_history_and_are_audited(store):
    with pytest.raises(PermissionDenied):
        add_note(store, "camas_albergue", "240302", "2022-05", "x", actor=PARTNER)
    with pytest.raises(NoteError):
        add_note(store, "camas_albergue", "240302", "2022-05", "   ", actor=ANALYST)
    with pytest.raises(NoteError):
        add_note(store, "camas_albergue", "240302", "2022-05", "x", end="2022-04", actor=ANALYST)
    with pytest.raises(NoteError):
        add_note(store, "camas_albergue", "240302", "2022-05", "x" * 281, actor=ANALYST)
    ident = add_note(store, "camas_albergue", "240302", "2022-05", "primera", actor=ANALYST, at=datetime(2022, 6, 1))
    update_note(store, ident, text="corregida", public=True, actor=ADMIN, at=datetime(2022, 6, 2))
    withdraw_note(store, ident, actor=ANALYST, at=datetime(2022, 6, 3))
    assert notes_frame(store).empty
    assert notes_frame(store, include_withdrawn=True)["text"].tolist() == ["corregida"]
    history = note_history(store, ident)
    assert history[["text", "public", "withdrawn", "recorded_by"]].values.tolist() == [
        ["primera", False, False, "luis"], ["corregida", True, False, "ana"], ["corregida", True, True, "luis"]]
    # as it stood on 1 June 12:00: the first version, members only
    stood = notes_frame(store, as_of=datetime(2022, 6, 1, 12))
    assert stood[["text", "public", "author"]].values.tolist() == [["primera", False, "luis"]]
    assert notes_frame(store, as_of=datetime(2022, 6, 1, 12), public_only=True).empty
    actions = store.audit_frame()["action"].tolist()
    assert actions.count("note") == 1 and actions.count("note_update") == 2


def test_slides_show_public_notes_to_the_public_and_all_with_author_to_members(noted, catalog, territory):
    t = Translator("es")
    day = date(2022, 6, 20)
    public = build_slides(session_data(noted, catalog, territory, day), catalog, territory, t)
    exact = build_slides(session_data(noted, catalog, territory, day, public=False), catalog, territory, t)
    shelter = next(s for s in public if s.key == "sector:alojamiento")
    assert shelter.bullets == [f"✎ 1 · Camas de albergue, Aguas Verdes, may. 2022: {PUBLIC_NOTE}"]
    assert [a.text for a in shelter.figure.layout.annotations if a.text.startswith("✎")] == ["✎ 1"]
    members = next(s for s in exact if s.key == "sector:alojamiento").bullets
    assert members == [f"✎ 1 · Camas de albergue, Aguas Verdes, abr. 2022 – may. 2022: {MEMBERS_NOTE} "
                       f"(nota de ana, 11 jun. 2022)",     # in order of their first month
                       f"✎ 2 · Camas de albergue, Aguas Verdes, may. 2022: {PUBLIC_NOTE} (nota de luis, 10 jun. 2022)"]
    # the change of coverage in Aguas Verdes is explained by the notes on it
    changes = next(s for s in public if s.key == "changes")
    assert f"Nota sobre Camas de albergue en Aguas Verdes: {PUBLIC_NOTE}" in changes.bullets
    assert not any(MEMBERS_NOTE in b for s in public for b in s.bullets)
    # the session of May did not know the notes written in June
    may = build_slides(session_data(noted, catalog, territory, date(2022, 5, 20), public=False), catalog, territory, t)
    assert not any("✎" in b for s in may for b in s.bullets)


def test_report_and_deck_show_notes_as_plain_text(noted, catalog, territory):
    day = date(2022, 6, 20)
    body = re.sub(r"<script\b.*?</script>", "", build_report(noted, catalog, territory, day), flags=re.S)
    assert "Abrió el albergue de &lt;b&gt;Aguas Verdes&lt;/b&gt; **hoy**" in body and "<b>Aguas" not in body
    assert MEMBERS_NOTE not in body
    deck = Presentation(io.BytesIO(build_pptx(noted, catalog, territory, day, public=False)))
    text = "\n".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame)
    assert PUBLIC_NOTE in text and MEMBERS_NOTE in text


def test_notes_command(store, capsys):
    url = store.engine.url.render_as_string(hide_password=False)
    run = lambda *a: cli.main(["notes", *a, "--db", url])  # noqa: E731
    assert run("add", "--gap", "camas_albergue", "--place", "240302", "--from", "2024-03", "--text",
               "Abrió el albergue", "--public") == 0
    assert run("add", "--gap", "nada", "--place", "240302", "--from", "2024-03", "--text", "x") == 2
    assert run("add", "--gap", "camas_albergue", "--place", "999999", "--from", "2024-03", "--text", "x") == 2
    assert run("add", "--gap", "camas_albergue", "--place", "24", "--from", "2024-13", "--text", "x") == 1
    assert run("edit", "1", "--text", "Abrió el albergue de Aguas Verdes", "--members") == 0
    assert run("withdraw", "1") == 0
    assert run("edit", "7", "--text", "y") == 1
    capsys.readouterr()
    assert run("history", "1", "--format", "csv") == 0
    history = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert history["text"].tolist() == ["Abrió el albergue", "Abrió el albergue de Aguas Verdes",
                                        "Abrió el albergue de Aguas Verdes"]
    assert history["withdrawn"].tolist() == [False, False, True]
    assert run("list") == 0 and "Sin notas" in capsys.readouterr().out


def test_a_public_note_carries_no_figure_but_a_year(store):
    """A member who sees exact counts could type one into a public note: it would bypass the publication step."""
    with pytest.raises(NoteError, match="no puede llevar cifras.*'3'"):
        add_note(store, "atencion_trata", "240303", "2024-03", "3 víctimas en Matapalo", public=True, actor=ANALYST)
    with pytest.raises(NoteError, match="no puede llevar cifras"):
        add_note(store, "atencion_trata", "240303", "2024-03", "subió a 1.250 casos", public=True, actor=ANALYST)
    ident = add_note(store, "atencion_trata", "240303", "2024-03", "3 víctimas en Matapalo", actor=ANALYST)
    with pytest.raises(NoteError, match="no puede llevar cifras"):
        update_note(store, ident, public=True, actor=ADMIN)      # made public later: checked then too
    add_note(store, "atencion_trata", "240303", "2024-03", "El CEM abrió en marzo de 2024", public=True, actor=ANALYST)
