"""Reminders in the app: *Calidad de datos* tells members when each institution was last reminded; no page
a visitor can open shows a contact address."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from gapsmodel.records.store import Store
from gapsmodel.rules.catalog import load_catalog
from gapsmodel.views import reminders

ROOT = Path(__file__).resolve().parent.parent
CALIDAD = "pages/calidad.py"
TEXT_KINDS = ("title", "header", "subheader", "caption", "markdown", "text", "info", "success", "warning", "error")


def everything_shown(at) -> str:
    """Text, tables and chart specs of the page as AppTest sees them."""
    parts = [str(e.value) for kind in TEXT_KINDS for e in getattr(at, kind)]
    parts += [e.value.to_csv() for e in at.dataframe] + [e.value.to_csv() for e in at.table]
    parts += [str(e.proto) for e in at.get("plotly_chart")]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(parts)


def remind(url: str) -> None:
    store = Store.open(url)
    reminders.record_sent(store, "cron", reminders.Reminder("ACNUR", ("datos.acnur@example.org",
                                                                      "tumbes.acnur@example.org"),
                                                            "s", "b", 2, 2), "2024-06", 2)


def test_quality_page_shows_last_reminders_to_members(app, demo_url):
    remind(demo_url)
    at = app(role="analyst", page=CALIDAD, query={"period": "2024-06"})
    assert not at.exception and not at.error
    assert "Últimos recordatorios enviados" in [s.value for s in at.subheader]
    table = next(f.value for f in at.dataframe if "Último recordatorio" in f.value.columns)
    acnur = table.set_index("Institución").loc["ACNUR"]
    assert acnur["Mes recordado"] == "Junio 2024" and acnur["Destinatarios"] == "2"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", acnur["Último recordatorio"])   # Peru time
    assert table.set_index("Institución").loc["CARE", "Último recordatorio"] == "—"   # never reminded
    assert "@" not in everything_shown(at)


def test_quality_page_hides_reminders_from_visitors(app, demo_url):
    remind(demo_url)
    at = app(role="public", page=CALIDAD, query={"period": "2024-06"})
    assert not at.exception
    assert "Últimos recordatorios enviados" not in [s.value for s in at.subheader]


def registered_pages() -> list[str]:
    tree = ast.parse((ROOT / "dashboard.py").read_text("utf-8"))
    return [node.elts[0].value for node in ast.walk(tree) if isinstance(node, ast.Tuple) and node.elts
            and isinstance(node.elts[0], ast.Constant) and str(node.elts[0].value).startswith("pages/")]


def test_no_page_a_visitor_opens_shows_a_contact_address(app, demo_url):
    remind(demo_url)
    addresses = [a for found in load_catalog().contacts.values() for a in found]
    assert len(addresses) >= 13
    at = app(role="public")
    for page in registered_pages():
        at.switch_page(page).run()
        shown = everything_shown(at)
        assert shown.strip() and not at.exception, page
        assert not [a for a in addresses if a in shown], page
        assert "example.org" not in shown, page


def test_contact_addresses_are_edited_on_the_catalog_page_and_checked(app, tmp_path, monkeypatch):
    import shutil

    from gapsmodel.records.catalog_edit import read_table
    from gapsmodel.rules.catalog import DEFAULT_DIR, DIR_ENV_VAR
    folder = tmp_path / "catalog"
    shutil.copytree(DEFAULT_DIR, folder, ignore=shutil.ignore_patterns(".history"))
    monkeypatch.setenv(DIR_ENV_VAR, str(folder))
    at = app(role="admin", page="pages/catalogo.py")
    at.selectbox(key="catalog_table").set_value("institutions.csv").run()
    assert any("contact_emails" in c.value for c in at.caption)
    table = read_table("institutions.csv", folder)
    table.loc[table["code"].eq("CARE"), "contact_emails"] = "care@example.org;sin arroba"
    original = (folder / "institutions.csv").read_bytes()
    at.file_uploader[0].set_value(("instituciones.csv", table.to_csv(index=False).encode(), "text/csv")).run()
    at.button(key="catalog_upload_save").click().run()
    [error] = at.error
    assert "'sin arroba'" in error.value and "CARE" in error.value
    assert (folder / "institutions.csv").read_bytes() == original
    table.loc[table["code"].eq("CARE"), "contact_emails"] = "care@example.org;monitoreo.care@example.org"
    at.file_uploader[0].set_value(("instituciones.csv", table.to_csv(index=False).encode(), "text/csv")).run()
    at.button(key="catalog_upload_save").click().run()
    assert not at.error
    assert load_catalog(folder).contacts["CARE"] == ("care@example.org", "monitoreo.care@example.org")
