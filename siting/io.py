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


def read_frame(path: Path) -> pd.DataFrame:
    """A table from CSV/Parquet, or from a vector file with point (or polygon centroid) lon/lat columns."""
    path = Path(path)
    if path.suffix.lower() not in GEO_SUFFIXES:
        return validation.read_table(path)
    if not path.exists():
        raise InputError("file not found", source=str(path))
    try:
        g = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types
        raise InputError(f"cannot read vector file: {' '.join(str(exc).split())}", source=str(path)) from exc
    if g.crs is None:
        raise InputError("vector file has no coordinate reference system", source=str(path))
    g = g.to_crs("EPSG:27700")
    pts = g.geometry.representative_point()
    frame = pd.DataFrame(g.drop(columns=g.geometry.name))
    frame["x_m"] = pts.x.to_numpy()
    frame["y_m"] = pts.y.to_numpy()
    if np.any(g.geometry.is_empty | g.geometry.isna()):
        k = int(np.flatnonzero((g.geometry.is_empty | g.geometry.isna()).to_numpy())[0])
        raise InputError("empty geometry", source=str(path), row=k + 2, field="geometry")
    return frame


def read_demand(path: Path, *, columns: Mapping[str, str] | None = None,
                districts: Collection[str] | None = None) -> DemandAreas:
    """Demand areas from a file (canonical column names, or ``columns`` mapping canonical -> file names)."""
    return validation.demand_areas(read_frame(path), source=str(path), columns=columns, districts=districts)


def read_sites(path: Path, *, columns: Mapping[str, str] | None = None,
               districts: Collection[str] | None = None) -> Sites:
    """Candidate sites from a file (canonical column names, or ``columns`` mapping)."""
    return validation.sites(read_frame(path), source=str(path), columns=columns, districts=districts)
