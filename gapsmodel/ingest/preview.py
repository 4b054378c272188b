"""What an upload would change, before it is committed: each new value against the value stored now.

Pure (frames in, frames and figures out): the page «Cargar datos» draws them, the tests check them.

A value's key is :data:`gapsmodel.records.store.KEY` (institution, indicator, ubigeo, period, sex, age,
nationality). For each key in the upload, :func:`compare` says

- ``nuevo``: nothing is stored for that key yet;
- ``reemplaza``: a value is stored and the upload supersedes it with a different value or note
  (the stored one is kept in the history; a revert brings it back);
- ``sin cambio``: the same value (to within ``RTOL``, in the indicator's unit) and the same note are stored.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..rules.catalog import Catalog
from ..i18n import Translator
from ..records.store import KEY

NEW, REPLACES, UNCHANGED = "nuevo", "reemplaza", "sin cambio"
STATUSES = (NEW, REPLACES, UNCHANGED)
#: locale key (section ``upload``) of each status word
STATUS_KEYS = {NEW: "status_new", REPLACES: "status_replaced", UNCHANGED: "status_unchanged"}
#: Okabe-Ito: green for new, orange for replaced, grey for unchanged
STATUS_COLORS = {NEW: "#009E73", REPLACES: "#E69F00", UNCHANGED: "#BBBBBB"}
COMPARE_COLUMNS = KEY + ["value", "old_value", "note", "old_note", "status"]
RTOL = 1e-9


def _notes(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), "").map(lambda v: str(v).strip())


def compare(new_values: pd.DataFrame, stored_values: pd.DataFrame) -> pd.DataFrame:
    """Each row of ``new_values`` (one per key) with the value stored for its key now and a status.

    ``new_values`` holds KEY, ``value`` and optionally ``note`` (as :attr:`UploadResult.values`);
    ``stored_values`` holds KEY, ``value`` and optionally ``note`` (as :meth:`Store.values`, any other
    columns ignored; other institutions' rows simply never match). Returns :data:`COMPARE_COLUMNS` in the
    upload's row order: ``old_value`` is NaN and ``old_note`` empty for new keys. Missing ``sex``, ``age`` or
    ``nationality`` count as ``total``, as the store writes them.
    """
    def prepared(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.reindex(columns=KEY + ["value", "note"]).copy()
        for col in ("sex", "age", "nationality"):
            out[col] = out[col].astype(object).where(out[col].notna(), "total")
        for col in KEY:
            out[col] = out[col].astype(object).map(lambda v: v if v is None else str(v))
        out["value"] = pd.to_numeric(out["value"], errors="coerce").astype(float)
        out["note"] = _notes(out["note"])
        return out

    new = prepared(new_values).reset_index(drop=True)
    if len(stored_values):
        old = prepared(stored_values).drop_duplicates(KEY, keep="last")
    else:
        old = pd.DataFrame({c: pd.Series(dtype=object) for c in KEY + ["note"]}).assign(value=pd.Series(dtype=float))
    old = old.rename(columns={"value": "old_value", "note": "old_note"})
    merged = new.merge(old, on=KEY, how="left", validate="many_to_one", indicator="_found")
    found = merged["_found"].eq("both").to_numpy()
    same_value = np.isclose(merged["value"].to_numpy(float), merged["old_value"].to_numpy(float),
                            rtol=RTOL, atol=RTOL, equal_nan=False)
    same_note = (merged["note"] == merged["old_note"].where(merged["old_note"].notna(), "")).to_numpy()
    merged["status"] = np.where(~found, NEW, np.where(same_value & same_note, UNCHANGED, REPLACES))
    merged["old_note"] = merged["old_note"].where(merged["old_note"].notna(), "")
    return merged[COMPARE_COLUMNS].reset_index(drop=True)


def counts(compared: pd.DataFrame) -> dict[str, int]:
    """Number of values per status, every status present (0 when none)."""
    found = compared["status"].value_counts()
    return {s: int(found.get(s, 0)) for s in STATUSES}


def by_indicator(compared: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """One row per indicator in the upload (catalog order): columns ``indicator`` and one count per status."""
    table = pd.crosstab(compared["indicator"], compared["status"]).reindex(columns=list(STATUSES), fill_value=0)
    order = {code: i for i, code in enumerate(catalog.indicators.index)}
    table = table.loc[sorted(table.index, key=lambda c: (order.get(c, len(order)), c))]
    table.columns.name = None
    return table.rename_axis("indicator").reset_index().astype({s: int for s in STATUSES})


def counts_table(per_indicator: pd.DataFrame, catalog: Catalog, t: Translator) -> pd.DataFrame:
    """The numbers behind :func:`preview_bars`, with readable headers, for the page's «see the data»."""
    out = pd.DataFrame({t("upload.col_indicator"): [catalog.label("indicators", c, t.lang)
                                                    for c in per_indicator["indicator"]]})
    for status in STATUSES:
        out[t(f"upload.{STATUS_KEYS[status]}")] = per_indicator[status].to_numpy()
    return out


def _count_step(largest: int, ticks: int = 8) -> int:
    """A whole-number tick step (1, 2, 5, 10, 20, 50, …) giving at most about ``ticks`` ticks."""
    step = 1
    while largest / step > ticks:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    return step


def preview_bars(per_indicator: pd.DataFrame, catalog: Catalog, t: Translator, title: str) -> go.Figure:
    """Horizontal stacked bars: per indicator, how many of the upload's values are new, replace a stored
    value, or change nothing (a count of values, not a sum of them); each segment carries its number."""
    labels = [catalog.label("indicators", c, t.lang) for c in per_indicator["indicator"]]
    fig = go.Figure()
    for status in STATUSES:
        n = per_indicator[status].to_numpy()
        name = t(f"upload.{STATUS_KEYS[status]}")
        fig.add_trace(go.Bar(
            x=n, y=labels, orientation="h", name=name, marker=dict(color=STATUS_COLORS[status],
                                                                   line=dict(color="#333", width=1)),
            text=[t.number(v) if v else "" for v in n], textposition="inside", insidetextanchor="middle",
            hovertemplate=f"%{{y}}<br>{name}: %{{x}}<extra></extra>"))
    fig.update_layout(barmode="stack", title=dict(text=title, x=0, xanchor="left"),
                      font=dict(family="Source Sans Pro, Arial, sans-serif", size=15),
                      height=max(260, 46 * len(labels) + 140), margin=dict(l=10, r=20, t=60, b=40),
                      plot_bgcolor="white", paper_bgcolor="white", template="plotly_white",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, xanchor="left", title=None,
                                  traceorder="normal"))
    fig.update_xaxes(title=t("upload.chart_axis"), rangemode="tozero", tick0=0,
                     dtick=_count_step(int(per_indicator[list(STATUSES)].sum(axis=1).max()) if len(per_indicator) else 0))
    fig.update_yaxes(autorange="reversed", title=None)
    return fig


