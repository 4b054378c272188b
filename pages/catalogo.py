"""Catálogo / Catalog (administrators only): edit one catalog table; the whole catalog is checked before it
is saved, every problem is listed at once, the replaced file is kept and the change is audited
(gapsmodel.records.catalog_edit). Cells are user text: shown only in the editor and data frames, never as HTML."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from app import cached, entry, signin, viewer, widgets
from gapsmodel.views import exports
from gapsmodel.rules.catalog import CatalogError
from gapsmodel.records.catalog_edit import TABLE_KEYS, read_table, read_table_file, replace_table
from gapsmodel.records.permissions import PermissionDenied

entry.require_entry_point(__file__)

SAVED = "catalog_saved"


def table_key(name: str, kind: str) -> str:
    """'gaps.csv', 'table' -> 'catalog_admin.table_gaps' (its title; 'help' for its one-line help)."""
    return f"catalog_admin.{kind}_{name.removesuffix('.csv')}"


def recent_changes(t) -> pd.DataFrame:
    audit = exports.audit_frame_for_export(cached.store(), actor=viewer.actor())
    audit = audit[audit["action"].eq("catalog")].head(10)
    details = [json.loads(d) for d in audit["detail"]]
    return pd.DataFrame({
        t("accounts.audit_col_at"): [t.time(m) for m in audit["at"]],
        t("accounts.audit_col_actor"): [exports.actor_name(a, t) for a in audit["actor"]],
        t("catalog_admin.table"): [d.get("table", "") for d in details],
        t("catalog_admin.change_counts"): [t("catalog_admin.counts", added=a, removed=r, changed=c)
                                           for a, r, c in (d.get("counts", [0, 0, 0]) for d in details)],
    })


def refused(t, exc: CatalogError) -> None:
    problems = "\n".join(f"- {widgets.refusal(p, t)}" for p in exc.problems)
    st.error(t("catalog_admin.refused") + "\n\n" + problems)


def save(t, name: str, frame: pd.DataFrame, editor_key: str) -> None:
    """Check and save one table; on success show the saved table with a summary of the change."""
    try:
        change = replace_table(cached.store(), name, frame, actor=viewer.actor())
    except CatalogError as exc:
        refused(t, exc)
    except PermissionDenied as exc:
        st.error(widgets.refusal(exc, t))
    else:
        if change.empty:
            st.info(t("catalog_admin.no_change"))
            return
        st.session_state[SAVED] = (name, len(change.added), len(change.removed), len(change.changed))
        st.session_state.pop(editor_key, None)      # show the saved table, not the edits on top of it
        st.rerun()


def column_labels(t, columns) -> dict:
    """Each column under its name in the user's language; the CSV's field name (needed to replace the
    table with a file) is in the column's help."""
    return {c: st.column_config.Column(t(f"catalog_columns.{c}"), help=t("catalog_columns.csv_column", name=c))
            for c in columns if t(f"catalog_columns.{c}") != f"catalog_columns.{c}"}


def main() -> None:
    t = viewer.translator()
    st.title(t("catalog_admin.title"))
    actor = signin.admin_actor(t, __file__)
    if actor is None:
        return
    st.caption(t("catalog_admin.subtitle"))
    saved = st.session_state.pop(SAVED, None)
    if saved:
        st.success(t("catalog_admin.saved", table=saved[0], added=saved[1], removed=saved[2], changed=saved[3]))

    name = st.selectbox(t("catalog_admin.table"), list(TABLE_KEYS), key="catalog_table",
                        format_func=lambda n: f"{t(table_key(n, 'table'))} ({n})")
    st.caption(t(table_key(name, "help")))
    if name == "institutions.csv":
        st.caption(t("reminders.catalog_contacts_note"))
    table = read_table(name)
    editor_key = f"catalog_editor_{name}"
    edited = st.data_editor(table, num_rows="dynamic", hide_index=True, width="stretch", key=editor_key,
                            column_config=column_labels(t, table.columns))
    left, right = st.columns(2)
    if left.button(t("catalog_admin.save"), type="primary", key="catalog_save"):
        save(t, name, edited, editor_key)
    with st.expander(t("catalog_admin.upload")):
        sent = st.file_uploader(t("catalog_admin.upload_field"), type=["csv"], key=f"catalog_file_{name}")
        if sent is not None and st.button(t("catalog_admin.upload_save"), key="catalog_upload_save"):
            try:
                frame = read_table_file(sent.getvalue())
            except CatalogError as exc:
                refused(t, exc)
            else:
                save(t, name, frame, editor_key)
    right.download_button(t("catalog_admin.download"), exports.to_csv_bytes(table), file_name=name,
                          mime="text/csv", key="catalog_download")
    st.caption(t("catalog_admin.definitions_note"))

    st.subheader(t("catalog_admin.recent"))
    changes = recent_changes(t)
    if changes.empty:
        st.write(t("catalog_admin.recent_none"))
    else:
        st.dataframe(changes, hide_index=True, width="stretch")


main()
