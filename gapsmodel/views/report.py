"""The session report: one self-contained HTML file with the slides' content and the tables behind them.

Pure: :func:`render` takes the slides of :func:`gapsmodel.views.presentation.build_slides` and the
:class:`~gapsmodel.views.presentation.SessionData` they came from and returns the HTML text. The file needs no
network: the Plotly library is embedded once, before the first figure; when every chart is a bar, pie or
scatter trace (all the slides draw today) it is plotly.js's own "basic" bundle of the same version
(``assets/plotly-basic.min.js``, MIT, about 1.2 MB instead of 4.8 MB), else the full one the Python package
ships. The styles are inline, and no script, font or style sheet is loaded from a
URL. Every text that is not markup is escaped with :func:`html.escape` (agreement texts and session notes
are written by users). ``@media print`` gives a clean layout with one section per page, so the browser
prints it to PDF; below 600 px (a phone) the margins shrink, the contents list is one column and wide
tables and charts (drawn for a projector, at least 960 px wide) scroll sideways inside themselves.

Suppression: a report is made to be shared, so by default it is built from the public (suppressed)
tables; ``exact=True`` (``--exact`` on the command line, an administrator's choice on the page) gives the
exact figures for internal use and says so on its first page. This differs on purpose from the ``gaps``
command, which prints exact figures unless ``--public`` is given (DOMAIN.md §9): a table printed in a
terminal stays with the analyst, a report file travels.

The header says when the file was generated and from which data: the as-of moment (uploads known by the end of the session day, months up to the session's month) and a data
version (batches in force then and a fingerprint of their ids): figures in a past session's report do not
change when corrections are uploaded later. The store's URL (host, database name, file path) is never
printed: a report travels.
"""
from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..i18n import Translator
from .presentation import SessionData, Slide

CSS = """
*{box-sizing:border-box}
body{font-family:"Source Sans Pro",Arial,Helvetica,sans-serif;color:#111;background:#fff;margin:0;
     line-height:1.4;font-size:16px}
header,section,nav{max-width:1100px;margin:0 auto;padding:24px 32px}
h1{font-size:2rem;margin:0 0 .4em}
h2{font-size:1.6rem;margin:0 0 .3em;border-bottom:3px solid #0072B2;padding-bottom:.2em}
h3{font-size:1.1rem;margin:1.2em 0 .4em}
.message{font-size:1.35rem;font-weight:600;margin:.4em 0 .8em}
.meta{color:#333;font-size:.95rem;margin:.2em 0}
.warning{background:#FFF4D6;border-left:6px solid #E69F00;padding:.5em .8em;margin:.6em 0}
.note{color:#333;font-style:italic;font-size:.95rem}
.notes{white-space:pre-wrap;background:#F4F4F4;padding:.6em .8em}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.4em 0 1em}
th,td{border:1px solid #999;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#E8EEF4}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.figure{margin:.6em 0}
nav ol{columns:2}
@media print{
  body{font-size:11pt}
  nav{display:none}
  header,section{max-width:none;padding:0 0 12pt}
  section{page-break-before:always;break-before:page}
  table{page-break-inside:auto}
  tr{page-break-inside:avoid;break-inside:avoid}
  .figure{page-break-inside:avoid;break-inside:avoid}
  a{color:inherit;text-decoration:none}
}
@media screen and (max-width:600px){
  body{font-size:15px}
  header,section,nav{padding:14px 12px}
  h1{font-size:1.45rem}
  h2{font-size:1.25rem}
  .message{font-size:1.1rem}
  nav ol{columns:1;padding-left:1.2em}
  table{display:block;overflow-x:auto;width:auto;max-width:100%}
  /* slide charts are drawn for a projector: on a phone each keeps a readable width and scrolls sideways
     inside its own box instead of cutting its title and labels */
  .figure{overflow-x:auto;-webkit-overflow-scrolling:touch}
  .figure>div{min-width:960px}
}
"""

# plotly.js's "basic" bundle (npm plotly.js-basic-dist-min, the same version as the Python package's
# full bundle) and the trace types it draws
BASIC_BUNDLE = Path(__file__).with_name("assets") / "plotly-basic.min.js"
BASIC_TRACES = frozenset({"bar", "pie", "scatter"})


