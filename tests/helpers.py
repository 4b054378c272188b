"""Small builders for hand-computed test cases."""
from __future__ import annotations

import pandas as pd

from gapsmodel.records.store import KEY


def values(*rows, uploaded_at="2022-06-01") -> pd.DataFrame:
    """rows: (institution, indicator, ubigeo, period, value[, sex[, age]])."""
    records = []
    for row in rows:
        inst, ind, ubigeo, period, value, *rest = row
        sex = rest[0] if len(rest) > 0 else "total"
        age = rest[1] if len(rest) > 1 else "total"
        records.append(dict(institution=inst, indicator=ind, ubigeo=ubigeo, period=period, sex=sex, age=age,
                            nationality="total", value=float(value), note="",
                            uploaded_at=pd.Timestamp(uploaded_at)))
    return pd.DataFrame(records, columns=KEY + ["value", "note", "uploaded_at"])


def shelter_rows(period: str, need: float, beds: float, institution: str = "ACNUR",
                 ubigeo: str = "240302") -> pd.DataFrame:
    """One month of shelter (need and beds) in one district, as a batch of values."""
    from gapsmodel.records.store import VALUE_COLUMNS
    base = dict(institution=institution, ubigeo=ubigeo, period=period, sex="total", age="total",
                nationality="total", note="")
    return pd.DataFrame([dict(base, indicator="personas_requieren_alojamiento", value=need),
                         dict(base, indicator="camas_albergue", value=beds)])[VALUE_COLUMNS]

