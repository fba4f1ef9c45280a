"""The plan explorer page: one self-contained HTML file (``siting explore``; served by ``siting serve``).

The page is a Jinja2 template (``maps/templates/explorer.html.j2``, autoescaped) with Leaflet, the
explorer's script (``maps/assets/explorer.js``) and style inlined (:mod:`maps.offline`), the data of
:func:`maps.explorer_data.explorer_data` as JSON in a ``<script type="application/json">`` element
(:func:`maps.html.script_json`: cannot close the element) and the area polygons as GeoJSON. The
script inserts every name as text (``textContent``), never as markup. No tile layer, no CDN: the
page works offline; :func:`maps.offline.external_urls` checks that nothing in it is fetched.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import geopandas as gpd
import pandas as pd
from markupsafe import Markup

import siting
from maps import geometry, styles
from maps.html import script_json
from maps.offline import _script_safe, _style_safe, assets_dir, external_urls, leaflet_css, leaflet_js
from maps.templating import environment
from siting.errors import InputError
from siting.geo import WGS84


@lru_cache(maxsize=1)
def explorer_js() -> str:
    return _script_safe((assets_dir() / "explorer.js").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def explorer_server_js() -> str:
    return _script_safe((assets_dir() / "explorer_server.js").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def explorer_css() -> str:
    return _style_safe((assets_dir() / "explorer.css").read_text(encoding="utf-8"))


def area_geojson(boundaries: gpd.GeoDataFrame | None, areas: pd.DataFrame, *,
                 tolerance_m: float = geometry.TOLERANCE_M) -> tuple[dict[str, Any], list[list[float]]]:
    """The areas as GeoJSON (property ``i``: the area's row in the case) and the map bounds.

    Areas without a polygon are drawn as discs around their point (``lon``/``lat``).
    """
    if boundaries is None:
        boundaries = gpd.GeoDataFrame({"id": []}, geometry=[], crs=WGS84)
    ids = areas["id"].astype(str).tolist()
    points = areas[["id", "lon", "lat"]] if {"lon", "lat"} <= set(areas.columns) else None
    geo, _ = geometry.display_areas(boundaries, ids, points=points, tolerance_m=tolerance_m)
    if geo.empty:
        raise InputError("no area can be drawn: no boundary or point matches the areas' ids", source="boundaries",
                         field="id")
    row = {a: k for k, a in enumerate(ids)}
    return geometry.feature_collection(geo, [{"i": row[a]} for a in geo["id"]]), geometry.bounds(geo)


def explorer_html(data: dict[str, Any], boundaries: gpd.GeoDataFrame | None, areas: pd.DataFrame, *,
                  server: bool = False) -> str:
    """The explorer page for ``data`` (:func:`maps.explorer_data.explorer_data`).

    Args:
        data: the page's data.
        boundaries: area polygons with an ``id`` column (``None``: areas drawn as discs).
        areas: the case's demand frame (``id``, ``lon``, ``lat``) for areas without a polygon.
        server: the page is served by ``siting serve`` (shows re-optimisation and the sweep).

    Raises:
        ValueError: the page would fetch something from the network.
    """
    shapes, bounds = area_geojson(boundaries, areas)
    payload = {**data, "bounds": bounds, "server": server,
               "style": {"minutesColours": list(styles.MINUTES_COLOURS), "minutesFactors": list(styles.MINUTES_FACTORS),
                         "keptSvg": styles.KEPT_SVG, "closedSvg": styles.CLOSED_SVG, "planSvg": styles.PLAN_SVG,
                         "fillOpacity": styles.FILL_OPACITY, "edge": styles.AREA_EDGE,
                         "districtColour": styles.DISTRICT_COLOUR}}
    page = environment().get_template("explorer.html.j2").render(
        title=data.get("title") or "Plan explorer",
        version=siting.__version__,
        provenance=data.get("provenance", ""),
        rules=data.get("rules", ""),
        server=server,
        leaflet_css=Markup(leaflet_css()), leaflet_js=Markup(leaflet_js()),
        explorer_css=Markup(explorer_css()), explorer_js=Markup(explorer_js()),
        server_js=Markup(explorer_server_js()),
        data_json=Markup(script_json(payload)), shapes_json=Markup(script_json(shapes)),
    )
    left = external_urls(page)
    if left:
        raise ValueError(f"page is not self-contained; external addresses: {', '.join(sorted(set(left))[:5])}")
    return page
