"""Streamlit glue for the analysis pages: the shared sidebar filters and cached explore computations.

The filter state (:class:`gapsmodel.views.explore.Filters`) lives in three places, kept in step on every run:
the sidebar widgets (keys ``flt_*``), ``st.session_state[STATE]`` (survives switching pages, which drops
widget values and the URL's query string) and ``st.query_params`` (so a link reproduces the view). A
widget that is not in the session (first load, or after a page switch) starts from the URL when the URL
carries filters, else from the state kept in the session, else from the defaults.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import streamlit as st

from app import cached, viewer
from gapsmodel.views import explore
from gapsmodel import model
from gapsmodel.views.explore import PARAMS, SESSION, Filters
from gapsmodel.i18n import Translator
from gapsmodel.rules.periods import Period, parse_as_of, parse_period, period_of, periods_between
from gapsmodel.records.store import default_url
from gapsmodel.records.catalog_edit import catalog_signature

STATE = "explore_filters"
FIELDS = ("kind", "period", "session", "sector", "gap", "province", "district", "sex", "age")
KEYS = {field: f"flt_{field}" for field in FIELDS}


@dataclass(frozen=True)
class View:
    """What the page shows: the filters, the snapshot they select and the period to compute."""
    filters: Filters
    snap: model.Snapshot
    period: Period
    as_of: datetime | None = None
    until: str | None = None
    session: date | None = None

    @property
    def as_of_key(self) -> str | None:
        return parse_as_of(self.as_of).isoformat() if self.as_of else None

    def gaps(self, periods: list[Period] | None = None) -> pd.DataFrame:
        """The gap table (suppressed for public users) for ``periods`` (default: the view's period)."""
        return cached.gaps(periods or [self.period], self.as_of, self.until)


def _session_dates() -> list[date]:
    frame = cached.sessions()
    return [] if frame.empty else list(frame["date"])


def _set(field: str, value) -> None:
    st.session_state[KEYS[field]] = value


def _sync_district() -> None:
    """on_change of the district: its province follows (allowed in a callback, before widgets render)."""
    district = st.session_state.get(KEYS["district"], "")
    if district:
        st.session_state[KEYS["province"]] = str(
            cached.territory().districts.at[district, "province_ubigeo"])


def sidebar(t: Translator, groups: bool = True) -> View | None:
    """Draw the shared filters in the sidebar and return the view they select (None without data)."""
    catalog, territory = cached.catalog(), cached.territory()
    base = cached.snapshot()
    if base.empty:
        return None
    sessions = _session_dates()
    months = (base.first_month, base.last_month)
    wanted = explore.parse_filters(st.query_params.to_dict(), catalog, territory, sessions, months)
    url_has_filters = any(name in st.query_params for name in PARAMS.values())
    start = wanted if url_has_filters else st.session_state.get(STATE, wanted)
    default_month = model.latest_complete_month(base, catalog)

    def init(field: str, options: list, fallback) -> None:
        key = KEYS[field]
        if key in st.session_state:
            # re-assigned through the Session State API so the value survives a page switch (the same key
            # on another page is another widget, which would otherwise start from its default)
            st.session_state[key] = st.session_state[key]
        else:
            st.session_state[key] = getattr(start, field)
        if st.session_state[key] not in options:
            st.session_state[key] = fallback if fallback in options else options[0]

    with st.sidebar:
        st.subheader(t("explore.filters"))
        kinds = list(explore.PERIOD_KINDS) if sessions else list(explore.KINDS)
        init("kind", kinds, "month")
        kind = st.selectbox(t("periods.kind"), kinds, key=KEYS["kind"],
                            format_func=lambda k: t("explore.kind_session") if k == SESSION else t(f"periods.{k}"))
        if kind == SESSION:
            options = [d.isoformat() for d in sessions][::-1]
            titles = cached.sessions().set_index("date")["title"].to_dict()
            init("session", options, options[0])
            session = st.selectbox(t("explore.session"), options, key=KEYS["session"],
                                   format_func=lambda d: f"{t.date(date.fromisoformat(d))} — "
                                                         f"{titles.get(date.fromisoformat(d), '')}")
            period_code = ""
        else:
            options = [p.code for p in periods_between(base.first_month, base.last_month, kind)][::-1]
            current = st.session_state.get(KEYS["period"]) or start.period or default_month
            try:
                fallback = period_of(parse_period(current).end, kind).code
            except ValueError:
                fallback = period_of(default_month, kind).code
            if fallback not in options:
                fallback = period_of(default_month, kind).code
            init("period", options, fallback)
            period_code = st.selectbox(t("periods.select"), options, key=KEYS["period"], format_func=t.period)
            session = ""
        sectors = [""] + [s for s in catalog.sectors.index if s in set(catalog.gaps["sector"])]   # those with gaps
        init("sector", sectors, "")
        sector = st.selectbox(t("columns.sector"), sectors, key=KEYS["sector"],
                              format_func=lambda s: catalog.label("sectors", s, t.lang) if s else t("explore.all_sectors"))
        gaps = [""] + explore.gaps_of(catalog, sector)
        init("gap", gaps, "")
        gap = st.selectbox(t("columns.gap"), gaps, key=KEYS["gap"],
                           format_func=lambda g: catalog.label("gaps", g, t.lang) if g else t("explore.all_gaps"))
        provinces = [""] + list(territory.provinces.index)
        init("province", provinces, "")
        province = st.selectbox(t("level.province"), provinces, key=KEYS["province"],
                                format_func=lambda p: territory.name(p) if p else t("explore.whole_region"))
        districts = [""] + explore.area_districts(province or territory.region_ubigeo, territory)
        init("district", districts, "")
        district = st.selectbox(t("level.district"), districts, key=KEYS["district"], on_change=_sync_district,
                                format_func=lambda d: territory.name(d) if d else t("explore.all_districts"))
        sex = age = "total"
        if groups:
            present = explore.data_dimensions(base.values)
            for dim in ("sex", "age"):
                if present[dim]:
                    opts = ["total"] + present[dim]
                    init(dim, opts, "total")
                    chosen = st.selectbox(t(f"explore.{dim}"), opts, key=KEYS[dim],
                                          format_func=lambda g, d=dim: t(f"explore.{d}_{g}"))
                    sex, age = (chosen, age) if dim == "sex" else (sex, chosen)
        st.caption(t("explore.link_hint"))

    filters = Filters(kind=kind, period=period_code, session=session, sector=sector, gap=gap,
                      province=province, district=district, sex=sex, age=age)
    st.session_state[STATE] = filters
    _write_params(filters)
    if kind == SESSION:
        day = date.fromisoformat(session)
        as_of, until = model.session_moment(day)
        snap = cached.snapshot(as_of, until)
        if snap.empty:
            return None
        month = model.latest_complete_month(snap, catalog, now=as_of)
        return View(filters, snap, parse_period(month), as_of, until, day)
    return View(filters, base, parse_period(period_code))


def _write_params(filters: Filters) -> None:
    """The filters into the URL (sidebar navigation drops the query string; each page writes it back)."""
    wanted = filters.to_params()
    for name in PARAMS.values():
        if name in wanted:
            if st.query_params.get(name) != wanted[name]:
                st.query_params[name] = wanted[name]
        elif name in st.query_params:
            del st.query_params[name]


def describe(view: View, t: Translator) -> str:
    """One line naming the view: period (or session), sector or gap, place."""
    catalog, territory = cached.catalog(), cached.territory()
    f = view.filters
    parts = [t("explore.as_of_session", date=t.date(view.session), period=t.period(view.period.code, in_sentence=True))
             if view.session else t.period(view.period.code)]
    if f.gap:
        parts.append(catalog.label("gaps", f.gap, t.lang))
    elif f.sector:
        parts.append(catalog.label("sectors", f.sector, t.lang))
    parts.append(territory.name(f.place(territory)))
    for dim in ("sex", "age"):
        if getattr(f, dim) != "total":
            parts.append(t(f"explore.{dim}_{getattr(f, dim)}"))
    return " · ".join(parts)


# --- cached computations (keys: database, data version, moment) -------------------------------------------
def _snap(as_of: str | None, until: str | None) -> model.Snapshot:
    return cached.snapshot(datetime.fromisoformat(as_of) if as_of else None, until)


@st.cache_data(show_spinner=False, max_entries=16)
def _figures(url: str, data_version: tuple, as_of: str | None, until: str | None) -> pd.DataFrame:
    snap = _snap(as_of, until)
    return explore.institution_figures(snap.values, cached.catalog(), cached.territory())


def figures(view: View) -> pd.DataFrame:
    """Per-institution figures (steps 1-2, carried forward) of the view's snapshot."""
    return _figures(default_url(), cached.version(), view.as_of_key, view.until)


@st.cache_data(show_spinner=False, max_entries=256)
def _contributions(url: str, data_version: tuple, as_of: str | None, until: str | None, gap: str, ubigeo: str,
                   period: str) -> pd.DataFrame:
    snap = _snap(as_of, until)
    figs = _figures(url, data_version, as_of, until)
    period_obj = model.clip([parse_period(period)], snap)[0]
    return explore.contributions(figs, snap.monthly, cached.catalog(), cached.territory(), gap, ubigeo,
                                 period_obj)


def contributions(view: View, gap: str, ubigeo: str) -> pd.DataFrame:
    return _contributions(default_url(), cached.version(), view.as_of_key, view.until, gap, ubigeo,
                          view.period.code)


@st.cache_data(show_spinner=False, max_entries=64)
def _reporting(url: str, data_version: tuple, as_of: str | None, until: str | None, kind: str, code: str,
               start: str, end: str) -> pd.DataFrame:
    return model.reporting(_snap(as_of, until), cached.catalog(), Period(kind, code, start, end))


def reporting(view: View, period: Period | None = None) -> pd.DataFrame:
    """Each obligation due in the period (default: the view's; any span of months) with reported / on time."""
    p = period or view.period
    return _reporting(default_url(), cached.version(), view.as_of_key, view.until, p.kind, p.code, p.start, p.end)


@st.cache_data(show_spinner=False, max_entries=32)
def _outliers(url: str, data_version: tuple, as_of: str | None, until: str | None,
              months: tuple[str, ...]) -> pd.DataFrame:
    return explore.flagged_outliers(_snap(as_of, until).values, months, settings=cached.catalog().outlier_settings)


@st.cache_data(show_spinner=False, max_entries=16)
def _failing_rules(url: str, data_version: tuple, catalog_key: tuple, as_of: str | None, until: str | None,
                   months: tuple[str, ...]) -> pd.DataFrame:
    return explore.failing_rules(_snap(as_of, until).values, cached.catalog().rules, months)


def failing_rules(view: View, months: list[str]) -> pd.DataFrame:
    """Checks between indicators that fail in ``months`` (rules.csv over the stored figures)."""
    return _failing_rules(default_url(), cached.version(), catalog_signature(), view.as_of_key, view.until,
                          tuple(months))


def outliers(view: View, months: list[str]) -> pd.DataFrame:
    return _outliers(default_url(), cached.version(), view.as_of_key, view.until, tuple(months))


@st.cache_data(show_spinner=False, max_entries=16)
def _disagreements(url: str, data_version: tuple, as_of: str | None, until: str | None) -> pd.DataFrame:
    return model.disagreements(_snap(as_of, until))


def disagreements(view: View) -> pd.DataFrame:
    return _disagreements(default_url(), cached.version(), view.as_of_key, view.until)


def session_view(day: date) -> tuple[model.Snapshot, Period | None, datetime, str]:
    """The snapshot, period shown, moment and last month of a session (DOMAIN.md §8)."""
    as_of, until = model.session_moment(day)
    snap = cached.snapshot(as_of, until)
    month = model.latest_complete_month(snap, cached.catalog(), now=as_of) if not snap.empty else None
    return snap, (parse_period(month) if month else None), as_of, until


def page_view(t: Translator, title_key: str, groups: bool = True) -> View | None:
    """The common head of every analysis page: its title, the sidebar filters and the line that says what
    is shown; None (after saying so) when the store has no data yet."""
    st.title(t(title_key))
    view = sidebar(t, groups=groups)
    if view is None:
        st.info(t("overview.no_data"))
        return None
    st.caption(describe(view, t))
    if viewer.is_public():
        st.caption(t("explore.public_suppressed"))
    return view
