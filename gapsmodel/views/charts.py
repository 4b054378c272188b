"""Charts as pure functions: frames in, Plotly figures out (the pages and the HTML report draw them).

Severity is always written as a word on the chart as well as coloured; the palette is the Okabe-Ito
colour-blind-safe set, with grey for missing data.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..rules.catalog import NO_DATA, Catalog
from ..rules.publication import UNDETERMINED
from ..i18n import Translator
from .overview import display_counts
from ..rules.protection import WITHHELD

SEVERITY_COLORS = {"critica": "#D55E00", "alta": "#E69F00", "moderada": "#F0E442", "adecuada": "#0072B2",
                   UNDETERMINED: "#DDDDDD", NO_DATA: "#BBBBBB"}
SEVERITY_ICONS = {"critica": "▲▲▲", "alta": "▲▲", "moderada": "▲", "adecuada": "✓", UNDETERMINED: "≈", NO_DATA: "?"}
SECTOR_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
                 "#999999"]
FONT = dict(family="Source Sans Pro, Arial, sans-serif", size=15)


def severity_label(t: Translator, severity: str, coverage: float | None = None) -> str:
    label = f"{SEVERITY_ICONS[severity]} {t.severity(severity)}"
    return label if coverage is None or coverage != coverage else f"{label} · {t.percent(coverage)}"


def title_margin(title: str) -> int:
    """Top margin for a title wrapped by :func:`wrap` (about 24 px per line of 17 px type)."""
    return 36 + 24 * (wrap(title, TITLE_WRAP).count("<br>") + 1) if title else 20


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    # a title as long as a sentence is wrapped: Plotly would run it past the chart's right edge
    fig.update_layout(title=dict(text=wrap(title, TITLE_WRAP) if title else title, x=0, xanchor="left",
                                 **TITLE_AT_TOP), font=FONT,
                      height=height + title_margin(title) - 60, margin=dict(l=10, r=20, t=title_margin(title), b=40),
                      plot_bgcolor="white", paper_bgcolor="white")
    # long category labels (sector — gap, district — gap) push the plot right instead of being cut
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(automargin=True)
    # a full template such as plotly_white costs ~50 ms per figure; these few settings are what it gave us
    fig.update_xaxes(gridcolor="#EBEBEB", zerolinecolor="#EBEBEB")
    fig.update_yaxes(gridcolor="#EBEBEB", zerolinecolor="#EBEBEB")
    return fig


def coverage_bars_frame(gaps: pd.DataFrame, catalog: Catalog, t: Translator, ubigeo: str) -> pd.DataFrame:
    """The numbers behind :func:`coverage_bars`: one row per gap at one place."""
    rows = gaps[gaps["ubigeo"].eq(ubigeo)].copy()
    rows["sector_order"] = rows["sector"].map(catalog.sectors["order"])
    rows = rows.sort_values(["sector_order", "gap_code"])
    rows["label"] = [f"{catalog.label('sectors', s, t.lang)} — {catalog.label('gaps', g, t.lang)}"
                     for s, g in zip(rows["sector"], rows["gap_code"])]
    return rows


PROTECTED_COLOR = "#E3E3E3"
PROTECTED_INK = "#8A8A8A"
WRAP = 36        # characters per line of a label written over a chart: fits a 390 px phone at 14 px type
TITLE_WRAP = 32  # the same for a chart title (larger type)
# a wrapped title hangs from the top of the figure into the margin made for it (Plotly would centre
# it in the margin and, when long, over the plot)
TITLE_AT_TOP = dict(yref="container", y=1, yanchor="top", pad=dict(t=30))


def wrap(text: str, width: int = WRAP) -> str:
    """Plotly does not wrap text: break it at spaces into lines of at most ``width`` characters."""
    import textwrap
    return "<br>".join(textwrap.wrap(str(text), width, break_long_words=False, break_on_hyphens=False)) or str(text)


def withheld(part: pd.DataFrame) -> bool:
    """Some of these figures exist but this view may not show them (suppressed or not determinable)."""
    flags = part["coverage_suppressed"].fillna(False).astype(bool) if "coverage_suppressed" in part else None
    return bool(part["severity"].eq("indeterminada").any() or (flags is not None and flags.any()))


def _protected(row) -> bool:
    flag = row.get("coverage_suppressed", False)
    return bool(flag) if flag == flag and flag is not None else False


BAR_SHARE = 0.3   # a bar's thickness as a share of its row (the rest holds its label)


def labels_above(fig: go.Figure, labels, texts) -> int:
    """A horizontal bar chart (one trace, categories on y) with each bar's label and text written above
    the bar instead of beside it: whole on a phone, where labels beside the bars would push them off
    the screen or past the chart's edge. Returns the height in px each bar needs with its label (the
    longest label's lines, 18 px each, plus the bar and a gap)."""
    fig.update_traces(width=BAR_SHARE, textposition="none", selector=dict(type="bar"))
    wrapped = [wrap(f"{label}: {text}" if text else label) for label, text in zip(labels, texts)]
    row_height = 40 + 18 * max([w.count("<br>") + 1 for w in wrapped] or [1])
    for label, text in zip(labels, wrapped):
        # from the bar's upper edge (half its share of the row) up
        fig.add_annotation(x=0, xref="paper", y=label, yref="y", yshift=int(BAR_SHARE / 2 * row_height) + 3,
                           xanchor="left", yanchor="bottom", align="left", showarrow=False, text=text,
                           font=dict(size=14))
    fig.update_yaxes(showticklabels=False, title=None)
    return row_height


