"""GeoDataFrames in: checked on entry, placed in a metric CRS, with their column mapping checked.

:func:`demand` and :func:`sites` turn a user's GeoDataFrame (or a plain table with ``lon``/``lat`` columns) into
:class:`~siting.domain.DemandAreas` and :class:`~siting.domain.Sites` through :mod:`siting.validation`, so files
and frames get the same one-line errors naming the column (and the row). On top of the table checks:

* a GeoDataFrame without a CRS, an empty frame, empty geometry, or sites that are not points are errors;
* demand areas may be points or polygons (placed at a point inside the polygon; the polygons are kept for
  catchment maps);
* the metric CRS used inside is British National Grid (EPSG:27700) when every point lies in Great Britain,
  otherwise the UTM zone GeoPandas estimates (:func:`metric_crs`); results come back in the input's CRS.
  Scenario files use the same rule (:func:`case_metric_crs`, :func:`placed_in`);
* a site's district comes from its own column, else from the demand area it lies in (polygons) or the nearest
  area (points, within :data:`DISTRICT_JOIN_KM`), else ``unknown``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from siting import validation
from siting.domain import DemandAreas, Sites
from siting.errors import InputError

T = TypeVar("T")

#: Great Britain with its islands, in degrees (west, south, east, north).
GB_BOUNDS = (-8.7, 49.8, 1.9, 60.9)
BNG = "EPSG:27700"
#: A site this far (km) from every demand area centroid gets no district from them (``unknown``).
DISTRICT_JOIN_KM = 5.0


@dataclass(frozen=True)
class Placed:
    """A validated table with its geometry: ``crs`` of the input, ``polygons`` (input CRS) when areas had them."""

    crs: Any
    polygons: Any = None


def metric_crs(lon: np.ndarray, lat: np.ndarray) -> str:
    """British National Grid if every point is in Great Britain, else the estimated UTM zone (EPSG code)."""
    w, s, e, n = GB_BOUNDS
    if lon.size and bool(((lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)).all()):
        return BNG
    import geopandas as gpd

    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    return str(pts.estimate_utm_crs().to_string())


def _is_geo(frame: object) -> bool:
    return bool(hasattr(frame, "crs") and getattr(frame, "_geometry_column_name", None))


def _lonlat(frame: Any, *, source: str, points_only: bool) -> tuple[pd.DataFrame, Placed]:
    """A plain table with ``lon``/``lat`` from a GeoDataFrame's geometry (checked)."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"expected a GeoDataFrame, got {type(frame).__name__}", source=source)
    if len(frame) == 0:
        raise InputError("the frame is empty", source=source)
    if not _is_geo(frame):
        return frame, Placed(crs="EPSG:4326")
    if frame.crs is None:
        raise InputError("the GeoDataFrame has no CRS: set one (gdf.set_crs(...)) so places are not guessed",
                         source=source, field="geometry")
    geom = frame.geometry
    empty = (geom.isna() | geom.is_empty).to_numpy()
    if empty.any():
        k = int(np.flatnonzero(empty)[0])
        raise InputError(f"empty geometry (row {frame.index[k]!r})", source=source, field="geometry")
    kinds = geom.geom_type.to_numpy()
    bad = (kinds != "Point") if points_only else ~np.isin(kinds, ["Point", "Polygon", "MultiPolygon"])
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        need = "points" if points_only else "points or polygons"
        raise InputError(f"geometry is a {kinds[k]}, {need} needed (row {frame.index[k]!r})", source=source,
                         field="geometry")
    polygons = frame.geometry if (kinds != "Point").any() else None
    pts = geom.representative_point() if polygons is not None else geom
    wgs = pts.to_crs("EPSG:4326")
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    for c in ("lon", "lat", "x_m", "y_m"):
        if c in table.columns:
            table = table.drop(columns=c)  # the geometry is the location
    table["lon"] = wgs.x.to_numpy()
    table["lat"] = wgs.y.to_numpy()
    return table, Placed(crs=frame.crs, polygons=polygons)


def _by_row(frame: Any, check: Callable[[], T]) -> T:
    """``check()``; for a frame from Python (not a file), errors name the row by its index label, not a line."""
    try:
        return check()
    except InputError as exc:
        if not _is_geo(frame) or exc.row is None or exc.row < 2 or exc.row - 2 >= len(frame):
            raise
        label = frame.index[exc.row - 2]
        raise InputError(f"{exc.detail} (row {label!r})", source=exc.source, field=exc.field) from None


def _metric(table: pd.DataFrame, crs: str) -> tuple[np.ndarray, np.ndarray]:
    import geopandas as gpd

    pts = gpd.GeoSeries(gpd.points_from_xy(table["lon"], table["lat"]), crs="EPSG:4326").to_crs(crs)
    return pts.x.to_numpy(), pts.y.to_numpy()


