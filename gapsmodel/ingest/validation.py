"""From a raw grid to checked values: every problem of a partner upload, found at once (DOMAIN.md §6, §7).

Each column is read through its *distinct* cells (a 100,000-row file has a few dozen distinct months,
districts and indicators), so the work per row is vectorised; Python loops run only over rows that have a
problem, to describe it.

Errors refuse the file; warnings do not:
- a value far from the institution's own history: above ``OUTLIER_FACTOR`` times or below
  1/``OUTLIER_FACTOR`` of the median of the same key (indicator, place, sex, age, nationality) over the
  ``OUTLIER_WINDOW`` months before, when at least ``OUTLIER_MIN_MONTHS`` of them were reported (defaults:
  settings.toml ``[quality]`` sets them) and the
  median is above 0;
- a total row that disagrees with the sum of its parts in the same file, one dimension at a time (sex
  with age and nationality at ``total``; age with sex and nationality at ``total``; nationality with sex
  and age at ``total``): the parts add up to more than the total, or all the parts of a closed list
  (mujer + hombre; 0-17 + 18-59 + 60+) are there and do not add up to it.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import numpy as np
import pandas as pd

from ..i18n import both, one_language
from ..rules.catalog import fold
from ..rules.periods import add_months, month_index, month_of
from ..records.store import KEY, VALUE_COLUMNS, Scope
from ..rules.validation_rules import WILDCARD, parse_side
from ..rules.validation_rules import evaluate as evaluate_rules
from .columns import (HEADER_NAMES, PAIR_POSITION, YEAR_HEADERS, ColumnMap, header_role, indicator_lookup,
                      map_columns, norm_header)
from .personal_data import find_personal_data, mask
from .problems import PROBLEM_COLUMNS, Problem, UnreadableFile
from .reading import HEADER_SCAN_ROWS, RawGrid, limits_from, read_grid
from .values import (AGES, AMBIGUOUS_HELP, NUMBER_HELP, SEXES, clean_numbers, decide_decimal, did_you_mean,
                     inline, number_kinds, parse_age, parse_month, parse_numbers, parse_sex, suggest)

log = logging.getLogger(__name__)

OUTLIER_FACTOR = 3.0
OUTLIER_WINDOW = 12
OUTLIER_MIN_MONTHS = 4
LOCKED_MESSAGE = both("Mes aprobado y cerrado por la secretaría técnica; pida a un administrador que lo reabra.",
                      "This month was approved and locked by the technical secretariat; ask an administrator to "
                      "reopen it.")
TOTAL_WORDS = {"total", "todos", "todas", "all", "total general"}
NATIONALITY_CODE = r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ0-9_+\-]{0,29}"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMPTY_VALUES = pd.DataFrame({c: pd.Series(dtype=float if c == "value" else object) for c in VALUE_COLUMNS})


@dataclass
class UploadResult:
    """What an upload holds (``values``, ready for :meth:`Store.add_batch`) and every problem found."""
    values: pd.DataFrame
    problems: list[Problem]
    institution: str | None
    detected: dict = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def problems_frame(self) -> pd.DataFrame:
        """Problems as a table with Spanish headers (fila, columna, valor, problema, nivel: error/aviso)."""
        frame = pd.DataFrame(
            [(p.row, p.column, p.value, p.message, "error" if p.level == "error" else "aviso")
             for p in self.problems], columns=PROBLEM_COLUMNS)
        frame["fila"] = frame["fila"].astype("Int64")
        return frame


def _accepted(role: str) -> str:
    if role == "place":
        return f"{_accepted('ubigeo')}; {_accepted('district')}"
    return ", ".join(HEADER_NAMES[role][:6])


def _is_empty(cell) -> bool:
    if cell is None:
        return True
    if isinstance(cell, str):
        return not cell.strip()
    return cell != cell


def _text(cell) -> str:
    if _is_empty(cell):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat(sep=" ")
    return str(cell)


class _Rows:
    """The upload in long form with one problem list; ``bad`` marks rows that may not be stored."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.bad = pd.Series(False, index=frame.index)
        self.problems: list[Problem] = []

    def flag(self, mask: pd.Series, column: str | pd.Series, raw: pd.Series, message: str | pd.Series,
             level: str = "error") -> None:
        mask = mask.reindex(self.frame.index, fill_value=False).astype(bool)
        if not mask.any():
            return
        if level == "error":
            self.bad |= mask
        rows = self.frame.loc[mask, "row"]
        cols = column[mask] if isinstance(column, pd.Series) else None
        msgs = message[mask] if isinstance(message, pd.Series) else None
        raws = raw[mask]
        for i in rows.index:
            self.problems.append(Problem(int(rows[i]), cols[i] if cols is not None else column, _text(raws[i]),
                                         msgs[i] if msgs is not None else message, level))


