"""Sectores / Sectors: per gap, coverage and unmet need by district, who reports need and supply and how
the rule combined them, the breakdown by sex and age, carried-forward and missing values marked."""
from __future__ import annotations

import streamlit as st

from app import cached, entry, viewer, widgets
from app import filters
from gapsmodel.views import charts, explore, narrative
from gapsmodel.views import explore_charts as xc
from gapsmodel.rules.catalog import NO_DATA
from gapsmodel.rules.protection import public_institution_breakdown_allowed

entry.require_entry_point(__file__)


def gap_section(view: filters.View, table, gap: str, t, public: bool) -> None:
    catalog, territory = cached.catalog(), cached.territory()
    threshold = catalog.small_cell_threshold
    place = view.filters.place(territory)
    unit = t.unit(catalog.gaps.at[gap, "unit"])
    label = catalog.label("gaps", gap, t.lang)
    here = table[table["gap_code"].eq(gap) & table["ubigeo"].eq(place)]
    row = here.iloc[0].to_dict() if not here.empty else {"severity": NO_DATA}
    st.subheader(f"{charts.SEVERITY_ICONS[row['severity']]} {label} — {territory.name(place)}")
    widgets.show_notes(widgets.figure_notes(view.period.start, view.period.end, [gap], [place]), t)
    if row["severity"] == NO_DATA:
        st.info(t("explore.no_data_here"))
    else:
        c = st.columns(4)
        c[0].metric(t("columns.need"), f"{xc._count(t, row, 'need', threshold)} {unit}", border=True)
        c[1].metric(t("columns.supply"), f"{xc._count(t, row, 'supply', threshold)} {unit}", border=True)
        c[2].metric(t("columns.unmet"), f"{xc._count(t, row, 'unmet', threshold)} {unit}", border=True)
        cov = None if row.get("coverage_suppressed", False) else row["coverage"]
        c[3].metric(t("columns.coverage"), charts.severity_label(t, row["severity"], cov), border=True)
        if row.get("carried"):
            st.caption(t("explore.carried_note"))
        if row.get("basis") == "region_report":
            st.caption(t("overview.region_only", gaps=label))
    if len(explore.area_districts(place, territory)) > 1:
        rows = explore.district_rows(table, gap, territory)
        rows = rows[rows["ubigeo"].isin(explore.area_districts(place, territory))]
        top = explore.largest_gap(rows)
        title = (t("explore.title_largest", place=top["place"], gap=narrative.lower_first(label),
                   value=xc._count(t, top, "unmet", threshold), unit=unit)
                 if top is not None else t("explore.title_no_district", gap=label))
        fig = xc.district_bars(rows, t, unit, title, threshold)
        widgets.show_figure(fig, xc.gap_display(rows.assign(sector=catalog.gaps.at[gap, "sector"],
                                                             period=view.period.code, level="district"),
                                                 catalog, t, territory, threshold),
                             t, t("explore.district_caption"), f"districts_{gap}")
    if public and not public_institution_breakdown_allowed(gap, catalog):
        st.info(t("explore.no_breakdown_public"))
        return
    contrib = filters.contributions(view, gap, place)
    if contrib.empty:
        return
    need_part = contrib[contrib["role"].eq("need")]
    title = t("explore.title_contrib", gap=label, n=contrib.loc[contrib["status"].isin(["reported", "carried"]),
                                                                   "institution"].nunique())
    if not need_part.empty and need_part["value"].notna().sum() > 1:
        low, high = need_part["value"].min(), need_part["value"].max()
        title = t("explore.title_need_range", gap=label, low=t.number(low), high=t.number(high),
                  unit=t.unit(need_part["unit"].iloc[0]))
    fig = xc.contributions_bars(contrib, catalog, t, title)
    widgets.show_figure(fig, xc.contributions_display(contrib, catalog, t), t, t("explore.contrib_caption"),
                         f"contrib_{gap}")
    flagged = contrib[contrib["status"].isin(["carried", "missing", "region_only"])]
    for status in ("carried", "missing", "region_only"):
        who = flagged.loc[flagged["status"].eq(status), "institution"].tolist()
        if who:
            st.caption(t(f"explore.note_{status}", institutions=", ".join(who)))
    indicators = [i for i in (catalog.gaps.at[gap, "need"], catalog.gaps.at[gap, "supply"]) if i]
    for dim in ("sex", "age"):
        parts = explore.disaggregation(view.snap.values, catalog, territory, indicators, place, view.period, dim)
        chosen = getattr(view.filters, dim)
        if chosen != "total":
            parts = parts[parts["group"].eq(chosen)]
        if parts.empty:
            continue
        title = t(f"explore.title_{dim}", gap=label)
        fig = xc.disaggregation_bars(parts, catalog, t, title, dim)
        shown = parts.assign(group=[t(f"explore.{dim}_{g}") for g in parts["group"]])
        widgets.show_figure(fig, shown, t, t("explore.disagg_caption"), f"disagg_{dim}_{gap}")


def main() -> None:
    t = viewer.translator()
    catalog, territory = cached.catalog(), cached.territory()
    view = filters.page_view(t, "explore.sectors_title")
    if view is None:
        return
    public = viewer.is_public()
    table = view.gaps()
    f = view.filters
    if not f.sector:
        place = f.place(territory)
        fig = charts.coverage_bars(table, catalog, t, place,
                                   t("explore.title_all_sectors", place=territory.name(place),
                                     period=t.period(view.period.code, in_sentence=True)))
        rows = table[table["ubigeo"].eq(place)]
        widgets.show_figure(fig, xc.gap_display(rows, catalog, t, territory, catalog.small_cell_threshold), t,
                             t("overview.coverage_caption"), "all_sectors")
        st.info(t("explore.pick_sector"))
        return
    st.header(catalog.label("sectors", f.sector, t.lang))
    if f.sex != "total" or f.age != "total":
        st.caption(t("explore.groups_note"))
    for gap in explore.selected_gaps(f, catalog):
        gap_section(view, table, gap, t, public)
        st.divider()
    if f.sector in ("trata", "vbg"):
        st.caption(t("overview.trata_vbg_note"))


main()
