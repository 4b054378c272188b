"""The session's slides as a PowerPoint file, with native charts that stay editable.

Pure: :func:`render_pptx` takes the slides of :func:`gapsmodel.views.presentation.build_slides` and the
:class:`~gapsmodel.views.presentation.SessionData` they came from and returns the ``.pptx`` bytes. One
PowerPoint slide per slide of *Presentación*, in the same order, then one slide per table behind it
(long tables continue on further slides). The charts are drawn by python-pptx itself from the data of
the Plotly figure: horizontal bars stay bars, monthly lines stay lines, so they open as charts in
PowerPoint and LibreOffice, not as pictures. A figure python-pptx cannot draw natively (the district map)
is replaced by its table, which follows anyway.

Every slide is stamped (above its title) with the session, the period, the as-of instant of the data and whether the
figures are public (published) or exact; the first slide lists the selection the deck was built from.
A public deck is built from public slides only (``data.public``): the figures are those of the
publication step, exactly as on the public pages.
"""
from __future__ import annotations

import io
import math

import pandas as pd
import plotly.graph_objects as go
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.util import Emu, Inches, Pt

from ..i18n import Translator
from .presentation import SessionData, Slide

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)          # 16:9
MARGIN = Inches(0.5)
STAMP = "stamp"                                      # shape name, so readers find it
TABLE_ROWS = 10                                      # rows per table slide, so type stays readable
DARK, GREY, BLUE = RGBColor(0x11, 0x11, 0x11), RGBColor(0x44, 0x44, 0x44), RGBColor(0x00, 0x72, 0xB2)


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _rgb(color) -> RGBColor | None:
    if isinstance(color, str) and len(color) == 7 and color.startswith("#"):
        return RGBColor.from_string(color[1:].upper())
    return None


def chart_kind(figure: go.Figure | None) -> str | None:
    """'bar' for horizontal bars, 'line' for lines over categories, None for what has no native chart
    (the district map is drawn from filled polygons)."""
    if figure is None or not figure.data:
        return None
    if all(isinstance(tr, go.Bar) for tr in figure.data):
        return "bar"
    if all(isinstance(tr, go.Scatter) and tr.fill in (None, "none") and "lines" in (tr.mode or "")
           for tr in figure.data):
        return "line"
    return None


def chart_data(figure: go.Figure, kind: str) -> tuple[list[str], list[tuple[str, list, list]]]:
    """(categories, [(series name, values, point labels)]) taken from the figure's traces."""
    if kind == "bar":
        trace = figure.data[0]
        categories = [str(c) for c in trace.y]
        labels = list(trace.text) if trace.text is not None and not isinstance(trace.text, str) else []
        return categories, [(trace.name or "", [_number(v) for v in trace.x], labels)]
    order = list(figure.layout.xaxis.categoryarray or [])
    for trace in figure.data:
        order += [str(x) for x in trace.x if str(x) not in order]
    series = []
    for trace in figure.data:
        by_x = dict(zip((str(x) for x in trace.x), trace.y))
        series.append((trace.name or "", [_number(by_x.get(c)) for c in order], []))
    return order, series


def _text(slide, left, top, width, height, lines: list[str], size: int, *, bold=False, color=DARK,
          italic=False, bullets=False):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = ("• " if bullets else "") + line      # plain text: user words are never markup
        font = paragraph.font
        font.size, font.bold, font.italic = Pt(size), bold, italic
        font.color.rgb = color
    return box


