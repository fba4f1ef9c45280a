"""``Solution.explore()``: a solution on an interactive Folium map, like GeoPandas' ``explore``.

:meth:`siting.solution.Solution.explore` resolves this function by name (``siting`` does not import ``maps``:
see :mod:`siting.solution`). The map works offline (Leaflet inlined by :mod:`maps.offline`, no tiles unless
asked for): areas coloured by minutes to their base (classes relative to the travel-time limit; polygons when
the areas had them), area-to-base lines, kept bases (dark) and closed sites (hollow), each with a tooltip.
"""

from __future__ import annotations

import math
from typing import Any, cast

import folium
from branca.element import Figure

from maps.offline import make_offline

#: Class edges as fractions of the travel-time limit, and their colours (light = near, dark red = beyond).
MINUTE_CLASSES = ((0.5, "#1a9850"), (0.75, "#91cf60"), (1.0, "#fee08b"), (1.5, "#fc8d59"), (math.inf, "#d73027"))
UNREACHED = "#999999"


def minutes_colour(minutes: float, limit: float) -> str:
    """The colour of an area ``minutes`` from its base under limit ``limit``."""
    if not math.isfinite(minutes):
        return UNREACHED
    return next(c for edge, c in MINUTE_CLASSES if minutes <= edge * limit)


def explore(solution: Any, *, tiles: str | None = None, lines: bool = True, width: str = "100%",
            height: str = "600px") -> folium.Map:
    """A Folium map of ``solution`` (a :class:`siting.solution.Solution`); ``tiles`` ``None`` keeps it offline."""
    limit = float(solution.summary.get("minutes", 20.0))
    areas = solution.areas.to_crs("EPSG:4326")
    fmap = folium.Map(tiles=tiles, width=width, height=height, control_scale=True)
    keep = [c for c in ("id", "name", "district", "base_id", "base_minutes", "covered", "weight") if c in areas]
    shown = areas[[*keep, areas.geometry.name]].copy()
    if "base_minutes" in shown:
        shown["base_minutes"] = shown["base_minutes"].where(shown["base_minutes"].map(math.isfinite)).round(1)
    folium.GeoJson(
        shown.to_json(na="null"), name="areas (minutes to base)",
        style_function=lambda f: _area_style(f, limit),
        marker=folium.CircleMarker(radius=4, fill=True, fill_opacity=0.9, weight=0),
        tooltip=folium.GeoJsonTooltip(fields=keep),
    ).add_to(fmap)
    if lines and len(solution.lines):
        folium.GeoJson(solution.lines.to_crs("EPSG:4326").to_json(), name="area to base",
                       style_function=lambda f: {"color": "#555555", "weight": 0.6, "opacity": 0.5}).add_to(fmap)
    sites = solution.sites.to_crs("EPSG:4326")
    for row in sites.itertuples():
        kept = bool(getattr(row, "kept", False))
        folium.CircleMarker(location=(row.geometry.y, row.geometry.x), radius=7 if kept else 4,
                            color="#222222", weight=2 if kept else 1, fill=kept, fill_color="#222222",
                            fill_opacity=0.9, tooltip=f"{row.name} ({row.id}): {'base' if kept else 'closed'}",
                            ).add_to(fmap)
    west, south, east, north = areas.total_bounds
    fmap.fit_bounds([[south, west], [north, east]])
    folium.LayerControl().add_to(fmap)
    make_offline(cast(Figure, fmap.get_root()))
    return fmap


def _area_style(feature: dict[str, Any], limit: float) -> dict[str, Any]:
    m = feature["properties"].get("base_minutes")
    colour = minutes_colour(float("inf") if m is None else float(m), limit)
    return {"fillColor": colour, "color": colour, "weight": 0.5, "fillOpacity": 0.7}
