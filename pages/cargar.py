"""Cargar datos / Upload data: a partner uploads its own institution's monthly figures (DOMAIN.md §6, §7).

Template → file → every problem at once (nothing stored) or a preview of what changes → confirm → stored
as one batch (the institution's history and reverts are on pages/historial.py). Permissions are checked
again inside Store.add_batch.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import streamlit as st

from app import cached, entry, viewer, widgets
from gapsmodel.ingest import preview as preview
from gapsmodel.views.exports import to_csv_bytes
from gapsmodel.ingest import UnreadableFile, make_template_csv, make_template_xlsx, read_upload
from gapsmodel.ingest.columns import TEMPLATE_HEADER
from gapsmodel.ingest.validation import history_scope
from gapsmodel.records.permissions import PermissionDenied
from gapsmodel.views.presentation import md_escape
from gapsmodel.views.upload_problems import problem_entries, problems_table
from gapsmodel.records.store import LockedPeriodError, Scope, StoreError, checksum, default_url

entry.require_entry_point(__file__)

FILE_TYPES = ["csv", "xlsx", "xls", "txt", "tsv"]
LOGIN_PAGE = "pages/ingresar.py"

t = viewer.translator()
catalog, territory = cached.catalog(), cached.territory()
actor = viewer.actor()
store = cached.store()


@st.cache_data(show_spinner=False, max_entries=8)
def _stored(url: str, data_version: tuple, scope: Scope) -> pd.DataFrame:
    """The values in force now that an upload's checks and preview look at (history_scope), not the store."""
    return cached.store().values(within=scope)


def _size(n_bytes: float) -> str:
    return f"{t.number(n_bytes / 1_000_000, 1 if n_bytes < 10_000_000 else 0)} MB"


def _safe_name(filename: str) -> str:
    return re.sub(r"[^\w.-]+", "_", Path(filename).stem)[:60] or "archivo"


def _login_prompt() -> None:
    st.info(t("upload.need_partner"))
    st.page_link(LOGIN_PAGE, label=t("upload.login_link"), icon=":material/login:")


def _institution() -> str | None:
    """The institution this user uploads for: a partner's own; an administrator's choice (kept in the URL)."""
    if actor.role == "partner":
        if not actor.institution or actor.institution not in catalog.institutions.index:
            st.warning(t("upload.no_institution"))
            return None
        return actor.institution
    return widgets.institution_picker(t, "upload_institution")


