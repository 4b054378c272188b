"""Charts as pure functions: frames in, Plotly figures out (the pages and the HTML report draw them).

Severity is always written as a word on the chart as well as coloured; the palette is the Okabe-Ito
colour-blind-safe set, with grey for missing data.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..rules.catalog import NO_DATA, Catalog
from ..i18n import Translator
from .overview import display_counts
from ..rules.protection import WITHHELD

SEVERITY_COLORS = {"critica": "#D55E00", "alta": "#E69F00", "moderada": "#F0E442", "adecuada": "#0072B2",
                   NO_DATA: "#BBBBBB"}
SEVERITY_ICONS = {"critica": "▲▲▲", "alta": "▲▲", "moderada": "▲", "adecuada": "✓", NO_DATA: "?"}
SECTOR_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
                 "#999999"]
FONT = dict(family="Source Sans Pro, Arial, sans-serif", size=15)


def severity_label(t: Translator, severity: str, coverage: float | None = None) -> str:
    label = f"{SEVERITY_ICONS[severity]} {t.severity(severity)}"
    return label if coverage is None or coverage != coverage else f"{label} · {t.percent(coverage)}"


def title_margin(title: str) -> int:
    """Top margin for a title wrapped by :func:`wrap` (about 22 px per line of 17 px type)."""
    return 30 + 22 * (wrap(title, TITLE_WRAP).count("<br>") + 1) if title else 20


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    # a title as long as a sentence is wrapped: Plotly would run it past the chart's right edge
    fig.update_layout(title=dict(text=wrap(title, TITLE_WRAP) if title else title, x=0, xanchor="left"), font=FONT,
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


def wrap(text: str, width: int = WRAP) -> str:
    """Plotly does not wrap text: break it at spaces into lines of at most ``width`` characters."""
    import textwrap
    return "<br>".join(textwrap.wrap(str(text), width, break_long_words=False, break_on_hyphens=False)) or str(text)


def _protected(row) -> bool:
    flag = row.get("coverage_suppressed", False)
    return bool(flag) if flag == flag and flag is not None else False


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
        textposition="none", hovertemplate="%{y}<br>%{text}<extra></extra>"))
    for label, word in zip(rows["label"], words):
        fig.add_annotation(x=0, xref="paper", y=label, yref="y", yshift=9, xanchor="left", yanchor="bottom",
                           align="left", showarrow=False, text=wrap(f"{label}: {word}"), font=dict(size=14))
    fig.add_vline(x=1.0, line_dash="dot", line_color="#555")
    fig.update_xaxes(range=[0, 1.2], tickformat=".0%", title=None)
    fig.update_yaxes(autorange="reversed", title=None, showticklabels=False)
    fig = _layout(fig, title, height=max(360, 74 * len(rows) + 90))
    fig.update_layout(margin=dict(l=10, r=20, t=title_margin(title), b=40))
    return fig


def trend_frame(series: pd.DataFrame, catalog: Catalog, t: Translator, ubigeo: str) -> pd.DataFrame:
    """Coverage per gap and month at one place, with a readable series name."""
    rows = series[series["ubigeo"].eq(ubigeo)].copy()
    rows["name"] = [f"{catalog.label('sectors', s, t.lang)} — {catalog.label('gaps', g, t.lang)}"
                    for s, g in zip(rows["sector"], rows["gap_code"])]
    return rows.sort_values(["name", "period"])


def coverage_trend(series: pd.DataFrame, catalog: Catalog, t: Translator, ubigeo: str, title: str,
                   session_dates: list | None = None) -> go.Figure:
    """One line per gap over months (coverage ratio), session dates as vertical dotted lines."""
    rows = trend_frame(series, catalog, t, ubigeo)
    fig = go.Figure()
    for i, (name, part) in enumerate(rows.groupby("name", sort=True)):
        fig.add_trace(go.Scatter(
            x=[t.month(p) for p in part["period"]], y=part["coverage"], name=name, mode="lines+markers",
            line=dict(color=SECTOR_COLORS[i % len(SECTOR_COLORS)], width=3),
            hovertemplate=f"{name}<br>%{{x}}: %{{y:.0%}}<extra></extra>"))
    months = sorted(rows["period"].unique())
    session_months = {f"{day.year:04d}-{day.month:02d}" for day in session_dates or []}
    # all session markers in one layout update: one add_vline call per session is slow
    fig.update_layout(shapes=[dict(type="line", xref="x", yref="paper", x0=t.month(m), x1=t.month(m), y0=0, y1=1,
                                   line=dict(color="#777", width=1, dash="dot"))
                              for m in months if m in session_months])
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=[t.month(m) for m in months])
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", title=None)
    fig.update_layout(legend=dict(orientation="v", x=1.02, y=1, font=dict(size=12)))
    return _layout(fig, title, height=520)


def worst_frame(gaps: pd.DataFrame, catalog: Catalog, t: Translator, territory, n: int = 10) -> pd.DataFrame:
    """The district gaps with the most unmet need relative to need (gap share), then by unmet."""
    rows = gaps[gaps["level"].eq("district") & gaps["severity"].ne(NO_DATA)].copy()
    rows = rows.sort_values(["gap_share", "unmet"], ascending=False).head(n)
    rows["place"] = rows["ubigeo"].map(territory.name)
    rows["gap"] = [catalog.label("gaps", g, t.lang) for g in rows["gap_code"]]
    rows["unit"] = rows["gap_code"].map(catalog.gaps["unit"])
    return rows


def worst_bars(rows: pd.DataFrame, t: Translator, title: str) -> go.Figure:
    labels = [f"{p} — {g}" for p, g in zip(rows["place"], rows["gap"])]
    unmet = display_counts(rows, "unmet", t)
    text = [f"{u} {unit} · {severity_label(t, s, c)}"
            for u, unit, s, c in zip(unmet, rows["unit"], rows["severity"], rows["coverage"])]
    fig = go.Figure(go.Bar(x=rows["gap_share"], y=labels, orientation="h", text=text, textposition="auto",
                           marker=dict(color=[SEVERITY_COLORS[s] for s in rows["severity"]],
                                       line=dict(color="#333", width=1)),
                           hovertemplate="%{y}<br>%{text}<extra></extra>"))
    fig.update_xaxes(tickformat=".0%", range=[0, 1], title=t("columns.unmet") + " / " + t("columns.need"))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, height=max(320, 44 * len(rows) + 100))


def coverage_finding(gaps: pd.DataFrame, catalog: Catalog, t: Translator, ubigeo: str, period: str) -> str:
    """A title that states the finding: the gap with the lowest coverage at the place."""
    rows = gaps[gaps["ubigeo"].eq(ubigeo) & gaps["coverage"].notna()]
    if rows.empty:
        return t("overview.coverage_title", period=t.period(period))
    worst = rows.sort_values("coverage").iloc[0]
    return t("overview.coverage_finding", gap=catalog.label("gaps", worst["gap_code"], t.lang),
             coverage=t.percent(worst["coverage"]), period=t.period(period))


def worst_finding(rows: pd.DataFrame, t: Translator, period: str) -> str:
    """A title naming the district gap with the largest share of need left unmet."""
    if rows.empty or rows["gap_share"].isna().all():
        return t("overview.worst_title", period=t.period(period))
    top = rows.sort_values("gap_share", ascending=False).iloc[0]
    return t("overview.worst_finding", place=top["place"], gap=top["gap"], share=t.percent(top["gap_share"]),
             period=t.period(period))