def _map_unique(raw: pd.Series, func) -> tuple[pd.Series, pd.Series]:
    """(result, error message) per row, computing ``func`` once per distinct cell."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=False)
    value = np.empty(len(uniques), dtype=object)
    error = np.empty(len(uniques), dtype=object)
    for i, cell in enumerate(uniques):
        value[i], error[i] = func(cell)
    return (pd.Series(value[codes], index=raw.index, dtype=object),
            pd.Series(error[codes], index=raw.index, dtype=object))


def read_upload(data: bytes, filename: str, catalog, territory, *, institution: str | None = None,
                locked_months: set[str] | frozenset = frozenset(), history=None,
                today: date | None = None) -> UploadResult:
    """Read and check one partner upload (CSV or ``.xlsx``) without storing anything.

    ``history``: the values stored now (as :meth:`Store.values`), or a function that returns them for a
    :class:`~gapsmodel.records.store.Scope` (``lambda scope: store.values(within=scope)``): then only the
    history the checks need is read, the upload's institutions and indicators in its months and the
    ``OUTLIER_WINDOW`` months before each, not the whole store.

    Raises :class:`UnreadableFile` when the bytes cannot be read as a table at all; every other issue is a
    :class:`Problem` in the result (errors refuse the file, warnings do not).
    """
    try:
        grid = read_grid(data, filename, limits_from(getattr(catalog, "settings", {})))
    except UnreadableFile:
        raise
    except (MemoryError, RecursionError):
        raise UnreadableFile(both("El archivo es demasiado grande o complejo para leerlo.",
                                  "The file is too large or too complex to read.")) from None
    if institution is not None:
        institution = catalog.resolve_institution(institution) or institution
    try:
        return check_grid(grid, catalog, territory, institution=institution, locked_months=locked_months,
                          history=history, today=today or date.today())
    except UnreadableFile:
        raise
    except Exception:  # noqa: BLE001 - a safety net: a user never sees a traceback; the log keeps it
        log.exception("unexpected failure checking upload %r", filename)
        raise UnreadableFile(both(
            "No se pudo revisar el archivo por un error interno; se registró para corregirlo. Pruebe con la "
            "plantilla o avise a la secretaría técnica.",
            "The file could not be checked because of an internal error; it was logged so that it can be fixed. "
            "Try the template or tell the technical secretariat.")) from None


def check_grid(grid: RawGrid, catalog, territory, *, institution, locked_months, history, today) -> UploadResult:
    detected = dict(grid.detected)
    indicators = indicator_lookup(catalog)
    cmap = map_columns(grid.cells, indicators, HEADER_SCAN_ROWS)
    problems: list[Problem] = []
    if cmap.header_row is None:
        problems += find_personal_data(grid.cells, {}, {}, None, grid.native_numbers)
        plain = _plain_header(grid.cells)
        if plain is not None:
            row, found, missing_roles = plain
            names = "; ".join(f"{_label(r)} (se acepta: {_accepted(r)})" for r in missing_roles)
            names_en = "; ".join(f"{_label(r, 'en')} (accepted: {_accepted(r)})" for r in missing_roles)
            seen = inline(", ".join(found))
            problems.insert(0, Problem(row, "", "", both(
                f"La fila {row} parece la fila de títulos, pero le faltan columnas obligatorias: {names}. "
                + (f"Se reconocieron: {seen}. " if found else "Ningún título coincide con los esperados. ")
                + "Cambie esos títulos o use la plantilla.",
                f"Row {row} looks like the header row, but it lacks required columns: {names_en}. "
                + (f"Recognised: {seen}. " if found else "No header matches the expected ones. ")
                + "Change those headers or use the template.")))
            detected.update(header_row=row, layout=None, hxl=False, decimal=None)
            return UploadResult(_EMPTY_VALUES.copy(), problems, institution, detected)
        problems.insert(0, Problem(None, "", "", both(
            "No se encontró la fila de títulos (cabecera). La primera fila con datos debe nombrar las columnas: "
            "periodo, institucion, indicador, ubigeo o distrito, valor (sexo, edad, nacionalidad y nota son "
            "opcionales). Descargue la plantilla para ver un ejemplo.",
            "No header row was found. The first row with data must name the columns: periodo, institucion, "
            "indicador, ubigeo or distrito, valor (sexo, edad, nacionalidad and nota are optional). Download "
            "the template to see an example.")))
        detected.update(header_row=None, layout=None, hxl=False, decimal=None)
        return UploadResult(_EMPTY_VALUES.copy(), problems, institution, detected)

    first_data = (cmap.hxl_row or cmap.header_row) + 1
    body = grid.cells.loc[first_data:]
    if not body.empty:
        filled = body.apply(lambda c: c.map(lambda v: not _is_empty(v))) if grid.native_numbers else \
            body.apply(lambda c: c.str.strip().ne(""))
        body = body[filled.any(axis=1)]
    detected.update(header_row=cmap.header_row, hxl=cmap.hxl_row is not None or _header_is_hxl(grid, cmap),
                    layout="wide" if cmap.layout == "wide" else ("hxl" if _uses_hxl(grid, cmap) else "long"),
                    columns={role: cmap.names[pos] for role, pos in cmap.roles.items()}, decimal=None)
    if cmap.layout == "wide":
        detected["indicator_columns"] = {cmap.names[p]: code for p, code in cmap.indicator_columns.items()}

    if cmap.period_pair is not None:
        body = body.assign(**{})   # a copy: the grid itself stays as read
        body[PAIR_POSITION] = _year_month(body[cmap.period_pair[0]], body[cmap.period_pair[1]])
        detected["period_from"] = [cmap.names[p] for p in cmap.period_pair]
    roles_by_pos: dict[int, str | None] = {pos: role for role, pos in cmap.roles.items()}
    roles_by_pos.update({pos: "value" for pos in cmap.indicator_columns})
    roles_by_pos.update(cmap.repeated)
    personal = find_personal_data(body, cmap.names, roles_by_pos, cmap.header_row, grid.native_numbers)
    problems += personal
    personal_columns = {p.column for p in personal if p.row == cmap.header_row}

    # --- columns ----------------------------------------------------------------------------------------
    missing = []
    if "period" not in cmap.roles:
        missing.append("period")
    if cmap.layout == "long" and "indicator" not in cmap.roles:
        missing.append("indicator")
    if "ubigeo" not in cmap.roles and "district" not in cmap.roles:
        missing.append("place")
    if cmap.layout == "long" and "value" not in cmap.roles:
        missing.append("value")
    if missing:
        names = "; ".join(f"{_label(role)} (se acepta: {_accepted(role)}"
                          + (", o una columna por código de indicador" if role == "indicator" else "") + ")"
                          for role in missing)
        names_en = "; ".join(f"{_label(role, 'en')} (accepted: {_accepted(role)}"
                             + (", or one column per indicator code" if role == "indicator" else "") + ")"
                             for role in missing)
        problems.insert(0, Problem(None, "", "", both(
            f"Faltan columnas obligatorias: {names}. Revise la fila de títulos o use la plantilla.",
            f"Required columns are missing: {names_en}. Check the header row or use the template.")))
    if "institution" not in cmap.roles and institution is None:
        problems.insert(0, Problem(None, "", "", both(
            f"Falta la institución: añada una columna «institucion» (se acepta: {_accepted('institution')}) o "
            f"indique la institución al subir el archivo.",
            f"The institution is missing: add an «institucion» column (accepted: {_accepted('institution')}) "
            f"or choose the institution when you upload the file.")))
    for pos, role in cmap.repeated.items():
        used = inline(cmap.names[cmap.roles[role]])
        problems.append(Problem(cmap.header_row, cmap.names[pos], "", both(
            f"Columna repetida: ya se usa «{used}» para lo mismo; esta se ignoró.",
            f"Repeated column: «{used}» is already used for the same thing; this one was ignored."), "warning"))
    indicator_choices = _indicator_choices(catalog)
    for pos in cmap.unknown:
        name = cmap.names[pos]
        if name in personal_columns:
            continue
        close = suggest(name, indicator_choices, n=2) if cmap.layout == "wide" else []
        if close:
            problems.append(Problem(cmap.header_row, name, name, both(
                f"Indicador desconocido en la fila de títulos.{did_you_mean(close)} Use los códigos de la hoja "
                f"«indicadores» de la plantilla.",
                f"Unknown indicator in the header row.{did_you_mean(close, 'en')} Use the codes of the "
                f"«indicadores» sheet of the template.")))
        else:
            problems.append(Problem(cmap.header_row, name, "", both(
                "Columna no reconocida; se ignoró.", "Column not recognised; it was ignored."), "warning"))
    if missing:
        return UploadResult(_EMPTY_VALUES.copy(), _sorted(problems), institution, detected)
    footer = _footer_total_rows(body, cmap)
    for row in footer:
        problems.append(Problem(int(row), "", "TOTAL", both(
            "Fila de total al pie del archivo (suma la columna de arriba): se omitió, porque el tablero suma por "
            "su cuenta.",
            "Total row at the foot of the file (it adds up the column above): it was skipped, because the "
            "dashboard does its own sums."), "warning"))
    body = body.drop(index=footer)
    if body.empty:
        problems.insert(0, Problem(None, "", "", both("El archivo no trae filas de datos bajo la fila de títulos.",
                                                      "The file has no data rows under the header row.")))
        return UploadResult(_EMPTY_VALUES.copy(), _sorted(problems), institution, detected)

    rows = _Rows(_long_form(body, cmap, grid.native_numbers))
    frame = rows.frame
    if frame.empty:
        problems.insert(0, Problem(None, "", "", both("El archivo no trae ningún valor.",
                                                      "The file has no values.")))
        return UploadResult(_EMPTY_VALUES.copy(), _sorted(problems), institution, detected)

    out = pd.DataFrame(index=frame.index)
    _check_period(rows, out, cmap, locked_months, today)
    _check_institution(rows, out, cmap, catalog, institution)
    _check_indicator(rows, out, cmap, indicators, indicator_choices)
    _check_place(rows, out, cmap, territory)
    _check_categories(rows, out, cmap)
    decimal_problem = _check_value(rows, out, cmap, grid, detected)
    if decimal_problem:
        problems.insert(0, decimal_problem)
    out["note"] = frame["note"].map(_text).astype(object) if grid.native_numbers else frame["note"].astype(object)

    _check_note(rows, cmap)

    key_ok = ~out[KEY].isna().any(axis=1)
    _check_duplicates(rows, out, key_ok, cmap)
    # a cell found to hold personal data is never echoed by another problem about it
    personal_cells = {(p.row, p.column) for p in personal}
    problems += [replace(p, value=mask(p.value)) if (p.row, p.column) in personal_cells else p
                 for p in rows.problems]

    valid = out[~rows.bad & key_ok & out["value"].notna()].copy()
    valid["row"] = frame.loc[valid.index, "row"]
    valid["value_column"] = frame.loc[valid.index, "value_column"]
    found = sorted(set(valid["institution"])) if "institution" in valid else []
    result_institution = institution
    if institution is None:
        seen = sorted(set(out["institution"].dropna()))
        if len(seen) > 1:
            problems.insert(0, Problem(None, cmap.name("institution"), ", ".join(seen), both(
                f"El archivo trae datos de varias instituciones ({', '.join(seen)}); suba un archivo por "
                f"institución.",
                f"The file holds data of several institutions ({', '.join(seen)}); upload one file per "
                f"institution.")))
        elif seen:
            result_institution = seen[0]
    if found:
        if callable(history):
            history = history(history_scope(valid, catalog.outlier_settings["history_months"]))
        problems += _history_warnings(valid, history, **catalog.outlier_settings)
        rule_problems, said = _rule_problems(valid, catalog, territory)
        problems += _total_warnings(valid, cmap, already_said=said)
        problems += rule_problems

    values = valid[VALUE_COLUMNS].reset_index(drop=True)
    values["value"] = values["value"].astype(float)
    if personal:
        values = _EMPTY_VALUES.copy()   # personal data is never passed on, not even for a preview
    return UploadResult(values, _sorted(problems), result_institution, detected)


def _parts_dimensions(rule) -> set[str]:
    """The dimensions whose parts a '*' rule compares with the indicator's own total
    (``*[sex=mujer] + *[sex=hombre] <= *`` -> {'sex'}); empty for any other rule."""
    left, right = parse_side(rule.left), parse_side(rule.right)
    if all(t.indicator == WILDCARD and t.part for t in left) and len(right) == 1 \
            and right[0].indicator == WILDCARD and right[0].part is None:
        return {t.part[0] for t in left}
    return set()


def _rule_problems(valid: pd.DataFrame, catalog, territory) -> tuple[list[Problem], set[tuple]]:
    """The catalog's checks between indicators (rules.csv) over this one institution's rows.

    Rules across institutions need the other institutions' figures: they are checked on *Calidad de datos*.
    A failure points at the first row of the figures it compares, with both sums, so the fix is plain.
    Also returns what a parts-against-total rule already said, as (institution, indicator, ubigeo, period,
    dimension), so the file's own total check does not say it again.
    """
    rules = getattr(catalog, "rules", None)
    if rules is None or rules.empty:
        return [], set()
    within = rules[rules["scope"].eq("institucion")]
    failures = evaluate_rules(within, valid)
    dimensions = {r.code: _parts_dimensions(r) for r in within.itertuples()}
    problems, said = [], set()
    for f in failures.itertuples():
        said |= {(f.institution, f.indicator, f.ubigeo, f.period, dim) for dim in dimensions.get(f.rule, ())}
        where = valid["ubigeo"].astype(str).eq(f.ubigeo) & valid["period"].astype(str).eq(f.period) & \
            valid["institution"].astype(str).eq(f.institution)
        if f.indicator in set(valid["indicator"]):
            where &= valid["indicator"].eq(f.indicator)
        row = int(valid.loc[where, "row"].min()) if where.any() else None
        place = f"{territory.name(f.ubigeo)} ({f.ubigeo})"     # the name a partner knows, the code it typed
        problems.append(Problem(row, "", f"{f.left_value:g} / {f.right_value:g}", both(
            f"{f.message_es} {place}, {f.period}: {f.left_value:g} frente a {f.right_value:g}; "
            f"corrija la cifra que esté mal (regla {f.rule}).",
            f"{f.message_en} {place}, {f.period}: {f.left_value:g} against {f.right_value:g}; "
            f"correct the wrong figure (rule {f.rule})."), level=f.level))
    return problems, said


FOOTER_WORDS = {"total", "totales", "total general", "suma", "suma total", "grand total", "sum", "total:"}


def _footer_total_rows(body: pd.DataFrame, cmap: ColumnMap) -> list:
    """Rows at the foot of the file that say TOTAL and name no month nor indicator: a spreadsheet's sum of
    the column above, not a report."""
    if body.empty:
        return []
    key_positions = [cmap.roles[r] for r in ("period", "indicator") if r in cmap.roles]
    footer = []
    for row in reversed(body.index[-5:]):
        cells = body.loc[row]
        words = {fold(_text(c)).rstrip(":") for c in cells if isinstance(c, str) and c.strip()}
        if not words & FOOTER_WORDS:
            break
        keys = [fold(_text(cells[p])) for p in key_positions if p in cells.index]
        if any(k and k not in FOOTER_WORDS for k in keys):
            break
        footer.append(row)
    return footer


def _year_month(years: pd.Series, months: pd.Series) -> pd.Series:
    """'2023' and '5' (or 'mayo', 5.0) → '2023-05' / 'mayo 2023'; what cannot be paired stays for the period
    check to report."""
    def pair(y, m):
        y, m = _text(y).strip(), _text(m).strip()
        if not y and not m:
            return ""
        if y.endswith(".0"):
            y = y[:-2]
        if m.endswith(".0"):
            m = m[:-2]
        if m.isdigit() and y.isdigit() and 1 <= int(m) <= 12:
            return f"{y}-{int(m):02d}"
        return f"{m} {y}".strip()
    return pd.Series([pair(y, m) for y, m in zip(years, months)], index=years.index, dtype=object)


TEMPLATE_NAMES = {"period": "periodo", "indicator": "indicador", "place": "ubigeo o distrito", "value": "valor",
                  "institution": "institucion"}


def _label(role: str, lang: str = "es") -> str:
    """A required column as a message names it: «periodo»; the place is «ubigeo o distrito» in Spanish and
    «ubigeo» or «distrito» in English (the headers stay Spanish: they are what the file must say)."""
    if role == "place" and lang == "en":
        return "«ubigeo» or «distrito»"
    return f"«{TEMPLATE_NAMES[role]}»"


def _plain_header(cells: pd.DataFrame) -> tuple[int, list[str], list[str]] | None:
    """(row, recognised headers, missing required roles) when the first filled row is plainly a header
    (three or more cells, all text, none a number or a date) that names too few known columns."""
    for row, line in cells.head(HEADER_SCAN_ROWS).iterrows():
        filled = [c for c in line if not _is_empty(c)]
        if not filled:
            continue
        texts = [c for c in filled if isinstance(c, str) and not re.fullmatch(r"[\d\s.,/:-]+", c.strip())]
        if len(filled) < 3 or len(texts) < len(filled):
            return None
        roles = {}
        for c in texts:
            role = header_role(c)
            if role is None and norm_header(c) in YEAR_HEADERS:
                role = "period"
            if role:
                roles.setdefault(role, c.strip())
        if not roles and not all(len(re.findall(r"[^\W\d_]", c)) >= 3 for c in texts):
            return None   # 'a,b,c': nothing says this is a header
        have = set(roles) | ({"place"} if {"ubigeo", "district"} & set(roles) else set())
        missing = [r for r in ("period", "indicator", "place", "value") if r not in have]
        return (int(row), list(roles.values()), missing) if missing else None
    return None


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.row is not None, p.row or 0))


def _header_is_hxl(grid: RawGrid, cmap: ColumnMap) -> bool:
    return any(isinstance(c, str) and c.strip().startswith("#") for c in grid.cells.loc[cmap.header_row])


def _uses_hxl(grid: RawGrid, cmap: ColumnMap) -> bool:
    return cmap.hxl_row is not None or _header_is_hxl(grid, cmap)


def _indicator_choices(catalog) -> dict[str, str]:
    choices = {}
    for code, row in catalog.indicators.iterrows():
        choices[fold(code.replace("_", " "))] = code
        for col in ("name_es", "name_en"):
            if row.get(col):
                choices[fold(row[col])] = code
    return choices


def _long_form(body: pd.DataFrame, cmap: ColumnMap, native: bool) -> pd.DataFrame:
    """One row per value: row number, raw cells per role, and the value's column name."""
    dtype = object if native else str

    def column(role):
        return body[cmap.roles[role]] if role in cmap.roles else pd.Series("", index=body.index, dtype=dtype)

    base = pd.DataFrame({"row": body.index}, index=body.index)
    for role in ("period", "institution", "ubigeo", "district", "sex", "age", "nationality", "note"):
        base[role] = column(role)
    if cmap.layout == "long":
        base["indicator"] = column("indicator")
        base["value"] = column("value")
        base["value_column"] = cmap.name("value")
        return base.reset_index(drop=True)
    parts = []
    for pos, code in cmap.indicator_columns.items():
        cells = body[pos]
        keep = ~cells.map(_is_empty) if native else cells.str.strip().ne("")
        part = base[keep].copy()
        part["indicator"] = code
        part["value"] = cells[keep]
        part["value_column"] = cmap.names[pos]
        parts.append(part)
    return pd.concat(parts).sort_values("row", kind="stable").reset_index(drop=True) if parts else \
        base.iloc[0:0].assign(indicator="", value="", value_column="")


