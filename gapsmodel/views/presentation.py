"""A session told in slides: the figures as known on the session day, and the list of slides built from them.

:func:`session_data` gathers, for one session, what the table saw that day (DOMAIN.md §8: uploads by the
end of the session date, months up to the session's month, via :func:`model.session_moment`): the gap
table of the latest complete month then, the monthly series up to it, the reporting status, the same for
the previous session, and the agreements with their status evaluated on the session date. Corrections
uploaded after the session do not change any of it, so a past session's slides and report are reproducible.

:func:`build_slides` turns that into a plain list of :class:`Slide` (title, one message, optional bullets,
a figure and the tables behind it, already formatted as text) that the presentation page shows one at a
time and :mod:`gapsmodel.views.report` writes out as an HTML file.

Public slides (``public=True``, the default) use the public gap tables, computed from published figures
only (:mod:`gapsmodel.rules.publication`): ``<5``, rounded figures and ranges.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

import pandas as pd
import plotly.graph_objects as go

from . import charts, maps, narrative
from .exports import actor_name
from .. import model
from ..rules.catalog import NO_DATA, Catalog
from ..rules.publication import count_text as published_count_text
from ..i18n import Translator
from ..rules.periods import Period, parse_period, periods_between
from ..rules.quality import completeness, overall
from ..records.notes import covering, notes_frame
from ..records.sessions import agreements_frame, nearest_sessions, sessions_frame
from ..records.store import Store, batches, naive_utc, utcnow
from ..rules.territory import Territory

PROTECTED_NOTE_SECTORS = ("trata", "vbg")
PROJECTOR_FONT = 20
AGREEMENTS_ON_SLIDE = 5   # rows that fit a 1280×720 slide at 28 px; the rest are one click away


class UnknownSession(LookupError):
    """No session on that date; ``nearby`` lists the closest session dates."""

    def __init__(self, day: date, nearby: list[date]):
        self.day, self.nearby = day, nearby
        near = ", ".join(d.isoformat() for d in nearby) or "—"
        super().__init__(f"No hay sesión el {day.isoformat()}. Sesiones cercanas: {near}. / "
                         f"No session on {day.isoformat()}. Nearby sessions: {near}.")


@dataclass(frozen=True)
class Moment:
    """What the table saw at one session: its period (None without data), gap table and reporting status."""
    day: date
    title: str
    as_of: datetime
    until: str
    period: Period | None
    gaps: pd.DataFrame
    status: pd.DataFrame


@dataclass(frozen=True)
class SessionData:
    current: Moment
    previous: Moment | None
    notes: str
    series: pd.DataFrame           # monthly gap table up to the current period
    agreements: pd.DataFrame       # agreements to follow up and new ones, effective status on the session day
    public: bool
    data_version: str              # batches in force at the moment, and a fingerprint of their ids
    generated_at: datetime         # naive UTC
    session_dates: list[date] = field(default_factory=list)
    figure_notes: pd.DataFrame = field(default_factory=pd.DataFrame)   # notes on the figures, as of the session


@dataclass
class Slide:
    key: str                       # stable id: title, changes, sectors, worst, map, sector:<code>, reporting, agreements
    title: str
    message: str
    bullets: list[str] = field(default_factory=list)
    figure: go.Figure | None = None
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    note: str = ""
    listing: pd.DataFrame | None = None   # rows shown on the slide itself (agreements: status, due, what, who)


# --- gathering the figures ------------------------------------------------------------------------------
SnapshotFn = Callable[[datetime, str], model.Snapshot]
GapsFn = Callable[[list[Period], datetime, str, bool], pd.DataFrame]


def _default_fns(store: Store, catalog: Catalog, territory: Territory) -> tuple[SnapshotFn, GapsFn]:
    cache: dict = {}

    def snapshot(as_of, until):
        key = (as_of, until)
        if key not in cache:
            cache[key] = model.take_snapshot(store, catalog, territory, as_of=as_of, until_month=until)
        return cache[key]

    def gaps(periods, as_of, until, public):
        return model.gap_table(snapshot(as_of, until), catalog, territory, periods, public=public)
    return snapshot, gaps


def data_fingerprint(store: Store, as_of: datetime) -> str:
    """'<n>/<hash>': the number of batches in force at ``as_of`` and a short hash of their ids."""
    moment = naive_utc(as_of)
    frame = store.batches_frame()
    if frame.empty:
        return "0/-"
    up = pd.to_datetime(frame["uploaded_at"])
    rev = pd.to_datetime(frame["reverted_at"])
    alive = frame[(up <= moment) & (rev.isna() | (rev > moment))]
    ids = ",".join(str(i) for i in sorted(alive["id"]))
    return f"{len(alive)}/{hashlib.sha256(ids.encode()).hexdigest()[:10]}"


def _moment(day: date, title: str, catalog: Catalog, snapshot: SnapshotFn, gaps: GapsFn, public: bool) -> Moment:
    as_of, until = model.session_moment(day)
    snap = snapshot(as_of, until)
    if snap.empty:
        return Moment(day, title, as_of, until, None, pd.DataFrame(), pd.DataFrame())
    period = parse_period(model.latest_complete_month(snap, catalog))
    return Moment(day, title, as_of, until, period, gaps([period], as_of, until, public),
                  model.reporting(snap, catalog, period))


def followed_agreements(frame: pd.DataFrame, day: date, previous_day: date | None) -> pd.DataFrame:
    """Agreements the session looks at: those made at it, and earlier ones still open or due since the
    previous session. ``frame`` comes from :func:`sessions.agreements_frame` evaluated on ``day``."""
    if frame.empty:
        return frame
    made_here = frame["session_date"].eq(day)
    earlier = frame["session_date"].lt(day)
    open_ = frame["effective_status"].ne("cumplido")
    recent = frame["due_date"].gt(previous_day) if previous_day else pd.Series(True, index=frame.index)
    return frame[made_here | (earlier & (open_ | recent))]


def session_data(store: Store, catalog: Catalog, territory: Territory, day: date, *, public: bool = True,
                 snapshot: SnapshotFn | None = None, gaps: GapsFn | None = None,
                 now: datetime | None = None) -> SessionData:
    """Everything the slides and the report of the session on ``day`` need (see the module docstring).

    ``snapshot(as_of, until)`` and ``gaps(periods, as_of, until, public)`` may be given by a caller that
    caches them (the pages pass app.cached's); by default they call the model directly.
    Raises :class:`UnknownSession` when no session is recorded on ``day``.
    """
    default_snapshot, default_gaps = _default_fns(store, catalog, territory)
    snapshot, gaps = snapshot or default_snapshot, gaps or default_gaps
    frame = sessions_frame(store)
    row = frame[frame["date"].eq(day)]
    if row.empty:
        raise UnknownSession(day, nearest_sessions(list(frame["date"]), day))
    earlier = frame[frame["date"].lt(day)]
    current = _moment(day, str(row.iloc[0]["title"]), catalog, snapshot, gaps, public)
    previous = None
    if not earlier.empty:
        prev = earlier.iloc[-1]
        previous = _moment(prev["date"], str(prev["title"]), catalog, snapshot, gaps, public)
    series = pd.DataFrame()
    if current.period is not None:
        snap = snapshot(current.as_of, current.until)
        series = gaps(periods_between(snap.first_month, current.period.end, "month"), current.as_of,
                      current.until, public)
    agreements = followed_agreements(agreements_frame(store, today=day, as_of=current.as_of), day, previous.day if previous else None)
    figure_notes = pd.DataFrame()
    if current.period is not None:
        first = series["period"].min() if not series.empty else current.period.start
        figure_notes = covering(notes_frame(store, as_of=current.as_of, public_only=public), str(first),
                                current.period.end).reset_index(drop=True)
    return SessionData(current=current, previous=previous, notes=str(row.iloc[0]["notes"] or ""), series=series,
                       agreements=agreements.reset_index(drop=True), public=public,
                       data_version=data_fingerprint(store, current.as_of),
                       generated_at=naive_utc(now) if now else utcnow(), session_dates=list(frame["date"]),
                       figure_notes=figure_notes)


# --- formatting cells -------------------------------------------------------------------------------------
def _flag(row: pd.Series, name: str) -> bool:
    value = row.get(name, False)
    return bool(value) if value == value and value is not None else False


def fmt_count(row: pd.Series, col: str, t: Translator, threshold: int) -> str:
    """A count for display: '<5' when masked as small, a published range '15–19', else the number."""
    published = published_count_text(row, col, threshold, t.number)
    if published is not None:
        return published
    if _flag(row, f"{col}_suppressed"):
        return t("presentation.withheld") if _flag(row, f"{col}_complementary") else f"<{threshold}"
    return t.number(row.get(col))


def fmt_ratio(row: pd.Series, col: str, t: Translator) -> str:
    if _flag(row, f"{col}_suppressed"):
        return t("presentation.withheld")
    return t.percent(row.get(col))


def severity_text(t: Translator, severity) -> str:
    if severity is None or severity != severity:
        return "—"
    return f"{charts.SEVERITY_ICONS[severity]} {t.severity(severity)}"


def md_escape(text: object) -> str:
    """User-written text made safe for Streamlit markdown (no links, images, headings or emphasis)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$&:])", r"\\\1", str(text))


