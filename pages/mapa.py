"""Mapa / Map: the districts coloured by the severity of one gap, drawn offline, with the province and
region totals beside it."""
from __future__ import annotations

import streamlit as st

from app import cached, entry, viewer, widgets
from app import filters
from gapsmodel.views import explore, narrative
from gapsmodel.views import explore_charts as xc
from gapsmodel.rules.protection import public_institution_breakdown_allowed

entry.require_entry_point(__file__)

MAP_WIDTH = 820   # px: the main column at 1280 wide beside the sidebar


def main() -> None:
    t = viewer.translator()
    catalog, territory = cached.catalog(), cached.territory()
    threshold = catalog.small_cell_threshold
    view = filters.page_view(t, "explore.map_title", groups=False)
    if view is None:
        return
    f = view.filters
    options = explore.selected_gaps(f, catalog)
    if f.gap:
        gap = f.gap
    else:
        if st.session_state.get("map_gap") not in options:
            st.session_state["map_gap"] = options[0]
        gap = st.selectbox(t("explore.map_gap"), options, key="map_gap",
                           format_func=lambda g: catalog.label("gaps", g, t.lang))
    table = view.gaps()
    unit = t.unit(catalog.gaps.at[gap, "unit"])
    need = catalog.gaps.at[gap, "need"]
    need_unit = t.unit(catalog.indicators.at[need, "unit"]) if need else unit
    label = catalog.label("gaps", gap, t.lang)
    rows = explore.district_rows(table, gap, territory)
    public = viewer.is_public()
    if not (public and not public_institution_breakdown_allowed(gap, catalog)):
        who = explore.reporters(filters.figures(view), catalog, territory, gap, view.period)
        rows["reporters"] = [who.get(u, []) for u in rows["ubigeo"]]
    top = explore.largest_gap(rows)
    title = (t("explore.title_largest", place=top["place"], gap=narrative.lower_first(label),
               value=xc._count(t, top, "unmet", threshold), unit=unit)
             if top is not None else t("explore.title_no_district", gap=label))
    fig = xc.choropleth(rows, territory.geojson("district"), t, unit, title, need_unit, threshold, width_hint=MAP_WIDTH)
    phone_fig = xc.choropleth(rows, territory.geojson("district"), t, unit, title, need_unit, threshold, phone=True)
    # the map takes the page's whole width (the region is long and diagonal: in a side column it drew
    # small), and the province and region totals follow it with room for every column
    with st.container(key="wide_only"):
        st.plotly_chart(fig, width="stretch", theme=None, key="map", config=widgets.MAP_MODE_BAR)
    with st.container(key="narrow_only"):
        # a phone's column is too narrow for the key beside the map and for labels spaced for a computer
        st.plotly_chart(phone_fig, width="stretch", theme=None, key="map_phone", config=widgets.MAP_MODE_BAR)
    shown = rows.assign(sector=catalog.gaps.at[gap, "sector"], period=view.period.code, level="district")
    widgets.show_data(xc.gap_display(shown, catalog, t, territory, threshold), t, t("explore.map_caption"))
    missing = rows.loc[rows["severity"].eq("sin_datos"), "place"].tolist()
    if missing:
        st.caption(t("explore.map_missing", n=len(missing), places=", ".join(missing)))
    st.subheader(t("explore.totals"))
    totals = table[table["gap_code"].eq(gap) & table["level"].isin(["province", "region"])]
    st.dataframe(xc.gap_display(totals, catalog, t, territory, threshold).drop(
        columns=[t("columns.sector"), t("columns.gap"), t("columns.period")]), hide_index=True, width="stretch")
    region_row = totals[totals["ubigeo"].eq(territory.region_ubigeo)]
    if not region_row.empty and region_row["basis"].iloc[0] == "region_report":
        st.info(t("overview.region_only", gaps=label))
    if catalog.gaps.at[gap, "sector"] in ("trata", "vbg"):
        st.caption(t("overview.trata_vbg_note"))


main()
