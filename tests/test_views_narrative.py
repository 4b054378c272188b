"""Change narrative: classification of changes and the exact sentences, in Spanish and English."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gapsmodel.views import narrative
from gapsmodel.i18n import Translator


def gap_rows(*rows) -> pd.DataFrame:
    """rows: (gap_code, ubigeo, need, supply, severity)."""
    out = []
    for gap, ubigeo, need, supply, severity in rows:
        level = "region" if ubigeo == "24" else "district"
        cov = supply / need if need else np.nan
        sector = {"camas_albergue": "alojamiento", "cobertura_sis": "salud", "atencion_vbg": "vbg",
                  "canales_atencion": "vbg"}[gap]
        out.append(dict(gap_code=gap, sector=sector, period="2023-05", ubigeo=ubigeo, level=level, need=need,
                        supply=supply, coverage=cov, unmet=max(need - supply, 0), gap_share=max(need - supply, 0) / need,
                        severity=severity))
    return pd.DataFrame(out)


BEFORE = gap_rows(("camas_albergue", "240302", 240, 200, "adecuada"),
                  ("camas_albergue", "24", 400, 300, "moderada"),
                  ("cobertura_sis", "24", 10000, 3500, "alta"),
                  ("atencion_vbg", "24", 80, 40, "moderada"))
NOW = gap_rows(("camas_albergue", "240302", 270, 200, "moderada"),
               ("camas_albergue", "24", 420, 120, "critica"),
               ("cobertura_sis", "24", 10000, 3800, "alta"),
               ("atencion_vbg", "24", 80, 60, "moderada"))


def test_changes_classify_each_gap_and_place():
    frame = narrative.changes(NOW, BEFORE).set_index(["gap_code", "ubigeo"])
    assert frame.loc[("camas_albergue", "24"), "change"] == "became_critical"
    assert frame.loc[("camas_albergue", "240302"), "change"] == "worsened"      # severity fell a step
    assert frame.loc[("cobertura_sis", "24"), "change"] == "stable"             # +3 pp: below the 5 pp step
    assert frame.loc[("atencion_vbg", "24"), "change"] == "improved"            # +25 pp, same severity
    assert frame.loc[("camas_albergue", "240302"), "delta_unmet"] == 30
    assert set(narrative.changes(NOW, None)["change"]) == {""}


def test_changes_with_missing_data():
    before = gap_rows(("cobertura_sis", "24", 10000, 3500, "alta"))
    now = gap_rows(("cobertura_sis", "24", 10000, 3800, "alta"), ("camas_albergue", "24", 400, 300, "moderada"))
    now.loc[0, ["coverage", "supply", "unmet"]] = np.nan
    now.loc[0, "severity"] = "sin_datos"
    frame = narrative.changes(now, before).set_index("gap_code")
    assert frame.loc["cobertura_sis", "change"] == "lost_data"
    assert frame.loc["camas_albergue", "change"] == "new_data"


@pytest.mark.parametrize("value, rounded", [(0.4, 0), (40, 40), (67.5, 68), (347, 350), (1234, 1200),
                                            (12345, 12000), (99.6, 100)])
def test_round_figure(value, rounded):
    assert narrative.round_figure(value) == rounded


def test_key_sentences_in_spanish(catalog, territory):
    frame = narrative.changes(NOW, BEFORE)
    sentences = narrative.key_sentences(frame, catalog, territory, Translator("es"), completeness=0.8,
                                        completeness_before=0.75)
    assert sentences == [
        "1 de 3 brechas regionales está en situación crítica.",
        "Camas de albergue en la región Tumbes pasó a situación crítica: la cobertura bajó de 75 % a 29 %.",
        "La brecha de camas de albergue en Aguas Verdes creció de 40 a 70 camas desde la sesión anterior.",
        "La brecha de atención de casos de VBG en la región Tumbes se redujo de 40 a 20 casos desde la sesión "
        "anterior.",
        "Se recibió el 80 % de los reportes esperados (antes 75 %).",
    ]


def test_key_sentences_in_english(catalog, territory):
    frame = narrative.changes(NOW, BEFORE)
    sentences = narrative.key_sentences(frame, catalog, territory, Translator("en"))
    assert sentences[2] == ("The gap in shelter beds in Aguas Verdes grew from 40 to 70 beds since the previous "
                            "session.")
    assert sentences[1] == "Shelter beds in the Tumbes region became critical: coverage fell from 75 % to 29 %."
    assert sentences[0] == "1 of 3 regional gaps is critical."        # the plural rule: one, then several
    two = narrative.changes(NOW.assign(severity="critica"), BEFORE)
    assert narrative.key_sentences(two, catalog, territory, Translator("en"))[0] == "3 of 3 regional gaps are critical."


def test_first_session_and_sector_sentences(catalog, territory):
    t = Translator("es")
    first = narrative.changes(NOW, None)
    assert narrative.key_sentences(first, catalog, territory, t, completeness=0.5) == [
        "1 de 3 brechas regionales está en situación crítica.",
        "Es la primera sesión registrada: no hay una sesión anterior con la cual comparar.",
        "Se recibió el 50 % de los reportes esperados.",
    ]
    assert narrative.sector_sentences(first, "salud", catalog, territory, t) == [
        "Cobertura del SIS en la región Tumbes: la cobertura llegó a 38 %."]
    frame = narrative.changes(NOW, BEFORE)
    assert narrative.sector_sentences(frame, "salud", catalog, territory, t) == [
        "Cobertura del SIS en la región Tumbes: la cobertura llegó a 38 % (35 % en la sesión anterior)."]
    en = narrative.sector_sentences(frame, "salud", catalog, territory, Translator("en"))
    assert en[0].startswith("SIS health insurance coverage in the Tumbes region: coverage reached 38")


def test_masked_figures_are_never_put_into_a_sentence(catalog, territory):
    now = NOW.copy()
    now.loc[now["ubigeo"].eq("240302"), ["need", "supply", "unmet", "coverage"]] = np.nan
    now["unmet_suppressed"] = now["ubigeo"].eq("240302")
    frame = narrative.changes(now, BEFORE)
    assert "unmet_now_suppressed" in frame
    text = " ".join(narrative.key_sentences(frame, catalog, territory, Translator("es")))
    assert "Aguas Verdes" not in text


def test_a_severity_without_coverage_is_written_in_lower_case_inside_the_sentence(catalog, territory):
    withheld = gap_rows(("atencion_vbg", "24", 80, 60, "indeterminada")).assign(coverage=np.nan)
    frame = narrative.changes(withheld, None)
    assert narrative.sector_sentences(frame, "vbg", catalog, territory, Translator("es")) == [
        "Atención de casos de VBG en la región Tumbes: severidad no determinable."]
    en = narrative.sector_sentences(frame, "vbg", catalog, territory, Translator("en"))
    assert en[0].endswith(": severity undetermined.")


def test_gaps_of_a_sector_with_the_same_severity_and_no_figure_are_said_in_one_sentence(catalog, territory):
    """A slide title said "…: severidad no determinable. …: severidad no determinable." for the two GBV gaps."""
    gbv = [g for g in catalog.gaps.index if catalog.gaps.at[g, "sector"] == "vbg"]
    assert len(gbv) == 2
    withheld = gap_rows(*[(g, "24", 80, 60, "indeterminada") for g in gbv]).assign(coverage=np.nan)
    frame = narrative.changes(withheld, None)
    first, second = (catalog.label("gaps", g, "es") for g in sorted(gbv))
    assert narrative.sector_sentences(frame, "vbg", catalog, territory, Translator("es")) == [
        f"{first} y {narrative.lower_first(second)} en la región Tumbes: severidad no determinable."]
    en = narrative.sector_sentences(frame, "vbg", catalog, territory, Translator("en"))
    assert len(en) == 1 and " and " in en[0] and en[0].endswith(": severity undetermined.")

def test_an_unchanged_coverage_says_it_stayed_rather_than_before_and_now_alike(catalog, territory):
    frame = narrative.changes(NOW, NOW)
    assert narrative.sector_sentences(frame, "salud", catalog, territory, Translator("es")) == [
        "Cobertura del SIS en la región Tumbes: la cobertura sigue en 38 %, como en la sesión anterior."]


def test_a_published_range_is_never_spoken_as_its_midpoint(catalog, territory):
    """A protected gap's public unmet is a range (need and supply published as <5 or rounded); its midpoint
    is nobody's figure, so the sentence does not say "grew from 0 to 5 cases"."""
    before = gap_rows(("atencion_vbg", "240302", 10, 10, "adecuada")).assign(unmet_min=0.0, unmet_max=0.0)
    now = gap_rows(("atencion_vbg", "240302", 10, 5, "critica")).assign(
        severity="alta", coverage=0.5, unmet=5.0, unmet_min=0.0, unmet_max=10.0)
    frame = narrative.changes(now, before)
    assert frame.loc[0, "change"] == "worsened" and frame.loc[0, "unmet_now_max"] == 10
    said = " ".join(narrative.key_sentences(frame, catalog, territory, Translator("es")))
    assert "creció de 0 a 5" not in said and "0 a 5 casos" not in said
    assert "cobertura bajó de 100 % a 50 %" in said.replace("\u00a0", " ")
    exact = narrative.changes(now.assign(unmet_min=5.0, unmet_max=5.0), before)
    said = " ".join(narrative.key_sentences(exact, catalog, territory, Translator("es")))
    assert "creció de 0 a 5 casos" in said