def _add_chart(slide, figure: go.Figure, kind: str, left, top, width, height):
    categories, series = chart_data(figure, kind)
    data = CategoryChartData(number_format="0%")
    data.categories = categories
    for name, values, _ in series:
        data.add_series(name, values)
    chart_type = XL_CHART_TYPE.BAR_CLUSTERED if kind == "bar" else XL_CHART_TYPE.LINE_MARKERS
    chart = slide.shapes.add_chart(chart_type, left, top, width, height, data).chart
    chart.font.size = Pt(12)
    chart.value_axis.tick_labels.number_format = "0%"
    chart.value_axis.tick_labels.number_format_is_linked = False
    chart.value_axis.minimum_scale = 0
    if kind == "bar":
        chart.has_legend = False
        chart.category_axis.reverse_order = True           # first gap on top, as on the page
        trace = figure.data[0]
        colors = trace.marker.color if trace.marker is not None else None
        plot = chart.plots[0]
        plot.gap_width = 60
        labels = series[0][2]
        for i, point in enumerate(plot.series[0].points):
            if colors is not None and not isinstance(colors, str) and i < len(colors) and _rgb(colors[i]):
                point.format.fill.solid()
                point.format.fill.fore_color.rgb = _rgb(colors[i])
            if i < len(labels) and labels[i]:
                point.data_label.text_frame.text = str(labels[i])
                point.data_label.font.size = Pt(11)
    else:
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        for plot_series, trace in zip(chart.plots[0].series, figure.data):
            color = _rgb(trace.line.color) if trace.line is not None else None
            plot_series.smooth = False
            if color is not None:
                plot_series.format.line.color.rgb = color
                plot_series.marker.format.fill.solid()
                plot_series.marker.format.fill.fore_color.rgb = color
    return chart


def _add_table(slide, frame: pd.DataFrame, left, top, width, height):
    rows, cols = len(frame) + 1, len(frame.columns)
    table = slide.shapes.add_table(rows, cols, left, top, width, Emu(min(int(height), Inches(0.4) * rows))).table
    size = Pt(12 if cols <= 6 else 10)
    for j, column in enumerate(frame.columns):
        cell = table.cell(0, j)
        cell.text = str(column)
        cell.text_frame.paragraphs[0].font.size = size
        cell.text_frame.paragraphs[0].font.bold = True
    for i, values in enumerate(frame.itertuples(index=False), start=1):
        for j, value in enumerate(values):
            text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
            cell = table.cell(i, j)
            cell.text = text
            cell.text_frame.paragraphs[0].font.size = size
    return table


def stamp_text(data: SessionData, t: Translator) -> str:
    cur = data.current
    period = t.period(cur.period.code, in_sentence=True) if cur.period else "—"
    return t("deck.stamp", date=t.date(cur.day), period=period, as_of=t.time(cur.as_of),
             version=t("deck.public") if data.public else t("deck.exact"))


def selection_lines(data: SessionData, t: Translator, territory_name: str) -> list[str]:
    """What the deck shows, as the first slide lists it."""
    cur = data.current
    return [
        t("deck.filter_session", date=t.date(cur.day, "long"), title=cur.title),
        t("deck.filter_period", period=t.period(cur.period.code, in_sentence=True) if cur.period else "—"),
        t("deck.filter_place", place=territory_name),
        t("deck.filter_as_of", as_of=t.time(cur.as_of, seconds=True), month=cur.until,
          version=data.data_version),
        t("deck.filter_figures", kind=t("deck.public") if data.public else t("deck.exact")),
        t("deck.filter_language", lang=t.lang),
    ]


def _new_slide(deck, title: str, data: SessionData, t: Translator):
    slide = deck.slides.add_slide(deck.slide_layouts[5])    # title only
    slide.shapes.title.text = title
    title_frame = slide.shapes.title
    title_frame.left, title_frame.top, title_frame.width, title_frame.height = MARGIN, Inches(0.35), \
        WIDTH - 2 * MARGIN, Inches(0.8)
    for paragraph in title_frame.text_frame.paragraphs:
        paragraph.font.size, paragraph.font.bold, paragraph.font.color.rgb = Pt(30), True, DARK
    # the stamp sits above the title: a long table grows downwards and must not run over it
    stamp = _text(slide, MARGIN, Inches(0.05), WIDTH - 2 * MARGIN, Inches(0.3), [stamp_text(data, t)], 10,
                   color=GREY)
    stamp.name = STAMP
    return slide


