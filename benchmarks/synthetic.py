"""Synthetic stores for the benchmarks: the values frame ``Store.values()`` returns, of a chosen size.

Every value is a total row (sex, age, nationality = ``total``) with an integer count, so sums are exact in
float64 and the model and the SQL reference can be compared number for number. The grid is
institutions × indicators × (13 districts + the region) × months; about 5 % of it is left out at random,
so some stocks are carried forward and some gaps have no data, as in real uploads.
"""
from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pandas as pd

from gapsmodel.rules.periods import add_months
from gapsmodel.records.store import KEY

LAST_MONTH = "2024-12"
DENSITY = 0.95
SEED = 20240


def shape_for(n_values: int, n_places: int, n_indicators: int, institutions: list[str]) -> tuple[int, int]:
    """(institutions, months) for about ``n_values`` values: few institutions for small stores, then every
    catalog institution and a longer history."""
    per_month_one = n_places * n_indicators
    n_inst = min(len(institutions), max(3, math.ceil(n_values / (per_month_one * 24 * DENSITY))))
    months = math.ceil(n_values / (per_month_one * n_inst * DENSITY))
    return n_inst, max(months, 12)


def synthetic_values(n_values: int, catalog, territory, seed: int = SEED) -> pd.DataFrame:
    """Exactly ``n_values`` rows with columns KEY, value, note, batch_id, uploaded_at."""
    rng = np.random.default_rng(seed)
    places = list(territory.district_codes) + [territory.region_ubigeo]
    indicators = list(catalog.indicators.index)
    institutions = list(catalog.institutions.index)
    n_inst, n_months = shape_for(n_values, len(places), len(indicators), institutions)
    institutions = institutions[:n_inst]
    months = [add_months(LAST_MONTH, -k) for k in range(n_months)][::-1]
    grid = pd.MultiIndex.from_product([institutions, indicators, places, months],
                                      names=["institution", "indicator", "ubigeo", "period"]).to_frame(index=False)
    if len(grid) < n_values:
        raise ValueError(f"grid of {len(grid)} is smaller than {n_values}")
    keep = np.sort(rng.choice(len(grid), size=n_values, replace=False))
    frame = grid.iloc[keep].reset_index(drop=True)
    role = frame["indicator"].map(catalog.indicators["role"]).to_numpy()
    # needs: one population estimate per place with institutions disagreeing; supplies: each one's share
    base = rng.integers(50, 5000, size=len(frame))
    share = rng.uniform(0.05, 2.2, size=len(frame)) / np.where(role == "need", 1, n_inst)
    value = np.where(role == "need", base, np.floor(base * share))
    is_channel = frame["indicator"].eq("canales_atencion_activos").to_numpy()
    value = np.where(is_channel, rng.integers(0, 3, size=len(frame)), value)
    frame["value"] = value.astype(float)
    for dim in ("sex", "age", "nationality"):
        frame[dim] = "total"
    frame["note"] = ""
    inst_no = frame["institution"].map({c: i for i, c in enumerate(institutions)}).to_numpy()
    month_no = frame["period"].map({m: i for i, m in enumerate(months)}).to_numpy()
    frame["batch_id"] = month_no * n_inst + inst_no + 1
    frame["uploaded_at"] = (pd.to_datetime(frame["period"] + "-01") + pd.DateOffset(months=1, days=4)
                            ).astype("datetime64[us]")
    return frame[KEY + ["value", "note", "batch_id", "uploaded_at"]]


def describe(frame: pd.DataFrame) -> dict:
    return {"values": int(len(frame)), "institutions": int(frame["institution"].nunique()),
            "months": int(frame["period"].nunique()), "first_month": frame["period"].min(),
            "last_month": frame["period"].max()}


def stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")
