"""Figures for the analysis pages (sectors, map, trends, data quality): frames in, Plotly figures out.

Pure, like :mod:`gapsmodel.views.charts` (whose palette and severity icons they share): severity is always a
word or an icon on the chart as well as a colour (Okabe-Ito, grey for no data), numbers are written with
the Translator (es-PE or en), and each builder draws exactly the numbers of the frame it is given.
Public (suppressed) frames carry NaN plus ``<col>_suppressed`` flags: those cells are written ``<5``
(or *reservado* when masked only to protect another cell), never as 0.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..rules.catalog import NO_DATA, Catalog
from ..rules.publication import count_text as published_count_text
from .charts import (FONT, SECTOR_COLORS, SEVERITY_COLORS, SEVERITY_ICONS, TITLE_AT_TOP, TITLE_WRAP,
                     labels_above, line_colour, small_multiples,
                     severity_label, title_margin, withheld, wrap)
from ..rules.gaps import SEVERITY_ORDER
from ..i18n import Translator
from .maps import SEVERITY_CLASSES, district_map  # noqa: F401  (SEVERITY_CLASSES re-exported)

ROLE_COLORS = {"need": "#56B4E9", "supply": "#009E73", "combined": "#333333"}
GROUP_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9"]


# a small white template: assigning plotly's full "plotly_white" costs ~50 ms per figure
_GRID = "#E5E8EE"
TEMPLATE = go.layout.Template(layout=dict(
    xaxis=dict(gridcolor=_GRID, zerolinecolor=_GRID, linecolor="#888", automargin=True),
    yaxis=dict(gridcolor=_GRID, zerolinecolor=_GRID, linecolor="#888", automargin=True),
    hoverlabel=dict(font=dict(size=14)), colorway=SECTOR_COLORS))


def _layout(fig: go.Figure, title: str, height: int = 440) -> go.Figure:
    # a sentence-long title is wrapped: Plotly would run it past the chart's right edge
    fig.update_layout(title=dict(text=wrap(title, TITLE_WRAP), x=0, xanchor="left", **TITLE_AT_TOP), font=FONT,
                      height=height,
                      margin=dict(l=10, r=20, t=max(70, title_margin(title)), b=40), plot_bgcolor="white",
                      paper_bgcolor="white",
                      template=TEMPLATE)
    return fig


def _vline(x, dash: str = "dot", color: str = "#777", width: float = 1) -> dict:
    """A vertical line across the plot as a shape dict (``add_vline`` costs ~25 ms per line)."""
    return dict(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1,
                line=dict(dash=dash, color=color, width=width))


def _hline(y, dash: str = "dot", color: str = "#555") -> dict:
    return dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=y, y1=y, line=dict(dash=dash, color=color))


def _isnan(value) -> bool:
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def count_text(t: Translator, value, suppressed: bool = False, complementary: bool = False,
               threshold: int = 5) -> str:
    """A count for people: ``<5`` when suppressed as small, *reservado* when masked to protect another
    cell, ``—`` when missing, else the number in the user's locale."""
    if suppressed:
        return t("explore.withheld") if complementary else f"<{threshold}"
    return "—" if _isnan(value) else t.number(float(value))


def _flag(row, col: str) -> tuple[bool, bool]:
    sup = bool(row.get(f"{col}_suppressed", False)) if hasattr(row, "get") else False
    comp = bool(row.get(f"{col}_complementary", False)) if hasattr(row, "get") else False
    return sup, comp


def pct(t: Translator, value) -> str:
    """Translator.percent (pattern ``#,##0 %``, the same in es-PE and en) without Babel's cost for the
    common case of a whole percentage below 1 000 %."""
    if _isnan(value):
        return "—"
    scaled = float(value) * 100
    return f"{scaled:.0f} %" if abs(scaled) < 999.5 else t.percent(value)


def _count(t: Translator, row, col: str, threshold: int = 5) -> str:
    published = published_count_text(row, col, threshold, t.number) if hasattr(row, "get") else None
    if published is not None:
        return published
    sup, comp = _flag(row, col)
    return count_text(t, row[col], sup, comp, threshold)


# --- districts: bars and map ------------------------------------------------------------------------
def district_text(frame: pd.DataFrame, t: Translator, unit: str, threshold: int = 5) -> list[str]:
    """Bar labels: unmet need with its unit, then severity word, icon and coverage."""
    out = []
    for _, row in frame.iterrows():
        if row["severity"] == NO_DATA:
            out.append(severity_label(t, NO_DATA))
            continue
        cov = None if bool(row.get("coverage_suppressed", False)) else row["coverage"]
        out.append(f"{_count(t, row, 'unmet', threshold)} {unit} · {severity_label(t, row['severity'], cov)}")
    return out


