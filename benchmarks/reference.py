"""The same district and region coverage as the model, written as one DuckDB SQL query: the yardstick.

Rules implemented (DOMAIN.md §5), for total rows only (the synthetic stores have no breakdowns):
- step 2: a stock reported for month m stands for months m+1 … m+carry (nearest report wins, never past
  the store's last month); flows are never carried;
- step 3: across institutions per indicator, place and month by the catalog rule (``max``, ``sum``,
  ``mean``; ``source:`` is not implemented and makes the reference refuse the catalog);
- step 4: over a period flows sum their months, stocks take the period's last month;
- step 5: district need N = need × target coverage (or the fixed target per district), supply S,
  coverage S/N, unmet max(N − S, 0), severity by the gap's thresholds, no data when N is missing or zero or
  S is missing; the region pools the districts with data: ΣS/ΣN, unmet = Σ district unmet, and counts
  the districts without.
"""
from __future__ import annotations

import duckdb
import pandas as pd

SQL = """
WITH v AS (
    SELECT institution, indicator, ubigeo,
           CAST(substr(period, 1, 4) AS INTEGER) * 12 + CAST(substr(period, 6, 2) AS INTEGER) - 1 AS mi,
           value
    FROM vals
    WHERE sex = 'total' AND age = 'total' AND nationality = 'total' AND ubigeo IN (SELECT ubigeo FROM districts)
),
last_mi AS (SELECT max(mi) AS m FROM v),
lags AS (SELECT range AS lag FROM range(0, $carry + 1)),
carried AS (   -- step 2: each institution's stock stands in for up to $carry months; nearest report wins
    SELECT v.institution, v.indicator, v.ubigeo, v.mi + lags.lag AS mi, arg_min(v.value, lags.lag) AS value
    FROM v JOIN indicators i ON i.code = v.indicator
           JOIN lags ON lags.lag = 0 OR i.time = 'stock'
    WHERE v.mi + lags.lag <= (SELECT m FROM last_mi)
    GROUP BY ALL
),
monthly AS (   -- step 3: across institutions by the indicator's rule
    SELECT c.indicator, c.ubigeo, c.mi,
           CASE i.rule WHEN 'max' THEN max(c.value) WHEN 'sum' THEN sum(c.value) WHEN 'mean' THEN avg(c.value) END
               AS value
    FROM carried c JOIN indicators i ON i.code = c.indicator
    GROUP BY c.indicator, c.ubigeo, c.mi, i.rule
),
per_period AS (   -- step 4: flows sum their months, stocks take the period's last month
    SELECT m.indicator, m.ubigeo, p.period_code AS period, sum(m.value) AS value
    FROM monthly m JOIN indicators i ON i.code = m.indicator
                   JOIN periods p ON p.mi = m.mi AND (i.time = 'flow' OR p.is_last)
    GROUP BY ALL
),
grid AS (
    SELECT g.*, d.ubigeo, pc.period_code AS period
    FROM gaps g CROSS JOIN districts d CROSS JOIN (SELECT DISTINCT period_code FROM periods) pc
),
district AS (   -- step 5, districts
    SELECT grid.gap_code, grid.ubigeo, grid.period,
           CASE WHEN grid.fixed_target_per_district IS NOT NULL THEN grid.fixed_target_per_district
                ELSE n.value * grid.target_coverage END AS need,
           s.value AS supply,
           grid.threshold_adecuada, grid.threshold_moderada, grid.threshold_alta
    FROM grid
    LEFT JOIN per_period s ON s.indicator = grid.supply AND s.ubigeo = grid.ubigeo AND s.period = grid.period
    LEFT JOIN per_period n ON n.indicator = grid.need AND n.ubigeo = grid.ubigeo AND n.period = grid.period
),
valid AS (
    SELECT *, greatest(need - supply, 0) AS unmet FROM district
    WHERE need IS NOT NULL AND need > 0 AND supply IS NOT NULL
),
region AS (   -- step 5, the region pools its districts with data
    SELECT gap_code, $region AS ubigeo, period, sum(need) AS need, sum(supply) AS supply, sum(unmet) AS unmet,
           (SELECT count(*) FROM districts) - count(*) AS no_data_districts,
           any_value(threshold_adecuada) AS threshold_adecuada, any_value(threshold_moderada) AS threshold_moderada,
           any_value(threshold_alta) AS threshold_alta
    FROM valid GROUP BY gap_code, period
),
rows AS (
    SELECT gap_code, ubigeo, period, 'district' AS level, need, supply, unmet, 0 AS no_data_districts,
           threshold_adecuada, threshold_moderada, threshold_alta FROM valid
    UNION ALL
    SELECT gap_code, ubigeo, period, 'region', need, supply, unmet, no_data_districts,
           threshold_adecuada, threshold_moderada, threshold_alta FROM region
)
SELECT gap_code, ubigeo, period, level, need, supply, supply / need AS coverage, unmet, no_data_districts,
       CASE WHEN supply / need >= threshold_adecuada THEN 'adecuada'
            WHEN supply / need >= threshold_moderada THEN 'moderada'
            WHEN supply / need >= threshold_alta THEN 'alta' ELSE 'critica' END AS severity
FROM rows
"""


