"""The session report: self-contained HTML, reproducible figures, escaped user text, and its command."""
from __future__ import annotations

import re
from datetime import date, datetime

import pandas as pd
import pytest

from gapsmodel import cli
from gapsmodel.records.permissions import Actor
from gapsmodel.views.report import build_report, table_html
from gapsmodel.records.sessions import add_agreement, add_session
from tests.helpers import shelter_rows

ADMIN = Actor("ana", "admin")
NASTY = "<script>alert('x')</script> & [enlace](http://example.org) **negrita**"




@pytest.fixture
def corrected(store):
    """May 2022 uploaded on 5 June, a session on 20 June, a correction of the beds uploaded on 1 July."""
    store.add_batch(shelter_rows("2022-05", 1234, 567), institution="ACNUR", uploaded_at=datetime(2022, 6, 5, 15))
    add_session(store, date(2022, 6, 20), "Sesión de junio", notes="Acta: " + NASTY, actor=ADMIN)
    add_agreement(store, date(2022, 6, 20), NASTY, "ACNUR", date(2022, 7, 31), gap_code="camas_albergue",
                  actor=ADMIN)
    store.add_batch(shelter_rows("2022-05", 1234, 890), institution="ACNUR", uploaded_at=datetime(2022, 7, 1, 9))
    return store


def without_scripts(text: str) -> str:
    return re.sub(r"<script\b.*?</script>", "", text, flags=re.S)