def _place(territory: Territory, ubigeo: str, t: Translator) -> str:
    if ubigeo == territory.region_ubigeo:
        return f"{territory.region_name} ({t('level.region')})"
    return territory.name(ubigeo)


def gaps_table(table: pd.DataFrame, catalog: Catalog, territory: Territory, t: Translator) -> pd.DataFrame:
    """One line per gap and place: figures as text, suppression respected."""
    threshold = catalog.small_cell_threshold
    rows = []
    for _, r in table.iterrows():
        rows.append({
            t("columns.sector"): catalog.label("sectors", r["sector"], t.lang),
            t("columns.gap"): catalog.label("gaps", r["gap_code"], t.lang),
            t("columns.place"): _place(territory, r["ubigeo"], t),
            t("columns.need"): fmt_count(r, "need", t, threshold),
            t("columns.supply"): fmt_count(r, "supply", t, threshold),
            t("columns.coverage"): fmt_ratio(r, "coverage", t),
            t("columns.unmet"): fmt_count(r, "unmet", t, threshold),
            t("columns.unit"): narrative._unit(t, str(catalog.gaps.at[r["gap_code"], "unit"])),
            t("columns.severity"): severity_text(t, r["severity"]),
        })
    return pd.DataFrame(rows)


def changes_table(frame: pd.DataFrame, catalog: Catalog, territory: Territory, t: Translator,
                  kinds=("became_critical", "worsened", "improved")) -> pd.DataFrame:
    threshold = catalog.small_cell_threshold
    rank = {k: i for i, k in enumerate(kinds)}
    rows = frame[frame["change"].isin(kinds) & frame["level"].isin(["region", "district"])].copy()
    rows = rows.assign(_k=rows["change"].map(rank), _r=rows["ubigeo"].ne(territory.region_ubigeo),
                       _w=-rows["delta_coverage"].abs().fillna(0)).sort_values(["_k", "_r", "_w", "gap_code"])
    cov, unmet, sev = t("columns.coverage"), t("columns.unmet"), t("columns.severity")
    out = []
    for _, r in rows.iterrows():
        out.append({
            t("columns.gap"): catalog.label("gaps", r["gap_code"], t.lang),
            t("columns.place"): _place(territory, r["ubigeo"], t),
            t("presentation.before", what=cov): fmt_ratio(r, "coverage_before", t),
            t("presentation.now", what=cov): fmt_ratio(r, "coverage_now", t),
            t("presentation.before", what=unmet): fmt_count(r, "unmet_before", t, threshold),
            t("presentation.now", what=unmet): fmt_count(r, "unmet_now", t, threshold),
            t("presentation.before", what=sev): severity_text(t, r["severity_before"]),
            t("presentation.now", what=sev): severity_text(t, r["severity_now"]),
            t("presentation.change"): t(f"presentation.change_{r['change']}"),
        })
    return pd.DataFrame(out)


