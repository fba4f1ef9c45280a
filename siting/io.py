"""Reading demand areas and candidate sites from user files (CSV, Parquet, GeoPackage, GeoJSON)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from siting import validation
from siting.domain import DemandAreas, Sites
from siting.errors import InputError

GEO_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp")


def _is_geoparquet(path: Path) -> bool:
    if path.suffix.lower() not in (".parquet", ".pq") or not path.exists():
        return False
    import pyarrow.parquet as pq

    try:
        return b"geo" in (pq.read_schema(path).metadata or {})
    except (OSError, ValueError):
        return False  # read_table names the file and the problem


def read_frame(path: Path) -> pd.DataFrame:
    """A table from CSV/Parquet, or from a vector file (GeoPackage, GeoJSON, Shapefile, GeoParquet) in any CRS.

    A vector layer's points (a point inside each polygon) become British National Grid ``x_m``/``y_m`` columns
    when every point is in Great Britain, else ``lon``/``lat`` columns (WGS84) and the case is placed in the UTM
    zone of its demand areas (the rule of :func:`siting.frames.metric_crs`, for frames and files alike).
    """
    from siting.frames import BNG, metric_crs

    path = Path(path)
    geoparquet = _is_geoparquet(path)
    if path.suffix.lower() not in GEO_SUFFIXES and not geoparquet:
        return validation.read_table(path)
    if not path.exists():
        raise InputError("file not found", source=str(path))
    try:
        g = gpd.read_parquet(path) if geoparquet else gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types
        raise InputError(f"cannot read vector file: {' '.join(str(exc).split())}", source=str(path)) from exc
    if g.crs is None:
        raise InputError("vector file has no coordinate reference system", source=str(path))
    if np.any(g.geometry.is_empty | g.geometry.isna()):
        k = int(np.flatnonzero((g.geometry.is_empty | g.geometry.isna()).to_numpy())[0])
        raise InputError("empty geometry", source=str(path), row=k + 2, field="geometry")
    wgs = g.geometry.representative_point().to_crs("EPSG:4326")
    metric = metric_crs(wgs.x.to_numpy(), wgs.y.to_numpy())
    frame = pd.DataFrame(g.drop(columns=g.geometry.name))
    if metric == BNG:
        pts = g.to_crs(BNG).geometry.representative_point()
        frame["x_m"] = pts.x.to_numpy()
        frame["y_m"] = pts.y.to_numpy()
        return frame
    pts = g.to_crs(metric).geometry.representative_point().to_crs("EPSG:4326")
    frame = frame.drop(columns=[c for c in ("x_m", "y_m") if c in frame.columns])  # the geometry is the location
    frame["lon"] = pts.x.to_numpy()
    frame["lat"] = pts.y.to_numpy()
    return frame


def read_demand(path: Path, *, columns: Mapping[str, str] | None = None,
                districts: Collection[str] | None = None) -> DemandAreas:
    """Demand areas from a file (canonical column names, or ``columns`` mapping canonical -> file names)."""
    return validation.demand_areas(read_frame(path), source=str(path), columns=columns, districts=districts)


def read_sites(path: Path, *, columns: Mapping[str, str] | None = None,
               districts: Collection[str] | None = None) -> Sites:
    """Candidate sites from a file (canonical column names, or ``columns`` mapping)."""
    return validation.sites(read_frame(path), source=str(path), columns=columns, districts=districts)