def _check_period(rows: _Rows, out, cmap, locked_months, today) -> None:
    raw = rows.frame["period"]
    month, err = _map_unique(raw, parse_month)
    name = cmap.name("period")
    rows.flag(err.notna(), name, raw, err)
    current = month_of(today)
    future = month.notna() & (month > current)
    rows.flag(future, name, raw, both(f"Mes futuro: solo se aceptan meses hasta el actual ({current}). Revise la fecha.",
                                      f"Future month: only months up to the current one ({current}) are accepted. "
                                      f"Check the date."))
    locked = month.isin(set(locked_months))
    rows.flag(locked, name, raw, LOCKED_MESSAGE)
    out["period"] = month.where(~future & ~locked)


def _check_institution(rows: _Rows, out, cmap, catalog, institution) -> None:
    name = cmap.name("institution")
    if "institution" not in cmap.roles:
        out["institution"] = institution
        return
    raw = rows.frame["institution"]
    choices = {}
    for code, row in catalog.institutions.iterrows():
        choices[fold(code)] = code
        for col in ("name_es", "name_en"):
            if row.get(col):
                choices[fold(row[col])] = code
    choices.update(catalog.aliases)

    def resolve(cell):
        if _is_empty(cell):
            if institution:
                return institution, None
            return None, both("Falta la institución en esta fila.", "The institution is missing in this row.")
        code = catalog.resolve_institution(_text(cell))
        if code:
            return code, None
        close = suggest(_text(cell), choices)
        codes = ", ".join(catalog.institutions.index)
        return None, both(f"Institución desconocida.{did_you_mean(close)} Use el código del catálogo ({codes}).",
                          f"Unknown institution.{did_you_mean(close, 'en')} Use the catalog code ({codes}).")
    code, err = _map_unique(raw, resolve)
    rows.flag(err.notna(), name, raw, err)
    if institution:
        other = code.notna() & (code != institution)
        rows.flag(other, name, raw, code[other].map(lambda c: both(
            f"Su cuenta es de {institution}; este archivo trae datos de {c}. Solo puede subir datos de su "
            f"propia institución.",
            f"Your account belongs to {institution}; this file holds data of {c}. You can only upload data of "
            f"your own institution.")).reindex(code.index))
        code = code.where(~other)
    out["institution"] = code