def trend_text_table(series: pd.DataFrame, catalog: Catalog, t: Translator, ubigeo: str) -> pd.DataFrame:
    rows = series[series["ubigeo"].eq(ubigeo)].copy()
    if rows.empty:
        return pd.DataFrame()
    rows["gap"] = [catalog.label("gaps", g, t.lang) for g in rows["gap_code"]]
    rows["text"] = [fmt_ratio(r, "coverage", t) for _, r in rows.iterrows()]
    wide = rows.pivot_table(index="period", columns="gap", values="text", aggfunc="first").reset_index()
    wide["period"] = [t.month(p) for p in wide["period"]]
    wide.columns.name = None
    return wide.rename(columns={"period": t("columns.month")})


def reporting_table(status: pd.DataFrame, catalog: Catalog, t: Translator) -> pd.DataFrame:
    table = completeness(status)
    table = table.sort_values(["completeness", "institution"])
    return pd.DataFrame({
        t("columns.institution"): [catalog.label("institutions", i, t.lang) for i in table["institution"]],
        t("presentation.due"): [t.number(v) for v in table["due"]],
        t("presentation.reported"): [t.number(v) for v in table["reported"]],
        t("presentation.on_time"): [t.number(v) for v in table["on_time"]],
        t("presentation.completeness"): [t.percent(v) for v in table["completeness"]],
    })


def reporting_bars(status: pd.DataFrame, catalog: Catalog, t: Translator) -> go.Figure:
    """Each institution's share of its expected reports received, the least complete on top, written as
    "2 de 3 · 67 %": the slide shows who is missing, not only the total."""
    table = completeness(status).sort_values(["completeness", "institution"])
    labels = [catalog.label("institutions", i, t.lang) for i in table["institution"]]
    text = [t("presentation.reporting_bar", reported=t.number(r), due=t.number(d), pct=t.percent(c))
            for r, d, c in zip(table["reported"], table["due"], table["completeness"])]
    colours = [charts.SEVERITY_COLORS["adecuada"] if c >= 1 else charts.SEVERITY_COLORS["alta"] if c >= 0.5
               else charts.SEVERITY_COLORS["critica"] for c in table["completeness"]]
    # a few bars on a projector: names beside the bars and the count at their end read from the back
    fig = go.Figure(go.Bar(x=list(table["completeness"]), y=labels, orientation="h", text=text, name="",
                           textposition="outside", cliponaxis=False,
                           marker=dict(color=colours, line=dict(color="#333", width=1)),
                           hovertemplate="%{y}<br>%{text}<extra></extra>"))
    fig.update_xaxes(tickformat=".0%", range=[0, 1.3], tickvals=[0, 0.25, 0.5, 0.75, 1], title=None)
    # room between a name and its bar: a bar of 0 % has its count right at the axis
    fig.update_yaxes(autorange="reversed", ticklabelstandoff=12)
    return charts._layout(fig, "", height=max(320, 44 * len(labels) + 80))


