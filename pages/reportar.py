"""Reportar / Report: a partner fills its month on a form made from its obligations (works on a phone).

The filled form becomes a canonical upload file (gapsmodel/ingest/form.py) and goes through read_upload,
the preview and Store.add_batch exactly like a file on pages/cargar.py; nothing is stored until confirmed.
The typed figures are kept in st.session_state per institution and month (a rerun or a page change keeps
them; a browser reload starts a new session and loses them: nothing unconfirmed is written to the store).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app import cached, entry, viewer, widgets
from gapsmodel.ingest import UnreadableFile, read_upload
from gapsmodel.ingest import preview as preview
from gapsmodel.ingest.form import FORM_FILENAME, draft_key, form_grid, form_to_csv
from gapsmodel.records.permissions import PermissionDenied
from gapsmodel.records.store import LockedPeriodError, StoreError, checksum
from gapsmodel.rules.periods import add_months, month_of
from gapsmodel.views.presentation import md_escape

entry.require_entry_point(__file__)

t = viewer.translator()
catalog, territory = cached.catalog(), cached.territory()
actor = viewer.actor()
store = cached.store()


def _institution() -> str | None:
    if actor.role == "partner":
        return actor.institution if actor.institution in catalog.institutions.index else None
    return widgets.institution_picker(t, "report_institution")


def _history(inst: str) -> pd.DataFrame:
    values = store.values()
    return values if values.empty else values[values["institution"].eq(inst)].reset_index(drop=True)


def _form(inst: str, month: str, history: pd.DataFrame) -> pd.DataFrame:
    key = draft_key(inst, month)
    if key not in st.session_state:
        st.session_state[key] = form_grid(catalog, inst, month, history)
    grid = st.session_state[key].copy()
    places = territory.area_names()
    shown = grid.assign(indicator=grid["indicator"].map(lambda c: catalog.label("indicators", c, t.lang)),
                        ubigeo=grid["ubigeo"].map(lambda u: places.get(u, u)),
                        sex=grid["sex"].map(lambda v: t(f"explore.sex_{v}")),
                        age=grid["age"].map(lambda v: t(f"explore.age_{v}")))
    # sized for a 390 px phone: the long indicator names wrap (a row taller than 4rem lets the grid wrap
    # text) and the figure to type comes before the reference columns, so it is on screen without scrolling
    edited = st.data_editor(
        shown, hide_index=True, width="stretch", key=f"{key}::editor", disabled=FORM_LOCKED,
        column_order=FORM_ORDER, row_height=FORM_ROW_HEIGHT, placeholder="",
        column_config={"indicator": st.column_config.TextColumn(t("report_form.col_indicator"), width=134),
                       "ubigeo": st.column_config.TextColumn(t("report_form.col_place"), width=72),
                       "sex": st.column_config.TextColumn(t("report_form.col_sex"), width=68),
                       "age": t("report_form.col_age"),
                       "last_value": st.column_config.NumberColumn(t("report_form.col_last"), format="%g"),
                       "value": st.column_config.NumberColumn(t("report_form.col_value"), min_value=0, step=1,
                                                              width=80)})
    grid["value"] = edited["value"].to_numpy()
    st.session_state[key] = grid          # the draft: typed figures survive reruns within the session
    return grid


FORM_LOCKED = ["indicator", "ubigeo", "sex", "age", "last_value"]
FORM_ORDER = ["indicator", "ubigeo", "sex", "value", "last_value", "age"]
FORM_ROW_HEIGHT = 84     # four lines of a wrapped indicator name


def main() -> None:
    st.title(t("report_form.title"))
    st.caption(t("report_form.subtitle"))
    if actor.role not in ("partner", "admin"):
        st.info(t("upload.need_partner"))
        return
    done = st.session_state.pop("report_done", None)
    if done:
        st.success(t("upload.saved", batch=done["batch"], n=t.number(done["n"]),
                     institution=catalog.label("institutions", done["institution"], t.lang)))
    inst = _institution()
    if inst is None or not actor.can("upload", inst):
        st.warning(t("upload.need_partner"))
        return
    months = [add_months(month_of(pd.Timestamp.today().date()), -k) for k in range(1, 13)]
    month = st.selectbox(t("report_form.month"), months, format_func=t.period, key="report_month")
    history = _history(inst)
    grid = _form(inst, month, history)
    data = form_to_csv(grid, inst, month)
    if data.count(b"\n") <= 1:
        st.info(t("report_form.empty"))
        return
    try:
        result = read_upload(data, FORM_FILENAME, catalog, territory, institution=inst,
                             locked_months=store.locked_months(), history=history)
    except UnreadableFile as exc:
        st.error(t("upload.unreadable", detail=md_escape(exc)))
        return
    for problem in result.errors:
        st.error(md_escape(widgets.in_language(problem.message, t.lang)))
    for problem in result.warnings:
        st.warning(md_escape(widgets.in_language(problem.message, t.lang)))
    if not result.ok:
        return
    compared = preview.compare(result.values, history)
    n = preview.counts(compared)
    st.write(t("report_form.preview", new=t.number(n[preview.NEW]), replaced=t.number(n[preview.REPLACES])))
    if st.button(t("upload.confirm", n=t.number(len(compared))), type="primary", key="report_confirm"):
        try:
            batch_id = store.add_batch(result.values, institution=inst, actor=actor, filename=FORM_FILENAME,
                                       checksum=checksum(data))
        except (LockedPeriodError, StoreError, PermissionDenied) as exc:
            st.error(t("upload.save_failed", detail=md_escape(exc)))
            return
        st.session_state.pop(draft_key(inst, month), None)
        st.session_state["report_done"] = {"batch": batch_id, "n": len(result.values), "institution": inst}
        st.rerun()
    st.page_link("pages/historial.py", label=t("upload_history.link"), icon=":material/history:")


main()