def district_bars(frame: pd.DataFrame, t: Translator, unit: str, title: str, threshold: int = 5) -> go.Figure:
    """Unmet need per district (horizontal bars, the gap's unit), largest first; districts without data
    are a grey stub labelled 'Sin datos', never a zero. ``frame``: :func:`explore.district_rows`."""
    rows = frame.assign(_u=pd.to_numeric(frame["unmet"], errors="coerce"),
                        _r=frame["severity"].map(SEVERITY_ORDER).fillna(9))
    rows = rows.sort_values(["_u", "_r"], ascending=[False, True], na_position="last")
    top = float(rows["_u"].max()) if rows["_u"].notna().any() else 1.0
    top = top if top > 0 else 1.0
    drawn = rows["_u"].where(rows["_u"].notna(), top * 0.02)
    text = district_text(rows, t, unit, threshold)
    fig = go.Figure(go.Bar(
        x=drawn, y=rows["place"], orientation="h", text=text,
        marker=dict(color=[SEVERITY_COLORS[s] for s in rows["severity"]], line=dict(color="#333", width=1),
                    pattern=dict(shape=["/" if s == NO_DATA else "" for s in rows["severity"]])),
        hovertemplate="%{y}<br>%{text}<extra></extra>"))
    row_height = labels_above(fig, rows["place"], text)
    fig.update_xaxes(range=[0, top * 1.05], title=f"{t('columns.unmet')} ({unit})", tickformat=",d")
    fig.update_yaxes(autorange="reversed", title=None)
    return _layout(fig, title, height=max(360, row_height * len(rows) + 110))


PHONE_WIDTH = 350   # px a chart gets on a 390 px phone (Streamlit's page padding taken off)
PHONE_MAP_HEIGHT = 900   # px at most: the map is as large as the phone's width allows, and no taller


def choropleth(frame: pd.DataFrame, geojson, t: Translator, unit: str, title: str,
               need_unit: str | None = None, threshold: int = 5, height: int = 620, *,
               value_label: str = "", width_hint: int | None = 560, phone: bool = False) -> go.Figure:
    """Districts coloured and patterned by severity (four classes plus grey hatched 'Sin datos'), with
    names and severity words written on the map, drawn offline: a thin wrapper of
    :func:`gapsmodel.views.maps.district_map` (see there).

    ``frame``: one row per district with ubigeo, place, severity, need, supply, unmet, coverage and
    optionally ``reporters`` (institution codes); ``geojson``: the districts' GeoJSON or the Territory.
    ``width_hint``: the map page draws it in a column about 560 px wide, so labels are spaced for that.
    ``phone``: drawn for a phone's 350 px instead: the key below the map, smaller labels spaced for that
    width, so nothing sticks out of the chart or runs into another label.
    """
    rows = frame.assign(unit=unit, need_unit=need_unit or unit)
    if phone:
        return district_map(rows, geojson, t, title, value_label=value_label, height=PHONE_MAP_HEIGHT,
                            threshold=threshold, width_hint=PHONE_WIDTH, key_below=True, label_size=10)
    return district_map(rows, geojson, t, title, value_label=value_label, height=height, threshold=threshold,
                        width_hint=width_hint)


# --- contributions and disaggregation ------------------------------------------------------------------
def contributions_frame(contrib: pd.DataFrame, catalog: Catalog, t: Translator) -> pd.DataFrame:
    """Rows drawn by :func:`contributions_bars`: one per institution and role plus one 'combined' row per
    role (the figure the rule produced), with the label and the text written on each bar."""
    rows = []
    for role, part in contrib.groupby("role", sort=False):
        unit = t.unit(part["unit"].iloc[0])
        rule = part["rule"].iloc[0]
        role_word = t(f"explore.role_{role}")
        for _, r in part.iterrows():
            if r["status"] in ("missing", "region_only"):
                text = t(f"explore.status_{r['status']}")
            else:
                text = f"{t.number(r['value'])} {unit}"
                if r["status"] == "carried":
                    text += " · " + t("explore.carried_from", month=t.month(str(r["carried_from"])))
            rows.append(dict(role=role, kind="institution", label=f"{role_word} · {r['institution']}",
                             value=r["value"], text=text, status=r["status"], chosen=bool(r["chosen"])))
        combined = part["combined"].iloc[0]
        rows.append(dict(role=role, kind="combined",
                         label=f"{role_word} · {t('explore.combined', rule=rule_text(t, rule))}",
                         value=combined, text="—" if _isnan(combined) else f"{t.number(combined)} {unit}",
                         status="combined", chosen=True))
    return pd.DataFrame(rows, columns=["role", "kind", "label", "value", "text", "status", "chosen"])