def case_metric_crs(areas: DemandAreas) -> str:
    """The metric CRS of a case: :func:`metric_crs` of its demand areas (the sites are placed in the same one)."""
    return metric_crs(areas.frame["lon"].to_numpy(dtype=float), areas.frame["lat"].to_numpy(dtype=float))


def project(lon: np.ndarray, lat: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes (degrees) in ``crs`` (metres): the same numbers as the table readers in BNG."""
    if crs == BNG:
        from siting.geo import to_bng

        return to_bng(lon, lat)
    return _metric(pd.DataFrame({"lon": lon, "lat": lat}), crs)


def placed_in(table: DemandAreas | Sites, crs: str) -> Any:
    """Checked areas or sites with ``x_m``/``y_m`` in ``crs`` from their longitudes and latitudes.

    The readers of files (:mod:`siting.validation`) place tables in British National Grid; a case outside Great
    Britain is moved here into the metric CRS :func:`case_metric_crs` chose (BNG tables are returned as they are,
    so data in Great Britain keeps its coordinates to the last digit).
    """
    if crs == BNG:
        return table
    x, y = _metric(table.frame, crs)
    return type(table)(table.frame.assign(x_m=x, y_m=y), table.source)


def demand(frame: Any, *, columns: Mapping[str, str] | None = None, source: str = "demand",
           crs: str | None = None) -> tuple[DemandAreas, Placed, str]:
    """Demand areas from a GeoDataFrame (points or polygons): the areas, their placement and the metric CRS."""
    table, placed = _lonlat(frame, source=source, points_only=False)
    derived = ("lon", "lat", "x_m", "y_m") if _is_geo(frame) else ()
    areas = _by_row(frame, lambda: validation.demand_areas(table, source=source, columns=columns, derived=derived))
    f = areas.frame
    metric = crs or metric_crs(f["lon"].to_numpy(), f["lat"].to_numpy())
    x, y = _metric(f, metric)
    return DemandAreas(f.assign(x_m=x, y_m=y), source), placed, metric


def sites(frame: Any, *, columns: Mapping[str, str] | None = None, source: str = "sites", metric: str,
          areas: DemandAreas | None = None, area_polygons: Any = None) -> tuple[Sites, Placed]:
    """Candidate sites from a GeoDataFrame of points, in the demand's metric CRS, districts joined when unknown."""
    table, placed = _lonlat(frame, source=source, points_only=True)
    derived = ("lon", "lat", "x_m", "y_m") if _is_geo(frame) else ()
    s = _by_row(frame, lambda: validation.sites(table, source=source, columns=columns, derived=derived))
    f = s.frame
    x, y = _metric(f, metric)
    f = f.assign(x_m=x, y_m=y)
    if areas is not None and (f["district"] == validation.UNKNOWN).all():
        f = f.assign(district=join_districts(f, areas, area_polygons, metric))
    return Sites(f, source), placed


def join_districts(sites: pd.DataFrame, areas: DemandAreas, polygons: Any, metric: str) -> list[str]:
    """Each site's district from the area polygon it lies in, else the nearest area centroid within
    :data:`DISTRICT_JOIN_KM`; ``unknown`` when the areas carry no districts or none is near."""
    a = areas.frame
    known = a["district"] != validation.UNKNOWN
    out = np.full(len(sites), validation.UNKNOWN, dtype=object)
    if not known.any():
        return out.tolist()
    sx, sy = sites["x_m"].to_numpy(dtype=float), sites["y_m"].to_numpy(dtype=float)
    ax, ay = a["x_m"].to_numpy(dtype=float), a["y_m"].to_numpy(dtype=float)
    if polygons is not None:
        import geopandas as gpd

        poly = gpd.GeoDataFrame({"district": a["district"].to_numpy()}, geometry=polygons.to_crs(metric).values,
                                crs=metric)
        pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(sx, sy), crs=metric)
        hit = gpd.sjoin(pts, poly, how="left", predicate="within")
        hit = hit[~hit.index.duplicated(keep="first")]
        inside = hit["district"].notna().to_numpy()
        out[inside] = hit["district"].to_numpy()[inside]
    todo = np.flatnonzero(out == validation.UNKNOWN)
    if todo.size:
        kx, ky, kd = ax[known.to_numpy()], ay[known.to_numpy()], a["district"].to_numpy()[known.to_numpy()]
        for i in todo:
            d = np.hypot(kx - sx[i], ky - sy[i])
            j = int(np.argmin(d))
            if d[j] <= DISTRICT_JOIN_KM * 1000.0:
                out[i] = kd[j]
    return out.tolist()
