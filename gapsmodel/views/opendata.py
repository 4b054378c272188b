"""Open data: the public figures of one period as CSV files with an HXL hashtag row and a Frictionless
``datapackage.json``, ready for HDX or the regional platform.

Everything here is public, whoever asks: the gap tables come from ``model.gap_table(..., public=True)``
and the monthly figures from :func:`gapsmodel.rules.publication.publish_monthly`, the same publication
step as the public pages (DOMAIN.md §7). A protected count is therefore ``<5`` or a multiple of 5, and a
total with a ``<5`` part is a range (``_min`` / ``_max``, with the figure column left empty). Values as
reported by each institution are published only for unprotected indicators, and never with their notes
(partners' free text).

Files (:data:`RESOURCES`): ``brechas.csv`` (the period), ``brechas_mensuales.csv`` (each month of it),
``cifras_mensuales.csv`` (the combined monthly figure of every indicator, published) and ``valores.csv``
(reported values of unprotected indicators). Row 1 is the Spanish header, row 2 the HXL hashtags, then
the data (UTF-8, comma, CRLF).
"""
from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from .. import model
from ..rules.catalog import Catalog
from ..rules.periods import Period, periods_between
from ..rules.protection import protected_gap_codes, protected_indicators
from ..rules.publication import publish_monthly, rounding_base
from ..rules.territory import Territory
from ..spreadsheet import neutralise_frame

ENCODING = "utf-8"


@dataclass(frozen=True)
class Field:
    name: str          # Spanish header
    hxl: str
    type: str          # Frictionless type
    description: str   # English, for the data package
    unit: str = ""


def _count_fields(prefix: str, hxl: str, what: str) -> list[Field]:
    return [
        Field(prefix, f"{hxl}+num", "number", f"{what}: the published figure; empty when it is a range or <5"),
        Field(f"{prefix}_min", f"{hxl}+num+min", "number", f"{what}: lowest count the published figure allows"),
        Field(f"{prefix}_max", f"{hxl}+num+max", "number", f"{what}: highest count the published figure allows"),
        Field(f"{prefix}_publicada", f"{hxl}+text", "string", f"{what} as shown on the public pages: a "
              "figure, '<5' (0 to 4) or a range such as '15–19'"),
    ]


GAP_FIELDS = [
    Field("periodo", "#date+period", "string", "Period: YYYY-MM (month), YYYY-Qn (quarter) or YYYY (year)"),
    Field("nivel", "#loc+type", "string", "Level of the place: region, province or district"),
    Field("ubigeo", "#loc+code", "string", "INEI ubigeo code of the place (2 digits region, 4 province, 6 district)"),
    Field("lugar", "#loc+name", "string", "Name of the place"),
    Field("sector", "#sector+code", "string", "Sector code"),
    Field("sector_nombre", "#sector+name", "string", "Sector name (Spanish)"),
    Field("brecha", "#indicator+code", "string", "Gap code"),
    Field("brecha_nombre", "#indicator+name", "string", "Gap name (Spanish)"),
    Field("unidad", "#indicator+unit", "string", "Unit of need, supply and unmet need"),
    Field("protegida", "#meta+protected", "boolean", "True for a protected gap (trafficking, GBV, child "
          "protection, small-cell indicators): its counts are published figures"),
    *_count_fields("necesidad", "#inneed", "Need"),
    *_count_fields("oferta", "#capacity", "Supply (services provided or available)"),
    *_count_fields("necesidad_no_cubierta", "#inneed+unmet", "Unmet need (need minus supply, not below 0)"),
    Field("cobertura", "#indicator+coverage+pct", "number", "Coverage: supply / need (ratio, 1 = 100 %); "
          "empty when withheld", "ratio"),
    Field("proporcion_brecha", "#indicator+gap+pct", "number", "Unmet need / need (ratio); empty when withheld",
          "ratio"),
    Field("severidad", "#severity", "string", "Severity band: critica, alta, moderada, adecuada, sin_datos, "
          "or indeterminada when the published range of coverage spans several bands"),
    Field("distritos_sin_datos", "#meta+districts+nodata+num", "integer", "Districts without data under this place"),
    Field("dato_arrastrado", "#meta+carried", "boolean", "True when a stock figure was carried forward from an "
          "earlier month"),
]

