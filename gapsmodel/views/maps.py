"""The district map: the territory's own boundaries drawn as ordinary Plotly shapes, fully offline.

Why not a Plotly map subplot: ``geo`` maps download a world outline and draw nothing without internet;
``map`` (MapLibre) draws polygons offline but cannot fetch the font glyphs its text layer needs, so
district names and severity words vanish. Here every district is a filled ``go.Scatter`` polygon on
hidden cartesian axes (longitude on x, latitude on y, equal scale at the region's latitude): no tiles,
no fonts, no topojson, nothing from the internet.

Reading without colour: each severity class has an Okabe-Ito colour (:data:`charts.SEVERITY_COLORS`)
*and* a fill pattern (:data:`SEVERITY_PATTERNS`), the legend says icon and word, and every district
carries its name and severity word written on it, so a black-and-white print still reads. Districts
without data are grey, hatched and labelled *Sin datos*, never drawn as zero.

Suppressed counts (public views: NaN plus ``<col>_suppressed`` / ``<col>_complementary`` flags, see
:mod:`gapsmodel.rules.protection`) are written ``<5`` or *reservado*, never as a number.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..rules.catalog import NO_DATA
from ..rules.publication import UNDETERMINED
from ..rules.publication import count_text as published_count_text
from .charts import FONT, SEVERITY_COLORS, SEVERITY_ICONS, TITLE_AT_TOP, TITLE_WRAP, title_margin, wrap
from ..i18n import Translator

SEVERITY_CLASSES = ("critica", "alta", "moderada", "adecuada", UNDETERMINED, NO_DATA)  # four, undetermined, no data
# Plotly fill patterns, chosen to stay apart in greyscale: the Okabe-Ito colours alone do not (blue
# 'adecuada' prints darker than orange 'critica').
SEVERITY_PATTERNS = {"critica": "x", "alta": "/", "moderada": ".", "adecuada": "", UNDETERMINED: "|", NO_DATA: "-"}
# ink share of each pattern: heavier for worse classes, so that in greyscale 'critica' is the darkest
PATTERN_SOLIDITY = {"critica": 0.5, "alta": 0.3, "moderada": 0.3, "adecuada": 0.0, UNDETERMINED: 0.2, NO_DATA: 0.2}
PATTERN_INK = "rgba(0,0,0,0.55)"
OUTLINE = "#222222"
LABEL_HALO = "0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff, 0 0 1px #fff"
COUNT_COLUMNS = ("need", "supply", "unmet")


# --- geometry (pure, cached per territory) -------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class DistrictShape:
    """One district's outline ready to draw: ``x``/``y`` are longitude/latitude (degrees) of every ring,
    rings separated by NaN; outer rings run one way and holes the other, so the non-zero fill rule
    leaves holes empty. ``label`` is a point inside the district's largest part (lon, lat)."""
    ubigeo: str
    name: str
    x: np.ndarray        # read-only
    y: np.ndarray
    label: tuple[float, float]
    area: float          # square degrees, for ordering only
    rings: tuple = ()    # the largest part's rings (numpy arrays), outer ring first
    parts: tuple = ()    # every part's rings
    boxes: tuple = ()    # every part's bounding box (xmin, ymin, xmax, ymax)


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return float((x[:-1] * y[1:] - x[1:] * y[:-1]).sum() / 2)


def _centroid(ring: np.ndarray) -> tuple[float, float]:
    """Area-weighted centroid of a closed ring (vertex mean when it has no area)."""
    x, y = ring[:, 0], ring[:, 1]
    cross = x[:-1] * y[1:] - x[1:] * y[:-1]
    area = cross.sum() / 2
    if abs(area) < 1e-15:
        return float(x.mean()), float(y.mean())
    return float(((x[:-1] + x[1:]) * cross).sum() / (6 * area)), float(((y[:-1] + y[1:]) * cross).sum() / (6 * area))


