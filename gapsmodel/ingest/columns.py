"""Which column is which: the accepted header names (Spanish and English) and HXL hashtags.

A header is compared after :func:`norm_header`: accents and case removed, text in parentheses dropped,
punctuation and ``_`` turned into spaces (``Código_de distrito (opcional)`` → ``codigo de distrito``).
The header row is the row among the first ones that names most known columns (title rows above it are
skipped); a row of HXL hashtags right under it (or standing alone as the header) gives the meaning of the
columns whose names were not recognised.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from ..rules.catalog import fold

#: Columns of the canonical long format (DOMAIN.md §6), in template order.
ROLES = ("period", "institution", "indicator", "ubigeo", "district", "sex", "age", "nationality", "value", "note")

#: Spanish header used in templates, per role.
TEMPLATE_HEADER = {"period": "periodo", "institution": "institucion", "indicator": "indicador", "ubigeo": "ubigeo",
                   "district": "distrito", "sex": "sexo", "age": "edad", "nationality": "nacionalidad",
                   "value": "valor", "note": "nota"}
#: HXL hashtag written in templates, per role.
TEMPLATE_HXL = {"period": "#date", "institution": "#org+code", "indicator": "#indicator+code",
                "ubigeo": "#adm3+code", "district": "#adm3+name", "sex": "#sex", "age": "#age",
                "nationality": "#country+code", "value": "#value", "note": "#meta+note"}

#: Accepted header names per role (after norm_header). The first one is the canonical Spanish name.
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "period": ("periodo", "period", "mes", "fecha", "date", "month", "mes de reporte", "mes reportado",
               "periodo de reporte", "reporting period", "reporting month", "ano mes", "mes ano",
               "fecha de reporte", "report date"),
    "institution": ("institucion", "institution", "organizacion", "organization", "organisation", "org",
                    "entidad", "agencia", "agency", "socio", "partner", "institucion que reporta",
                    "reporting organization", "codigo de institucion", "institution code", "org code"),
    "indicator": ("indicador", "indicator", "codigo de indicador", "codigo indicador", "cod indicador",
                  "indicator code", "indicador codigo"),
    "ubigeo": ("ubigeo", "codigo de distrito", "codigo distrito", "cod distrito", "codigo ubigeo",
               "ubigeo distrito", "district code", "district pcode", "adm3 code", "adm3 pcode", "adm3code",
               "adm3pcode", "pcode"),
    "district": ("distrito", "district", "nombre de distrito", "nombre del distrito", "nombre distrito",
                 "district name", "adm3 name", "adm3name", "adm3", "lugar", "localidad", "ambito"),
    "sex": ("sexo", "sex", "gender", "genero"),
    "age": ("edad", "age", "grupo de edad", "grupo etario", "grupo etareo", "rango de edad", "age group",
            "age range", "edades"),
    "nationality": ("nacionalidad", "nationality", "pais de origen", "country of origin", "country", "pais"),
    "value": ("valor", "value", "cantidad", "total", "count", "cifra", "valor reportado", "reported value"),
    "note": ("nota", "notas", "note", "notes", "observaciones", "observacion", "obs", "comentario",
             "comentarios", "comment", "comments", "remarks"),
}
#: Year and month in two columns, as Peruvian open-data exports give them (ANIO/MES, Anio/NroMes,
#: anio/num_mes): read together as the month.
YEAR_HEADERS = ("anio", "ano", "year", "ejercicio", "anio reporte", "ano de reporte", "anio de reporte")
MONTH_HEADERS = ("mes", "month", "nromes", "nro mes", "num mes", "numero mes", "numero de mes", "n mes",
                 "mes numero", "cod mes", "codigo mes", "month number", "nummes", "mes num")
PAIR_POSITION = 1_000_000   # column position of the month built from a year/month pair (past any real one)
_BY_NAME = {name: role for role, names in HEADER_NAMES.items() for name in names}
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_PUNCT = re.compile(r"[^0-9a-z#+ ]+")


def norm_header(text: object) -> str:
    s = _PARENS.sub(" ", str(text))
    s = _PUNCT.sub(" ", fold(s))
    return " ".join(s.split())


def parse_hxl(text: object) -> tuple[str, frozenset[str]] | None:
    """``'#adm3 +code'`` → ``('adm3', {'code'})``; None when the cell is not a hashtag."""
    s = str(text).strip().lower().replace(" ", "")
    if not re.fullmatch(r"#[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*", s):
        return None
    parts = s[1:].split("+")
    return parts[0], frozenset(parts[1:])


_HXL_VALUE_TAGS = {"value", "affected", "inneed", "targeted", "reached", "population", "num"}


def hxl_role(text: object) -> str | None:
    parsed = parse_hxl(text)
    if parsed is None:
        return None
    tag, attrs = parsed
    if "nationality" in attrs or tag in ("country", "nationality"):
        return "nationality"
    if tag == "date":
        return "period"
    if tag == "org":
        return "institution"
    if tag == "indicator":
        return "value" if attrs & {"num", "value"} else "indicator"
    if tag == "adm3":
        return "ubigeo" if attrs & {"code", "pcode", "id"} else "district"
    if tag in ("sex", "gender"):
        return "sex"
    if tag == "age":
        return "age"
    if tag in _HXL_VALUE_TAGS:
        return "value"
    if tag in ("meta", "description", "note", "notes"):
        return "note"
    return None


def header_role(text: object) -> str | None:
    """The role a header cell names (by name or by HXL hashtag), or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    if text.strip().startswith("#"):
        return hxl_role(text)
    return _BY_NAME.get(norm_header(text))


