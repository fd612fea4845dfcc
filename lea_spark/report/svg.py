"""Inline SVG maps from GeoJSON (no external scripts or tiles: reports work offline).

A simple equirectangular projection scaled by cos(latitude) at the map's centre is enough
for choropleths of Finnish areas.
"""
from __future__ import annotations

import html
import math
from typing import Iterable

PALETTE = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]
SUPPRESSED_FILL = "url(#hatch)"
NO_DATA_FILL = "#f2f2f2"

HATCH_DEF = ('<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
             'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ddd"/>'
             '<line x1="0" y1="0" x2="0" y2="6" stroke="#999" stroke-width="2"/></pattern></defs>')


def _rings(geometry: dict) -> Iterable[list]:
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for poly in geometry["coordinates"]:
            yield from poly


def bbox(features: list[dict], points: list[tuple[float, float]] = ()) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for f in features:
        for ring in _rings(f["geometry"]):
            for lon, lat in ring:
                xs.append(lon)
                ys.append(lat)
    for lon, lat in points:
        xs.append(lon)
        ys.append(lat)
    if not xs:
        return 19.0, 59.5, 31.6, 70.1
    return min(xs), min(ys), max(xs), max(ys)


class Projection:
    """lon/lat -> SVG pixels for a bounding box and a target width."""

    def __init__(self, box, width: int = 420, pad: int = 6):
        x0, y0, x1, y1 = box
        self.k = math.cos(math.radians((y0 + y1) / 2))
        span_x = max((x1 - x0) * self.k, 1e-6)
        span_y = max(y1 - y0, 1e-6)
        self.scale = (width - 2 * pad) / span_x
        self.x0, self.y1, self.pad = x0, y1, pad
        self.width = width
        self.height = int(span_y * self.scale + 2 * pad)

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return (self.pad + (lon - self.x0) * self.k * self.scale, self.pad + (self.y1 - lat) * self.scale)


def path_d(geometry: dict, proj: Projection) -> str:
    parts = []
    for ring in _rings(geometry):
        pts = [proj(lon, lat) for lon, lat in ring]
        if len(pts) < 3:
            continue
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + "Z")
    return "".join(parts)


def classes(values: list[float | None], n: int = 5) -> list[float]:
    """Quantile class breaks of the published (non-missing) values."""
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return []
    breaks = [vals[min(len(vals) - 1, int(len(vals) * i / n))] for i in range(1, n)]
    return sorted(set(b for b in breaks if b < vals[-1])) or []  # no empty or repeated classes


def colour(value: float | None, breaks: list[float], suppressed: bool) -> str:
    if suppressed:
        return SUPPRESSED_FILL
    if value is None:
        return NO_DATA_FILL
    if not breaks:
        return PALETTE[2]  # every published value equal: one class
    i = sum(1 for b in breaks if value > b)
    return PALETTE[min(i, len(PALETTE) - 1)]


def choropleth(features: list[dict], key: str, fills: dict[str, str], titles: dict[str, str],
               proj: Projection, svg_id: str, links: dict[str, str] | None = None,
               points: list[dict] | None = None) -> str:
    """An SVG with one path per feature (``data-code`` = its key) and optional points."""
    out = [f'<svg id="{svg_id}" class="map" viewBox="0 0 {proj.width} {proj.height}" '
           f'width="{proj.width}" height="{proj.height}" role="img" xmlns="http://www.w3.org/2000/svg">', HATCH_DEF]
    for f in features:
        code = str(f["properties"][key])
        d = path_d(f["geometry"], proj)
        if not d:
            continue
        title = html.escape(titles.get(code, code))
        shape = (f'<path d="{d}" data-code="{code}" fill="{fills.get(code, NO_DATA_FILL)}" '
                 f'stroke="#fff" stroke-width="0.4"><title>{title}</title></path>')
        if links and code in links:
            shape = f'<a href="{links[code]}">{shape}</a>'
        out.append(shape)
    for p in points or []:
        x, y = proj(p["lon"], p["lat"])
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{p.get("r", 4)}" fill="{p["fill"]}" '
                   f'stroke="#333" stroke-width="0.5"><title>{html.escape(p["title"])}</title></circle>')
    out.append("</svg>")
    return "".join(out)


def legend(breaks: list[float], unit: str) -> str:
    """Colour classes, the suppressed hatch and no-data swatches."""
    items = []
    if not breaks:
        items.append(f'<span class="sw" style="background:{PALETTE[2]}"></span>{html.escape(unit)}')
    lows = [None] + breaks
    for i, lo in enumerate(lows[:len(PALETTE)]):
        hi = breaks[i] if i < len(breaks) else None
        label = (f"≤ {hi:g}" if lo is None and hi is not None else
                 f"> {lo:g}" if hi is None and lo is not None else
                 f"{lo:g} – {hi:g}" if lo is not None else "")
        if label and breaks:
            items.append(f'<span class="sw" style="background:{PALETTE[i]}"></span>{html.escape(label)} {unit}')
    items.append('<span class="sw hatch"></span>.. salattu / sekretessbelagd')
    return '<div class="legend">' + " ".join(items) + "</div>"
