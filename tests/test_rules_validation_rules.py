"""Checks between indicators: rules.csv loads with the catalog, a wrong file is refused with every problem,
and evaluation finds exactly the hand-computed failures."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from gapsmodel.rules.catalog import DEFAULT_DIR, CatalogError, load_catalog
from gapsmodel.rules.validation_rules import RULE_COLUMNS, evaluate, parse_side, Term


def rules(*rows) -> pd.DataFrame:
    return pd.DataFrame([dict(zip(RULE_COLUMNS, r)) for r in rows], columns=RULE_COLUMNS)


def figures(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["institution", "indicator", "ubigeo", "period", "sex", "age", "value"])


def test_shipped_rules_load_with_the_catalog():
    catalog = load_catalog()
    assert {"trata_atendidas_identificadas", "vbg_atendidos_reportados", "nna_medida_no_acompanados",
            "matriculados_edad_escolar", "partes_sexo_total"} <= set(catalog.rules["code"])


def test_a_side_is_a_sum_of_terms_with_optional_parts():
    assert parse_side("a + b[sex=mujer]") == [Term("a", None), Term("b", ("sex", "mujer"))]
    assert parse_side("*[sex=total]") == [Term("*", None)]
    with pytest.raises(ValueError):
        parse_side("a - b")


def test_a_wrong_rules_file_is_refused_with_every_problem(tmp_path):
    for path in DEFAULT_DIR.glob("*.*"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "rules.csv").write_text(
        "code,left,operator,right,level,scope,message_es,message_en\n"
        "r1,victimas_trata_atendidas,=<,victimas_trata_identificadas,error,institucion,m,m\n"
        "r1,no_such_indicator,<=,casos_vbg_reportados,fatal,everywhere,m,m\n"
        "r3,*[sex=otro],<=,afiliados_sis,warning,institucion,,m\n", "utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    text = "\n".join(caught.value.problems)
    for expected in ["códigos repetidos", "operador '=<'", "unknown indicator 'no_such_indicator'",
                     "level 'fatal'", "scope 'everywhere'", "unknown part 'sex=otro'", "falta message_es",
                     "'*' va en todos los términos"]:
        assert expected in text
    assert len(caught.value.problems) == 8


def test_within_an_institution_attended_above_identified_fails_once():
    found = evaluate(rules(("r", "atendidas", "<=", "identificadas", "error", "institucion", "es", "en")), figures(
        ("A", "identificadas", "240101", "2024-06", "total", "total", 10),
        ("A", "atendidas", "240101", "2024-06", "total", "total", 12),     # 12 > 10: fails
        ("A", "identificadas", "240102", "2024-06", "total", "total", 5),
        ("A", "atendidas", "240102", "2024-06", "total", "total", 5),      # equal: fine
        ("B", "atendidas", "240101", "2024-06", "total", "total", 99),     # B has no right side: not checked
    ))
    assert found[["institution", "ubigeo", "left_value", "right_value"]].values.tolist() == [["A", "240101", 12, 10]]


def test_across_institutions_the_district_sums_are_compared():
    rule = rules(("r", "matriculados", "<=", "edad_escolar", "warning", "entre_instituciones", "es", "en"))
    rows = figures(("A", "matriculados", "240101", "2024-06", "total", "total", 30),
                   ("B", "matriculados", "240101", "2024-06", "total", "total", 25),
                   ("C", "edad_escolar", "240101", "2024-06", "total", "total", 50))
    found = evaluate(rule, rows)
    assert found[["institution", "left_value", "right_value", "level"]].values.tolist() == [["", 55, 50, "warning"]]


def test_sex_parts_above_the_total_fail_per_indicator():
    rule = rules(("p", "*[sex=mujer] + *[sex=hombre]", "<=", "*[sex=total]", "error", "institucion", "es", "en"))
    rows = figures(("A", "x", "240101", "2024-06", "mujer", "total", 6),
                   ("A", "x", "240101", "2024-06", "hombre", "total", 5),
                   ("A", "x", "240101", "2024-06", "total", "total", 10),    # 6 + 5 = 11 > 10
                   ("A", "y", "240101", "2024-06", "mujer", "total", 3),
                   ("A", "y", "240101", "2024-06", "total", "total", 10))    # 3 <= 10
    found = evaluate(rule, rows)
    assert found[["indicator", "left_value", "right_value"]].values.tolist() == [["x", 11, 10]]