def is_hxl_row(cells: list) -> bool:
    filled = [c for c in cells if isinstance(c, str) and c.strip()]
    tags = [c for c in filled if parse_hxl(c) is not None]
    return bool(tags) and len(tags) * 2 >= len(filled)


def indicator_lookup(catalog) -> dict[str, str]:
    """Normalised indicator code or name (es, en) → indicator code."""
    out: dict[str, str] = {}
    for code, row in catalog.indicators.iterrows():
        for text in (row.get("name_en", ""), row.get("name_es", ""), code):
            if text:
                out[norm_header(text)] = code
        out[norm_header(code.replace("_", " "))] = code
    return out


def header_score(head: pd.DataFrame, indicators: dict[str, str] | None = None) -> tuple[int | None, int]:
    """(row number, score) of the likeliest header row among ``head``; score = known columns named."""
    best_row, best = None, 0
    for number, cells in head.iterrows():
        roles = set()
        wide = 0
        for cell in cells:
            role = header_role(cell)
            if role is None and isinstance(cell, str):
                norm = norm_header(cell)
                role = "period" if norm in MONTH_HEADERS else ("year" if norm in YEAR_HEADERS else None)
            if role:
                roles.add(role)
            elif indicators and isinstance(cell, str) and norm_header(cell) in indicators:
                wide += 1
        score = len(roles) + min(wide, 2)
        if score > best:
            best_row, best = number, score
    return best_row, best


@dataclass
class ColumnMap:
    header_row: int | None
    hxl_row: int | None
    names: dict[int, str] = field(default_factory=dict)          # column position → header as in the file
    roles: dict[str, int] = field(default_factory=dict)          # role → column position (first one)
    indicator_columns: dict[int, str] = field(default_factory=dict)   # wide layout: position → indicator code
    repeated: dict[int, str] = field(default_factory=dict)       # position → role already taken by another
    unknown: list[int] = field(default_factory=list)             # positions with no known meaning
    period_pair: tuple[int, int] | None = None                   # (year, month) positions read as the month

    @property
    def layout(self) -> str:
        if "indicator" not in self.roles and self.indicator_columns:
            return "wide"
        return "long"

    def name(self, role: str) -> str:
        return self.names.get(self.roles[role], "") if role in self.roles else ""


def map_columns(cells: pd.DataFrame, indicators: dict[str, str], scan_rows: int = 30) -> ColumnMap:
    """Find the header (and HXL) rows of ``cells`` and what each column means."""
    header_row, score = header_score(cells.head(scan_rows), indicators)
    if header_row is None or score < 2:
        return ColumnMap(header_row=None, hxl_row=None)
    header = list(cells.loc[header_row])
    hxl = None
    position = cells.index.get_loc(header_row)
    if not is_hxl_row(header) and position + 1 < len(cells):
        below = list(cells.iloc[position + 1])
        if is_hxl_row(below):
            hxl = below
    cmap = ColumnMap(header_row=header_row, hxl_row=cells.index[position + 1] if hxl else None)
    for pos, cell in enumerate(header):
        text = cell.strip() if isinstance(cell, str) else ("" if cell in ("", None) else str(cell))
        tag = hxl[pos].strip() if hxl and isinstance(hxl[pos], str) else ""
        if not text and not tag:
            continue
        cmap.names[pos] = text or tag
        role = header_role(text) if text else None
        if role is None and text and norm_header(text) in indicators and not (tag and hxl_role(tag)):
            cmap.indicator_columns[pos] = indicators[norm_header(text)]
            continue
        if role is None and tag:
            role = hxl_role(tag)
        if role is None:
            cmap.unknown.append(pos)
        elif role in cmap.roles:
            cmap.repeated[pos] = role
        else:
            cmap.roles[role] = pos
    _pair_year_and_month(cmap)
    return cmap


def _pair_year_and_month(cmap: ColumnMap) -> None:
    """A year column next to a month column (by name or number) gives the period."""
    norms = {pos: norm_header(name) for pos, name in cmap.names.items()}
    year = next((p for p in cmap.unknown if norms[p] in YEAR_HEADERS), None)
    if year is None:
        return
    period = cmap.roles.get("period")
    if period is not None and norms[period] in MONTH_HEADERS:
        month = period
    elif period is None:
        month = next((p for p in cmap.unknown if norms[p] in MONTH_HEADERS), None)
    else:
        return   # a real period column: the year column is something else
    if month is None:
        return
    cmap.unknown = [p for p in cmap.unknown if p not in (year, month)]
    cmap.period_pair = (year, month)
    cmap.names[PAIR_POSITION] = f"{cmap.names[year]} + {cmap.names[month]}"
    cmap.roles["period"] = PAIR_POSITION