def rule_text(t: Translator, rule: str) -> str:
    if rule.startswith("source:"):
        return t("explore.rule_source", institution=rule.split(":", 1)[1])
    return t(f"explore.rule_{rule}")


def contributions_bars(contrib: pd.DataFrame, catalog: Catalog, t: Translator, title: str) -> go.Figure:
    """Per institution, its figure for the need and for the supply, and the combined figure the rule
    produced (dark bar). Carried-forward values are hatched and say so; missing reports are written, not
    drawn as zero."""
    rows = contributions_frame(contrib, catalog, t)
    values = pd.to_numeric(rows["value"], errors="coerce")
    colors = [ROLE_COLORS["combined"] if k == "combined" else ROLE_COLORS[r]
              for k, r in zip(rows["kind"], rows["role"])]
    patterns = ["/" if s == "carried" else "" for s in rows["status"]]
    fig = go.Figure(go.Bar(
        x=values.fillna(0), y=rows["label"], orientation="h", text=rows["text"],
        marker=dict(color=colors, pattern=dict(shape=patterns), line=dict(color="#333", width=1)),
        hovertemplate="%{y}<br>%{text}<extra></extra>"))
    row_height = labels_above(fig, rows["label"], rows["text"])
    top = float(values.max()) if values.notna().any() else 1.0
    fig.update_xaxes(range=[0, max(top, 1) * 1.05], tickformat=",d", title=None)
    fig.update_yaxes(autorange="reversed", title=None)
    return _layout(fig, title, height=max(300, row_height * len(rows) + 120))


def disaggregation_bars(frame: pd.DataFrame, catalog: Catalog, t: Translator, title: str,
                        dimension: str = "sex") -> go.Figure:
    """Stacked bars per indicator and institution: its parts by sex or age group, with the numbers and
    shares written; when the institution also sent a total that differs, the text says so."""
    fig = go.Figure()
    frame = frame.copy()
    frame["label"] = [f"{catalog.label('indicators', i, t.lang)} · {n}" for i, n in
                      zip(frame["indicator"], frame["institution"])]
    for k, (group, part) in enumerate(frame.groupby("group", sort=False)):
        fig.add_trace(go.Bar(
            x=part["value"], y=part["label"], orientation="h", name=t(f"explore.{dimension}_{group}"),
            text=[f"{t.number(v)} ({t.percent(s)})" for v, s in zip(part["value"], part["share"])],
            textposition="inside", insidetextanchor="middle",
            marker=dict(color=GROUP_COLORS[k % len(GROUP_COLORS)], line=dict(color="#333", width=1)),
            hovertemplate="%{y}<br>" + t(f"explore.{dimension}_{group}") + ": %{text}<extra></extra>"))
    totals = frame.groupby("label", sort=False).agg(total=("total", "first"), parts=("value", "sum"))
    for label, row in totals.iterrows():
        if not _isnan(row["total"]) and not np.isclose(row["total"], row["parts"]):
            fig.add_annotation(x=row["parts"], y=label, xanchor="left", showarrow=False,
                               text=" " + t("explore.total_differs", total=t.number(row["total"]),
                                            parts=t.number(row["parts"])))
    fig.update_layout(barmode="stack", legend=dict(orientation="h", y=-0.15))
    fig.update_xaxes(tickformat=",d", title=None)
    fig.update_yaxes(autorange="reversed", title=None)
    return _layout(fig, title, height=max(280, 60 * frame["label"].nunique() + 150))