def _check_indicator(rows: _Rows, out, cmap, indicators, choices) -> None:
    raw = rows.frame["indicator"]
    if cmap.layout == "wide":
        out["indicator"] = raw
        return

    def resolve(cell):
        text = _text(cell).strip()
        if not text:
            return None, both("Falta el indicador.", "The indicator is missing.")
        code = indicators.get(norm_header(text))
        if code:
            return code, None
        close = suggest(text, choices, n=2)
        return None, both(f"Indicador desconocido.{did_you_mean(close)} Use los códigos de la hoja "
                          f"«indicadores» de la plantilla.",
                          f"Unknown indicator.{did_you_mean(close, 'en')} Use the codes of the «indicadores» "
                          f"sheet of the template.")
    code, err = _map_unique(raw, resolve)
    rows.flag(err.notna(), cmap.name("indicator"), raw, err)
    out["indicator"] = code


def _region_words(territory) -> dict[str, str]:
    region = fold(territory.region_name)
    words = ["region", "regional", "total regional", "toda la region", "total region", "total",
             f"region {region}", f"{region} region", f"region de {region}", f"departamento de {region}",
             f"departamento {region}", f"total {region}", f"gobierno regional de {region}"]
    return {w: territory.region_ubigeo for w in words}


def _check_place(rows: _Rows, out, cmap, territory) -> None:
    codes = set(territory.district_codes)
    region = territory.region_ubigeo
    provinces = set(territory.provinces.index)
    region_words = _region_words(territory)
    names = {fold(n): code for code, n in territory.districts["name"].items()}
    ub_name, di_name = cmap.name("ubigeo"), cmap.name("district")
    listing = ", ".join(f"{c} ({territory.name(c)})" for c in territory.district_codes)

    # code_of and name_of give their problem as (Spanish, English): resolve adds to each side, then joins
    def code_of(cell):
        text = _text(cell).strip().lstrip("'")
        if text.endswith(".0") and text[:-2].isdigit():
            text = text[:-2]
        if not text:
            return None, None
        if text.isdigit() and len(text) in (1, 3, 5):
            text = text.zfill(len(text) + 1)
        if text in codes or text == region:
            return text, None
        if text in provinces:
            return None, (f"Este UBIGEO es de una provincia ({territory.name(text)}); use el del distrito o "
                          f"{region} para toda la región.",
                          f"This UBIGEO is a province's ({territory.name(text)}); use the district's code, or "
                          f"{region} for the whole region.")
        return None, (f"UBIGEO desconocido. Use el código de un distrito ({listing}) o {region} para toda la "
                      f"región.",
                      f"Unknown UBIGEO. Use the code of a district ({listing}) or {region} for the whole region.")

    def name_of(cell):
        text = fold(_text(cell))
        if not text:
            return None, None
        for prefix in ("distrito de ", "distrito "):
            if text.startswith(prefix):
                text = text[len(prefix):]
        code = names.get(text) or region_words.get(text) or territory.district_by_name(text)
        if code:
            return code, None
        close = suggest(text, {k: territory.name(v) for k, v in names.items()})
        return None, (f"Distrito desconocido.{did_you_mean(close)} Escriba el nombre de un distrito de "
                      f"{territory.region_name} o «Región {territory.region_name}» para toda la región.",
                      f"Unknown district.{did_you_mean(close, 'en')} Write the name of a district of "
                      f"{territory.region_name}, or «Región {territory.region_name}» for the whole region.")

    def resolve(pair):
        ub, di = pair.split("\x1f", 1)
        code, err = code_of(ub)
        by_name, name_err = name_of(di)
        if err:
            es, en = err
            if by_name:
                es += f" El distrito de esta fila, {territory.name(by_name)}, es {by_name}."
                en += f" The district of this row, {territory.name(by_name)}, is {by_name}."
            return None, ("ubigeo", both(es, en))
        written = inline(_text(di))
        if code and by_name and code != by_name:
            return None, ("ubigeo", both(
                f"El UBIGEO {code} ({territory.name(code)}) no corresponde al distrito «{written}» ({by_name}). "
                f"Corrija uno de los dos.",
                f"UBIGEO {code} ({territory.name(code)}) does not match the district «{written}» ({by_name}). "
                f"Correct one of the two."))
        if code and name_err:
            if suggest(_text(di), {fold(territory.name(code)): code}):
                return code, ("district-warning", both(
                    f"Nombre de distrito no reconocido; se usó el UBIGEO {code} ({territory.name(code)}).",
                    f"District name not recognised; UBIGEO {code} ({territory.name(code)}) was used."))
            return None, ("district", both(
                f"El distrito «{written}» no corresponde al UBIGEO {code} ({territory.name(code)}). Corrija uno "
                f"de los dos.",
                f"The district «{written}» does not match UBIGEO {code} ({territory.name(code)}). Correct one "
                f"of the two."))
        if code or by_name:
            return code or by_name, None
        if name_err:
            return None, ("district", both(*name_err))
        return None, ("ubigeo" if ub_name else "district", both(
            f"Falta el distrito (UBIGEO o nombre). Use {region} para toda la región.",
            f"The district is missing (UBIGEO or name). Use {region} for the whole region."))

    pairs = rows.frame["ubigeo"].astype(str) + "\x1f" + rows.frame["district"].astype(str)
    code, err = _map_unique(pairs, resolve)
    has_err = err.notna()
    kind = pd.Series(None, index=err.index, dtype=object)
    msg = pd.Series(None, index=err.index, dtype=object)
    if has_err.any():
        kind[has_err] = err[has_err].map(lambda e: e[0])
        msg[has_err] = err[has_err].map(lambda e: e[1])
    ub_raw, di_raw = rows.frame["ubigeo"], rows.frame["district"]
    if kind.eq("ubigeo").any():
        shown = ub_raw.where(ub_raw.map(_text).ne(""), di_raw)
        rows.flag(kind.eq("ubigeo"), ub_name or di_name, shown, msg)
    rows.flag(kind.eq("district"), di_name or ub_name, di_raw, msg)
    rows.flag(kind.eq("district-warning"), di_name, di_raw, msg, level="warning")
    out["ubigeo"] = code