def agreements_table(frame: pd.DataFrame, catalog: Catalog, t: Translator) -> pd.DataFrame:
    """Agreements as text, status and due date first (what a follow-up reads first, and what a phone shows
    without scrolling sideways); their text is the user's own: callers must show it escaped."""
    from ..records.sessions import follow_up_order
    if frame.empty:
        return pd.DataFrame()
    frame = follow_up_order(frame)
    return pd.DataFrame({
        t("agreements.status"): [t(f"agreements.status_{s}") for s in frame["effective_status"]],
        t("agreements.due"): [t.date(d) for d in frame["due_date"]],
        t("agreements.text"): list(frame["text"]),
        t("agreements.institution"): [catalog.label("institutions", i, t.lang) for i in frame["institution"]],
        t("agreements.session"): [t.date(d) for d in frame["session_date"]],
        t("agreements.id"): [str(i) for i in frame["id"]],
        t("agreements.gap"): [catalog.label("gaps", g, t.lang) if isinstance(g, str) and g else "—"
                              for g in frame["gap_code"]],
    })


def agreement_history_table(history: pd.DataFrame, t: Translator, *, with_author: bool) -> pd.DataFrame:
    """One agreement's recorded states, oldest first (from :func:`sessions.agreement_history`); who recorded
    each one only for those who may read the audit log."""
    table = pd.DataFrame({
        t("agreements.recorded_at"): [t.time(moment) for moment in pd.to_datetime(history["recorded_at"])],
        t("agreements.status"): [t(f"agreements.status_{s}") for s in history["status"]],
        t("agreements.due"): [t.date(d) for d in history["due_date"]],
        t("agreements.text"): list(history["text"]),
    })
    if with_author:
        table[t("agreements.recorded_by")] = [actor_name(who, t) for who in history["recorded_by"]]
    return table


def note_months(t: Translator, start: str, end: str) -> str:
    return t.month(start) if start == end else f"{t.month(start)} – {t.month(end)}"


def note_lines(notes: pd.DataFrame, catalog: Catalog, territory: Territory, t: Translator, *,
               with_author: bool, numbered: bool = True) -> list[str]:
    """One line per note: '✎ 1 · gap, place, months: text' (author and date for members only). The text is
    the user's own: callers show it as plain text."""
    lines = []
    for i, note in enumerate(notes.itertuples(index=False), start=1):
        mark = f"✎ {i}" if numbered else "✎"
        line = t("notes.line", mark=mark, gap=catalog.label("gaps", note.gap_code, t.lang),
                 place=_place(territory, str(note.ubigeo), t), months=note_months(t, note.start_month, note.end_month),
                 text=note.text)
        if with_author:
            line += " " + t("notes.by", author=actor_name(note.author, t),
                            date=t.date(pd.Timestamp(note.created_at).date()))
        lines.append(line)
    return lines


def mark_notes(fig: go.Figure, notes: pd.DataFrame, months: list[str], t: Translator) -> go.Figure:
    """A numbered marker '✎ n' over the first charted month of each note (numbers only: the text is in the
    slide's list, never inside the figure, where Plotly would read it as markup)."""
    for i, note in enumerate(notes.itertuples(index=False), start=1):
        shown = [m for m in months if note.start_month <= m <= note.end_month]
        if shown:
            fig.add_annotation(x=t.month(shown[0]), y=1.0, xref="x", yref="paper", text=f"✎ {i}", showarrow=False,
                               yanchor="bottom", font=dict(color="#CC79A7", size=16))
    return fig


# --- figures ---------------------------------------------------------------------------------------------
def district_map(rows: pd.DataFrame, territory: Territory, t: Translator, title: str, *, value_label: str = "",
                 height: int = 620, threshold: int = 5) -> go.Figure:
    """The districts coloured and patterned by the severity of one gap, names and severity words on the
    map, drawn offline: :func:`gapsmodel.views.maps.district_map` with type sized for a projected screen."""
    return maps.district_map(rows, territory, t, title, value_label=value_label, height=height,
                             threshold=threshold, label_size=14)