def _crossings(rings: list[np.ndarray], y0: float) -> list[float]:
    """x where the horizontal line at ``y0`` crosses the rings' edges (half-open rule), sorted."""
    out: list[float] = []
    for ring in rings:
        ya, yb = ring[:-1, 1], ring[1:, 1]
        xa, xb = ring[:-1, 0], ring[1:, 0]
        hit = (ya <= y0) != (yb <= y0)
        if hit.any():
            xs = xa[hit] + (y0 - ya[hit]) * (xb[hit] - xa[hit]) / (yb[hit] - ya[hit])
            out.extend(xs.tolist())
    return sorted(out)


def inside(rings: list[np.ndarray], x0: float, y0: float) -> bool:
    """Even-odd point-in-polygon test (outer ring plus holes)."""
    return sum(1 for x in _crossings(rings, y0) if x > x0) % 2 == 1


def label_point(rings: list[np.ndarray]) -> tuple[float, float]:
    """A point inside the polygon (outer ring first, then holes) to write its label at (lon, lat).

    The area-weighted centroid of the outer ring when it lies inside, not hugging an edge (at least a
    fifth of the inside stretch of its horizontal line on either side); otherwise the middle of the
    widest inside stretch among horizontal lines across the polygon (like shapely's
    ``representative_point``, without shapely)."""
    outer = rings[0]
    cx, cy = _centroid(outer)
    xs = _crossings(rings, cy)
    for a, b in zip(xs[0::2], xs[1::2]):
        if a <= cx <= b and min(cx - a, b - cx) >= 0.2 * (b - a):
            return cx, cy
    ymin, ymax = float(outer[:, 1].min()), float(outer[:, 1].max())
    best = None
    for frac in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9):
        y0 = ymin + frac * (ymax - ymin)
        xs = _crossings(rings, y0)
        for a, b in zip(xs[0::2], xs[1::2]):
            if best is None or b - a > best[2]:
                best = ((a + b) / 2, y0, b - a)
    return (float(best[0]), float(best[1])) if best else (cx, cy)


def _orient(ring: np.ndarray, clockwise: bool) -> np.ndarray:
    return ring[::-1] if (_signed_area(ring) < 0) != clockwise else ring


def shapes_from_geojson(geojson: dict, names: dict[str, str] | None = None) -> dict[str, DistrictShape]:
    """:class:`DistrictShape` per feature of a GeoJSON FeatureCollection (Polygon or MultiPolygon), keyed by
    ``properties.ubigeo`` (else the feature ``id``). Names from ``names``, else the feature's ``district``
    or ``name`` property, else the code."""
    names = names or {}
    out: dict[str, DistrictShape] = {}
    for feature in geojson.get("features", []):
        props = feature.get("properties") or {}
        code = str(props.get("ubigeo") or feature.get("id"))
        geom = feature.get("geometry") or {}
        if geom.get("type") == "Polygon":
            polygons = [geom["coordinates"]]
        elif geom.get("type") == "MultiPolygon":
            polygons = geom["coordinates"]
        else:
            continue
        xs: list = []
        ys: list = []
        boxes: list = []
        best, best_area, total, parts = None, -1.0, 0.0, []
        for poly in polygons:
            rings = [np.asarray(r, dtype=float)[:, :2] for r in poly if len(r) >= 3]
            if not rings:
                continue
            rings = [np.vstack([r, r[:1]]) if not np.array_equal(r[0], r[-1]) else r for r in rings]
            rings = [_orient(rings[0], True)] + [_orient(r, False) for r in rings[1:]]
            area = abs(_signed_area(rings[0])) - sum(abs(_signed_area(r)) for r in rings[1:])
            total += area
            parts.append(tuple(rings))
            boxes.append((float(rings[0][:, 0].min()), float(rings[0][:, 1].min()),
                          float(rings[0][:, 0].max()), float(rings[0][:, 1].max())))
            if area > best_area:
                best, best_area = rings, area
            for ring in rings:
                if xs:
                    xs.append(np.array([np.nan]))
                    ys.append(np.array([np.nan]))
                xs.append(ring[:, 0])
                ys.append(ring[:, 1])
        if best is None:
            continue
        x, y = np.concatenate(xs), np.concatenate(ys)
        x.flags.writeable = y.flags.writeable = False
        out[code] = DistrictShape(code, str(names.get(code) or props.get("district") or props.get("name") or code),
                                  x, y, label_point(best), total, tuple(best), tuple(parts), tuple(boxes))
    return out


