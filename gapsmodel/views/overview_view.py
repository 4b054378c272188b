"""Everything the overview page draws for one period, built at once so that the app can cache it whole
(a warm rerun of the page then only draws): the cards, the sector cards and the three charts with the
tables behind them."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from . import charts, overview
from .. import model
from ..rules.catalog import Catalog
from ..i18n import Translator
from ..rules.periods import Period
from ..rules.territory import Territory


@dataclass
class OverviewView:
    period: Period
    earlier: Period                    # the period the changes are measured against
    cards: overview.Headline
    sectors: pd.DataFrame              # overview.sector_cards
    region_only: list[str]             # gaps reported only for the whole region
    coverage: tuple[go.Figure, pd.DataFrame]
    trend: tuple[go.Figure, pd.DataFrame]
    worst: tuple[go.Figure, pd.DataFrame]


def build(snapshot: model.Snapshot, period: Period, gaps, trend: pd.DataFrame, session_dates: list,
          catalog: Catalog, territory: Territory, t: Translator) -> OverviewView:
    """``gaps(periods)`` gives the gap table of those periods as the viewer may see it (suppressed for the
    public); ``trend`` is the monthly series; the change is against the period before (what the previous
    monthly session looked at)."""
    region = territory.region_ubigeo
    table = gaps([period])
    status = model.reporting(snapshot, catalog, period)
    earlier = model.previous(period)
    before = None
    if snapshot.first_month <= earlier.end:
        before = (gaps([earlier]), model.reporting(snapshot, catalog, earlier))
    finding = charts.coverage_finding(table, catalog, t, region, period.code)
    worst = charts.worst_frame(table, catalog, t, territory)
    return OverviewView(
        period=period, earlier=earlier,
        cards=overview.headline(table, status, catalog, region, before),
        sectors=overview.sector_cards(table, catalog, region, before[0] if before else None, t),
        region_only=overview.region_only_gaps(table, region),
        coverage=(charts.coverage_bars(table, catalog, t, region, finding),
                  overview.bars_table(table, catalog, t, region)),
        trend=(charts.coverage_trend(trend, catalog, t, region, t("overview.trend_title"), session_dates),
               overview.trend_table(trend, catalog, t, region)),
        worst=(charts.worst_bars(worst, t, charts.worst_finding(worst, t, period.code)),
               overview.worst_table(worst, t)),
    )
