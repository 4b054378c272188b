"""Checks between indicators (``rules.csv``): left side, operator, right side, level and scope.

A side is a sum of terms joined by ``+``. A term is an indicator code, optionally narrowed to one part
(``afiliados_sis[sex=mujer]``); without a part it means the total row. ``*`` stands for every indicator,
so ``*[sex=mujer] + *[sex=hombre] <= *[sex=total]`` checks the sex parts of each indicator.
Scope ``institucion`` compares figures of one institution's report (per district and month);
``entre_instituciones`` compares the district's figures summed over institutions.
A side with no figure at all is not checked (nothing to compare), a missing term inside a side counts 0.
"""
from __future__ import annotations

import operator as op
import re
from dataclasses import dataclass

import pandas as pd

from ..i18n import both

OPERATORS = {"<=": op.le, "<": op.lt, "=": op.eq, ">=": op.ge, ">": op.gt}
LEVELS = ("error", "warning")
SCOPES = ("institucion", "entre_instituciones")
PART_DIMENSIONS = {"sex": ("mujer", "hombre", "total"), "age": ("0-17", "18-59", "60+", "total")}
RULE_COLUMNS = ["code", "left", "operator", "right", "level", "scope", "message_es", "message_en"]
FAILURE_COLUMNS = ["rule", "level", "institution", "ubigeo", "period", "indicator", "left_value",
                   "right_value", "message_es", "message_en"]
_TERM = re.compile(r"^(?P<indicator>\*|[a-z0-9_]+)(?:\[(?P<dim>[a-z]+)=(?P<value>[^\]]+)\])?$")
WILDCARD = "*"


@dataclass(frozen=True)
class Term:
    indicator: str               # a code, or "*" for each indicator in turn
    part: tuple[str, str] | None  # (dimension, value), None = the total row


def parse_side(text: str) -> list[Term]:
    """'a + b[sex=mujer]' -> [Term('a', None), Term('b', ('sex', 'mujer'))]; ValueError naming the bad term."""
    terms = []
    for raw in str(text).split("+"):
        match = _TERM.match(raw.strip())
        if not match:
            raise ValueError(raw.strip())
        part = (match["dim"], match["value"].strip()) if match["dim"] else None
        terms.append(Term(match["indicator"], None if part == ("sex", "total") or part == ("age", "total")
                          else part))
    return terms


def check_rules(frame: pd.DataFrame, indicator_codes: set[str]) -> list[str]:
    """Every problem of a rules table (empty list: fine)."""
    name = "rules.csv"
    missing = [c for c in RULE_COLUMNS if c not in frame.columns]
    if missing:
        return [both(f"{name}: faltan columnas {missing}", f"{name}: missing columns {missing}")]
    problems = []
    dup = frame["code"][frame["code"].duplicated()].tolist()
    if dup:
        problems.append(both(f"{name}: códigos repetidos {dup}", f"{name}: duplicate codes {dup}"))
    for number, row in enumerate(frame.itertuples(), start=2):
        where_es = f"{name}, fila {number} ({row.code or 'sin código'})"
        where_en = f"{name}, row {number} ({row.code or 'no code'})"
        for col in ("code", "left", "right", "message_es", "message_en"):
            if not getattr(row, col):
                problems.append(both(f"{where_es}: falta {col}", f"{where_en}: {col} is empty"))
        if row.operator not in OPERATORS:
            problems.append(both(f"{where_es}: operador '{row.operator}' no es uno de {list(OPERATORS)}",
                                 f"{where_en}: operator '{row.operator}' is not one of {list(OPERATORS)}"))
        if row.level not in LEVELS:
            problems.append(both(f"{where_es}: level '{row.level}' no es uno de {list(LEVELS)}",
                                 f"{where_en}: level '{row.level}' is not one of {list(LEVELS)}"))
        if row.scope not in SCOPES:
            problems.append(both(f"{where_es}: scope '{row.scope}' no es uno de {list(SCOPES)}",
                                 f"{where_en}: scope '{row.scope}' is not one of {list(SCOPES)}"))
        wildcards = []
        for side in ("left", "right"):
            try:
                terms = parse_side(getattr(row, side)) if getattr(row, side) else []
            except ValueError as exc:
                problems.append(both(
                    f"{where_es}: {side}: término inválido '{exc}' (indicador, indicador[sex=mujer], *)",
                    f"{where_en}: {side}: invalid term '{exc}' (indicator, indicator[sex=mujer], *)"))
                continue
            for term in terms:
                if term.indicator != WILDCARD and term.indicator not in indicator_codes:
                    problems.append(both(f"{where_es}: {side}: indicador desconocido '{term.indicator}'",
                                         f"{where_en}: {side}: unknown indicator '{term.indicator}'"))
                if term.part and (term.part[0] not in PART_DIMENSIONS
                                  or term.part[1] not in PART_DIMENSIONS[term.part[0]]):
                    part = f"{term.part[0]}={term.part[1]}"
                    problems.append(both(f"{where_es}: {side}: parte desconocida '{part}' ({PART_DIMENSIONS})",
                                         f"{where_en}: {side}: unknown part '{part}' ({PART_DIMENSIONS})"))
                wildcards.append(term.indicator == WILDCARD)
        if wildcards and any(wildcards) and not all(wildcards):
            problems.append(both(f"{where_es}: '*' va en todos los términos o en ninguno",
                                 f"{where_en}: '*' goes in every term or none"))
    return problems


