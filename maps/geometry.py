"""Display geometry: simplified area polygons, district outlines, neighbours and catchment colours.

Boundaries are simplified for the screen in British National Grid metres (EPSG:27700) with
:func:`shapely.coverage_simplify`, which keeps shared edges shared (no slivers or gaps between
neighbouring areas), then rounded to ``decimals`` places of a degree (5 places ≈ 1 m). Boundaries
that are not a clean coverage fall back to per-polygon topology-preserving simplification.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from siting.geo import BNG, WGS84

#: Default simplification tolerance, metres. For the coverage (Visvalingam-Whyatt) simplifier this
#: is roughly the side of the largest triangle removed; 80 m keeps Norfolk's 538 LSOAs recognisable
#: at county zoom and about halves the vertices, like a 50 m Douglas-Peucker.
TOLERANCE_M = 80.0
#: Radius of the disc drawn for an area that has a point but no boundary, metres.
POINT_RADIUS_M = 400.0


def display_areas(boundaries: gpd.GeoDataFrame, ids: Sequence[str], *, points: pd.DataFrame | None = None,
                  tolerance_m: float = TOLERANCE_M, decimals: int = 5) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Simplified polygons of the areas ``ids`` (in that order), in WGS84, and the ids left undrawn.

    Args:
        boundaries: polygons with an ``id`` column and a coordinate reference system.
        ids: the areas to draw.
        points: ``id, lon, lat`` of areas; an area without a polygon but with a point is drawn
            as a small disc (radius :data:`POINT_RADIUS_M`).
        tolerance_m: simplification tolerance in metres (0: none).
        decimals: decimal places of a degree kept.

    Returns:
        A frame with ``id`` and ``geometry`` (areas that can be drawn, in the order of ``ids``) and
        the list of ids that have neither a polygon nor a point.
    """
    if boundaries.crs is None:
        raise ValueError("boundaries have no coordinate reference system")
    wanted = pd.Index([str(i) for i in ids])
    b = boundaries[["id", boundaries.geometry.name]].copy()
    b["id"] = b["id"].astype(str)
    b = b[b["id"].isin(wanted)].drop_duplicates("id").to_crs(BNG)
    # Snapping to a 1 cm grid re-nodes edges that reprojection left a hair apart (a clean coverage again).
    geoms = shapely.set_precision(shapely.make_valid(np.asarray(b.geometry.values)), 0.01)
    if tolerance_m > 0 and len(geoms):
        try:
            clean = bool(shapely.coverage_is_valid(geoms))
        except shapely.errors.GEOSException:
            clean = False
        simple = (shapely.coverage_simplify(geoms, tolerance_m) if clean
                  else shapely.simplify(geoms, tolerance_m * 0.6, preserve_topology=True))
        geoms = np.where(shapely.is_empty(simple), geoms, simple)
    polygons = dict(zip(b["id"], geoms, strict=True))
    missing = [i for i in wanted if i not in polygons]
    if missing and points is not None and len(points):
        p = points.assign(id=points["id"].astype(str)).drop_duplicates("id").set_index("id")
        have = [i for i in missing if i in p.index]
        if have:
            pts = gpd.GeoSeries(gpd.points_from_xy(p.loc[have, "lon"], p.loc[have, "lat"]), crs=WGS84).to_crs(BNG)
            for i, g in zip(have, pts.buffer(POINT_RADIUS_M, quad_segs=4), strict=True):
                polygons[i] = g
    order = [i for i in wanted if i in polygons]
    out = gpd.GeoDataFrame({"id": order}, geometry=[polygons[i] for i in order], crs=BNG).to_crs(WGS84)
    snapped = shapely.set_precision(np.asarray(out.geometry.values), 10.0 ** -decimals)
    out["geometry"] = np.where(shapely.is_empty(snapped), np.asarray(out.geometry.values), snapped)
    return out, [i for i in wanted if i not in polygons]


def district_outlines(areas: gpd.GeoDataFrame, districts: Sequence[str]) -> gpd.GeoDataFrame:
    """One (multi)polygon per district: the union of its areas (``areas`` aligned with ``districts``)."""
    frame = gpd.GeoDataFrame({"district": [str(d) for d in districts]}, geometry=areas.geometry.values,
                             crs=areas.crs)
    frame = frame[frame["district"] != ""]
    rows = []
    for name, group in frame.groupby("district", sort=True):
        rows.append({"district": name, "geometry": shapely.union_all(np.asarray(group.geometry.values))})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=areas.crs) if rows else frame.iloc[:0]


def neighbours(areas: gpd.GeoDataFrame, *, distance_m: float = 5.0) -> NDArray[np.int64]:
    """Pairs ``(i, j)``, ``i < j``, of areas within ``distance_m`` of each other (shape ``(k, 2)``)."""
    geoms = np.asarray(areas.to_crs(BNG).geometry.values)
    if len(geoms) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    tree = shapely.STRtree(geoms)
    pairs = tree.query(geoms, predicate="dwithin", distance=distance_m).T
    pairs = pairs[pairs[:, 0] < pairs[:, 1]]
    return np.asarray(pairs, dtype=np.int64)


def catchment_colours(area_base: Sequence[str | None], pairs: NDArray[np.int64],
                      palette: Sequence[str]) -> dict[str, str]:
    """A colour per base such that catchments that touch get different colours where possible.

    Greedy colouring of the catchment adjacency graph, most-connected base first (ties by id), so
    the result is deterministic. Among the colours no neighbour has, the least used so far is taken,
    so that with enough colours every catchment has its own. With more touching catchments than
    colours, the colour least used among the neighbours is reused.
    """
    bases = sorted({b for b in area_base if b is not None})
    adj: dict[str, set[str]] = {b: set() for b in bases}
    for i, j in pairs:
        a, b = area_base[int(i)], area_base[int(j)]
        if a is not None and b is not None and a != b:
            adj[a].add(b)
            adj[b].add(a)
    order = sorted(bases, key=lambda b: (-len(adj[b]), b))
    colour: dict[str, int] = {}
    uses = [0] * len(palette)
    for b in order:
        near = [colour[n] for n in adj[b] if n in colour]
        free = [k for k in range(len(palette)) if k not in near]
        k = (min(free, key=lambda c: (uses[c], c)) if free
             else min(range(len(palette)), key=lambda c: (near.count(c), uses[c], c)))
        colour[b] = k
        uses[k] += 1
    return {b: palette[colour[b]] for b in bases}


def _rounded(value: Any, decimals: int) -> Any:
    if isinstance(value, float):
        return round(value, decimals)
    if isinstance(value, list | tuple):
        return [_rounded(v, decimals) for v in value]
    return value


def feature_collection(frame: gpd.GeoDataFrame, properties: Sequence[Mapping[str, Any]], *,
                       decimals: int = 5) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of ``frame``'s geometries (WGS84) with the given properties."""
    if len(properties) != len(frame):
        raise ValueError("one properties mapping per geometry is needed")
    features = []
    for geom, props in zip(frame.to_crs(WGS84).geometry.values, properties, strict=True):
        g = shapely.geometry.mapping(geom)
        features.append({"type": "Feature", "properties": dict(props),
                         "geometry": {"type": g["type"], "coordinates": _rounded(g["coordinates"], decimals)}})
    return {"type": "FeatureCollection", "features": features}


def bounds(frame: gpd.GeoDataFrame) -> list[list[float]]:
    """``[[south, west], [north, east]]`` of ``frame`` in WGS84 (Leaflet's order)."""
    w, s, e, n = frame.to_crs(WGS84).total_bounds
    return [[float(s), float(w)], [float(n), float(e)]]