def map_rows(table: pd.DataFrame, gap: str, catalog: Catalog, territory: Territory, t: Translator) -> pd.DataFrame:
    """The district rows of one gap for :func:`district_map`, with place names and units (people's words)."""
    rows = table[table["gap_code"].eq(gap) & table["level"].eq("district")].copy()
    rows["place"] = [territory.name(u) for u in rows["ubigeo"]]
    rows["unit"] = narrative._unit(t, str(catalog.gaps.at[gap, "unit"]))
    need = catalog.gaps.at[gap, "need"]
    need_unit = catalog.indicators.at[need, "unit"] if isinstance(need, str) and need in catalog.indicators.index \
        else catalog.gaps.at[gap, "unit"]
    rows["need_unit"] = narrative._unit(t, str(need_unit))
    return rows


def map_gap(table: pd.DataFrame, worst: pd.DataFrame, catalog: Catalog) -> str | None:
    """The gap the map slide draws: the one of the worst district gap (the previous slide's headline),
    else the first gap in catalog order with district figures, else None."""
    if not worst.empty:
        return str(worst.iloc[0]["gap_code"])
    rows = table[table["level"].eq("district") & table["severity"].ne(NO_DATA)]
    for gap in catalog.gaps.index:
        if rows["gap_code"].eq(gap).any():
            return str(gap)
    return None


WITHHELD_NOTE = "withheld"   # the note of a chart without a line: one gap a line, also on the projector


def sector_trend(series: pd.DataFrame, catalog: Catalog, t: Translator, ubigeo: str, title: str,
                 session_dates: list[date]) -> go.Figure:
    """Coverage per month of a sector's few gaps at one place, read from the back of the room: each line
    named at its end with its last value (no legend to look up), the 100 % target as a grey dotted line,
    sessions as light ticks at the foot, years on the x axis, the y axis ending just above the data or
    the target."""
    rows = charts.trend_frame(series, catalog, t, ubigeo)
    months = sorted(rows["period"].unique())
    labels = {m: t.month(m) for m in months}
    several = rows["gap_code"].nunique() > 1
    # a line's name goes above its end unless the line falls into it (then below, off the line); of two
    # lines ending close together, the higher is named above and the lower below, so names do not collide
    last = {gap: pd.to_numeric(part.sort_values("period")["coverage"], errors="coerce").dropna()
            for gap, part in rows.groupby("gap_code")}
    position = {gap: charts.end_label_position(values) for gap, values in last.items()}
    ends = sorted((values.iloc[-1], gap) for gap, values in last.items() if len(values))
    for (low, lower), (high, higher) in zip(ends, ends[1:]):
        if high - low < 0.15:
            position[lower], position[higher] = "bottom left", "top left"
    fig = go.Figure()
    unseen = []     # gaps with no line: the slide says why instead of showing bare axes
    for i, (gap, part) in enumerate(rows.groupby("gap_code", sort=True)):
        part = part.sort_values("period")
        y = pd.to_numeric(part["coverage"], errors="coerce")
        valid = [k for k, v in enumerate(y) if v == v]
        text = [""] * len(part)
        gap_label = catalog.label("gaps", gap, t.lang)
        if not valid:
            reason = t("charts.protected") if charts.withheld(part) else t.severity("sin_datos")
            unseen.append(f"{gap_label}: {narrative.lower_first(reason)}")
        if valid:
            value = t.percent(y.iloc[valid[-1]])
            text[valid[-1]] = f"{gap_label}: {value}" if several else value
        fig.add_trace(go.Scatter(
            x=[labels[p] for p in part["period"]], y=y, name=gap_label, mode="lines+markers+text", text=text,
            textposition=position.get(gap, "top left"), cliponaxis=False, showlegend=False,
            textfont=dict(color=charts.SECTOR_COLORS[i % len(charts.SECTOR_COLORS)]),
            line=dict(color=charts.SECTOR_COLORS[i % len(charts.SECTOR_COLORS)], width=4), marker=dict(size=7),
            hovertemplate=f"{gap_label}<br>%{{x}}: %{{y:.0%}}<extra></extra>"))
    shapes = [dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=1.0, y1=1.0,
                   line=dict(color="#999999", width=1.5, dash="dot"))]
    for day in session_dates:
        code = f"{day.year:04d}-{day.month:02d}"
        if code in labels:
            shapes.append(dict(type="line", xref="x", yref="paper", x0=labels[code], x1=labels[code], y0=0, y1=0.05,
                               line=dict(color="#BBBBBB", width=1.5)))
    years, seen = [], set()
    for m in months:
        if m[:4] not in seen:
            seen.add(m[:4])
            years.append(m)
    top = pd.to_numeric(rows["coverage"], errors="coerce").max() if not rows.empty else 1.0
    fig.update_layout(shapes=shapes, showlegend=False,
                      xaxis=dict(type="category", categoryorder="array", categoryarray=[labels[m] for m in months],
                                 tickvals=[labels[m] for m in years], ticktext=[m[:4] for m in years], tickangle=0,
                                 showgrid=False),
                      yaxis=dict(tickformat=".0%", range=[0, max(1.0, top if top == top else 1.0) * 1.1], title=None))
    if unseen:
        alone = len(unseen) == rows["gap_code"].nunique()
        fig.add_annotation(name=WITHHELD_NOTE, text="<br>".join(unseen), xref="paper", yref="paper", x=0.5 if alone else 0.01,
                           y=0.5 if alone else 0.97, xanchor="center" if alone else "left", showarrow=False,
                           align="left", font=dict(size=18, color=charts.PROTECTED_INK))
    return charts._layout(fig, title, height=520)