def coverage_bars(gaps: pd.DataFrame, catalog: Catalog, t: Translator, ubigeo: str, title: str) -> go.Figure:
    """Horizontal bars of coverage (ratio, capped at 120 % for drawing) per gap, each with its label above
    it saying gap, severity and exact coverage (labels above the bars keep whole on a phone, where labels
    beside them would push the bars off the screen). Gaps without data are a grey stub labelled
    'Sin datos'; a coverage protected in a public view (``coverage_suppressed``) is a light grey hatched
    band across the chart with the word, never a bar of length zero nor a severity."""
    rows = coverage_bars_frame(gaps, catalog, t, ubigeo)
    protected = [_protected(r) for _, r in rows.iterrows()]
    drawn = [1.2 if p else (0.02 if c != c else min(c, 1.2)) for p, c in zip(protected, rows["coverage"])]
    words = [f"{t('charts.protected')} ({WITHHELD[t.lang]})" if p
             else severity_label(t, s, c) if c == c or s == NO_DATA else f"{severity_label(t, s)} · {WITHHELD[t.lang]}"
             for p, s, c in zip(protected, rows["severity"], rows["coverage"])]
    fig = go.Figure(go.Bar(
        x=drawn, y=rows["label"], orientation="h", width=0.34, text=words,
        marker=dict(color=[PROTECTED_COLOR if p else SEVERITY_COLORS[s] for p, s in zip(protected, rows["severity"])],
                    pattern=dict(shape=["/" if p else "" for p in protected], fgcolor=PROTECTED_INK, solidity=0.25),
                    line=dict(color=[PROTECTED_INK if p else "#333" for p in protected], width=1)),
        hovertemplate="%{y}<br>%{text}<extra></extra>"))
    row_height = labels_above(fig, rows["label"], words)
    fig.add_vline(x=1.0, line_dash="dot", line_color="#555")
    fig.update_xaxes(range=[0, 1.2], tickformat=".0%", title=None)
    fig.update_yaxes(autorange="reversed", title=None, showticklabels=False)
    fig = _layout(fig, title, height=max(360, row_height * len(rows) + 90))
    fig.update_layout(margin=dict(l=10, r=20, t=title_margin(title), b=40))
    return fig


def trend_frame(series: pd.DataFrame, catalog: Catalog, t: Translator, ubigeo: str) -> pd.DataFrame:
    """Coverage per gap and month at one place, with a readable series name."""
    rows = series[series["ubigeo"].eq(ubigeo)].copy()
    rows["name"] = [f"{catalog.label('sectors', s, t.lang)} — {catalog.label('gaps', g, t.lang)}"
                    for s, g in zip(rows["sector"], rows["gap_code"])]
    return rows.sort_values(["name", "period"])


def line_colour(severity: str) -> str:
    """A line's colour from its latest severity (the yellow of 'moderada' is too pale for a thin line)."""
    return "#B8A700" if severity == "moderada" else SEVERITY_COLORS.get(severity, SEVERITY_COLORS[NO_DATA])