@lru_cache(maxsize=8)
def _cached_shapes(path: str, stamp: tuple, names: tuple) -> dict[str, DistrictShape]:
    import json
    return shapes_from_geojson(json.loads(Path(path).read_text("utf-8")), dict(names))


def district_shapes(territory) -> dict[str, DistrictShape]:
    """The territory's district outlines, read and prepared once per boundary file (cached on its path,
    size and modification time, so a swapped file is read again)."""
    path = Path(territory.directory) / "tumbes_districts.geojson"
    try:
        info = path.stat()
        stamp = (info.st_size, info.st_mtime_ns)
    except OSError:
        return shapes_from_geojson(territory.geojson("district"), territory.districts["name"].to_dict())
    names = tuple(sorted(territory.districts["name"].astype(str).to_dict().items()))
    return _cached_shapes(str(path), stamp, names)


# --- text -----------------------------------------------------------------------------------------------
def _missing(value) -> bool:
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def _flag(row: dict, name: str) -> bool:
    value = row.get(name, False)
    return bool(value) if value is not None and value == value else False


def count_text(t: Translator, row: dict, col: str, threshold: int = 5) -> str:
    """``<5`` when masked as small, *reservado* when masked to protect another cell, ``—`` when missing,
    else the number in the user's locale; a published range reads ``15–19``."""
    published = published_count_text(row, col, threshold, t.number)
    if published is not None:
        return published
    if _flag(row, f"{col}_suppressed"):
        return t("explore.withheld") if _flag(row, f"{col}_complementary") else f"<{threshold}"
    value = row.get(col)
    return "—" if _missing(value) else t.number(float(value))


def coverage_text(t: Translator, row: dict) -> str:
    if _flag(row, "coverage_suppressed"):
        return t("explore.withheld")
    value = row.get("coverage")
    return "—" if _missing(value) else t.percent(float(value))


def severity_word(t: Translator, severity: str) -> str:
    """Icon and word, e.g. ``▲▲ Alta``."""
    return f"{SEVERITY_ICONS[severity]} {t.severity(severity)}"


def _with_unit(text: str, unit: str) -> str:
    return f"{text} {unit}" if unit and text != "—" else text


def _institutions(value) -> str | None:
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, str):
        return value or "—"
    return None


def hover_text(t: Translator, row: dict, name: str, value_label: str = "", threshold: int = 5) -> str:
    """Hover for one district: name, gap, severity, need, supply, unmet (with units), coverage, and the
    institutions that reported (when the caller gave them)."""
    unit = str(row.get("unit") or "") if not _missing_text(row.get("unit")) else ""
    need_unit = str(row.get("need_unit") or "") if not _missing_text(row.get("need_unit")) else unit
    lines = [f"<b>{name}</b>"]
    if value_label:
        lines.append(value_label)
    lines += [
        f"{t('columns.severity')}: {severity_word(t, row['severity'])}",
        f"{t('columns.need')}: {_with_unit(count_text(t, row, 'need', threshold), need_unit)}",
        f"{t('columns.supply')}: {_with_unit(count_text(t, row, 'supply', threshold), unit)}",
        f"{t('columns.unmet')}: {_with_unit(count_text(t, row, 'unmet', threshold), unit)}",
        f"{t('columns.coverage')}: {coverage_text(t, row)}",
    ]
    who = _institutions(row.get("institutions", row.get("reporters")))
    if who is not None:
        lines.append(f"{t('explore.reported_by')}: {who}")
    return "<br>".join(lines)