def render_pptx(slides: list[Slide], data: SessionData, t: Translator, *, territory_name: str = "",
                demo: bool = False) -> bytes:
    """The deck as ``.pptx`` bytes (see the module docstring)."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    deck.core_properties.title = t("report.title", title=data.current.title)
    deck.core_properties.language = t.lang
    body_width = WIDTH - 2 * MARGIN
    for number, slide in enumerate(slides, start=1):
        page = _new_slide(deck, f"{number}. {slide.title}", data, t)
        top = Inches(1.2)
        if slide.message:
            _text(page, MARGIN, top, body_width, Inches(0.8), [slide.message], 18, bold=True)
            top += Inches(0.85)
        lines = list(slide.bullets)
        if number == 1:
            lines = lines + [t("deck.filters")] + selection_lines(data, t, territory_name)
            if demo:
                lines.append(t("app.demo_banner"))
        if data.notes.strip() and number == 1:
            lines += [t("report.notes") + ":", data.notes.strip()]
        if lines:
            _text(page, MARGIN, top, body_width, Inches(0.35) * len(lines), lines, 14, bullets=True)
            top += Inches(0.33) * len(lines) + Inches(0.1)
        kind = chart_kind(slide.figure)
        bottom = HEIGHT - Inches(0.85 if slide.note else 0.4)
        if kind is not None and bottom - top > Inches(1.5):
            _add_chart(page, slide.figure, kind, MARGIN, top, body_width, bottom - top)
        elif slide.figure is not None and kind is None:
            _text(page, MARGIN, top, body_width, Inches(0.4), [t("deck.figure_as_table")], 12, italic=True,
                  color=GREY)
        if slide.note:
            _text(page, MARGIN, HEIGHT - Inches(0.8), body_width, Inches(0.4), [slide.note], 11, italic=True,
                  color=GREY)
        for caption, table in slide.tables:
            if table is None or table.empty:
                continue
            parts = range(0, len(table), TABLE_ROWS)
            for k, start in enumerate(parts):
                more = f" ({k + 1}/{len(parts)})" if len(parts) > 1 else ""
                page = _new_slide(deck, f"{number}. {slide.title}", data, t)
                _text(page, MARGIN, Inches(1.15), body_width, Inches(0.5), [caption + more], 16, bold=True,
                      color=BLUE)
                _add_table(page, table.iloc[start:start + TABLE_ROWS], MARGIN, Inches(1.7), body_width,
                           HEIGHT - Inches(2.0))
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def build_pptx(store, catalog, territory, day, *, lang: str = "es", public: bool = True, now=None) -> bytes:
    """Gather, build the slides and render: the whole deck of the session on ``day``."""
    from ..records.demo import is_demo
    from .presentation import build_slides, session_data
    t = Translator(lang)
    data = session_data(store, catalog, territory, day, public=public, now=now)
    return render_pptx(build_slides(data, catalog, territory, t), data, t, territory_name=territory.region_name,
                       demo=is_demo(store))


# --- PDF ----------------------------------------------------------------------------------------------------
class PdfUnavailable(RuntimeError):
    """LibreOffice is not installed, or it could not turn the deck into a PDF."""


OFFICE_NAMES = ("soffice", "libreoffice")
PDF_TIMEOUT_SECONDS = 240


def office_program() -> str | None:
    """The LibreOffice program that converts the deck to PDF, or None (Debian: libreoffice-impress-nogui)."""
    import shutil
    return next((path for name in OFFICE_NAMES if (path := shutil.which(name))), None)


def pdf_from_pptx(content: bytes) -> bytes:
    """The same slides as PDF, converted offline by LibreOffice in a private profile (so that two
    conversions at once, or an office program the user has open, do not block each other)."""
    import subprocess
    import tempfile
    from pathlib import Path
    program = office_program()
    if program is None:
        raise PdfUnavailable("LibreOffice (soffice) not found")
    with tempfile.TemporaryDirectory(prefix="gapsmodel-pdf-") as folder:
        work = Path(folder)
        source = work / "deck.pptx"
        source.write_bytes(content)
        command = [program, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(work), str(source)]
        try:
            subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=PDF_TIMEOUT_SECONDS, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfUnavailable(f"LibreOffice did not convert the deck: {type(exc).__name__}") from None
        target = work / "deck.pdf"
        if not target.is_file() or target.stat().st_size == 0:
            raise PdfUnavailable("LibreOffice did not write the PDF")
        return target.read_bytes()


def build_pdf(store, catalog, territory, day, *, lang: str = "es", public: bool = True, now=None) -> bytes:
    """The deck of the session on ``day`` as PDF (:func:`build_pptx`, then :func:`pdf_from_pptx`)."""
    return pdf_from_pptx(build_pptx(store, catalog, territory, day, lang=lang, public=public, now=now))