def projector(fig: go.Figure) -> go.Figure:
    """Larger, darker type for a projected screen."""
    fig.update_layout(font=dict(size=PROJECTOR_FONT, color="#111111"),
                      title=dict(font=dict(size=PROJECTOR_FONT + 6)))
    # labels written over bars: one line each on a wide screen (they are wrapped for a phone)
    fig.for_each_annotation(lambda a: a.update(text=a.text.replace("<br>", " "), font_size=PROJECTOR_FONT, yshift=6),
                            selector=lambda a: a.name != WITHHELD_NOTE)
    fig.for_each_annotation(lambda a: a.update(font_size=PROJECTOR_FONT), selector=dict(name=WITHHELD_NOTE))
    return fig


LARGE_SCREEN_SCALE = 1.5   # a 1920×1080 screen is 1.5 times a 1280×720 one, in both directions


def _scaled_size(size, factor: float):
    if size is None:
        return None
    if isinstance(size, (list, tuple)):
        return [_scaled_size(s, factor) for s in size]
    return round(size * factor, 1)


def on_slide(fig: go.Figure, scale: float = 1.0) -> go.Figure:
    """A copy of a slide's figure for the full-screen slide view: the slide's heading says what the
    chart's title said, so the title goes and the chart keeps the height; no fixed height (it fills
    what the slide leaves). ``scale``: every text size multiplied by it, for a screen larger than
    1280×720 (Plotly sizes text in pixels, so it does not grow with the window as the slide's text does);
    the chart's layout in data units (map labels, bar gaps) keeps its proportions, as the chart grows by
    the same factor."""
    fig = go.Figure(fig)
    fig.update_layout(title=None, height=None, margin=dict(t=10, b=10, l=10, r=20), autosize=True)
    if scale != 1.0:
        fig.update_layout(font_size=_scaled_size(fig.layout.font.size or 12, scale),
                          margin=dict(t=10 * scale, b=10 * scale, l=10 * scale, r=20 * scale))
        if fig.layout.hoverlabel.font.size:
            fig.update_layout(hoverlabel_font_size=_scaled_size(fig.layout.hoverlabel.font.size, scale))
        if fig.layout.legend.font.size:
            fig.update_layout(legend_font_size=_scaled_size(fig.layout.legend.font.size, scale))
        fig.for_each_annotation(lambda a: a.update(font_size=_scaled_size(a.font.size, scale),
                                                   yshift=(a.yshift or 0) * scale))
        fig.for_each_trace(lambda tr: tr.update(textfont_size=_scaled_size(tr.textfont.size, scale))
                           if "textfont" in tr and tr.textfont.size is not None else None)
        for axis in (name for name in fig.layout if name.startswith(("xaxis", "yaxis"))):
            tick = fig.layout[axis].tickfont.size
            if tick:
                fig.layout[axis].tickfont.size = _scaled_size(tick, scale)
    return fig


# --- slides -----------------------------------------------------------------------------------------------
def map_message(rows: pd.DataFrame, gap_label: str, territory: Territory, t: Translator) -> str:
    """What the map shows, about the gap it draws: the districts where that gap is critical."""
    critical = [territory.name(u) for u in rows.loc[rows["severity"].eq("critica"), "ubigeo"]]
    with_data = int(rows["severity"].ne(NO_DATA).sum())
    if not critical:
        return t("presentation.map_message_none_gap", gap=gap_label)
    if len(critical) == with_data == len(territory.district_codes):
        return t("presentation.map_message_all", gap=gap_label)
    return t("presentation.map_message_gap", gap=gap_label, n=len(critical), total=len(territory.district_codes),
             places=", ".join(sorted(critical)))


def _critical_by_district(table: pd.DataFrame, territory: Territory) -> pd.DataFrame:
    rows = table[table["level"].eq("district")]
    out = pd.DataFrame(index=territory.district_codes)
    out["critical"] = rows[rows["severity"].eq("critica")].groupby("ubigeo").size()
    out["with_data"] = rows[rows["severity"].ne(NO_DATA)].groupby("ubigeo").size()
    return out.fillna(0).astype(int)


