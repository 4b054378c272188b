"""Cached calls shared by the pages: the catalog, territory and store, and the model's snapshots,
gap tables and views, each cached per data version (the store's and the catalog's).

Every key that depends on stored data holds a version read from the database on each run, never a flag
kept in this process: several app processes may serve one PostgreSQL, and a change made through one must
show through the others on their next rerun. Snapshots follow :func:`version` only, so a new session or
note never rebuilds them; views that also draw sessions or notes follow :func:`view_version`."""
from __future__ import annotations

import sys
import threading
from datetime import date, datetime

import pandas as pd
import streamlit as st

from gapsmodel import model
from gapsmodel.rules.catalog import catalog_dir, load_catalog
from gapsmodel.records.catalog_edit import catalog_signature
from gapsmodel.records.demo import ensure_demo
from gapsmodel.records.startup import startup_notice
from gapsmodel.i18n import Translator
from gapsmodel.rules.periods import Period, parse_as_of, parse_period, periods_between
from gapsmodel.records.sessions import sessions_frame
from gapsmodel.records.store import Store, default_url
from gapsmodel.records.versions import records_version, sessions_version
from gapsmodel.rules.territory import load_territory

from app import viewer


@st.cache_resource(show_spinner=False, max_entries=4)
def _catalog(directory: str, signature: tuple):
    return load_catalog(directory)


def catalog():
    """The catalog, read again whenever one of its files changes (an edit in the app or on disk)."""
    return _catalog(str(catalog_dir()), catalog_signature())


@st.cache_resource(show_spinner=False)
def territory():
    return load_territory()


@st.cache_resource(show_spinner=False)
def _open_store(url: str) -> Store:
    store = Store.open(url)
    loaded = ensure_demo(store, catalog(), territory())
    notice = startup_notice(store, loaded)
    if notice:
        # the person who started the server reads the terminal, not the page
        print(notice, file=sys.stderr, flush=True)
    return store


def store() -> Store:
    return _open_store(default_url())


def version() -> tuple:
    """Changes whenever the data or the catalog the model sees changes: part of every cache key."""
    current = store().version() + (catalog_signature(),)
    _forget_older_versions(current)
    return current


_latest_version: dict[str, tuple] = {}
_latest_lock = threading.Lock()


def _forget_older_versions(current: tuple) -> None:
    """Drop the entries of earlier data versions once a newer one is seen: no page asks for them again, and a
    snapshot of a million values holds some 200 MB (fifteen uploads took a server from 0.6 to 3.4 GB)."""
    url = default_url()
    with _latest_lock:
        before = _latest_version.get(url)
        _latest_version[url] = current
    if before is not None and before != current:
        for cache in (_snapshot, _gaps, _overview_view, _session_bundle):
            cache.clear()


def view_version() -> tuple:
    """:func:`version` plus the sessions, agreements and notes stored: the key of views that draw them."""
    return version() + records_version(store())


@st.cache_resource(show_spinner=False, max_entries=16)
def _snapshot(url: str, data_version: tuple, as_of: str | None, until: str | None) -> model.Snapshot:
    return model.take_snapshot(store(), catalog(), territory(), as_of=as_of, until_month=until)


def snapshot(as_of: date | datetime | None = None, until: str | None = None) -> model.Snapshot:
    key = parse_as_of(as_of).isoformat() if as_of else None
    return _snapshot(default_url(), version(), key, until)


@st.cache_data(show_spinner=False, max_entries=128)
def _gaps(url: str, data_version: tuple, as_of: str | None, until: str | None, periods: tuple[str, ...],
          public: bool) -> pd.DataFrame:
    snap = _snapshot(url, data_version, as_of, until)
    return model.gap_table(snap, catalog(), territory(), [parse_period(p) for p in periods], public=public)


def gaps(periods: list[Period], as_of: date | datetime | None = None, until: str | None = None,
         public: bool | None = None) -> pd.DataFrame:
    key = parse_as_of(as_of).isoformat() if as_of else None
    return _gaps(default_url(), version(), key, until, tuple(p.code for p in periods),
                 viewer.is_public() if public is None else public)


def series(kind: str = "month", as_of=None, until: str | None = None, public: bool | None = None) -> pd.DataFrame:
    snap = snapshot(as_of, until)
    if snap.empty:
        return model.series(snap, catalog(), territory(), kind)
    return gaps(periods_between(snap.first_month, snap.last_month, kind), as_of, until, public=public)


@st.cache_resource(show_spinner=False, max_entries=32)
def _overview_view(url: str, data_version: tuple, period_code: str, public: bool, lang: str):
    from gapsmodel.views import overview_view
    return overview_view.build(snapshot(), parse_period(period_code),
                               lambda periods: gaps(periods, public=public), series("month", public=public),
                               list(sessions()["date"]), catalog(), territory(), Translator(lang))


def overview_view(period: Period):
    """What the overview page draws for ``period`` (gapsmodel.views.overview_view), cached whole per data version,
    period, public or exact view, and language."""
    return _overview_view(default_url(), view_version(), period.code, viewer.is_public(), viewer.language())


@st.cache_data(show_spinner=False, max_entries=8)
def _sessions(url: str, stored_sessions: tuple) -> pd.DataFrame:
    return sessions_frame(store())


def sessions() -> pd.DataFrame:
    return _sessions(default_url(), sessions_version(store()))


def previous_session(before: date | None = None):
    """The latest session strictly before ``before`` (default: today), or None."""
    frame = sessions()
    before = before or date.today()
    earlier = frame[frame["date"] < before]
    return None if earlier.empty else earlier.iloc[-1]


@st.cache_resource(show_spinner=False, max_entries=8)
def _session_bundle(url: str, data_version: tuple, day: date, lang: str, public: bool):
    from gapsmodel.views.presentation import build_slides, session_data
    data = session_data(store(), catalog(), territory(), day, public=public,
                        snapshot=lambda as_of, until: snapshot(as_of, until),
                        gaps=lambda periods, as_of, until, pub: gaps(periods, as_of, until, public=pub))
    return data, build_slides(data, catalog(), territory(), Translator(lang))


def session_bundle(day: date, public: bool = True):
    """(SessionData, slides) of the session on ``day`` as known that day; cached per data version."""
    return _session_bundle(default_url(), view_version(), day, viewer.language(), public)


def sessions_changed() -> None:
    """Free the cached sessions and session slides after a session or agreement was written here.

    Not needed for correctness (their keys follow the stored versions, in every process); it only frees
    memory at once instead of when the entries age out."""
    _sessions.clear()
    _session_bundle.clear()