# --- trends and comparisons ------------------------------------------------------------------------------
def trend_chart(rows: pd.DataFrame, catalog: Catalog, t: Translator, title: str, metric: str = "coverage",
                session_periods: list[str] | None = None) -> go.Figure:
    """One small panel per gap over periods (``metric`` = coverage ratio or unmet in units), see
    :func:`charts.small_multiples`: the last point says its severity with icon and word, the line takes
    that severity's colour; sessions are light ticks at their period.

    ``rows``: gap table rows for one place and many periods (the period code in ``period``).
    """
    periods = sorted(rows["period"].unique())
    labels = {p: t.period(p) if "-Q" in p or len(p) == 4 else t.month(p) for p in periods}
    panels = []
    for gap, part in rows.groupby("gap_code", sort=False):
        part = part.sort_values("period")
        y = pd.to_numeric(part[metric], errors="coerce")
        name = catalog.label("gaps", gap, t.lang)
        text = [""] * len(part)
        valid = [k for k, v in enumerate(y) if not _isnan(v)]
        last = part["severity"].iloc[valid[-1]] if valid else NO_DATA
        if valid:
            text[valid[-1]] = f"{SEVERITY_ICONS[last]} {t.severity(last)}"
        shown = [pct(t, v) if metric == "coverage" else t.number(v) for v in y]
        panels.append(dict(title=name, x=[labels[p] for p in part["period"]], y=y, text=text,
                           colour=line_colour(last), customdata=np.array(shown, dtype=object).reshape(-1, 1),
                           hovertemplate=f"{name}<br>%{{x}}: %{{customdata[0]}}<extra></extra>",
                           empty_note="" if valid else t("charts.protected") if withheld(part) else t.severity(NO_DATA)))
    values = pd.to_numeric(rows[metric], errors="coerce")
    top = float(values.max()) if values.notna().any() else 1.0
    sessions = [labels[p] for p in dict.fromkeys(session_periods or []) if p in labels]
    if metric == "coverage":
        return small_multiples(panels, title, [labels[p] for p in periods], tickformat=".0%",
                               top=max(1.0, top) * 1.08, target=1.0, session_labels=sessions)
    return small_multiples(panels, title, [labels[p] for p in periods], tickformat=",d", top=max(top, 1) * 1.15,
                           session_labels=sessions)


def compare_bars(changed: pd.DataFrame, catalog: Catalog, t: Translator, label_before: str, label_after: str,
                 title: str) -> go.Figure:
    """Coverage per gap in two periods (or sessions) side by side; above each pair, the gap and both
    percentages with their severity ("before → after"), written over the chart so that it stays whole on a
    phone. ``changed``: :func:`explore.changes`."""
    names = [catalog.label("gaps", g, t.lang) for g in changed["gap_code"]]
    fig = go.Figure()
    words = {}
    for side, label, color in (("before", label_before, "#56B4E9"), ("after", label_after, "#0072B2")):
        cov = pd.to_numeric(changed[f"coverage_{side}"], errors="coerce")
        sev = changed[f"severity_{side}"]
        # a coverage the view may not show (protected) gets no bar and says so: never a zero bar
        words[side] = [severity_label(t, s, c) if not _isnan(c) or s == NO_DATA
                       else f"{severity_label(t, s)} · {t('explore.withheld')}" for s, c in zip(sev, cov)]
        fig.add_trace(go.Bar(
            x=cov.clip(upper=1.5), y=names, orientation="h", name=label, text=words[side],
            textposition="none",
            marker=dict(color=color, line=dict(color=[SEVERITY_COLORS[s] for s in sev], width=3)),
            hovertemplate="%{y}<br>" + label + ": %{text}<extra></extra>"))
    texts = [wrap(f"{name}: {before} → {after}")
             for name, before, after in zip(names, words["before"], words["after"])]
    # the label (18 px a line) sits in the upper half of its row, the pair of bars in the middle half
    row_height = 24 + 36 * max([text.count("<br>") + 1 for text in texts] or [1])
    for name, text in zip(names, texts):
        # the pair of bars fills half the row (bargap 0.5): the label starts above its upper edge
        fig.add_annotation(x=0, xref="paper", y=name, yref="y", yshift=int(0.25 * row_height) + 3, xanchor="left",
                           yanchor="bottom", align="left", showarrow=False, text=text, font=dict(size=14))
    fig.update_layout(barmode="group", bargap=0.5, legend=dict(orientation="h", y=-0.1),
                      shapes=[_vline(1.0, color="#555")])
    top = pd.to_numeric(pd.concat([changed["coverage_before"], changed["coverage_after"]]), errors="coerce").max()
    fig.update_xaxes(range=[0, max(1.05, min(1.5, top * 1.05) if top == top else 1.05)], tickformat=".0%",
                     title=t("columns.coverage"))
    fig.update_yaxes(autorange="reversed", title=None, showticklabels=False)
    # the axis title and the legend below take ~140 px that Plotly's automargin takes from the plot
    return _layout(fig, title, height=max(360, row_height * len(names) + 200))


# --- data quality -------------------------------------------------------------------------------------
COMPLETENESS_SCALE = [[0.0, SEVERITY_COLORS["critica"]], [0.5, "#F4F4F4"], [1.0, SEVERITY_COLORS["adecuada"]]]


