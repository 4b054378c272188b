"""The session report: one self-contained HTML file with the slides' content and the tables behind them.

Pure: :func:`render` takes the slides of :func:`gapsmodel.views.presentation.build_slides` and the
:class:`~gapsmodel.views.presentation.SessionData` they came from and returns the HTML text. The file needs no
network: the Plotly library is embedded once (the first figure is written with ``include_plotlyjs=True``,
later ones with ``False``), the styles are inline, and no script, font or style sheet is loaded from a
URL. Every text that is not markup is escaped with :func:`html.escape` (agreement texts and session notes
are written by users). ``@media print`` gives a clean layout with one section per page, so the browser
prints it to PDF.

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
"""


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


def _figure_html(fig, first: bool) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=bool(first), include_mathjax=False,
                       default_width="100%", config={"displaylogo": False, "responsive": True})


def render(slides: list[Slide], data: SessionData, t: Translator, demo: bool = False) -> str:
    """The report as one HTML document (see the module docstring)."""
    cur = data.current
    parts: list[str] = []
    parts.append("<header>")
    parts.append(f"<p class=\"meta\">{_e(t('app.table'))}</p>")
    parts.append(f"<h1>{_e(t('report.heading', date=t.date(cur.day, 'long')))}: {_e(cur.title)}</h1>")
    parts.append(f"<p class=\"meta\">{_e(t('report.generated', when=t.time(data.generated_at)))}</p>")
    parts.append(f"<p class=\"meta\">{_e(t('report.source', as_of=cur.as_of.strftime('%Y-%m-%d %H:%M:%S'), month=cur.until, version=data.data_version))}</p>")
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
    first = True
    for i, slide in enumerate(slides, start=1):
        parts.append(f"<section id=\"s{i}\">")
        parts.append(f"<h2>{i}. {_e(slide.title)}</h2>")
        if slide.message:
            parts.append(f"<p class=\"message\">{_e(slide.message)}</p>")
        if slide.bullets:
            parts.append("<ul>" + "".join(f"<li>{_e(b)}</li>" for b in slide.bullets) + "</ul>")
        if slide.figure is not None:
            parts.append(f"<div class=\"figure\">{_figure_html(slide.figure, first)}</div>")
            first = False
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
