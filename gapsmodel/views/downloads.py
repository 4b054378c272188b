"""What a signed-in analyst downloads from *Datos*: the gap table and the values of the view, as people read
them on screen and as other humanitarian tools read them.

Row 1 is the header in the reader's language, row 2 the HXL hashtags (the open data's tags, one set for the
whole product: :mod:`gapsmodel.views.opendata`), then the data. Codes stay beside their names (UBIGEO and
place, gap, indicator and institution), so a sheet can be joined to others; numbers are rounded as the
screen shows them: need, supply and unmet need as whole numbers, a reported value whole or (when it has a
fraction) to one decimal, coverage as a whole percentage. A count the view withholds (``<col>_suppressed``) is left empty, never
written out: these frames carry what their view shows, nothing more.
"""
from __future__ import annotations

import pandas as pd

from ..i18n import Translator, to_local
from ..rules.catalog import Catalog
from ..rules.territory import Territory
from .opendata import GAP_FIELDS, VALUE_FIELDS

_GAP = {f.name: f.hxl for f in GAP_FIELDS}
_VALUE = {f.name: f.hxl for f in VALUE_FIELDS}
GAP_HXL = {
    "period": _GAP["periodo"], "level": _GAP["nivel"], "ubigeo": _GAP["ubigeo"], "place": _GAP["lugar"],
    "sector": _GAP["sector_nombre"], "gap_code": _GAP["brecha"], "gap": _GAP["brecha_nombre"],
    "need": _GAP["necesidad"], "supply": _GAP["oferta"], "unmet": _GAP["necesidad_no_cubierta"],
    "unit": _GAP["unidad"], "coverage": _GAP["cobertura"], "severity": _GAP["severidad"],
    "carried": _GAP["dato_arrastrado"],
}
VALUE_HXL = {
    "period": _VALUE["periodo"], "institution_code": _VALUE["institucion"], "institution": "#org+name",
    "indicator_code": _VALUE["indicador"], "indicator": "#indicator+name", "ubigeo": _VALUE["ubigeo"],
    "place": _VALUE["lugar"], "sex": _VALUE["sexo"], "age": _VALUE["edad"], "nationality": _VALUE["nacionalidad"],
    "value": _VALUE["valor"], "note": "#meta+note", "uploaded_at": "#date+reported",
}


def rounded(value) -> float | int | None:
    """A reported value as the screen writes it: whole, or with one decimal when it has a fraction."""
    if value is None or value != value:
        return None
    value = float(value)
    return int(round(value)) if abs(value - round(value)) < 0.05 else round(value, 1)


def _suppressed(rows: pd.DataFrame, col: str) -> pd.Series:
    flag = rows.get(f"{col}_suppressed")
    if flag is None:
        return pd.Series(False, index=rows.index)
    return flag.fillna(False).astype(bool)


def with_hxl(frame: pd.DataFrame, keys: list[str], tags: dict[str, str], headers: dict[str, str]) -> pd.DataFrame:
    """``frame`` (columns ``keys``) under the reader's headers, with the HXL row as its first row."""
    out = frame[keys].astype(object)
    tags = pd.DataFrame([[tags[k] for k in keys]], columns=keys, dtype=object)
    return pd.concat([tags, out], ignore_index=True).rename(columns=headers)


def gaps_download(gaps: pd.DataFrame, catalog: Catalog, territory: Territory, t: Translator) -> pd.DataFrame:
    """The gap table of the view, for a spreadsheet (see the module docstring)."""
    keys = ["period", "level", "ubigeo", "place", "sector", "gap_code", "gap", "need", "supply", "unmet", "unit",
            "coverage", "severity", "carried"]
    rows = gaps.reset_index(drop=True)
    frame = pd.DataFrame({
        "period": rows["period"].astype(str), "level": [t(f"level.{lv}") for lv in rows["level"]],
        "ubigeo": rows["ubigeo"].astype(str), "place": [territory.name(u) for u in rows["ubigeo"]],
        "sector": [catalog.label("sectors", s, t.lang) for s in rows["sector"]],
        "gap_code": rows["gap_code"], "gap": [catalog.label("gaps", g, t.lang) for g in rows["gap_code"]],
        "unit": [t.unit(u) for u in rows["gap_code"].map(catalog.gaps["unit"])],
        "severity": [t.severity(s) for s in rows["severity"]],
        "carried": [t("downloads.yes") if bool(c) else t("downloads.no") for c in rows.get("carried", False)],
    })
    for col in ("need", "supply", "unmet"):
        hidden = _suppressed(rows, col)
        frame[col] = [None if h or v != v or v is None else int(round(float(v))) for v, h in zip(rows[col], hidden)]
    hidden = _suppressed(rows, "coverage")
    frame["coverage"] = [None if h or c != c or c is None else int(round(float(c) * 100))
                         for c, h in zip(rows["coverage"], hidden)]
    headers = {k: t(f"downloads.{k}") for k in keys}
    return with_hxl(frame, keys, GAP_HXL, headers)


def _local_text(moment) -> str:
    local = to_local(moment)
    return local.strftime("%Y-%m-%d %H:%M") if local is not None else ""


def values_download(values: pd.DataFrame, catalog: Catalog, territory: Territory, t: Translator) -> pd.DataFrame:
    """The values behind the view, one per row as reported, for a spreadsheet. The note column comes only
    when ``values`` has it (the page drops it for visitors)."""
    keys = ["period", "institution_code", "institution", "indicator_code", "indicator", "ubigeo", "place", "sex",
            "age", "nationality", "value"] + (["note"] if "note" in values else []) + ["uploaded_at"]
    rows = values.reset_index(drop=True)
    frame = pd.DataFrame({
        "period": rows["period"].astype(str), "institution_code": rows["institution"],
        "institution": [catalog.label("institutions", i, t.lang) for i in rows["institution"]],
        "indicator_code": rows["indicator"],
        "indicator": [catalog.label("indicators", i, t.lang) for i in rows["indicator"]],
        "ubigeo": rows["ubigeo"].astype(str), "place": [territory.name(u) for u in rows["ubigeo"]],
        "sex": rows["sex"], "age": rows["age"], "nationality": rows["nationality"],
        "value": [rounded(v) for v in rows["value"]],
        "uploaded_at": [_local_text(v) for v in rows["uploaded_at"]],
    })
    if "note" in values:
        frame["note"] = rows["note"].fillna("")
    headers = {k: t(f"downloads.{k}") for k in keys}
    return with_hxl(frame, keys, VALUE_HXL, headers)