def _missing_text(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


# --- label placement --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Label:
    """Where a district's label is written (lon, lat of its centre) and, for a callout outside the map,
    the leader line's two ends."""
    x: float
    y: float
    callout: bool = False
    line: tuple = ()


def _plain(text: str) -> list[str]:
    import re
    return [re.sub(r"<[^>]+>", "", part) for part in text.split("<br>")]


def _box(x: float, y: float, text: str, scale: tuple[float, float], size: int) -> tuple:
    """Approximate extent of a text label centred at (x, y): average glyph 0.6 em wide, lines 1.25 em."""
    lines = _plain(text)
    w = max(len(line) for line in lines) * size * 0.6 * scale[0]
    h = len(lines) * size * 1.25 * scale[1]
    return (x - w / 2, y - h / 2, x + w / 2, y + h / 2)


def _overlap(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _on_map(shapes: dict[str, DistrictShape], box: tuple) -> bool:
    """Does the label box cover part of a district (tested at its corners, edge middles and centre)?"""
    x0, y0, x1, y1 = box
    points = [(x0, y0), (x1, y0), (x0, y1), (x1, y1), ((x0 + x1) / 2, (y0 + y1) / 2),
              ((x0 + x1) / 2, y0), ((x0 + x1) / 2, y1), (x0, (y0 + y1) / 2), (x1, (y0 + y1) / 2)]
    for shape in shapes.values():
        for rings, bb in zip(shape.parts, shape.boxes):
            if _overlap(box, bb) and any(inside(list(rings), px, py) for px, py in points
                                         if bb[0] <= px <= bb[2] and bb[1] <= py <= bb[3]):
                return True
    return False


def place_labels(shapes: dict[str, DistrictShape], texts: dict[str, str], scale: tuple[float, float],
                 size: int = 12) -> dict[str, Label]:
    """Label positions that do not overlap: largest districts first, each at its interior point or
    nudged within the district; a label with no room inside (small districts in a crowded corner) moves
    out of the map along the ray from the territory's centre, with a leader line back to its district.
    ``scale``: degrees of (lon, lat) per pixel."""
    xs = np.concatenate([sh.x for sh in shapes.values()])
    ys = np.concatenate([sh.y for sh in shapes.values()])
    cx, cy = (np.nanmin(xs) + np.nanmax(xs)) / 2, (np.nanmin(ys) + np.nanmax(ys)) / 2
    placed: list[tuple] = []
    out: dict[str, Label] = {}
    for code in sorted(shapes, key=lambda c: -shapes[c].area):
        shape, text = shapes[code], texts[code]
        x, y = shape.label
        x0, y0, x1, y1 = _box(x, y, text, scale, size)
        w, h = x1 - x0, y1 - y0
        tries = [(x, y)] + [(x + dx * w, y + dy * h) for dy, dx in
                            ((0.5, 0), (-0.5, 0), (0, 0.3), (0, -0.3), (1, 0), (-1, 0), (0.5, 0.3), (0.5, -0.3),
                             (-0.5, 0.3), (-0.5, -0.3))]
        spot = None
        for k, (px, py) in enumerate(tries):
            box = _box(px, py, text, scale, size)
            if (k == 0 or inside(list(shape.rings), px, py)) and not any(_overlap(box, b) for b in placed):
                spot = Label(px, py)
                placed.append(box)
                break
        if spot is None:
            ux, uy = (x - cx) / scale[0], (y - cy) / scale[1]           # direction in pixels
            norm = math.hypot(ux, uy) or 1.0
            ux, uy = ux / norm, uy / norm
            for step in range(1, 120):
                px, py = x + ux * step * 6 * scale[0], y + uy * step * 6 * scale[1]
                box = _box(px, py, text, scale, size)
                if not _on_map(shapes, box) and not any(_overlap(box, b) for b in placed):
                    # the leader line stops at the label's edge
                    hx, hy = (box[2] - box[0]) / 2, (box[3] - box[1]) / 2
                    dx, dy = (px - x), (py - y)
                    cut = min(hx / abs(dx) if dx else math.inf, hy / abs(dy) if dy else math.inf)
                    end = (px - dx * cut, py - dy * cut) if cut < 1 else (px, py)
                    spot = Label(px, py, True, ((x, y), end))
                    placed.append(box)
                    break
        out[code] = spot or Label(x, y)
    return out


PHONE_LABEL_CHARS = 11   # a long district name takes two short lines on a phone, so the map can be larger
KEY_PX = 200   # room the key takes beside the map, in pixels
KEY_ROW_PX = 32   # one row of the key (swatch and word) when it is drawn below the map


def key_below_px(rows: int, value_label: str = "") -> int:
    """Height in pixels the key takes below the map: its rows plus the gap's name above them."""
    return rows * KEY_ROW_PX + (18 * (1 + _wrap(value_label).count("<br>")) if value_label else 0) + 24


def _extent(shapes: dict[str, DistrictShape], height: int,
            width: int | None = None, below: int = 0) -> tuple[list, list, float, tuple[float, float]]:
    """[xmin, xmax], [ymin, ymax] of the outlines, the y:x scale ratio at their mid latitude (1° of
    latitude is longer than 1° of longitude), and the degrees (lon, lat) per pixel expected when the map
    fills a plot ``height`` pixels high, or ``width`` pixels wide when that is the tighter bound (margins,
    the key and room for callouts included). ``below``: pixels the key takes under the map (0: the key
    is beside it)."""
    both = np.concatenate([sh.x for sh in shapes.values()]), np.concatenate([sh.y for sh in shapes.values()])
    xs = [float(np.nanmin(both[0])), float(np.nanmax(both[0]))]
    ys = [float(np.nanmin(both[1])), float(np.nanmax(both[1]))]
    ratio = 1 / math.cos(math.radians((ys[0] + ys[1]) / 2))
    per_px = (ys[1] - ys[0]) * 1.2 / max(height - 80 - below, 100)
    if width:
        beside = 0 if below else KEY_PX
        per_px = max(per_px, (xs[1] - xs[0]) * 1.2 / max(width - beside - 20, 100) / ratio)
    return xs, ys, ratio, (per_px * ratio, per_px)


def label_scale(shapes: dict[str, DistrictShape], height: int, width: int | None = None,
                below: int = 0) -> tuple[float, float]:
    """Degrees of (lon, lat) per pixel the labels are placed with (see :func:`place_labels`)."""
    return _extent(shapes, height, width, below)[3]


# --- the figure -----------------------------------------------------------------------------------------
def _pattern(severity: str) -> dict:
    return dict(shape=SEVERITY_PATTERNS[severity], fgcolor=PATTERN_INK, bgcolor=SEVERITY_COLORS[severity],
                fillmode="replace", size=9, solidity=PATTERN_SOLIDITY[severity])


def _rows_by_district(rows: pd.DataFrame, codes: list[str]) -> dict[str, dict]:
    records = {}
    for record in rows.to_dict("records"):
        code = str(record.get("ubigeo"))
        if code in codes and code not in records:
            severity = record.get("severity")
            record["severity"] = severity if severity in SEVERITY_COLORS else NO_DATA
            records[code] = record
    return records


def _wrap(text: str, width: int = 24) -> str:
    import textwrap
    return "<br>".join(textwrap.wrap(text, width)) if text else ""


def district_map(rows: pd.DataFrame, territory, t: Translator, title: str, *, value_label: str = "",
                 height: int = 560, threshold: int = 5, label_size: int = 12,
                 width_hint: int | None = None, key_below: bool = False) -> go.Figure:
    """Districts coloured and patterned by the severity of one gap, each with its name and severity word
    written on it, drawn offline as cartesian polygons (no map subplot, nothing fetched), with a key of
    the four classes plus *Sin datos* (swatch, icon and word) beside the map.

    ``rows``: one row per district UBIGEO with ``severity`` (``adecuada`` … ``critica`` or ``sin_datos``)
    and, for the hover, ``need``, ``supply``, ``unmet`` (counts, in ``need_unit`` / ``unit``),
    ``coverage`` (ratio S / N), optionally ``place`` (display name), ``institutions`` (list or text of the
    institutions that reported) and suppression flags ``<col>_suppressed`` / ``<col>_complementary``.
    Districts of the territory missing from ``rows`` are drawn as *Sin datos*; rows for other places
    (province, region) are ignored.
    ``territory``: a :class:`~gapsmodel.rules.territory.Territory` (outlines cached per boundary file) or a
    GeoJSON FeatureCollection of the districts. ``value_label``: the gap's name, written above the key
    and in every hover. ``threshold``: the small-cell threshold written as ``<5``. ``width_hint``: the
    width in pixels the figure will likely get (a narrow page column), so that labels are spaced for it;
    without it the map is assumed to fill the height. ``key_below``: the key goes under the map instead of
    beside it, so the map keeps the whole width of a narrow column (a phone) and nothing sticks out.
    """
    shapes = shapes_from_geojson(territory) if isinstance(territory, dict) else district_shapes(territory)
    codes = list(shapes)
    records = _rows_by_district(rows, codes)
    if not codes:
        return go.Figure(layout=dict(title=dict(text=title, x=0, xanchor="left"), font=FONT, height=height))

    # "no determinable" appears only in public views, and in the key only where a district has it
    classes = [s for s in SEVERITY_CLASSES
               if s != UNDETERMINED or any(r.get("severity") == UNDETERMINED for r in records.values())]
    below = key_below_px(len(classes), value_label) if key_below else 0
    xs, ys, ratio, scale = _extent(shapes, height, width_hint, below)

    traces: list[dict] = []
    names, texts, hovers = {}, {}, {}
    for code in codes:
        shape = shapes[code]
        row = records.get(code) or {"ubigeo": code, "severity": NO_DATA}
        severity = row["severity"]
        place = row.get("place")
        names[code] = str(place) if isinstance(place, str) and place else shape.name
        # key below the map (a phone): the name, wrapped when long, and the icon; the word is in the key
        # beside the same colour, pattern and icon. Short lines leave the map more of a 350 px width
        texts[code] = (f"<b>{_wrap(names[code], PHONE_LABEL_CHARS)}</b> {SEVERITY_ICONS[severity]}" if key_below
                       else f"<b>{names[code]}</b><br>{severity_word(t, severity)}")
        hovers[code] = hover_text(t, row, names[code], value_label, threshold)
        traces.append(dict(
            type="scatter", x=shape.x, y=shape.y, mode="lines", fill="toself", connectgaps=False,
            fillcolor=SEVERITY_COLORS[severity], fillpattern=_pattern(severity),
            line=dict(color=OUTLINE, width=1.2), name=names[code], text=hovers[code], hoveron="fills",
            hoverlabel=dict(namelength=0), showlegend=False, meta=dict(ubigeo=code, severity=severity)))

    labels = place_labels(shapes, texts, scale, label_size)
    boxes = [_box(labels[c].x, labels[c].y, texts[c], scale, label_size) for c in codes]
    if key_below and width_hint:
        # labels moved out of the map widen what is drawn, and the figure then shrinks it to fit: place
        # them again at the scale that leaves room for them, so that at the hinted width they keep apart
        room = (width_hint - 40, height - max(70, title_margin(title)) - 20 - below)
        for _ in range(6):
            need = ((max([max(xs)] + [b[2] for b in boxes]) - min([min(xs)] + [b[0] for b in boxes])) / scale[0],
                    (max([max(ys)] + [b[3] for b in boxes]) - min([min(ys)] + [b[1] for b in boxes])) / scale[1])
            grow = max(need[0] / room[0], need[1] / max(room[1], 100))
            if grow <= 1.02:
                break
            scale = (scale[0] * grow, scale[1] * grow)
            labels = place_labels(shapes, texts, scale, label_size)
            boxes = [_box(labels[c].x, labels[c].y, texts[c], scale, label_size) for c in codes]
    leader_x: list = []
    leader_y: list = []
    for code in codes:
        if labels[code].callout:
            (ax, ay), (bx, by) = labels[code].line
            leader_x += [ax, bx, None]
            leader_y += [ay, by, None]
    if leader_x:
        traces.append(dict(type="scatter", x=leader_x, y=leader_y, mode="lines+markers", hoverinfo="skip",
                           line=dict(color=OUTLINE, width=1), marker=dict(size=4, color=OUTLINE),
                           showlegend=False, name="leaders", meta=dict(leaders=True)))
    traces.append(dict(
        type="scatter", x=[labels[c].x for c in codes], y=[labels[c].y for c in codes], mode="text",
        text=[texts[c] for c in codes], textposition="middle center",
        textfont=dict(size=label_size, color="#000000", shadow=LABEL_HALO), hovertext=[hovers[c] for c in codes],
        hovertemplate="%{hovertext}<extra></extra>", showlegend=False, name="labels", cliponaxis=False,
        meta=dict(labels=True, ubigeo=codes)))

    # the key, drawn beside the map (or below it) so that its swatches are large enough to show the
    # patterns in print
    right = max([max(xs)] + [b[2] for b in boxes])
    top = max([max(ys)] + [b[3] for b in boxes])
    bottom = min([min(ys)] + [b[1] for b in boxes])
    side_x, side_y, row_h = 26 * scale[0], 26 * scale[1], KEY_ROW_PX * scale[1] if key_below else 36 * scale[1]
    title_px = (10 + 18 * (1 + _wrap(value_label).count("<br>")) if value_label else 0)
    if key_below:
        kx = min([min(xs)] + [b[0] for b in boxes]) + 4 * scale[0]
        key_top = bottom - 16 * scale[1]
        ky = key_top - title_px * scale[1] - side_y / 2
    else:
        kx = right + 24 * scale[0]
        key_top = top
        ky = top - title_px * scale[1] - side_y / 2
    key_text_x, key_text_y, key_text = [], [], []
    for i, severity in enumerate(classes):
        yc = ky - i * row_h
        sq_x = [kx, kx + side_x, kx + side_x, kx, kx]
        sq_y = [yc - side_y / 2, yc - side_y / 2, yc + side_y / 2, yc + side_y / 2, yc - side_y / 2]
        traces.append(dict(type="scatter", x=sq_x, y=sq_y, mode="lines", fill="toself",
                           fillcolor=SEVERITY_COLORS[severity], fillpattern=_pattern(severity),
                           line=dict(color=OUTLINE, width=1), name=severity_word(t, severity), hoverinfo="skip",
                           showlegend=False, meta=dict(legend=severity)))
        key_text_x.append(kx + side_x + 8 * scale[0])
        key_text_y.append(yc)
        key_text.append(severity_word(t, severity))
    if value_label:
        key_text_x.append(kx)
        key_text_y.append(key_top)
        key_text.append(f"<b>{_wrap(value_label)}</b>")
    traces.append(dict(type="scatter", x=key_text_x, y=key_text_y, mode="text", text=key_text,
                       textposition=["middle right"] * len(classes) + (["bottom right"] if value_label else []),
                       textfont=dict(size=max(label_size + 1, 13), color="#000000"), hoverinfo="skip", cliponaxis=False,
                       showlegend=False, name="key", meta=dict(key=True)))
    key_right = max(kx + side_x + 8 * scale[0] + len(k) * 0.7 * max(label_size + 1, 13) * scale[0]
                    for k in [severity_word(t, s) for s in classes] + _plain(_wrap(value_label)))

    x0 = min([min(xs)] + [b[0] for b in boxes]) - 10 * scale[0]
    x1 = max(key_right, right) + 10 * scale[0]
    y0 = (ky - (len(classes) - 1) * row_h - side_y if key_below else bottom) - 10 * scale[1]
    y1 = (top if key_below else max(top, ky + side_y)) + 24 * scale[1]
    top_margin = max(70, title_margin(title))
    if key_below and width_hint:
        # as tall as what is drawn at the hinted width, no taller: a phone scrolls past no empty band
        drawn = (y1 - y0) / scale[1] * min(1.0, (width_hint - 20) / ((x1 - x0) / scale[0]))
        height = min(height, math.ceil(top_margin + 10 + drawn + 8))
    layout = dict(
        title=dict(text=wrap(title, TITLE_WRAP), x=0, xanchor="left", **TITLE_AT_TOP), font=FONT, height=height,
        margin=dict(l=10, r=10, t=top_margin, b=10), paper_bgcolor="white", plot_bgcolor="white",
        hovermode="closest", hoverlabel=dict(font=dict(size=14), bgcolor="white"), showlegend=False,
        xaxis=dict(visible=False, range=[x0, x1], constrain="domain"),
        yaxis=dict(visible=False, range=[y0, y1], scaleanchor="x", scaleratio=ratio, constrain="domain"))
    return go.Figure(dict(data=traces, layout=layout))