def _check_categories(rows: _Rows, out, cmap) -> None:
    for role, parse, allowed in (("sex", parse_sex, SEXES), ("age", parse_age, AGES)):
        raw = rows.frame[role]
        label = "Sexo" if role == "sex" else "Grupo de edad"
        english = "Sex" if role == "sex" else "Age group"

        def resolve(cell, parse=parse, label=label, allowed=allowed, english=english):
            found = parse(_text(cell))
            if found:
                return found, None
            return None, both(f"{label} no reconocido. Valores aceptados: {', '.join(allowed)}.",
                              f"{english} not recognised. Accepted values: {', '.join(allowed)}.")
        value, err = _map_unique(raw, resolve)
        rows.flag(err.notna(), cmap.name(role), raw, err)
        out[role] = value

    raw = rows.frame["nationality"]
    text = (raw.map(_text) if raw.dtype == object else raw).astype(str).str.strip()
    is_total = text.eq("") | text.str.lower().isin(TOTAL_WORDS)
    # a code, not free text: one word of letters, digits, '_', '-' or '+' (VEN, PER, venezolana, otra)
    distinct = pd.Series(text[~is_total].unique(), dtype=object)
    good = set(distinct[distinct.str.fullmatch(NATIONALITY_CODE)]) if not distinct.empty else set()
    wrong = ~is_total & ~text.isin(good)
    rows.flag(wrong, cmap.name("nationality"), raw, both(
        "Nacionalidad no reconocida: escriba un código sin espacios (por ejemplo VEN, PER, COL, otra) o total; "
        "aquí no cabe texto libre.",
        "Nationality not recognised: write a code without spaces (for example VEN, PER, COL, otra) or total; "
        "free text is not accepted here."))
    out["nationality"] = text.where(~is_total, "total").where(~wrong).astype(object)


