"""Datos / Data: the values behind the current view and the computed gaps, downloadable (for roles that
may download), and the catalog of indicators and gaps with their definitions, units, rules and reporters."""
from __future__ import annotations

import streamlit as st

from app import cached, entry, viewer
from app import filters
from gapsmodel.views import explore
from gapsmodel.views import explore_charts as xc
from gapsmodel.rules.protection import is_protected_indicator

entry.require_entry_point(__file__)


def values_display(values, catalog, territory, t, public: bool = False):
    """The values table; partners' free-text notes only for signed-in members (DOMAIN.md §7)."""
    columns = ["period", "institution", "indicator", "ubigeo", "sex", "age", "nationality", "value", "note",
               "uploaded_at"]
    out = values[[c for c in columns if not (public and c == "note")]].copy()
    out["indicator"] = [catalog.label("indicators", i, t.lang) for i in out["indicator"]]
    out["ubigeo"] = [territory.name(u) for u in out["ubigeo"]]
    out["value"] = [t.number(v, 0 if float(v).is_integer() else 1) for v in out["value"]]
    return out.rename(columns={"period": t("columns.period"), "institution": t("columns.institution"),
                               "indicator": t("columns.indicator"), "ubigeo": t("columns.place"),
                               "sex": t("explore.sex"), "age": t("explore.age"),
                               "nationality": t("explore.nationality"), "value": t("columns.value"),
                               "note": t("explore.note"), "uploaded_at": t("explore.uploaded_at")})


def _open_data(view, catalog, territory, t) -> None:
    """The period's open data for everyone, visitors included: public figures only, whoever asks."""
    from gapsmodel.records.store import utcnow
    from gapsmodel.views import opendata
    if not opendata.covers(view.snap, view.period):
        return
    st.subheader(t("opendata.title"))
    st.caption(t("opendata.caption", period=t.period(view.period.code, in_sentence=True)))
    st.download_button(
        t("opendata.download"),
        lambda: opendata.zip_bytes(opendata.files(view.snap, catalog, territory, view.period, utcnow())),
        f"datos_abiertos_{view.period.code}.zip", "application/zip", key="dl_open_data",
        icon=":material/folder_zip:", on_click="ignore")


def main() -> None:
    t = viewer.translator()
    catalog, territory = cached.catalog(), cached.territory()
    threshold = catalog.small_cell_threshold
    view = filters.page_view(t, "explore.data_title")
    if view is None:
        return
    public = viewer.is_public()
    may_download = viewer.actor().can("download")
    gaps = explore.filter_gaps(view.gaps(), view.filters, catalog, territory)
    values = explore.filter_values(view.snap.values, view.filters, catalog, territory, view.period)
    hidden = 0
    if public and not values.empty:
        protected = values["indicator"].map(lambda i: is_protected_indicator(i, catalog)).astype(bool)
        hidden = int(protected.sum())
        values = values[~protected]
    if public:
        values = values.drop(columns=["note"], errors="ignore")   # free text is for signed-in members

    tab_gaps, tab_values, tab_catalog = st.tabs([t("explore.tab_gaps"), t("explore.tab_values"),
                                                 t("explore.tab_catalog")])
    with tab_gaps:
        st.caption(t("explore.gaps_rows", n=len(gaps)))
        st.dataframe(xc.gap_display(gaps, catalog, t, territory, threshold), hide_index=True, width="stretch")
    with tab_values:
        st.caption(t("explore.values_rows", n=len(values)))
        if hidden:
            st.info(t("explore.public_values_hidden", n=hidden))
        st.dataframe(values_display(values, catalog, territory, t, public), hide_index=True, width="stretch")
    with tab_catalog:
        st.subheader(t("explore.catalog_indicators"))
        ind = explore.indicator_catalog(catalog, t.lang)
        st.dataframe(ind.assign(role=[t(f"explore.role_{r}") for r in ind["role"]],
                                time=[t(f"explore.time_{x}") for x in ind["time"]],
                                rule=[xc.rule_text(t, r) for r in ind["rule"]]),
                     hide_index=True, width="stretch")
        st.caption(t("explore.catalog_caption"))
        st.subheader(t("explore.catalog_gaps"))
        st.dataframe(explore.gap_catalog(catalog, t.lang), hide_index=True, width="stretch")
        st.caption(t("explore.formula"))

    _open_data(view, catalog, territory, t)
    if not may_download:
        st.caption(t("explore.login_to_download"))
        return
    from gapsmodel.views import downloads, exports
    st.subheader(t("explore.downloads"))
    st.caption(t("explore.downloads_caption"))
    stem = f"brechas_{view.period.code}"
    gaps_sheet = lambda: downloads.gaps_download(gaps, catalog, territory, t)  # noqa: E731 - built when clicked
    values_sheet = lambda: downloads.values_download(values, catalog, territory, t)  # noqa: E731
    sheets = lambda: exports.to_xlsx_bytes({  # noqa: E731 - built only when clicked (deferred download)
        "brechas": gaps_sheet(), "valores": values_sheet(),
        "indicadores": explore.indicator_catalog(catalog, t.lang), "brechas_catalogo": explore.gap_catalog(catalog, t.lang)})
    c = st.columns(3)
    c[0].download_button(t("explore.download_gaps_csv"), lambda: exports.to_csv_bytes(gaps_sheet()), f"{stem}.csv",
                         "text/csv", key="dl_gaps_csv", on_click="ignore")
    c[1].download_button(t("explore.download_values_csv"), lambda: exports.to_csv_bytes(values_sheet()),
                         f"valores_{view.period.code}.csv", "text/csv", key="dl_values_csv", on_click="ignore")
    c[2].download_button(t("explore.download_xlsx"), sheets, f"{stem}.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_xlsx",
                         on_click="ignore")

main()
