"""Pages Sesiones, Acuerdos and Presentación under AppTest on a private demo database."""
from __future__ import annotations

from datetime import date

import pytest

from gapsmodel.records.sessions import add_agreement
from gapsmodel.records.store import Store


def texts(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def frames_text(at) -> str:
    return "\n".join(df.value.to_string() for df in at.dataframe)


def test_presentation_steps_through_every_slide_with_small_counts_suppressed(app):
    at = app(role="admin", page="pages/presentacion.py", query={"session": "2023-06-14"})
    assert not at.exception
    counter = [m.value for m in at.markdown if " / " in m.value and len(m.value) < 12]
    total = int(counter[0].split(" / ")[1])
    assert counter[0] == f"1 / {total}" and total >= 14
    assert at.query_params["slide"] == ["1"] or at.query_params["slide"] == "1"
    assert at.button(key="slide_prev").disabled
    seen_titles, small = [], False
    for n in range(1, total + 1):
        assert f"{n} / {total}" in texts(at)
        heading = [m.value for m in at.markdown if 'class="slide-message"' in m.value]
        seen_titles.append(heading[0])
        small = small or "<5" in frames_text(at)
        if n < total:
            at.button(key="slide_next").click().run()
            assert not at.exception
    assert at.button(key="slide_next").disabled
    assert len(set(seen_titles)) == total                 # every slide is a different one
    assert any("Trata de personas" in h for h in seen_titles)
    assert small, "a suppressed small count should read <5 even for a logged-in administrator"
    at.button(key="slide_prev").click().run()
    assert f"{total - 1} / {total}" in texts(at)


def test_presentation_slide_index_comes_from_the_url_and_is_validated(app):
    at = app(page="pages/presentacion.py", query={"session": "2023-06-14", "slide": "3"})
    assert "3 / " in texts(at)
    at = app(page="pages/presentacion.py", query={"session": "not-a-date", "slide": "999"})
    assert not at.exception
    counter = [m.value for m in at.markdown if " / " in m.value and len(m.value) < 12][0]
    n, total = counter.split(" / ")
    assert n == total


def test_presentation_offers_the_deck_as_powerpoint_to_visitors(app):
    at = app(role="public", page="pages/presentacion.py", query={"session": "2023-06-14"})
    assert not at.exception
    from gapsmodel.views.deck import office_program
    expected = ["Descargar PowerPoint (.pptx)"] + (["Descargar PDF"] if office_program() else [])
    assert [b.label for b in at.get("download_button")] == expected


def test_sessions_page_shows_the_session_as_of_its_date_and_its_changes(app):
    at = app(page="pages/sesiones.py", query={"session": "2023-06-14"})
    assert not at.exception and not at.error
    body = texts(at)
    assert "14 de junio de 2023" in body and "periodo mayo 2023" in body
    assert "10 de mayo de 2023" in body                   # the previous session
    assert "brechas regionales est" in body
    assert [m.label for m in at.metric] == ["Brechas regionales críticas", "Reportes recibidos"]
    assert len(at.get("download_button")) == 1
    # public: no admin controls
    assert not [b for b in at.button if b.label in ("Aprobar y cerrar", "Reabrir")]


def test_admin_approves_and_reopens_a_month_from_the_sessions_page(app, demo_url):
    at = app(role="admin", page="pages/sesiones.py")
    at.selectbox(key="approve_which").set_value("2024-05")
    at.button[[b.label for b in at.button].index("Aprobar y cerrar")].click().run()
    assert not at.exception
    store = Store.open(demo_url)
    assert store.locked_months() == {"2024-05"}
    assert "Cerrado" in frames_text(at)
    at.selectbox(key="reopen_which").set_value("2024-05")
    at.text_input(key="reopen_reason").set_value("corrección de DIRESA")
    at.button[[b.label for b in at.button].index("Reabrir")].click().run()
    assert store.locked_months() == set()
    assert (store.audit_frame()["action"] == "reopen").sum() == 1


def test_agreements_page_lists_overdue_first_and_never_renders_user_text(app, demo_url):
    store = Store.open(demo_url)
    add_agreement(store, date(2024, 7, 10), "**importante** <img src=x onerror=alert(1)>", "CARE",
                  date(2099, 1, 1))
    at = app(page="pages/acuerdos.py")
    assert not at.exception
    table = at.dataframe[0].value
    statuses = list(table["Estado"])
    overdue = [s for s in statuses if "Vencido" in s]
    assert overdue and statuses[:len(overdue)] == overdue
    assert "**importante** <img src=x onerror=alert(1)>" in list(table["Acuerdo"])
    assert "onerror" not in texts(at)                       # never through markdown or HTML
    at = app(page="pages/acuerdos.py", query={"institution": "CARE"})
    assert set(at.dataframe[0].value["Responsable"]) == {"CARE Perú"}


def test_admin_updates_an_agreement_status(app, demo_url):
    at = app(role="admin", page="pages/acuerdos.py")
    first = at.selectbox(key="agreement_which").value
    at.selectbox(key="agreement_status").set_value("cumplido")
    at.button[[b.label for b in at.button].index("Actualizar estado")].click().run()
    assert not at.exception
    from gapsmodel.records.sessions import agreements_frame
    frame = agreements_frame(Store.open(demo_url)).set_index("id")
    assert frame.loc[first, "status"] == "cumplido"


@pytest.mark.parametrize("lang", ["es", "en"])
def test_session_pages_have_titles_in_both_languages(app, lang):
    at = app(lang=lang, page="pages/sesiones.py")
    assert not at.exception
    assert at.title[0].value == {"es": "Sesiones de la Mesa", "en": "Sessions of the table"}[lang]


def test_agreements_page_shows_an_agreements_history_and_who_recorded_it_only_to_admins(app, demo_url):
    from gapsmodel.records.sessions import agreements_frame
    frame = agreements_frame(Store.open(demo_url))
    done = int(frame[frame["status"].eq("cumplido")]["id"].iloc[0])   # the demo follows these up twice
    at = app(page="pages/acuerdos.py")
    at.selectbox(key="agreement_history").set_value(done).run()
    assert not at.exception
    history = at.dataframe[-1].value
    assert [s.split(" ", 1)[1] for s in history["Estado"]] == ["Pendiente", "En curso", "Cumplido"]
    assert "Por" not in history.columns                      # the public does not see who recorded it
    at = app(role="admin", page="pages/acuerdos.py")
    at.selectbox(key="agreement_history").set_value(done).run()
    assert "Por" in at.dataframe[-1].value.columns


def test_issue12_a_session_title_is_shown_as_text_not_markdown(app, demo_url):
    """A title was rendered as Markdown on the public Sesiones page: links and image requests could be planted."""
    from gapsmodel.records.sessions import update_session
    planted = "Sesión [pulse aquí](https://evil.example) ![x](https://evil.example/p.png) **urgente**"
    update_session(Store.open(demo_url), date(2023, 5, 10), title=planted)
    at = app(page="pages/sesiones.py", query={"session": "2023-06-14"})
    assert not at.exception
    shown = texts(at)
    import re
    assert "pulse aquí" in shown and "evil" in shown     # the title is there, as text
    assert not re.search(r"(?<!\\)\]\(", shown) and not re.search(r"(?<!\\)\*(?<!\\)\*urgente", shown)


def test_an_analyst_writes_a_note_on_the_sessions_page_and_visitors_see_only_public_ones(app, demo_url):
    at = app(role="analyst", page="pages/sesiones.py", query={"session": "2023-06-14"})
    assert not at.exception
    at.selectbox(key="note_gap").set_value("camas_albergue")
    at.selectbox(key="note_place").set_value("240302")
    at.selectbox(key="note_from").set_value("2023-05")
    at.selectbox(key="note_to").set_value("2023-05")
    at.text_area(key="note_text").set_value("Abrió el albergue de **Aguas Verdes** <b>x</b>")
    at.button[[b.label for b in at.button].index("Guardar la nota")].click().run()
    assert not at.exception and not at.error
    shown = "\n".join(e.value for e in at.text)
    assert "Camas de albergue, Aguas Verdes, may. 2023: Abrió el albergue de **Aguas Verdes** <b>x</b>" in shown
    assert "(nota de test_analyst," in shown
    from gapsmodel.records.notes import notes_frame
    assert notes_frame(Store.open(demo_url))["public"].tolist() == [False]
    visitor = app(page="pages/sesiones.py", query={"session": "2023-06-14"})
    assert "Aguas Verdes**" not in "\n".join(e.value for e in visitor.text)
    assert "No hay notas sobre los meses de esta sesión." in [c.value for c in visitor.caption]


def test_the_key_changes_cite_the_note_that_explains_one(app, demo_url):
    from datetime import datetime

    from gapsmodel.records.notes import add_note
    from gapsmodel.records.permissions import Actor
    add_note(Store.open(demo_url), "asistencia_alimentaria", "240103", "2023-05", "Cerró el comedor *popular*",
             public=True, actor=Actor("luis", "analyst"), at=datetime(2023, 6, 1))
    at = app(page="pages/sesiones.py", query={"session": "2023-06-14"})
    assert not at.exception
    # escaped for markdown: the asterisks stay asterisks
    assert "- Nota sobre Asistencia alimentaria en La Cruz\\: Cerró el comedor \\*popular\\*" in texts(at)


def test_an_analyst_corrects_a_note_on_the_sessions_page_and_a_figure_in_a_public_one_is_refused(app, demo_url):
    from gapsmodel.records.notes import add_note, note_history, notes_frame
    from gapsmodel.records.permissions import Actor
    store = Store.open(demo_url)
    ident = add_note(store, "camas_albergue", "240302", "2023-05", "Abrió el albergue", actor=Actor("luis", "analyst"))
    at = app(role="analyst", page="pages/sesiones.py", query={"session": "2023-06-14"})
    at.selectbox(key="note_edit").set_value(ident)
    at.text_area(key="note_edit_text").set_value("Abrió el albergue de 40 camas")
    at.checkbox(key="note_edit_public").check()
    at.button[[b.label for b in at.button].index("Guardar la corrección (queda en el historial)")].click().run()
    assert not at.exception
    assert any("no puede llevar cifras" in e.value and "A public note" not in e.value for e in at.error)
    assert notes_frame(store)["text"].tolist() == ["Abrió el albergue"]          # refused: nothing changed
    at.text_area(key="note_edit_text").set_value("Abrió el albergue de Aguas Verdes")
    at.button[[b.label for b in at.button].index("Guardar la corrección (queda en el historial)")].click().run()
    assert not at.error and [s.value for s in at.success] == ["Nota corregida."]
    assert notes_frame(store)[["text", "public"]].values.tolist() == [["Abrió el albergue de Aguas Verdes", True]]
    assert len(note_history(store, ident)) == 2