def _side_value(figures: pd.DataFrame, terms: list[Term], indicator: str | None) -> pd.Series:
    """Sum of a side's terms per group (index: group keys); groups where no term has a figure are absent."""
    parts = []
    for term in terms:
        code = indicator if term.indicator == WILDCARD else term.indicator
        mask = figures["indicator"].eq(code)
        for dim, values in PART_DIMENSIONS.items():
            wanted = term.part[1] if term.part and term.part[0] == dim else "total"
            mask &= figures[dim].eq(wanted)
        parts.append(figures.loc[mask].groupby(level=0)["value"].sum())
    joined = pd.concat(parts, axis=1)
    return joined.sum(axis=1, min_count=1).dropna()


def evaluate(rules: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Every rule that fails on ``rows`` (institution, indicator, ubigeo, period, sex, age, value[, nationality]).

    One failure per rule × group (institution × district × month, or district × month across
    institutions) × indicator for '*' rules. Only nationality 'total' rows (or rows without it) take part.
    """
    failures = []
    figures = rows.copy()
    if "nationality" in figures:
        figures = figures[figures["nationality"].fillna("total").eq("total")]
    figures["value"] = pd.to_numeric(figures["value"], errors="coerce")
    figures = figures.dropna(subset=["value"])
    if figures.empty:
        return pd.DataFrame(columns=FAILURE_COLUMNS)
    for rule in rules.itertuples():
        keys = ["institution", "ubigeo", "period"] if rule.scope == "institucion" else ["ubigeo", "period"]
        left_terms, right_terms = parse_side(rule.left), parse_side(rule.right)
        grouped = figures.set_index(pd.Index(["|".join(k) for k in figures[keys].astype(str).itertuples(index=False)]))
        indicators = sorted(figures["indicator"].unique()) if left_terms[0].indicator == WILDCARD else [None]
        for indicator in indicators:
            left = _side_value(grouped, left_terms, indicator)
            right = _side_value(grouped, right_terms, indicator)
            both = pd.concat({"left": left, "right": right}, axis=1).dropna()
            bad = both[~OPERATORS[rule.operator](both["left"], both["right"])]
            for group, values in bad.iterrows():
                where = dict(zip(keys, group.split("|")))
                failures.append({"rule": rule.code, "level": rule.level,
                                 "institution": where.get("institution", ""), "ubigeo": where["ubigeo"],
                                 "period": where["period"], "indicator": indicator or rule.left,
                                 "left_value": values["left"], "right_value": values["right"],
                                 "message_es": rule.message_es, "message_en": rule.message_en})
    return pd.DataFrame(failures, columns=FAILURE_COLUMNS)