def place_label(ubigeo: str, territory, t: Translator) -> str:
    if ubigeo == territory.region_ubigeo:
        return t("upload.whole_region", name=territory.region_name)
    return territory.name(ubigeo)


def changes_table(compared: pd.DataFrame, catalog: Catalog, territory, t: Translator,
                  statuses: tuple[str, ...] = STATUSES) -> pd.DataFrame:
    """Rows of ``compared`` with the given statuses, for people: indicator and place names, month, the
    breakdown, the stored value, the uploaded value and the status word. Notes are plain text cells."""
    rows = compared[compared["status"].isin(statuses)]
    breakdown = [" · ".join(x for x in (s, a, n) if x != "total") or t("upload.total")
                 for s, a, n in zip(rows["sex"], rows["age"], rows["nationality"])]
    return pd.DataFrame({
        t("upload.col_period"): [t.period(p) for p in rows["period"]],
        t("upload.col_indicator"): [catalog.label("indicators", c, t.lang) for c in rows["indicator"]],
        t("upload.col_place"): [place_label(u, territory, t) for u in rows["ubigeo"]],
        t("upload.col_breakdown"): breakdown,
        t("upload.col_old"): rows["old_value"].to_numpy(),
        t("upload.col_new"): rows["value"].to_numpy(),
        t("upload.col_status"): [t(f"upload.{STATUS_KEYS[s]}") for s in rows["status"]],
        t("upload.col_note"): rows["note"].to_numpy(),
    })