def _check_note(rows: _Rows, cmap) -> None:
    """Control characters (a NUL byte above all) cannot be stored: refused here, with the row."""
    raw = rows.frame["note"]
    text = raw.map(_text).astype(str) if raw.dtype == object else raw.astype(str)
    bad = text.str.contains(CONTROL_CHARACTERS, regex=True)
    rows.flag(bad, cmap.name("note"), raw.map(lambda v: CONTROL_CHARACTERS.sub("", _text(v))), both(
        "La nota tiene caracteres de control invisibles (por ejemplo un byte nulo); bórrelos o escriba la nota "
        "de nuevo.",
        "The note holds invisible control characters (for example a null byte); delete them or write the note "
        "again."))


def _check_value(rows: _Rows, out, cmap, grid: RawGrid, detected: dict) -> Problem | None:
    frame = rows.frame
    raw = frame["value"]
    column = frame["value_column"]
    value = pd.Series(float("nan"), index=frame.index)
    if grid.native_numbers:
        native = raw.map(lambda c: isinstance(c, (int, float)) and not isinstance(c, bool))
        value.loc[native[native].index] = raw[native].astype(float).to_numpy()
    else:
        native = pd.Series(False, index=frame.index)
    empty = raw.map(_is_empty) if grid.native_numbers else raw.astype(str).str.strip().eq("")
    is_text = ~native & ~empty
    unsigned, negative = clean_numbers(raw[is_text].astype(str))
    kinds = number_kinds(unsigned)
    decimal, problem = decide_decimal(kinds, detected.get("separator"))
    detected["decimal"] = decimal
    file_problem = None
    undecided = pd.Series(False, index=frame.index)
    if problem:
        risky = kinds.isin(["dot", "comma", "amb_dot", "amb_comma"])
        examples = frame.loc[risky[risky].index, "row"].head(5).tolist()
        example = unsigned[risky].iloc[0] if risky.any() else ""
        if problem == "ambiguous":
            es, en = (side.format(example=example) for side in AMBIGUOUS_HELP)
        else:
            es, en = one_language(problem, "es"), one_language(problem, "en")
        if examples:
            listed = ", ".join(map(str, examples))
            es, en = f"{es} (filas {listed}…)", f"{en} (rows {listed}…)"
        # ``risky`` covers the text cells only (not the empty ones): the first risky row by its label
        first_column = column.loc[risky[risky].index[0]] if risky.any() else ""
        file_problem = Problem(None, first_column, example, both(es, en))
        undecided = risky.reindex(frame.index, fill_value=False)
        parsed = parse_numbers(unsigned.where(~risky, ""), None)
    else:
        parsed = parse_numbers(unsigned, decimal)
    value.loc[parsed.index] = parsed.to_numpy()
    negative = negative.reindex(frame.index, fill_value=False)
    not_number = is_text & value.isna() & ~undecided
    rows.bad |= undecided
    rows.flag(empty, column, raw, both("Falta el valor: escriba un número (0 si no hubo casos).",
                                       "The value is missing: write a number (0 if there were no cases)."))
    not_a_number = both(f"No es un número. {NUMBER_HELP[0]}", f"This is not a number. {NUMBER_HELP[1]}")
    rows.flag(not_number, column, raw, not_a_number)
    bad_native = native & ~(value.abs() < float("inf"))
    rows.flag(bad_native, column, raw, not_a_number)
    neg = (negative & value.notna()) | (native & (value < 0))
    rows.flag(neg, column, raw, both("Valor negativo: los conteos no pueden ser menores que 0.",
                                     "Negative value: counts cannot be less than 0."))
    out["value"] = value.where(~neg & ~bad_native & ~empty)
    return file_problem


