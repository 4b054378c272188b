"""The disclosure audit (DOMAIN.md §7): can a visitor, combining every public view, narrow a protected
count beyond its own published interval?

What a visitor can read, gathered for every protected gap: the public gap table of every month, quarter
and year, at every level (district, province, region), as of now and as of every session date.

What the attacker knows, written as constraints on the unknown true counts (one integer unknown per
monthly figure of a protected indicator, per place and month; the same unknown wherever the same figure is
reached, whatever the period, level or as-of date):

* each figure shown for one district (or the region-wide figure) and one month: its own interval (``<5``
  → 0..4, a rounded 15 → 13..17, 5 → 5..7; any other number at face value);
* each figure shown for a period or an area: flows sum their months, stocks take the period's last month,
  districts add up to their province and the region where they are pooled, unmet = max(N − S, 0) per
  district, and the severity word as a band of coverage. A figure that equals what published arithmetic
  gives from the figures of its parts adds nothing (it is a function of them); any other is taken at face
  value: an exact sum, or coverage bands ``S ≥ a·N`` and ``S < b·N``.

Then, for every unknown that a face-value figure touches, an integer program (``scipy.optimize.milp``,
HiGHS: in SciPy already, exact for integer programs of this size) finds the smallest and the largest true
value consistent with everything. The audit passes when no count's feasible range is narrower than the
interval its own published figure stands for (computed from the exact value, independently of what the
views showed).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from ..records.sessions import sessions_frame
from ..records.store import Store
from ..rules.catalog import NO_DATA, Catalog
from ..rules.gaps import severity
from ..rules.periods import periods_between
from ..rules.publication import (UNDETERMINED, protected_indicators, publish, rounding_base, true_interval)
from ..rules.protection import protected_gap_codes
from ..rules.territory import Territory
from .snapshot import gap_table, session_moment, take_snapshot

Cell = tuple[str, str, str, float]  # indicator, ubigeo, month, exact value: one unknown


@dataclass
class Finding:
    """One public figure that published arithmetic does not explain, or one count narrowed."""
    what: str
    where: str
    detail: str


@dataclass
class AuditResult:
    moments: list[str]
    cells: int = 0
    figures: int = 0
    findings: list[Finding] = field(default_factory=list)
    narrowed: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.narrowed and not self.findings


class _Attacker:
    """The constraints: unknown bounds from single-cell figures, face-value sums and bands."""

    def __init__(self):
        self.index: dict[Cell, int] = {}
        self.low: list[float] = []
        self.high: list[float] = []
        self.rows: list[tuple[dict[int, float], float, float]] = []  # coefficients, lower, upper

    def unknown(self, cell: Cell) -> int:
        if cell not in self.index:
            self.index[cell] = len(self.low)
            self.low.append(0.0)
            self.high.append(np.inf)
        return self.index[cell]

    def bound(self, cell: Cell, low: float, high: float) -> None:
        i = self.unknown(cell)
        self.low[i], self.high[i] = max(self.low[i], low), min(self.high[i], high)

    def constrain(self, coefficients: dict[int, float], low: float, high: float) -> None:
        self.rows.append((coefficients, low, high))

    def ranges(self, wanted: set[int]) -> dict[int, tuple[float, float]]:
        """Smallest and largest value of each wanted unknown under every constraint (integer program)."""
        from scipy.optimize import Bounds, LinearConstraint, milp
        n = len(self.low)
        bounds = Bounds(np.array(self.low), np.array(self.high))
        constraints = []
        if self.rows:
            matrix = np.zeros((len(self.rows), n))
            for r, (coefficients, _, _) in enumerate(self.rows):
                for i, c in coefficients.items():
                    matrix[r, i] = c
            constraints = [LinearConstraint(matrix, [r[1] for r in self.rows], [r[2] for r in self.rows])]
        integrality = np.ones(n)
        out = {}
        for i in sorted(wanted):
            ends = []
            for sign in (1.0, -1.0):
                objective = np.zeros(n)
                objective[i] = sign
                result = milp(objective, integrality=integrality, bounds=bounds, constraints=constraints)
                ends.append(sign * result.fun if result.success else (np.nan))
            out[i] = (ends[0], ends[1])
        return out


def _published_range(cells: list[Cell], shown: dict[Cell, tuple[float, float]]) -> tuple[float, float] | None:
    if not cells or any(c not in shown for c in cells):
        return None
    return sum(shown[c][0] for c in cells), sum(shown[c][1] for c in cells)


def _moments(store: Store, sessions: int | None) -> list[tuple[str, object, str | None]]:
    """(label, as-of, last month) for now and each session date (the latest ``sessions`` of them)."""
    dates: list[date] = list(sessions_frame(store)["date"]) if sessions != 0 else []
    if sessions is not None:
        dates = dates[-sessions:] if sessions else []
    out = [("now", None, None)]
    for day in dates:
        moment, month = session_moment(day)
        out.append((day.isoformat(), moment, month))
    return out


def audit(store: Store, catalog: Catalog, territory: Territory, sessions: int | None = None,
          kinds: tuple[str, ...] = ("month", "quarter", "year")) -> AuditResult:
    """Audit every public view of the protected gaps (``sessions``: only the latest N session dates)."""
    threshold, base = catalog.small_cell_threshold, rounding_base(catalog)
    protected_gaps = sorted(protected_gap_codes(catalog))
    protected = protected_indicators(catalog)
    districts = list(territory.district_codes)
    province_of = territory.districts["province_ubigeo"].to_dict()
    region = territory.region_ubigeo
    attacker = _Attacker()
    own: dict[int, tuple[int, int]] = {}
    result = AuditResult(moments=[])
    touched: set[int] = set()

    for label, as_of, until in _moments(store, sessions):
        snap = take_snapshot(store, catalog, territory, as_of=as_of, until_month=until)
        if snap.empty:
            continue
        result.moments.append(label)
        monthly = snap.monthly[snap.monthly["indicator"].isin(protected)]
        exact = {(r.indicator, r.ubigeo, r.period): float(r.value) for r in monthly.itertuples()}
        # a region-wide figure is published only for a month with no district figure of its indicator
        in_districts = {(i, m) for (i, u, m) in exact if u != region}
        exact = {k: v for k, v in exact.items() if k[1] != region or (k[0], k[2]) not in in_districts}
        periods = [p for kind in kinds for p in periods_between(snap.first_month, snap.last_month, kind)]
        table = gap_table(snap, catalog, territory, periods, public=True)
        table = table[table["gap_code"].isin(protected_gaps)]
        result.figures += len(table)
        rows = {(r["gap_code"], r["ubigeo"], r["period"]): r for r in table.to_dict("records")}
        clipped = {p.code: p.clipped(snap.last_month) for p in periods}

        def cell(indicator: str, ubigeo: str, month: str) -> Cell | None:
            value = exact.get((indicator, ubigeo, month))
            return None if value is None else (indicator, ubigeo, month, value)

        def shown_range(row: dict, col: str) -> tuple[float, float] | None:
            """What the view shows for a count, in published arithmetic (None: nothing shown)."""
            if row.get(f"{col}_suppressed"):
                return 0.0, threshold - 1.0
            low, high = row.get(f"{col}_min"), row.get(f"{col}_max")
            if low is None or low != low:
                value = row.get(col)
                return None if value is None or value != value else (float(value), float(value))
            return float(low), float(high)

        for gap in protected_gaps:
            spec = catalog.gaps.loc[gap]
            target = float(spec["target_coverage"]) if spec["target_coverage"] == spec["target_coverage"] else 1.0
            fixed = spec.get("fixed_target_per_district")
            roles = {"supply": spec["supply"]}
            if spec["need"] and spec["need"] in protected and not (fixed == fixed and fixed is not None):
                roles["need"] = spec["need"]
            bands = (float(spec["threshold_adecuada"]), float(spec["threshold_moderada"]),
                     float(spec["threshold_alta"]))
            single: dict[Cell, tuple[float, float]] = {}

            # 1. single cells: one district (or the region-wide figure) and one month
            for p in periods:
                if p.kind != "month" or p.code not in clipped:
                    continue
                for place in districts + [region]:
                    row = rows.get((gap, place, p.code))
                    # a region row is one cell unless it pools districts (then it is a sum, below)
                    if row is None or (place == region and row.get("basis") == "districts"):
                        continue
                    for role, indicator in roles.items():
                        c = cell(indicator, place, p.code)
                        shown = shown_range(row, role)
                        if c is None or shown is None:
                            continue
                        single[c] = shown
                        i = attacker.unknown(c)
                        figure, small = publish([c[3]], threshold, base)
                        own[i] = true_interval(figure[0], bool(small[0]), threshold, base)
                        if shown == (0.0, threshold - 1.0):
                            attacker.bound(c, 0, threshold - 1)
                        elif shown[0] == shown[1] and shown[0] % base == 0 and shown[0] >= threshold:
                            attacker.bound(c, *true_interval(shown[0], False, threshold, base))
                        else:  # not a published figure: at face value
                            attacker.bound(c, shown[0], shown[1])
                            result.findings.append(Finding("single", f"{gap} {place} {p.code} {role}",
                                                           f"shown {shown}, not a published figure"))

            # 2. periods and areas: published arithmetic of the parts, else face value
            for p in periods:
                months = clipped[p.code].months
                for place in districts + sorted(set(province_of.values())) + [region]:
                    row = rows.get((gap, place, p.code))
                    if row is None or row.get("severity") == NO_DATA:
                        continue
                    if place in districts:
                        areas = [place]
                    elif row.get("basis") == "region_report":
                        areas = [region]
                    else:
                        members = [d for d in districts if place == region or province_of.get(d) == place]
                        areas = [d for d in members if rows.get((gap, d, p.code), {}).get("severity") != NO_DATA]
                    parts: dict[str, list[Cell]] = {}
                    for role, indicator in roles.items():
                        stock = catalog.indicators.at[indicator, "time"] == "stock"
                        chosen = [months[-1]] if stock else months
                        parts[role] = [c for a in areas for m in chosen if (c := cell(indicator, a, m))]
                    figures = {}
                    for role in roles:
                        shown = shown_range(row, role)
                        expected = _published_range(parts[role], single)
                        figures[role] = expected
                        if shown is None or (p.kind == "month" and len(areas) == 1):
                            continue
                        if expected is None or not np.allclose(shown, expected):
                            coefficients = {attacker.unknown(c): 1.0 for c in parts[role]}
                            attacker.constrain(coefficients, shown[0], shown[1] if shown[0] != shown[1] else shown[0])
                            touched.update(coefficients)
                            result.findings.append(Finding("sum", f"{gap} {place} {p.code} {role}",
                                                           f"shown {shown}, published arithmetic gives {expected}"))
                    # severity: the band of the published range of coverage, else at face value
                    if "need" in figures and figures.get("need") and figures.get("supply"):
                        (n_low, n_high), (s_low, s_high) = figures["need"], figures["supply"]
                        n_low, n_high = n_low * target, n_high * target
                        ends = severity(pd.Series([s_low / n_high if n_high else np.nan,
                                                   s_high / n_low if n_low else np.inf]), *bands).tolist()
                        expected_word = ends[0] if ends[0] == ends[1] else UNDETERMINED
                        word = row.get("severity")
                        if word not in (expected_word, NO_DATA) and word != UNDETERMINED:
                            cut = dict(zip(("adecuada", "moderada", "alta"), bands))
                            floor = cut.get(word, 0.0)
                            ceiling = {"adecuada": np.inf, "moderada": bands[0], "alta": bands[1],
                                       "critica": bands[2]}[word]
                            coefficients = {attacker.unknown(c): 1.0 for c in parts["supply"]}
                            for c in parts["need"]:
                                coefficients[attacker.unknown(c)] = coefficients.get(attacker.unknown(c), 0.0) - floor * target
                            attacker.constrain(coefficients, 0.0, np.inf)
                            if np.isfinite(ceiling):
                                upper = {attacker.unknown(c): 1.0 for c in parts["supply"]}
                                for c in parts["need"]:
                                    upper[attacker.unknown(c)] = upper.get(attacker.unknown(c), 0.0) - ceiling * target
                                attacker.constrain(upper, -np.inf, -1e-6)
                            touched.update(coefficients)
                            result.findings.append(Finding("severity", f"{gap} {place} {p.code}",
                                                           f"shown {word}, published figures give {expected_word}"))

    result.cells = len(attacker.low)
    feasible = attacker.ranges(touched) if touched else {}
    for c, i in attacker.index.items():
        if i not in own:
            continue
        low, high = feasible.get(i, (attacker.low[i], attacker.high[i]))
        own_low, own_high = own[i]
        if low > own_low or high < own_high:
            result.narrowed.append(Finding("narrowed", f"{c[0]} {c[1]} {c[2]}",
                                           f"feasible {low:g}..{high:g}, published interval {own_low}..{own_high}"))
    return result