def tables(catalog, territory, periods) -> dict[str, pd.DataFrame]:
    """The catalog, territory and period map as small frames for the query."""
    ind = catalog.indicators.reset_index().rename(columns={"index": "code"})
    ind = ind.rename(columns={ind.columns[0]: "code"})[["code", "time", "rule"]]
    if not ind["rule"].isin(["max", "sum", "mean"]).all():
        raise ValueError("the SQL reference implements only the max, sum and mean rules")
    gaps = catalog.gaps.reset_index()
    gaps = gaps.rename(columns={gaps.columns[0]: "gap_code"})
    gaps = gaps[["gap_code", "supply", "need", "fixed_target_per_district", "target_coverage", "threshold_adecuada",
                 "threshold_moderada", "threshold_alta"]].copy()
    gaps["need"] = gaps["need"].replace("", None)
    gaps["fixed_target_per_district"] = gaps["fixed_target_per_district"].astype(float)
    rows = []
    for p in periods:
        for m in p.months:
            rows.append((p.code, int(m[:4]) * 12 + int(m[5:7]) - 1, m == p.end))
    return {"indicators": ind, "gaps": gaps, "districts": pd.DataFrame({"ubigeo": list(territory.district_codes)}),
            "periods": pd.DataFrame(rows, columns=["period_code", "mi", "is_last"])}


def reference_gaps(values: pd.DataFrame, catalog, territory, periods, con=None) -> pd.DataFrame:
    """District rows with data and pooled region rows, for ``periods``, computed by DuckDB."""
    con = con or duckdb.connect()
    con.register("vals", values[["institution", "indicator", "ubigeo", "period", "sex", "age", "nationality",
                                 "value"]])
    for name, frame in tables(catalog, territory, periods).items():
        con.register(name, frame)
    return con.execute(SQL, {"carry": int(catalog.carry_forward_months), "region": territory.region_ubigeo}).df()


def model_rows(table: pd.DataFrame, region: str) -> pd.DataFrame:
    """The rows of the model's gap table the reference computes: districts with data and pooled regions."""
    district = table["level"].eq("district") & table["severity"].ne("sin_datos")
    pooled = table["level"].eq("region") & table["ubigeo"].eq(region) & table["basis"].eq("districts")
    return table.loc[district | pooled]


def assert_same(model_table: pd.DataFrame, reference: pd.DataFrame, region: str) -> int:
    """Fail unless the model and the reference give the same rows and numbers; return the rows compared."""
    keys = ["gap_code", "ubigeo", "period", "level"]
    cols = ["need", "supply", "coverage", "unmet", "no_data_districts"]
    left = model_rows(model_table, region)[keys + cols + ["severity"]].set_index(keys).sort_index()
    right = reference[keys + cols + ["severity"]].set_index(keys).sort_index()
    if not left.index.equals(right.index):
        only_model = left.index.difference(right.index)
        only_ref = right.index.difference(left.index)
        raise AssertionError(f"different rows: {len(only_model)} only in the model (e.g. {list(only_model[:3])}), "
                             f"{len(only_ref)} only in the reference (e.g. {list(only_ref[:3])})")
    for col in cols:
        a, b = left[col].astype(float).to_numpy(), right[col].astype(float).to_numpy()
        bad = ~((abs(a - b) <= 1e-9 * abs(b).clip(min=1)) | (pd.isna(a) & pd.isna(b)))
        if bad.any():
            i = bad.argmax()
            raise AssertionError(f"{col} differs in {int(bad.sum())} rows, e.g. {left.index[i]}: "
                                 f"model {a[i]} vs reference {b[i]}")
    differ = left["severity"].ne(right["severity"])
    if differ.any():
        raise AssertionError(f"severity differs in {int(differ.sum())} rows, e.g. {left.index[differ.argmax()]}")
    return len(left)