def _check_duplicates(rows: _Rows, out, key_ok, cmap) -> None:
    keyed = out.loc[key_ok, KEY].copy()
    if keyed.empty:
        return
    keyed["row"] = rows.frame.loc[keyed.index, "row"]
    dup = keyed.duplicated(KEY, keep=False)
    if not dup.any():
        return
    first = keyed[dup].groupby(KEY, sort=False)["row"].transform("min")
    later = first[keyed.loc[first.index, "row"] != first]
    mask = pd.Series(False, index=rows.frame.index)
    mask[later.index] = True
    message = pd.Series("", index=rows.frame.index, dtype=object)
    message[later.index] = [both(
        f"Dato repetido: las filas {f} y {r} tienen el mismo periodo, institución, indicador, lugar, sexo, edad y "
        f"nacionalidad. Deje una sola.",
        f"Repeated figure: rows {f} and {r} have the same period, institution, indicator, place, sex, age and "
        f"nationality. Keep only one.")
        for f, r in zip(later, keyed.loc[later.index, "row"])]
    rows.flag(mask, rows.frame["value_column"], rows.frame["value"], message)


def history_scope(values: pd.DataFrame, months_before: int = OUTLIER_WINDOW) -> Scope:
    """What the history checks of ``values`` (KEY columns) look at: their institutions and indicators, in their
    own months (the preview's baseline) and the ``months_before`` months before each (the outlier check's
    window, catalog setting ``outlier_history_months``)."""
    own = {str(m) for m in values["period"].unique() if re.fullmatch(r"\d{4}-\d{2}", str(m))}
    months = set(own)
    for month in own:
        months.update(add_months(month, -k) for k in range(1, months_before + 1))
    return Scope(frozenset(months), frozenset(values["institution"].astype(str).unique()),
                 frozenset(values["indicator"].astype(str).unique()))


