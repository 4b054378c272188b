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
        return [f"{name}: faltan columnas {missing} / missing columns"]
    problems = []
    dup = frame["code"][frame["code"].duplicated()].tolist()
    if dup:
        problems.append(f"{name}: códigos repetidos / duplicate codes {dup}")
    for number, row in enumerate(frame.itertuples(), start=2):
        where = f"{name}, fila / row {number} ({row.code or 'sin código / no code'})"
        for col in ("code", "left", "right", "message_es", "message_en"):
            if not getattr(row, col):
                problems.append(f"{where}: falta {col} / {col} is empty")
        if row.operator not in OPERATORS:
            problems.append(f"{where}: operador '{row.operator}' no es / is not one of {list(OPERATORS)}")
        if row.level not in LEVELS:
            problems.append(f"{where}: level '{row.level}' no es / is not one of {list(LEVELS)}")
        if row.scope not in SCOPES:
            problems.append(f"{where}: scope '{row.scope}' no es / is not one of {list(SCOPES)}")
        wildcards = []
        for side in ("left", "right"):
            try:
                terms = parse_side(getattr(row, side)) if getattr(row, side) else []
            except ValueError as exc:
                problems.append(f"{where}: {side}: término inválido / invalid term '{exc}' "
                                f"(indicador, indicador[sex=mujer], *)")
                continue
            for term in terms:
                if term.indicator != WILDCARD and term.indicator not in indicator_codes:
                    problems.append(f"{where}: {side}: indicador desconocido / unknown indicator '{term.indicator}'")
                if term.part and (term.part[0] not in PART_DIMENSIONS
                                  or term.part[1] not in PART_DIMENSIONS[term.part[0]]):
                    problems.append(f"{where}: {side}: parte desconocida / unknown part "
                                    f"'{term.part[0]}={term.part[1]}' ({PART_DIMENSIONS})")
                wildcards.append(term.indicator == WILDCARD)
        if wildcards and any(wildcards) and not all(wildcards):
            problems.append(f"{where}: '*' va en todos los términos o en ninguno / '*' goes in every term or none")
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