def explained_changes(changes: pd.DataFrame, data: SessionData, catalog: Catalog, territory: Territory,
                      t: Translator) -> list[str]:
    """For each notable change, the notes on that gap and place written for the months since the previous
    session's period: 'A note explains it: …'."""
    notes, cur, prev = data.figure_notes, data.current, data.previous
    if notes.empty or changes.empty:
        return []
    since = prev.period.end if prev is not None and prev.period is not None else cur.period.start
    moved = changes[changes["change"].isin(["became_critical", "worsened", "improved"])]
    lines = []
    for row in moved[["gap_code", "ubigeo"]].drop_duplicates().itertuples(index=False):
        for note in covering(notes, since, cur.period.end, [row.gap_code], [row.ubigeo]).itertuples(index=False):
            lines.append(t("notes.explains", gap=catalog.label("gaps", row.gap_code, t.lang),
                           place=_place(territory, str(row.ubigeo), t), text=note.text))
    return lines


def build_slides(data: SessionData, catalog: Catalog, territory: Territory, t: Translator) -> list[Slide]:
    """The slides of one session, in the order they are shown (see the module docstring)."""
    cur, prev = data.current, data.previous
    region = territory.region_ubigeo
    slides: list[Slide] = []
    period_label = t.period(cur.period.code, in_sentence=True) if cur.period else "—"
    info = [t("presentation.session_line", date=t.date(cur.day, "long")),
            t("presentation.as_of_line", date=t.date(cur.day, "long"), period=period_label)]
    if prev is not None:
        info.append(t("presentation.previous_line", date=t.date(prev.day, "long")))
    info.append(t("presentation.public_line") if data.public else t("presentation.exact_line"))

    if cur.period is None:
        slides.append(Slide("title", cur.title, t("sessions.no_data"), info))
        slides.append(_agreements_slide(data, catalog, t))
        return slides

    before = prev.gaps if prev is not None and prev.period is not None else None
    changes = narrative.changes(cur.gaps, before)
    done = overall(cur.status)
    done_before = overall(prev.status) if before is not None else None
    sentences = narrative.key_sentences(changes, catalog, territory, t, completeness=done,
                                        completeness_before=done_before)
    slides.append(Slide("title", cur.title, sentences[0] if sentences else "", info))

    slides.append(Slide("changes", t("presentation.changes"), sentences[1] if len(sentences) > 1 else "",
                        sentences[2:] + explained_changes(changes, data, catalog, territory, t),
                        tables=[(t("presentation.changes_table"),
                                                changes_table(changes, catalog, territory, t))]))

    at_region = cur.gaps[cur.gaps["ubigeo"].eq(region)]
    bars = charts.coverage_bars(cur.gaps, catalog, t, region, t("overview.coverage_title", period=period_label))
    slides.append(Slide(
        "sectors", t("presentation.sectors", period=period_label),
        t.plural("presentation.sectors_message", int(at_region["severity"].eq("critica").sum()), total=len(at_region),
          nodata=int(at_region["severity"].eq(NO_DATA).sum())),
        figure=projector(bars), tables=[(t("presentation.sectors_table"),
                                         gaps_table(charts.coverage_bars_frame(cur.gaps, catalog, t, region),
                                                    catalog, territory, t))],
        note=t("overview.trata_vbg_note")))

    worst = charts.worst_frame(cur.gaps[cur.gaps["gap_share"].notna()], catalog, t, territory)
    if worst.empty:
        slides.append(Slide("worst", t("presentation.worst", period=period_label), t("presentation.worst_none")))
    else:
        top = worst.iloc[0]
        slides.append(Slide(
            "worst", t("presentation.worst", period=period_label),
            t("presentation.worst_message", gap=top["gap"], place=top["place"], coverage=t.percent(top["coverage"])),
            figure=projector(charts.worst_bars(worst, t, t("overview.worst_title", period=period_label))),
            tables=[(t("presentation.worst_table"), gaps_table(worst, catalog, territory, t))]))

    counts = _critical_by_district(cur.gaps, territory)
    map_table = pd.DataFrame({
        t("columns.place"): [territory.name(c) for c in counts.index],
        t("presentation.critical_gaps"): [t.number(v) for v in counts["critical"]],
        t("presentation.gaps_with_data"): [t.number(v) for v in counts["with_data"]],
    })
    tables = [(t("presentation.map_table"), map_table)]
    figure, message = None, t("presentation.map_message_none")
    gap = map_gap(cur.gaps, worst, catalog)
    if gap is not None:
        gap_label = catalog.label("gaps", gap, t.lang)
        rows = map_rows(cur.gaps, gap, catalog, territory, t)
        map_title = t("presentation.sector_districts", sector=gap_label, period=period_label)
        figure = projector(district_map(rows, territory, t, map_title, value_label=gap_label,
                                        threshold=catalog.small_cell_threshold))
        tables.insert(0, (map_title, gaps_table(rows, catalog, territory, t)))
        message = map_message(rows, gap_label, territory, t)
    slides.append(Slide("map", t("presentation.map", period=period_label), message, figure=figure, tables=tables))

    for sector in catalog.sectors.sort_values("order").index:
        label = catalog.label("sectors", sector, t.lang)
        gap_codes = set(catalog.gaps.index[catalog.gaps["sector"].eq(sector)])
        if not gap_codes:
            continue
        part = data.series[data.series["gap_code"].isin(gap_codes)] if not data.series.empty else data.series
        figure = None
        notes = covering(data.figure_notes, "0000-00", "9999-99", gap_codes=gap_codes)
        if not part.empty:
            figure = projector(sector_trend(part, catalog, t, region, t("presentation.sector_trend", sector=label),
                                            [d for d in data.session_dates if d <= cur.day]))
            mark_notes(figure, notes, sorted(part["period"].astype(str).unique()), t)
        rows = cur.gaps[cur.gaps["gap_code"].isin(gap_codes) & cur.gaps["level"].isin(["region", "district"])]
        rows = rows.assign(_r=rows["ubigeo"].ne(region)).sort_values(["gap_code", "_r", "ubigeo"])
        tables = [(t("presentation.sector_districts", sector=label, period=period_label),
                   gaps_table(rows, catalog, territory, t))]
        if not part.empty:
            tables.append((t("presentation.sector_trend_table"), trend_text_table(part, catalog, t, region)))
        slides.append(Slide(
            f"sector:{sector}", label, " ".join(narrative.sector_sentences(changes, sector, catalog, territory, t)),
            note_lines(notes, catalog, territory, t, with_author=not data.public), figure=figure, tables=tables,
            note=t("overview.trata_vbg_note") if sector in PROTECTED_NOTE_SECTORS else ""))

    status = cur.status
    if status.empty:
        slides.append(Slide("reporting", t("presentation.reporting", period=period_label),
                            t("presentation.reporting_none")))
    else:
        slides.append(Slide(
            "reporting", t("presentation.reporting", period=period_label),
            t("presentation.reporting_message", pct=t.percent(done), reported=t.number(int(status["reported"].sum())),
              due=t.number(len(status))),
            figure=projector(reporting_bars(status, catalog, t)),
            tables=[(t("presentation.reporting_table"), reporting_table(status, catalog, t))]))
    slides.append(_agreements_slide(data, catalog, t))
    return slides


