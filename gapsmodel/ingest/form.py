"""The monthly form: a partner's obligations as a grid to fill, and the filled grid as an upload file.

The form has no validator of its own: :func:`form_to_csv` writes the canonical long format of
DOMAIN.md §6 and the page hands those bytes to :func:`read_upload`, so a figure typed in the form meets
exactly the checks, preview and batch of a file.
"""
from __future__ import annotations

import io

import pandas as pd

from ..rules.periods import add_months

#: Columns of the form grid (``value`` is what the partner types; ``last_value`` is shown beside it).
FORM_COLUMNS = ["indicator", "ubigeo", "sex", "age", "last_value", "value"]
FORM_FILENAME = "formulario.csv"


def _region_code(catalog) -> str:
    return str(catalog.settings.get("region", {}).get("ubigeo", ""))


def form_grid(catalog, institution: str, month: str, history: pd.DataFrame | None) -> pd.DataFrame:
    """One row per indicator the institution must report × district it reports, for ``month``.

    Districts are those where the institution reported the indicator before (the whole region when it
    never did); sex/age parts get their own rows only where the institution reported them before.
    ``last_value`` is the figure of the month before, empty when there was none.
    """
    owed = catalog.obligations.loc[catalog.obligations["institution"].eq(institution), "indicator"].tolist()
    past = history if history is not None and not history.empty else pd.DataFrame(
        columns=["institution", "indicator", "ubigeo", "period", "sex", "age", "nationality", "value"])
    past = past[past["institution"].eq(institution) & past["indicator"].isin(owed)
                & past["nationality"].eq("total") & past["period"].lt(month)]
    previous = past[past["period"].eq(add_months(month, -1))].set_index(["indicator", "ubigeo", "sex", "age"])["value"]
    rows = []
    for indicator in owed:
        seen = past[past["indicator"].eq(indicator)]
        cells = (seen[["ubigeo", "sex", "age"]].drop_duplicates().sort_values(["ubigeo", "sex", "age"])
                 .itertuples(index=False) if not seen.empty else [(_region_code(catalog), "total", "total")])
        for ubigeo, sex, age in cells:
            last = previous.get((indicator, ubigeo, sex, age))
            rows.append({"indicator": indicator, "ubigeo": str(ubigeo), "sex": sex, "age": age,
                         "last_value": None if last is None else float(last), "value": None})
    # both figure columns are floats even when empty: the page's editor keys its state on the grid's schema,
    # and an all-empty (object) column turning float on the first typed figure would reset the editor
    grid = pd.DataFrame(rows, columns=FORM_COLUMNS).astype({"last_value": "float64", "value": "float64"})
    # totals first within each indicator × district, so the phone shows the main figure before its parts
    order = grid["sex"].ne("total").astype(int) + grid["age"].ne("total").astype(int)
    return grid.assign(_order=order).sort_values(["indicator", "ubigeo", "_order"], kind="stable") \
        .drop(columns="_order").reset_index(drop=True)


def form_to_csv(filled: pd.DataFrame, institution: str, month: str) -> bytes:
    """The filled cells as a canonical upload file (empty cells are not reported, a typed 0 is a real 0)."""
    typed = filled[pd.to_numeric(filled["value"], errors="coerce").notna()]
    out = pd.DataFrame({"periodo": month, "institucion": institution, "indicador": typed["indicator"],
                        "ubigeo": typed["ubigeo"], "sexo": typed["sex"], "edad": typed["age"],
                        "valor": pd.to_numeric(typed["value"]).map(lambda v: f"{v:g}")})
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def draft_key(institution: str, month: str) -> str:
    """Where a form's typed figures are kept in the session, per institution and month."""
    return f"report_form_draft::{institution}::{month}"