def _e(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _is_number(text: str) -> bool:
    s = text.replace(",", "").replace(".", "").replace("%", "").replace(" ", "").replace("\u00a0", "")
    return s.lstrip("<-").isdigit()


def table_html(frame: pd.DataFrame) -> str:
    """A frame as an HTML table; every header and cell escaped."""
    if frame is None or frame.empty:
        return ""
    head = "".join(f"<th scope=\"col\">{_e(c)}</th>" for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for v in values:
            text = "" if v is None or (isinstance(v, float) and v != v) else str(v)
            cls = " class=\"num\"" if _is_number(text) else ""
            cells.append(f"<td{cls}>{_e(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


@lru_cache(maxsize=2)
def _bundle_text(basic: bool) -> str:
    if basic:
        return BASIC_BUNDLE.read_text("utf-8")
    from plotly.offline import get_plotlyjs
    return get_plotlyjs()


def plotly_bundle(figures) -> str:
    """The smallest plotly.js that draws every figure, as one inline script: the basic bundle when all
    their traces are bar, pie or scatter and it is at hand, else the full bundle."""
    kinds = {trace.type for fig in figures for trace in fig.data}
    basic = kinds <= BASIC_TRACES and BASIC_BUNDLE.is_file()
    # "</script" cannot occur inside a script element; plotly.js writes it only as "<\/script"
    return f"<script type=\"text/javascript\">{_bundle_text(basic)}</script>"


def _figure_html(fig) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, include_mathjax=False,
                       default_width="100%", config={"displaylogo": False, "responsive": True})


def render(slides: list[Slide], data: SessionData, t: Translator, demo: bool = False) -> str:
    """The report as one HTML document (see the module docstring)."""
    cur = data.current
    parts: list[str] = []
    parts.append("<header>")
    parts.append(f"<p class=\"meta\">{_e(t('app.table'))}</p>")
    parts.append(f"<h1>{_e(t('report.heading', date=t.date(cur.day, 'long')))}: {_e(cur.title)}</h1>")
    parts.append(f"<p class=\"meta\">{_e(t('report.generated', when=t.time(data.generated_at)))}</p>")
    parts.append(f"<p class=\"meta\">{_e(t('report.source', as_of=t.time(cur.as_of, seconds=True), month=cur.until, version=data.data_version))}</p>")
    parts.append(f"<p class=\"meta\">{_e(t('report.reproducible'))}</p>")
    parts.append(f"<p class=\"warning\">{_e(t('report.public') if data.public else t('report.exact'))}</p>")
    if demo:
        parts.append(f"<p class=\"warning\">{_e(t('app.demo_banner'))}</p>")
    if data.notes.strip():
        parts.append(f"<h3>{_e(t('report.notes'))}</h3><div class=\"notes\">{_e(data.notes)}</div>")
    parts.append("</header>")
    parts.append(f"<nav><h3>{_e(t('report.contents'))}</h3><ol>")
    for i, slide in enumerate(slides, start=1):
        parts.append(f"<li><a href=\"#s{i}\">{_e(slide.title)}</a></li>")
    parts.append("</ol></nav>")
    figures = [slide.figure for slide in slides if slide.figure is not None]
    if figures:
        parts.append(plotly_bundle(figures))
    for i, slide in enumerate(slides, start=1):
        parts.append(f"<section id=\"s{i}\">")
        parts.append(f"<h2>{i}. {_e(slide.title)}</h2>")
        if slide.message:
            parts.append(f"<p class=\"message\">{_e(slide.message)}</p>")
        if slide.bullets:
            parts.append("<ul>" + "".join(f"<li>{_e(b)}</li>" for b in slide.bullets) + "</ul>")
        if slide.figure is not None:
            parts.append(f"<div class=\"figure\">{_figure_html(slide.figure)}</div>")
        if slide.note:
            parts.append(f"<p class=\"note\">{_e(slide.note)}</p>")
        for caption, table in slide.tables:
            if table is not None and not table.empty:
                parts.append(f"<h3>{_e(caption)}</h3>{table_html(table)}")
        parts.append("</section>")
    title = _e(t("report.title", title=cur.title))
    return (f"<!DOCTYPE html>\n<html lang=\"{_e(t.lang)}\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{title}</title><style>{CSS}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


def build_report(store, catalog, territory, day, *, lang: str = "es", public: bool = True, now=None) -> str:
    """Gather, build the slides and render: the whole report for the session on ``day``."""
    from ..records.demo import is_demo
    from .presentation import build_slides, session_data
    t = Translator(lang)
    data = session_data(store, catalog, territory, day, public=public, now=now)
    return render(build_slides(data, catalog, territory, t), data, t, demo=is_demo(store))
