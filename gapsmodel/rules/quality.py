"""Data quality (DOMAIN.md §5): who reported, who is late, and where figures disagree.

* completeness = obligations reported / obligations due (a ratio, 0-1);
* timeliness = obligations reported by the deadline / obligations due (deadline: ``deadline_day`` of the
  month after the reported month; for a quarterly obligation, after the quarter's last month). The
  upload's own timestamp decides, the first upload for that institution, indicator and month.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .catalog import Catalog
from .periods import Period, add_months, deadline, month_index, parse_period, period_of

OBLIGATION_COLUMNS = ["institution", "indicator", "frequency", "month", "period", "deadline", "reported",
                      "first_upload", "on_time"]


def obligations_due(catalog: Catalog, months: list[str]) -> pd.DataFrame:
    """One row per obligation instance whose reporting month (or quarter end) lies in ``months``."""
    rows = []
    for ob in catalog.obligations.itertuples():
        for m in months:
            if ob.frequency == "trimestral":
                quarter = period_of(m, "quarter")
                if m != quarter.end:
                    continue
                rows.append((ob.institution, ob.indicator, ob.frequency, m, quarter.code))
            else:
                rows.append((ob.institution, ob.indicator, ob.frequency, m, m))
    return pd.DataFrame(rows, columns=["institution", "indicator", "frequency", "month", "period"])


def obligation_status(report_times: pd.DataFrame, catalog: Catalog, months: list[str]) -> pd.DataFrame:
    """Each obligation due in ``months``: reported or not, first upload time, on time or not.

    ``report_times``: institution, indicator, period (month), first_upload (naive UTC).
    """
    due = obligations_due(catalog, months)
    if due.empty:
        return pd.DataFrame(columns=OBLIGATION_COLUMNS)
    quarterly = due[due["frequency"].eq("trimestral")]
    # only the reports of the months due (and of their quarters) matter: not the store's whole history
    wanted = set(due["month"]) | {m for q in quarterly["period"].unique() for m in parse_period(q).months}
    times = report_times[report_times["period"].isin(wanted)].copy()
    if not quarterly.empty and not times.empty:
        quarters = {m: period_of(m, "quarter").code for m in times["period"].unique()}
        times["quarter"] = times["period"].map(quarters)
    monthly_first = times.groupby(["institution", "indicator", "period"])["first_upload"].min() \
        if not times.empty else pd.Series(dtype="datetime64[us]")
    quarter_first = times.groupby(["institution", "indicator", "quarter"])["first_upload"].min() \
        if not times.empty and "quarter" in times else pd.Series(dtype="datetime64[us]")
    first = []
    for row in due.itertuples():
        source = quarter_first if row.frequency == "trimestral" else monthly_first
        first.append(source.get((row.institution, row.indicator, row.period), pd.NaT))
    due["first_upload"] = pd.to_datetime(pd.Series(first, index=due.index))
    due["deadline"] = [deadline(m, catalog.deadline_day).replace(tzinfo=None) for m in due["month"]]
    due["reported"] = due["first_upload"].notna()
    due["on_time"] = due["reported"] & (due["first_upload"] < due["deadline"])
    return due[OBLIGATION_COLUMNS]


def completeness(status: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """Completeness and timeliness (ratios) grouped by ``by`` (default: institution)."""
    by = by or ["institution"]
    if status.empty:
        return pd.DataFrame(columns=by + ["due", "reported", "on_time", "completeness", "timeliness"])
    out = status.groupby(by, observed=True).agg(due=("reported", "size"), reported=("reported", "sum"),
                                                 on_time=("on_time", "sum")).reset_index()
    out["completeness"] = out["reported"] / out["due"]
    out["timeliness"] = out["on_time"] / out["due"]
    return out


def overall(status: pd.DataFrame) -> float | None:
    return None if status.empty else float(status["reported"].mean())


def outliers(figures: pd.DataFrame, min_history: int = 4, factor: float = 3.0,
             history_months: int = 12) -> pd.DataFrame:
    """Reports far from the institution's own history for the same indicator and place.

    A value is flagged when it is more than ``factor`` times the median of the previous up to ``history_months`` months
    or less than the median divided by ``factor`` (with at least ``min_history`` earlier months).
    """
    keys = ["institution", "indicator", "ubigeo"]
    if figures.empty:
        return figures.assign(median=[], ratio=[])
    frame = figures.sort_values(keys + ["period"]).copy()
    frame["median"] = frame.groupby(keys, observed=True)["value"].transform(
        lambda s: s.shift(1).rolling(history_months, min_periods=min_history).median())
    ratio = frame["value"] / frame["median"].replace(0, np.nan)
    frame["ratio"] = ratio
    flagged = frame["median"].notna() & frame["median"].gt(0) & ((ratio > factor) | (ratio < 1 / factor))
    return frame[flagged].reset_index(drop=True)