def end_label_position(values) -> str:
    """Where a line's end label goes so that it does not sit on its own line: a line falling into its
    last point comes from the upper left, so the label goes below; otherwise above."""
    y = [v for v in pd.to_numeric(pd.Series(list(values)), errors="coerce") if v == v]
    return "bottom left" if len(y) >= 2 and y[-1] < y[-2] else "top left"


def small_multiples(panels: list[dict], title: str, categories: list[str], *, tickformat: str, top: float,
                    target: float | None = None, session_labels: list[str] = ()) -> go.Figure:
    """One small panel per series, two columns, shared scales: instead of many lines on one chart that
    cannot be told apart. Each panel dict has ``title``, ``x``, ``y``, ``text`` (the direct label, written
    at the line's last value), ``colour``, ``hovertemplate`` and optionally ``customdata``. ``target`` is
    drawn as a grey dotted line; sessions (x labels) as light ticks at the foot of each panel; the x
    axis names only the years (categories ending in a four-digit year, the first of each)."""
    from plotly.subplots import make_subplots
    n_rows = max(1, -(-len(panels) // 2))
    fig = make_subplots(rows=n_rows, cols=2, shared_xaxes=True, shared_yaxes=True,
                        subplot_titles=[wrap(p["title"], 22) for p in panels] or None,
                        vertical_spacing=min(0.5 / n_rows, 0.12), horizontal_spacing=0.08)
    shapes, notes = [], []
    for i, panel in enumerate(panels):
        fig.add_trace(go.Scatter(x=panel["x"], y=panel["y"], mode="lines+markers+text", text=panel["text"],
                                 textposition=end_label_position(panel["y"]),
                                 line=dict(color=panel["colour"], width=2.5),
                                 marker=dict(size=4), showlegend=False, cliponaxis=False, name=panel["title"],
                                 textfont=dict(size=13, color="#222"), customdata=panel.get("customdata"),
                                 hovertemplate=panel["hovertemplate"]), row=i // 2 + 1, col=i % 2 + 1)
        axis = "" if i == 0 else str(i + 1)
        if target is not None:
            shapes.append(dict(type="line", xref=f"x{axis} domain", yref=f"y{axis}", x0=0, x1=1, y0=target,
                               y1=target, line=dict(color="#AAAAAA", width=1, dash="dot")))
        shapes += [dict(type="line", xref=f"x{axis}", yref=f"y{axis} domain", x0=label, x1=label, y0=0, y1=0.1,
                        line=dict(color="#BBBBBB", width=1)) for label in session_labels]
        if panel.get("empty_note"):
            # a panel with no line says why, instead of bare axes that read as a broken chart
            notes.append(dict(text=panel["empty_note"], xref=f"x{axis} domain", yref=f"y{axis} domain", x=0.5,
                              y=0.5, showarrow=False, font=dict(size=14, color=PROTECTED_INK)))
    years, seen = [], set()
    for label in categories:
        year = label.split()[-1] if label.split() and label.split()[-1].isdigit() else label
        if year not in seen:
            seen.add(year)
            years.append((label, year))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=categories,
                     tickvals=[a for a, _ in years], ticktext=[b for _, b in years], tickangle=0, showgrid=False)
    fig.update_yaxes(tickformat=tickformat, range=[0, top], nticks=3, title=None)
    for i, annotation in enumerate(fig.layout.annotations):
        annotation.update(x=0 if i % 2 == 0 else 0.54, xanchor="left", align="left", font=dict(size=13))
    for note in notes:
        fig.add_annotation(**note)
    fig.update_layout(shapes=shapes, showlegend=False)
    fig = _layout(fig, title, height=150 * n_rows + 110)
    # the first row's panel titles sit above its plots, in the top margin: make room for two lines
    fig.update_layout(margin=dict(t=title_margin(title) + 40), height=fig.layout.height + 40)
    return fig


def coverage_trend(series: pd.DataFrame, catalog: Catalog, t: Translator, ubigeo: str, title: str,
                   session_dates: list | None = None) -> go.Figure:
    """Coverage month by month at one place, one small panel per gap (:func:`small_multiples`) against the
    100 % target, the last value written at the end of the line in the colour of its severity; the y axis
    ends just above the data or the target."""
    rows = trend_frame(series, catalog, t, ubigeo)
    months = sorted(rows["period"].unique())
    gaps = sorted(dict.fromkeys(rows["gap_code"]),
                  key=lambda g: (catalog.sectors["order"].get(catalog.gaps.at[g, "sector"], 99), g))
    session_months = {f"{day.year:04d}-{day.month:02d}" for day in session_dates or []}
    panels = []
    for gap in gaps:
        part = rows[rows["gap_code"].eq(gap)].sort_values("period")
        y = pd.to_numeric(part["coverage"], errors="coerce")
        valid = [k for k, v in enumerate(y) if v == v]
        text = [""] * len(part)
        if valid:
            text[valid[-1]] = t.percent(y.iloc[valid[-1]])
        panels.append(dict(title=catalog.label("gaps", gap, t.lang), x=[t.month(p) for p in part["period"]], y=y,
                           text=text, colour=line_colour(part["severity"].iloc[valid[-1]] if valid else NO_DATA),
                           hovertemplate=f"{part['name'].iloc[0]}<br>%{{x}}: %{{y:.0%}}<extra></extra>",
                           empty_note="" if valid else t("charts.protected") if withheld(part) else t("severity.sin_datos")))
    top = pd.to_numeric(rows["coverage"], errors="coerce").max() if not rows.empty else 1.0
    return small_multiples(panels, title, [t.month(m) for m in months], tickformat=".0%",
                           top=max(1.0, top if top == top else 1.0) * 1.08, target=1.0,
                           session_labels=[t.month(m) for m in months if m in session_months])


def worst_frame(gaps: pd.DataFrame, catalog: Catalog, t: Translator, territory, n: int = 10) -> pd.DataFrame:
    """The district gaps with the most unmet need relative to need (gap share), then by unmet."""
    rows = gaps[gaps["level"].eq("district") & gaps["severity"].ne(NO_DATA)].copy()
    rows = rows.sort_values(["gap_share", "unmet"], ascending=False).head(n)
    rows["place"] = rows["ubigeo"].map(territory.name)
    rows["gap"] = [catalog.label("gaps", g, t.lang) for g in rows["gap_code"]]
    rows["unit"] = [t.unit(u) for u in rows["gap_code"].map(catalog.gaps["unit"])]
    return rows


def worst_bars(rows: pd.DataFrame, t: Translator, title: str) -> go.Figure:
    labels = [f"{p} — {g}" for p, g in zip(rows["place"], rows["gap"])]
    unmet = display_counts(rows, "unmet", t)
    # the bar is the unmet share of the need, so its label gives that share, not the coverage
    text = [f"{u} {unit} · {severity_label(t, s)}" + (f" · {t('charts.unmet_share', share=t.percent(g))}" if g == g else "")
            for u, unit, s, g in zip(unmet, rows["unit"], rows["severity"], rows["gap_share"])]
    fig = go.Figure(go.Bar(x=rows["gap_share"], y=labels, orientation="h", text=text,
                           marker=dict(color=[SEVERITY_COLORS[s] for s in rows["severity"]],
                                       line=dict(color="#333", width=1)),
                           hovertemplate="%{y}<br>%{text}<extra></extra>"))
    row_height = labels_above(fig, labels, text)
    fig.update_xaxes(tickformat=".0%", range=[0, 1], title=t("columns.unmet") + " / " + t("columns.need"))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, height=max(320, row_height * len(rows) + 110))


def coverage_finding(gaps: pd.DataFrame, catalog: Catalog, t: Translator, ubigeo: str, period: str) -> str:
    """A title that states the finding: the gap with the lowest coverage at the place."""
    rows = gaps[gaps["ubigeo"].eq(ubigeo) & gaps["coverage"].notna()]
    if rows.empty:
        return t("overview.coverage_title", period=t.period(period, in_sentence=True))
    worst = rows.sort_values("coverage").iloc[0]
    return t("overview.coverage_finding", gap=catalog.label("gaps", worst["gap_code"], t.lang),
             coverage=t.percent(worst["coverage"]), period=t.period(period, in_sentence=True))


def worst_finding(rows: pd.DataFrame, t: Translator, period: str) -> str:
    """A title naming the district gap with the largest share of need left unmet."""
    if rows.empty or rows["gap_share"].isna().all():
        return t("overview.worst_title", period=t.period(period, in_sentence=True))
    top = rows.sort_values("gap_share", ascending=False).iloc[0]
    return t("overview.worst_finding", place=top["place"], gap=top["gap"], share=t.percent(top["gap_share"]),
             period=t.period(period, in_sentence=True))