def _history_warnings(valid: pd.DataFrame, history: pd.DataFrame | None, *, factor: float = OUTLIER_FACTOR,
                      history_months: int = OUTLIER_WINDOW, min_months: int = OUTLIER_MIN_MONTHS) -> list[Problem]:
    if history is None or len(history) == 0 or not set(KEY + ["value"]) <= set(history.columns):
        return []
    group = [k for k in KEY if k != "period"]
    h = history[history["institution"].isin(valid["institution"].unique())
                & history["indicator"].isin(valid["indicator"].unique())]
    h = h[h["period"].astype(str).str.fullmatch(r"\d{4}-\d{2}")]
    if h.empty:
        return []
    h = h[group + ["period", "value"]].assign(m_h=month_index(h["period"].astype(str)),
                                             value_h=pd.to_numeric(h["value"], errors="coerce"))
    h = h.drop(columns=["period", "value"])
    v = valid[group + ["period", "value", "row"]].assign(m=month_index(valid["period"]))
    joined = v.merge(h, on=group, how="inner")
    joined = joined[(joined["m_h"] < joined["m"]) & (joined["m_h"] >= joined["m"] - history_months)]
    if joined.empty:
        return []
    stats = joined.groupby("row").agg(median=("value_h", "median"), months=("m_h", "nunique"),
                                      value=("value", "first"))
    stats = stats[(stats["months"] >= min_months) & (stats["median"] > 0)]
    odd = stats[(stats["value"] > factor * stats["median"])
                | (stats["value"] < stats["median"] / factor)]
    names = valid.set_index("row")["value_column"]
    out = []
    for row, s in odd.iterrows():
        out.append(Problem(int(row), str(names.get(row, "")), f"{s['value']:g}", both(
            f"Valor muy distinto de lo habitual: la mediana de sus últimos {history_months} meses para este "
            f"indicador y lugar es {s['median']:g}. Revíselo; si es correcto, puede subirlo igual.",
            f"Value very different from the usual: the median of your last {history_months} months for this "
            f"indicator and place is {s['median']:g}. Check it; if it is correct, you can upload it anyway."),
            "warning"))
    return out


def _total_warnings(valid: pd.DataFrame, cmap: ColumnMap, already_said: set[tuple] = frozenset()) -> list[Problem]:
    base = ["institution", "indicator", "ubigeo", "period"]
    checks = (("sex", ("age", "nationality"), {"mujer", "hombre"}, ("sexo", "sex")),
              ("age", ("sex", "nationality"), {"0-17", "18-59", "60+"}, ("edad", "age")),
              ("nationality", ("sex", "age"), None, ("nacionalidad", "nationality")))
    out = []
    for dim, others, closed, (label, label_en) in checks:
        sub = valid[(valid[list(others)] == "total").all(axis=1)]
        totals = sub[sub[dim] == "total"]
        parts = sub[sub[dim] != "total"]
        if totals.empty or parts.empty:
            continue
        agg = parts.groupby(base).agg(parts_sum=("value", "sum"), n=(dim, "nunique")).reset_index()
        merged = totals.merge(agg, on=base)
        tol = 1e-6 * merged["value"].abs().clip(lower=1)
        over = merged["parts_sum"] > merged["value"] + tol
        complete = (merged["n"] == len(closed)) & ((merged["parts_sum"] - merged["value"]).abs() > tol) \
            if closed else pd.Series(False, index=merged.index)
        for _, r in merged[over | complete].iterrows():
            if tuple(str(r[k]) for k in base) + (dim,) in already_said:
                continue
            out.append(Problem(int(r["row"]), cmap.name(dim) or cmap.name("value"), f"{r['value']:g}", both(
                f"El total ({r['value']:g}) no coincide con la suma de sus partes por {label} "
                f"({r['parts_sum']:g}); se usará el total.",
                f"The total ({r['value']:g}) does not match the sum of its parts by {label_en} "
                f"({r['parts_sum']:g}); the total will be used."), "warning"))
    return out