def assert_offline(text: str) -> None:
    assert not re.search(r"<script[^>]*\bsrc\s*=", text, flags=re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=", text, flags=re.I)
    assert "@import" not in text
    assert not re.search(r"url\(\s*['\"]?https?:", text, flags=re.I)
    assert text.count("<script type=\"text/javascript\">/**") <= 1   # the Plotly bundle is embedded once


def test_report_is_self_contained_and_shows_the_figures_known_at_the_session(corrected, catalog, territory):
    text = build_report(corrected, catalog, territory, date(2022, 6, 20), now=datetime(2024, 1, 2, 3, 4))
    assert_offline(text)
    assert "Plotly" in text                     # the library is inside the file
    body = without_scripts(text)
    assert ">1,234</td>" in body and ">567</td>" in body and ">667</td>" in body
    assert ">890</td>" not in body and ">344</td>" not in body    # the later correction is not in it
    assert "Generado el 2024-01-01 22:04 (hora de Lima)" in body      # 03:04 UTC is 22:04 the day before in Lima
    # the as-of moment (end of the session day, UTC) as read in Lima, five hours behind
    assert "cargas conocidas al 2022-06-20 18:59:59 (hora de Lima)" in body and "meses hasta 2022-06" in body
    # the store's URL (host, database name, file path) is never printed
    path = corrected.engine.url.database
    assert "sqlite" not in text and path not in text and path.rsplit("/", 1)[-1] not in text
    assert re.search(r"versión de los datos 1/[0-9a-f]{10}", body)   # one batch in force at the session
    assert "@media print" in text and "break-before:page" in text


def test_user_text_is_escaped_everywhere(corrected, catalog, territory):
    body = without_scripts(build_report(corrected, catalog, territory, date(2022, 6, 20)))
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; [enlace](http://example.org)" in body
    assert 'href="http://example.org"' not in body
    assert table_html(pd.DataFrame({"<a>": ["<b>1</b>"]})) == (
        '<table><thead><tr><th scope="col">&lt;a&gt;</th></tr></thead>'
        '<tbody><tr><td>&lt;b&gt;1&lt;/b&gt;</td></tr></tbody></table>')


def test_report_in_english(corrected, catalog, territory):
    body = without_scripts(build_report(corrected, catalog, territory, date(2022, 6, 20), lang="en"))
    assert "Report of the session of June 20, 2022" in body
    assert "Public report" in body


def test_public_report_suppresses_small_counts_and_exact_does_not(demo_store, catalog, territory):
    day = date(2023, 6, 14)
    public = without_scripts(build_report(demo_store, catalog, territory, day))
    exact = without_scripts(build_report(demo_store, catalog, territory, day, public=False))
    assert ">&lt;5</td>" in public
    assert ">&lt;5</td>" not in exact
    assert "Informe interno con cifras exactas" in exact


def test_report_command(corrected, tmp_path, capsys):
    url = corrected.engine.url.render_as_string(hide_password=False)
    out = tmp_path / "informe.html"
    assert cli.main(["report", "--session", "2022-06-20", "-o", str(out), "--db", url]) == 0
    text = out.read_text("utf-8")
    assert_offline(text)
    assert ">567</td>" in without_scripts(text)

    assert cli.main(["report", "--session", "2022-06-21", "-o", str(out), "--db", url]) == 2
    assert "Sesiones cercanas: 2022-06-20" in capsys.readouterr().err
    assert cli.main(["report", "--session", "21/06/2022", "-o", str(out), "--db", url]) == 2
    assert "AAAA-MM-DD" in capsys.readouterr().err
    assert cli.main(["report", "--session", "2022-06-20", "-o", str(tmp_path / "no" / "x.html"), "--db", url]) == 2
    assert cli.main(["report", "--session", "2022-06-20", "-o", str(tmp_path), "--db", url]) == 2

    en = tmp_path / "report_en.html"
    assert cli.main(["report", "--session", "2022-06-20", "-o", str(en), "--lang", "en", "--exact",
                     "--db", url]) == 0
    assert "Internal report with exact figures" in en.read_text("utf-8")


def test_a_past_report_keeps_the_agreement_status_the_room_saw(corrected, catalog, territory):
    from gapsmodel.records.sessions import agreements_frame, update_agreement
    ident = int(agreements_frame(corrected)["id"].iloc[0])
    update_agreement(corrected, ident, status="cumplido", actor=ADMIN)    # followed up today
    body = without_scripts(build_report(corrected, catalog, territory, date(2022, 6, 20)))
    assert "Pendiente" in body and "Cumplido" not in body


def test_the_report_embeds_the_smallest_plotly_that_draws_its_charts(corrected, catalog, territory):
    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs
    from gapsmodel.views.report import BASIC_BUNDLE, plotly_bundle
    full = get_plotlyjs()
    basic = BASIC_BUNDLE.read_text("utf-8")
    # the basic bundle is the same plotly.js release the Python package draws with
    version = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", full).group(1)
    assert f"plotly.js (basic - minified) v{version}" in basic[:200]
    assert len(basic) < len(full) / 3

    text = build_report(corrected, catalog, territory, date(2022, 6, 20))
    assert text.count("plotly.js (basic - minified)") == 1 and "* plotly.js v" not in text
    assert len(text) < 1_600_000                       # was 5.1 MB with the full bundle
    # a chart the basic bundle cannot draw gets the full bundle
    bars = go.Figure(go.Bar(x=[1], y=[2]))
    heat = go.Figure(go.Heatmap(z=[[1, 2]]))
    assert "(basic - minified)" in plotly_bundle([bars]) and "(basic - minified)" not in plotly_bundle([bars, heat])
    assert "* plotly.js v" in plotly_bundle([bars, heat])


def test_the_report_reads_on_a_phone_and_prints_no_internal_path(corrected, catalog, territory):
    text = build_report(corrected, catalog, territory, date(2022, 6, 20))
    css = re.search(r"@media screen and \(max-width:600px\)\{(.*?)\n\}", text, flags=re.S).group(1)
    assert "table{display:block;overflow-x:auto" in css and ".figure{overflow-x:auto" in css
    assert 'name="viewport" content="width=device-width' in text
    body = without_scripts(text)
    for internal in ("gapsmodel", "/work", "/tmp", "assets", ".py", "Traceback", "sqlite"):
        assert internal not in body