MONTHLY_FIELDS = [
    Field("periodo", "#date+month", "string", "Month YYYY-MM"),
    Field("indicador", "#indicator+code", "string", "Indicator code"),
    Field("indicador_nombre", "#indicator+name", "string", "Indicator name (Spanish)"),
    Field("unidad", "#indicator+unit", "string", "Unit of the indicator"),
    Field("ubigeo", "#loc+code", "string", "INEI ubigeo code (district, or the region for region-wide figures)"),
    Field("lugar", "#loc+name", "string", "Name of the place"),
    Field("protegido", "#meta+protected", "boolean", "True for a protected indicator: the figure is published"),
    *_count_fields("valor", "#indicator", "Monthly figure combined across institutions"),
    Field("dato_arrastrado", "#meta+carried", "boolean", "True when the stock figure was carried forward"),
]

VALUE_FIELDS = [
    Field("periodo", "#date+month", "string", "Month YYYY-MM"),
    Field("institucion", "#org+code", "string", "Reporting institution (code)"),
    Field("indicador", "#indicator+code", "string", "Indicator code (unprotected indicators only)"),
    Field("unidad", "#indicator+unit", "string", "Unit of the indicator"),
    Field("ubigeo", "#loc+code", "string", "INEI ubigeo code"),
    Field("lugar", "#loc+name", "string", "Name of the place"),
    Field("sexo", "#meta+sex", "string", "Sex disaggregation (total, f, m, ...)"),
    Field("edad", "#meta+age", "string", "Age group (total or a range)"),
    Field("nacionalidad", "#meta+nationality", "string", "Nationality group"),
    Field("valor", "#indicator+num", "number", "Value as reported"),
]

RESOURCES = {
    "brechas": ("Public gap table of the period", GAP_FIELDS),
    "brechas_mensuales": ("Public gap table of each month of the period", GAP_FIELDS),
    "cifras_mensuales": ("Monthly figure of every indicator, combined across institutions and published",
                         MONTHLY_FIELDS),
    "valores": ("Values as reported by each institution, unprotected indicators only, without notes",
                VALUE_FIELDS),
}


class NoData(LookupError):
    """The store has no figures for the period."""


def _published_text(low: float, high: float, small: bool, threshold: int) -> str:
    if low != low or high != high:
        return ""
    if small:
        return f"<{threshold}"
    low, high = round(float(low)), round(float(high))
    return f"{low}" if low == high else f"{low}–{high}"


def _counts(frame: pd.DataFrame, col: str, out_name: str, threshold: int, protected: np.ndarray,
            small: np.ndarray | None = None) -> dict[str, list]:
    exact = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
    low = np.where(protected, pd.to_numeric(frame.get(f"{col}_min", exact), errors="coerce"), exact)
    high = np.where(protected, pd.to_numeric(frame.get(f"{col}_max", exact), errors="coerce"), exact)
    if small is None:
        small = (frame[f"{col}_suppressed"].fillna(False).astype(bool).to_numpy()
                 if f"{col}_suppressed" in frame else np.zeros(len(frame), bool))
    single = (low == high) & ~small
    figure = np.where(single, low, np.nan)
    return {out_name: figure, f"{out_name}_min": low, f"{out_name}_max": high,
            f"{out_name}_publicada": [_published_text(lo, hi, s, threshold) for lo, hi, s in zip(low, high, small)]}


def gap_rows(table: pd.DataFrame, catalog: Catalog, territory: Territory) -> pd.DataFrame:
    """A public gap table in the open-data columns (:data:`GAP_FIELDS`)."""
    if table.empty:
        return pd.DataFrame(columns=[f.name for f in GAP_FIELDS])
    threshold = catalog.small_cell_threshold
    protected = table["gap_code"].isin(protected_gap_codes(catalog)).to_numpy()
    out = {
        "periodo": table["period"].astype(str), "nivel": table["level"].astype(str),
        "ubigeo": table["ubigeo"].astype(str), "lugar": [territory.name(u) for u in table["ubigeo"]],
        "sector": table["sector"], "sector_nombre": [catalog.label("sectors", s, "es") for s in table["sector"]],
        "brecha": table["gap_code"], "brecha_nombre": [catalog.label("gaps", g, "es") for g in table["gap_code"]],
        "unidad": table["gap_code"].map(catalog.gaps["unit"]), "protegida": protected,
    }
    for col, name in (("need", "necesidad"), ("supply", "oferta"), ("unmet", "necesidad_no_cubierta")):
        out.update(_counts(table, col, name, threshold, protected))
    out["cobertura"] = table["coverage"].where(~table.get("coverage_suppressed", False)).round(4)
    out["proporcion_brecha"] = table["gap_share"].where(~table.get("gap_share_suppressed", False)).round(4)
    out["severidad"] = table["severity"].astype(str)
    out["distritos_sin_datos"] = table["no_data_districts"].fillna(0).astype(int)
    out["dato_arrastrado"] = table["carried"].fillna(False).astype(bool)
    frame = pd.DataFrame({k: list(v) if not isinstance(v, pd.Series) else v.to_numpy() for k, v in out.items()})
    return frame[[f.name for f in GAP_FIELDS]]