def _templates(inst: str) -> None:
    st.subheader(t("upload.template_header"))
    st.caption(t("upload.template_help"))
    c1, c2 = st.columns(2)
    c1.download_button(t("upload.template_csv"), data=lambda: make_template_csv(catalog, territory, inst),
                       file_name=f"plantilla_{inst}.csv", mime="text/csv", icon=":material/download:",
                       key="template_csv")
    c2.download_button(t("upload.template_xlsx"), data=lambda: make_template_xlsx(catalog, territory, inst),
                       file_name=f"plantilla_{inst}.xlsx", icon=":material/download:", key="template_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


PROBLEMS_LISTED = 60   # problems written out whole on the page; all of them are in the table and the CSV


def _show_problems(result, filename: str) -> None:
    table = problems_table(result, t)
    st.markdown(f"**{t('upload.problems_title')}**")
    # each problem written out whole (a table cuts long fix texts, on a phone even more)
    with st.container(key="problem_list"):
        for entry in problem_entries(table.head(PROBLEMS_LISTED), t):
            lines = [f"**{md_escape(entry.level)}**" + (f" · {md_escape(entry.where)}" if entry.where else ""),
                     md_escape(entry.message)]
            if entry.value:
                lines.append(f"{md_escape(t('upload.col_value'))}: {md_escape(entry.value)}")
            st.markdown("  \n".join(lines))
        if len(table) > PROBLEMS_LISTED:
            st.caption(t("upload.problems_more", n=len(table) - PROBLEMS_LISTED))
    with st.expander(t("upload.problems_as_table")):
        st.dataframe(table, hide_index=True, width="stretch", column_config={
            t("upload.col_row"): st.column_config.NumberColumn(width="small"),
            t("upload.col_column"): st.column_config.TextColumn(width="small"),
            t("upload.col_problem"): st.column_config.TextColumn(width="large"),
            t("upload.col_level"): st.column_config.TextColumn(width="small")})
    st.caption(t("upload.problems_caption"))
    st.download_button(t("upload.download_problems"), data=to_csv_bytes(table), mime="text/csv",
                       file_name=f"problemas_{_safe_name(filename)}.csv", icon=":material/download:",
                       key="problems_csv")


def _show_detected(detected: dict) -> None:
    rows = [("detected_format", detected.get("format")), ("detected_encoding", detected.get("encoding")),
            ("detected_separator", {"\t": "TAB"}.get(detected.get("separator"), detected.get("separator"))),
            ("detected_decimal", detected.get("decimal")), ("detected_sheet", detected.get("sheet")),
            ("detected_header", detected.get("header_row")), ("detected_layout", detected.get("layout")),
            ("detected_columns", ", ".join(f"{v} → {TEMPLATE_HEADER.get(k, k)}"
                                           for k, v in (detected.get("columns") or {}).items()))]
    with st.expander(t("upload.detected")):
        st.dataframe(pd.DataFrame([(t(f"upload.{k}"), str(v)) for k, v in rows if v not in (None, "")],
                                  columns=["", " "]), hide_index=True, width="stretch")


def _parse(data: bytes, filename: str, inst: str, digest: str) -> dict:
    """Read and check once per file and institution; kept in the session so reruns don't re-parse."""
    cache = st.session_state.setdefault("upload_parsed", {})
    key = f"{digest}:{inst}"
    if key not in cache:
        history = lambda scope: _stored(default_url(), cached.version(), scope)  # noqa: E731
        with st.status(t("upload.reading"), expanded=False) as status:
            try:
                result = read_upload(data, filename, catalog, territory, institution=inst,
                                     locked_months=store.locked_months(), history=history)
                entry = {"result": result}
                status.update(label=t("upload.read_done", values=t.number(len(result.values)),
                                      errors=len(result.errors), warnings=len(result.warnings)),
                              state="complete" if result.ok else "error")
            except UnreadableFile as exc:
                entry = {"unreadable": str(exc)}
                status.update(state="error")
        cache.clear()   # only the latest file is kept
        cache[key] = entry
    return cache[key]


def _preview(result, inst: str, filename: str, digest: str) -> None:
    st.subheader(t("upload.preview_header"))
    compared = preview.compare(result.values, _stored(default_url(), cached.version(), history_scope(result.values)))
    n = preview.counts(compared)
    months = sorted(compared["period"].unique())
    st.write(t("upload.months", months=", ".join(t.period(m, in_sentence=True) for m in months)))
    c1, c2, c3 = st.columns(3)
    c1.metric(t("upload.metric_new"), t.number(n[preview.NEW]), border=True)
    c2.metric(t("upload.metric_replaced"), t.number(n[preview.REPLACES]), border=True)
    c3.metric(t("upload.metric_unchanged"), t.number(n[preview.UNCHANGED]), border=True)
    per = preview.by_indicator(compared, catalog)
    fig = preview.preview_bars(per, catalog, t, t("upload.chart_title"))
    widgets.show_figure(fig, preview.counts_table(per, catalog, t), t, t("upload.chart_caption"), "upload_chart")

    st.markdown(f"**{t('upload.replaced_title')}**")
    replaced = preview.changes_table(compared, catalog, territory, t, (preview.REPLACES,))
    if replaced.empty:
        st.write(t("upload.no_replaced"))
    else:
        st.dataframe(replaced, hide_index=True, width="stretch", key="upload_replaced")
    with st.expander(t("upload.all_values", n=t.number(len(compared)))):
        st.dataframe(preview.changes_table(compared, catalog, territory, t), hide_index=True, width="stretch")

    if n[preview.NEW] + n[preview.REPLACES] == 0:
        st.info(t("upload.nothing_changes"))
    batches = store.batches_frame(inst)
    same = batches[batches["checksum"].eq(digest) & batches["reverted_at"].isna()]
    if not same.empty:
        st.info(t("upload.same_file", batch=int(same["id"].iloc[0]), date=t.date(same["uploaded_at"].iloc[0])))

    if st.button(t("upload.confirm", n=t.number(len(compared))), type="primary", help=t("upload.confirm_help"),
                 icon=":material/save:", key=f"upload_confirm_{digest[:16]}"):
        try:
            batch_id = store.add_batch(result.values, institution=inst, actor=actor, filename=filename,
                                       checksum=digest)
        except (LockedPeriodError, StoreError, PermissionDenied) as exc:
            st.error(t("upload.save_failed", detail=md_escape(exc)))
            return
        st.session_state["upload_done"] = {"batch": batch_id, "n": len(result.values), "institution": inst}
        st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1   # empties the uploader
        st.session_state.pop("upload_parsed", None)
        st.session_state.pop("revert_which", None)     # the revert picker starts again at the newest batch
        st.rerun()


def _upload(inst: str) -> None:
    st.subheader(t("upload.file_header"))
    max_bytes = int(catalog.settings.get("upload", {}).get("max_file_bytes", 20_000_000))
    st.caption(t("upload.max_size", size=_size(max_bytes)))
    file = st.file_uploader(t("upload.file_label"), type=FILE_TYPES, help=t("upload.file_help"),
                            max_upload_size=max(1, math.ceil(max_bytes / 1_000_000)),
                            key=f"upload_file_{st.session_state.get('upload_round', 0)}")
    if file is None:
        return
    data = file.getvalue()
    if len(data) > max_bytes:
        st.error(t("upload.too_large", size=_size(len(data)), max=_size(max_bytes)))
        return
    digest = checksum(data)
    entry = _parse(data, file.name, inst, digest)
    if "unreadable" in entry:
        st.error(t("upload.unreadable", detail=md_escape(entry["unreadable"])))
        return
    result = entry["result"]
    if not result.ok:
        st.error(t("upload.refused", errors=len(result.errors), warnings=len(result.warnings)))
        _show_problems(result, file.name)
        _show_detected(result.detected)
        return
    if result.warnings:
        st.warning(t("upload.warnings_ok", warnings=len(result.warnings)))
        _show_problems(result, file.name)
    _show_detected(result.detected)
    _preview(result, inst, file.name, digest)


def main() -> None:
    st.title(t("upload.title"))
    st.caption(t("upload.subtitle"))
    if actor.role not in ("partner", "admin"):
        _login_prompt()
        return
    done = st.session_state.pop("upload_done", None)
    if done:
        st.success(t("upload.saved", batch=done["batch"], n=t.number(done["n"]),
                     institution=catalog.label("institutions", done["institution"], t.lang)))
        st.page_link("pages/resumen.py", label=t("upload.see_overview"), icon=":material/dashboard:")
    inst = _institution()
    if inst is None:
        return
    if not actor.can("upload", inst):
        st.warning(t("upload.need_partner"))
        return
    st.markdown(f"#### {md_escape(t('upload.uploading_for', name=catalog.label('institutions', inst, t.lang), code=inst))}")
    _templates(inst)
    _upload(inst)
    st.page_link("pages/historial.py", label=t("upload_history.link"), icon=":material/history:")


main()