def _agreements_slide(data: SessionData, catalog: Catalog, t: Translator) -> Slide:
    frame = data.agreements
    title = t("presentation.agreements")
    if frame.empty:
        return Slide("agreements", title, t("presentation.agreements_none"))
    status = frame["effective_status"]
    listing = agreements_listing(frame, catalog, t)
    shown = listing.head(AGREEMENTS_ON_SLIDE)
    more = len(listing) - len(shown)
    note = t("presentation.agreements_note")
    if more:
        note = f"{t('presentation.agreements_more', n=more)} {note}"
    return Slide("agreements", title,
                 t.plural("presentation.agreements_message", len(frame),
                          done=t.number(int(status.eq("cumplido").sum())), total=t.number(len(frame)),
                          overdue=t.plural("agreements.n_overdue", int(status.eq("vencido").sum()))),
                 tables=[(t("presentation.agreements_table"), agreements_table(frame, catalog, t))],
                 note=note, listing=shown)


def agreements_summary(frame: pd.DataFrame, t: Translator) -> str:
    """"3 cumplidos · 1 en marcha · 1 vencido": agreements by effective status, plurals as the language has them."""
    status = frame["effective_status"]
    return t("agreements.summary", done=t.plural("agreements.n_done", int(status.eq("cumplido").sum())),
             open=t.plural("agreements.n_open", int(status.isin(["pendiente", "en_curso"]).sum())),
             overdue=t.plural("agreements.n_overdue", int(status.eq("vencido").sum())))


def agreements_listing(frame: pd.DataFrame, catalog: Catalog, t: Translator) -> pd.DataFrame:
    """The agreements as the slide lists them: status and due date first, then what and who; overdue
    first, then open ones by due date, done ones last (:func:`sessions.follow_up_order`). The
    ``overdue`` column marks the rows to stress. The text is the users' own: callers escape it."""
    from ..records.sessions import follow_up_order
    frame = follow_up_order(frame)
    return pd.DataFrame({
        t("agreements.status"): [t(f"agreements.status_{s}") for s in frame["effective_status"]],
        t("agreements.due"): [t.date(d) for d in frame["due_date"]],
        t("agreements.text"): list(frame["text"]),
        t("agreements.institution"): [str(i) for i in frame["institution"]],   # the short name people use
        "overdue": list(frame["effective_status"].eq("vencido")),
    })