def monthly_rows(snapshot: model.Snapshot, catalog: Catalog, territory: Territory, period: Period) -> pd.DataFrame:
    """The combined monthly figures of the period's months, through the publication step."""
    monthly = snapshot.monthly
    monthly = monthly[monthly["period"].isin(period.months)] if not monthly.empty else monthly
    if monthly.empty:
        return pd.DataFrame(columns=[f.name for f in MONTHLY_FIELDS])
    published = publish_monthly(monthly, catalog, territory).sort_values(["period", "indicator", "ubigeo"])
    protected = published["indicator"].isin(protected_indicators(catalog)).to_numpy()
    small = published["value_small"].fillna(False).astype(bool).to_numpy() & protected
    low, high = published["value_min"].to_numpy(dtype=float), published["value_max"].to_numpy(dtype=float)
    threshold = catalog.small_cell_threshold
    counts = {"valor": np.where(small, np.nan, low), "valor_min": low, "valor_max": high,
              "valor_publicada": [_published_text(lo, hi, sm, threshold) for lo, hi, sm in zip(low, high, small)]}
    frame = pd.DataFrame({
        "periodo": published["period"].astype(str).to_numpy(), "indicador": published["indicator"].to_numpy(),
        "indicador_nombre": [catalog.label("indicators", i, "es") for i in published["indicator"]],
        "unidad": published["indicator"].map(catalog.indicators["unit"]).to_numpy(),
        "ubigeo": published["ubigeo"].astype(str).to_numpy(),
        "lugar": [territory.name(u) for u in published["ubigeo"]], "protegido": protected,
        **{k: list(v) for k, v in counts.items()},
        "dato_arrastrado": published["carried"].fillna(False).astype(bool).to_numpy(),
    })
    return frame[[f.name for f in MONTHLY_FIELDS]]


def value_rows(snapshot: model.Snapshot, catalog: Catalog, territory: Territory, period: Period) -> pd.DataFrame:
    """Reported values of the period's months, unprotected indicators only, without notes."""
    values = snapshot.values
    if values.empty:
        return pd.DataFrame(columns=[f.name for f in VALUE_FIELDS])
    values = values[values["period"].isin(period.months)
                    & ~values["indicator"].isin(protected_indicators(catalog))]
    values = values.sort_values(["period", "institution", "indicator", "ubigeo", "sex", "age", "nationality"])
    return pd.DataFrame({
        "periodo": values["period"].astype(str).to_numpy(), "institucion": values["institution"].to_numpy(),
        "indicador": values["indicator"].to_numpy(),
        "unidad": values["indicator"].map(catalog.indicators["unit"]).to_numpy(),
        "ubigeo": values["ubigeo"].astype(str).to_numpy(), "lugar": [territory.name(u) for u in values["ubigeo"]],
        "sexo": values["sex"].to_numpy(), "edad": values["age"].to_numpy(),
        "nacionalidad": values["nationality"].to_numpy(), "valor": values["value"].to_numpy(dtype=float),
    })


def covers(snapshot: model.Snapshot, period: Period) -> bool:
    """Whether the snapshot knows any month of ``period``."""
    return not snapshot.empty and period.start <= snapshot.last_month and period.end >= snapshot.first_month


def tables(snapshot: model.Snapshot, catalog: Catalog, territory: Territory, period: Period) -> dict[str, pd.DataFrame]:
    """The four open-data tables of ``period`` (see the module docstring); raises :class:`NoData`."""
    if not covers(snapshot, period):
        raise NoData(period.code)
    period = model.clip([period], snapshot)[0]
    months = periods_between(period.start, period.end, "month")
    return {
        "brechas": gap_rows(model.gap_table(snapshot, catalog, territory, [period], public=True), catalog, territory),
        "brechas_mensuales": gap_rows(model.gap_table(snapshot, catalog, territory, months, public=True),
                                      catalog, territory),
        "cifras_mensuales": monthly_rows(snapshot, catalog, territory, period),
        "valores": value_rows(snapshot, catalog, territory, period),
    }