def completeness_heatmap(matrix: pd.DataFrame, t: Translator, title: str, *, phone: bool = False) -> go.Figure:
    """Institution × month completeness (share of due reports received), each cell with its percentage;
    cells with nothing due are left blank. Colour: from the orange of 'critica' through near-white to the
    blue of 'adecuada' (the Okabe-Ito pair, colour-blind safe), so that 100 % reads as good, not as a
    yellow warning; the numbers take a contrasting colour. ``phone``: for a 350 px column, twelve months
    leave cells too narrow for a number, so the cells keep their colour only (the numbers are in the hover
    and the table under the chart) and the colour key lies under the chart instead of beside it."""
    months = list(matrix.columns)
    text = [[("" if _isnan(v) else t.percent(v)) for v in row] for row in matrix.to_numpy()]
    fig = go.Figure(go.Heatmap(
        z=matrix.to_numpy(dtype=float), x=[t.month(m) for m in months], y=list(matrix.index), text=text,
        texttemplate="" if phone else "%{text}", textfont=dict(size=13), zmin=0, zmax=1, xgap=2, ygap=2,
        colorscale=COMPLETENESS_SCALE,
        colorbar=(dict(tickformat=".0%", title=dict(text=t("explore.completeness"), side="top"), orientation="h",
                       x=0, xanchor="left", y=-0.25, yanchor="top", len=1, thickness=14) if phone
                  else dict(tickformat=".0%", title=t("explore.completeness"))),
        hovertemplate="%{y} · %{x}: %{text}<extra></extra>"))
    fig.update_xaxes(type="category", side="bottom", tickangle=-45, automargin=True)
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig = _layout(fig, title, height=max(360, 34 * len(matrix) + (300 if phone else 200)))
    return fig.update_layout(margin=dict(b=130)) if phone else fig


# --- tables for people ------------------------------------------------------------------------------------
def gap_display(rows: pd.DataFrame, catalog: Catalog, t: Translator, territory, threshold: int = 5) -> pd.DataFrame:
    """A gap table written for people: labels, numbers in the user's locale, ``<5`` for suppressed cells,
    severity with icon and word, and whether a figure is carried forward (*dato arrastrado*)."""
    out = pd.DataFrame({
        t("columns.sector"): [catalog.label("sectors", s, t.lang) for s in rows["sector"]],
        t("columns.gap"): [catalog.label("gaps", g, t.lang) for g in rows["gap_code"]],
        t("columns.place"): [territory.name(u) for u in rows["ubigeo"]],
        t("columns.level"): [t(f"level.{lv}") for lv in rows["level"]],
        t("columns.period"): [t.period(str(p)) for p in rows["period"]],
    })
    records = rows.to_dict("records")
    for col in ("need", "supply", "unmet"):
        out[t(f"columns.{col}")] = [_count(t, r, col, threshold) for r in records]
    out[t("columns.unit")] = [t.unit(u) for u in rows["gap_code"].map(catalog.gaps["unit"])]
    out[t("columns.coverage")] = ["—" if bool(r.get("coverage_suppressed", False)) or _isnan(r["coverage"])
                                  else t.percent(r["coverage"]) for r in records]
    out[t("columns.severity")] = [f"{SEVERITY_ICONS[s]} {t.severity(s)}" for s in rows["severity"]]
    out[t("columns.no_data_districts")] = list(rows["no_data_districts"])
    out[t("columns.carried")] = [t("explore.yes") if bool(c) else "" for c in rows["carried"]]
    return out


def contributions_display(contrib: pd.DataFrame, catalog: Catalog, t: Translator) -> pd.DataFrame:
    """The contributions table written for people (role, indicator, institution, figure, status, rule)."""
    return pd.DataFrame({
        t("explore.role"): [t(f"explore.role_{r}") for r in contrib["role"]],
        t("columns.indicator"): [catalog.label("indicators", i, t.lang) for i in contrib["indicator"]],
        t("columns.institution"): list(contrib["institution"]),
        t("columns.value"): ["—" if _isnan(v) else t.number(v) for v in contrib["value"]],
        t("columns.unit"): [t.unit(u) for u in contrib["unit"]],
        t("explore.status"): [t(f"explore.status_{s}") + (f" ({t.month(str(c))})" if s == "carried" else "")
                              for s, c in zip(contrib["status"], contrib["carried_from"])],
        t("explore.rule"): [rule_text(t, r) for r in contrib["rule"]],
        t("explore.combined_col"): ["—" if _isnan(v) else t.number(v) for v in contrib["combined"]],
        t("explore.chosen"): [t("explore.yes") if c else "" for c in contrib["chosen"]],
    })
