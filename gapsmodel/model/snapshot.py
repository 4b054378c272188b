"""The model in one call: values in force at a moment → monthly figures → gaps for chosen periods.

This is what pages, the command line and reports use; the rules themselves live in ``combine``
(steps 1-3), ``gaps`` (steps 4-5) and ``quality`` (completeness and timeliness).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import pandas as pd

from ..rules.catalog import Catalog
from ..rules.combine import monthly_figures, report_figures
from ..rules.gaps import compute_gaps, sector_summary
from ..rules.periods import (Period, add_months, deadline, month_of, month_range, parse_as_of, period_of,
                             periods_between)
from ..rules.quality import obligation_status
from ..records.store import Scope, Store
from ..rules.territory import Territory


@dataclass(frozen=True)
class Snapshot:
    """What was known at ``as_of`` (None = now), for months up to ``last_month``."""
    values: pd.DataFrame
    monthly: pd.DataFrame
    report_times: pd.DataFrame
    as_of: datetime | None
    last_month: str | None
    first_month: str | None

    @property
    def empty(self) -> bool:
        return self.values.empty


def take_snapshot(store: Store, catalog: Catalog, territory: Territory, as_of: datetime | date | str | None = None,
                  until_month: str | None = None) -> Snapshot:
    """Values in force at ``as_of`` for months up to ``until_month`` and their monthly figures."""
    moment = parse_as_of(as_of) if as_of is not None else None
    values = store.values(moment)
    times = store.report_times(moment)
    if until_month is not None and not values.empty:
        values = values[values["period"] <= until_month].reset_index(drop=True)
        times = times[times["period"] <= until_month].reset_index(drop=True)
    last = values["period"].max() if not values.empty else None
    first = values["period"].min() if not values.empty else None
    monthly = monthly_figures(values, catalog, territory, until=last)
    return Snapshot(values, monthly, times, moment, last, first)


def months_for(periods: list[Period], catalog: Catalog) -> frozenset[str]:
    """The months a gap table of ``periods`` is made from: theirs, and before the first the carry-forward
    window, from which a stock's last report stands in for months it was not reported (step 2; carried
    rows come from real reports only, so no earlier month matters)."""
    first = add_months(min(p.start for p in periods), -catalog.carry_forward_months)
    return frozenset(month_range(first, max(p.end for p in periods)))


def take_snapshot_for(store: Store, catalog: Catalog, territory: Territory, periods: list[Period],
                      as_of: datetime | date | str | None = None) -> Snapshot | None:
    """The part of :func:`take_snapshot` a gap table of ``periods`` needs, read from :func:`months_for` only
    instead of the whole store: the same gap table, for a fraction of the reading (the command line's
    ``gaps --period``). None when the last of those months holds no value: the store may end inside the
    periods, and only the whole store says where it ends (how far a year under way is clipped)."""
    moment = parse_as_of(as_of) if as_of is not None else None
    scope = Scope(months_for(periods, catalog))
    values = store.values(moment, within=scope)
    end = max(p.end for p in periods)
    if values.empty or values["period"].max() < end:
        return None
    times = store.report_times(moment, within=scope)
    # carried up to the periods' end: the whole store's last month is at least that, and later months
    # are not part of these periods
    monthly = monthly_figures(values, catalog, territory, until=end)
    return Snapshot(values, monthly, times, moment, end, values["period"].min())


def clip(periods: list[Period], snapshot: Snapshot) -> list[Period]:
    """Periods trimmed to the months the snapshot knows (a year under way ends at its last month)."""
    return [p.clipped(snapshot.last_month) for p in periods]


def gap_table(snapshot: Snapshot, catalog: Catalog, territory: Territory, periods: list[Period],
              public: bool = False) -> pd.DataFrame:
    """The gap table; ``public``: the one a visitor sees, computed from published figures only."""
    if public:
        from .audience import public_gap_table
        return public_gap_table(snapshot.monthly, catalog, territory, clip(periods, snapshot))
    return compute_gaps(snapshot.monthly, catalog, territory, clip(periods, snapshot))


def sectors(gaps: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    return sector_summary(gaps, catalog)


def series(snapshot: Snapshot, catalog: Catalog, territory: Territory, kind: str = "month") -> pd.DataFrame:
    """The gap table for every month (or quarter, year) the snapshot knows: for trends."""
    if snapshot.empty:
        return gap_table(snapshot, catalog, territory, [])
    return gap_table(snapshot, catalog, territory, periods_between(snapshot.first_month, snapshot.last_month, kind))


def latest_complete_month(snapshot: Snapshot, catalog: Catalog, now: datetime | None = None,
                          min_completeness: float = 0.5, look_back: int = 24) -> str | None:
    """The month the table looks at by default: the latest month whose reporting deadline has passed (at
    ``now`` or the snapshot's moment) and for which at least ``min_completeness`` of the due reports
    arrived, so that one early upload does not move every view to a nearly empty month. Failing that
    (within ``look_back`` months), the month with the most complete reporting, the later on ties."""
    if snapshot.empty:
        return None
    moment = now or snapshot.as_of or datetime.now(timezone.utc)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    best, best_share = snapshot.last_month, -1.0
    month = snapshot.last_month
    for _ in range(look_back):
        if month < snapshot.first_month:
            break
        status = obligation_status(snapshot.report_times, catalog, [month])
        share = 1.0 if status.empty else float(status["reported"].mean())
        if deadline(month, catalog.deadline_day) <= moment and share >= min_completeness:
            return month
        if share > best_share:
            best, best_share = month, share
        month = add_months(month, -1)
    return best


def previous(period: Period) -> Period:
    return period_of(add_months(period.start, -1), period.kind)


def reporting(snapshot: Snapshot, catalog: Catalog, period: Period) -> pd.DataFrame:
    """Each reporting obligation due in the period with reported / on time."""
    return obligation_status(snapshot.report_times, catalog, clip([period], snapshot)[0].months)


def disagreements(snapshot: Snapshot) -> pd.DataFrame:
    """Reports whose total row differs from the sum of its parts (a data-quality warning)."""
    return report_figures(snapshot.values)[1]


def session_moment(session_date: date) -> tuple[datetime, str]:
    """"As of a session" (DOMAIN.md §8): uploads by the end of its date, months up to its month."""
    return parse_as_of(session_date), month_of(session_date)