def csv_bytes(frame: pd.DataFrame, fields: list[Field]) -> bytes:
    """Spanish header, HXL row, data; text cells neutralised against spreadsheet formulas."""
    buffer = io.StringIO()
    head = pd.DataFrame([[f.hxl for f in fields]], columns=[f.name for f in fields])
    head.to_csv(buffer, index=False, lineterminator="\r\n")
    data = neutralise_frame(frame[[f.name for f in fields]])
    for field in fields:            # whole numbers without '.0', booleans as true/false
        col = data[field.name]
        if field.type == "boolean":
            data[field.name] = col.map(lambda v: "true" if bool(v) else "false")
        elif field.type in ("number", "integer"):
            data[field.name] = [("" if v != v or v is None else (str(int(v)) if float(v).is_integer() else repr(float(v))))
                                for v in pd.to_numeric(col, errors="coerce")]
    data.to_csv(buffer, index=False, header=False, lineterminator="\r\n")
    return buffer.getvalue().encode(ENCODING)


def protection_text(catalog: Catalog) -> str:
    threshold, base = catalog.small_cell_threshold, rounding_base(catalog)
    return (f"Counts of protected indicators (trafficking, gender-based violence, child protection and "
            f"indicators marked small_cell) are published per monthly cell: below {threshold} as '<{threshold}' "
            f"(0 to {threshold - 1}), otherwise rounded to the nearest multiple of {base}. Every figure derived "
            f"from several cells (quarters, years, provinces, the region, coverage, unmet need, severity) is "
            f"computed from published figures only, so a total with a '<{threshold}' part is a range "
            f"(_min to _max) and its figure column is empty. The region-wide figure of a protected indicator is "
            f"published only for months without district figures. Protected indicators are never broken down "
            f"by institution and no notes (free text) are published. Unprotected figures are exact.")


def datapackage(period: Period, catalog: Catalog, frames: dict[str, pd.DataFrame], generated_at: datetime,
                as_of: str) -> dict:
    """The Frictionless (Tabular) Data Package descriptor of the folder."""
    resources = []
    for name, (title, fields) in RESOURCES.items():
        resources.append({
            "name": name, "path": f"{name}.csv", "profile": "tabular-data-resource", "title": title,
            "format": "csv", "mediatype": "text/csv", "encoding": ENCODING,
            "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True, "headerRows": [1],
                        "commentRows": [2]},
            "rows": len(frames[name]),
            "schema": {"fields": [{"name": f.name, "type": f.type, "description": f.description,
                                   "hxl": f.hxl, **({"unit": f.unit} if f.unit else {})}
                                  for f in fields]},
        })
    units = {code: str(unit) for code, unit in catalog.indicators["unit"].items()}
    return {
        "profile": "tabular-data-package",
        "name": f"brechas-tumbes-{period.code.lower()}",
        "title": f"Brechas de acceso a servicios para población refugiada y migrante, Tumbes — {period.code}",
        "description": ("Public figures of the service-access gaps of the refugee and migrant working table "
                        "(Mesa) of Tumbes, Peru, for the period " + period.code + ". Row 2 of every CSV is "
                        "its HXL hashtag row."),
        "created": generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "period": period.code,
        "as_of": as_of,
        "protection": {"description": protection_text(catalog), "threshold": catalog.small_cell_threshold,
                       "rounding_base": rounding_base(catalog),
                       "protected_indicators": sorted(protected_indicators(catalog)),
                       "protected_gaps": sorted(protected_gap_codes(catalog))},
        "units": units,
        "resources": resources,
    }


def files(snapshot: model.Snapshot, catalog: Catalog, territory: Territory, period: Period,
          generated_at: datetime) -> dict[str, bytes]:
    """File name → bytes: the four CSV files and ``datapackage.json``."""
    frames = tables(snapshot, catalog, territory, period)
    out = {f"{name}.csv": csv_bytes(frames[name], fields) for name, (_, fields) in RESOURCES.items()}
    as_of = snapshot.as_of.strftime("%Y-%m-%dT%H:%M:%SZ") if snapshot.as_of else generated_at.strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    package = datapackage(period, catalog, frames, generated_at, as_of)
    out["datapackage.json"] = (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode(ENCODING)
    return out


def write_folder(folder: Path, content: dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in content.items():
        (folder / name).write_bytes(data)


def zip_bytes(content: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in content.items():
            archive.writestr(name, data)
    return buffer.getvalue()
