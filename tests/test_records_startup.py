"""The terminal's first words: demo loaded and where, and how to create the first administrator."""
from __future__ import annotations

from gapsmodel.records import accounts
from gapsmodel.records.startup import startup_notice, terminal_language
from gapsmodel.records.permissions import Actor
from gapsmodel.records.store import Store

ROOT = Actor("root", "admin")


def test_a_fresh_store_names_the_database_file_and_the_first_admin_command(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'first.db'}")
    notice = startup_notice(store, demo_loaded=True, lang="es")
    assert "datos sintéticos de demostración" in notice
    assert str((tmp_path / "first.db").resolve()) in notice
    assert "python -m gapsmodel users add NOMBRE --role admin" in notice
    english = startup_notice(store, demo_loaded=True, lang="en")
    assert "synthetic demo data" in english and "users add NAME --role admin" in english
    assert "sintéticos" not in english


def test_once_an_administrator_exists_only_the_demo_line_remains(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'admin.db'}")
    accounts.add_user(store, "secretaria", "admin", password="una clave larga 2026", actor=ROOT)
    assert startup_notice(store, demo_loaded=False, lang="es") == ""
    assert "users add" not in startup_notice(store, demo_loaded=True, lang="es")


def test_accounts_that_are_not_administrators_still_ask_for_the_first_one(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'partner.db'}")
    accounts.add_user(store, "analista", "analyst", password="una clave larga 2026", actor=ROOT)
    assert "users add NOMBRE --role admin" in startup_notice(store, demo_loaded=False, lang="es")


def test_the_terminal_speaks_spanish_unless_asked_for_english(monkeypatch):
    monkeypatch.delenv("GAPSMODEL_LANG", raising=False)
    assert terminal_language() == "es"
    monkeypatch.setenv("GAPSMODEL_LANG", "en_US")
    assert terminal_language() == "en"
    monkeypatch.setenv("GAPSMODEL_LANG", "fr")
    assert terminal_language() == "es"
