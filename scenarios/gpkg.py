"""Point layers written to a GeoPackage with the standard library's ``sqlite3``: no GDAL, geopandas or shapely.

``solution.gpkg`` holds points only (areas at their population-weighted centroids, sites at their
buildings), so :func:`write_points` writes it directly. Loading geopandas and pyogrio took longer
than the rest of ``siting solve norfolk``. The file has the structure GDAL gives it (OGC GeoPackage 1.4:
``application_id`` ``GPKG``, the three mandatory spatial reference systems, ``gpkg_contents``,
``gpkg_geometry_columns``, the R-tree spatial index and its triggers, GDAL's feature counts), with
column types chosen from the dtypes as GDAL chooses them. ``tests/test_gpkg.py`` checks that
GDAL reads back what ``GeoDataFrame.to_file`` would have written.

Geometry blobs follow the GeoPackage binary format: ``b"GP"``, version 0, flags ``0x01`` (little-endian,
no envelope), the ``srs_id``, then the WKB point.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sqlite3
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import pandas as pd

WGS84_SRS_ID = 4326
_APPLICATION_ID = 0x47504B47  # "GPKG"
_USER_VERSION = 10400  # GeoPackage 1.4
_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
    'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,'
    'AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)
_SRS_ROWS = (
    ("Undefined Cartesian SRS", -1, "NONE", -1, "undefined", "undefined Cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
    ("WGS 84 geodetic", WGS84_SRS_ID, "EPSG", WGS84_SRS_ID, _WGS84_WKT,
     "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"),
)
_SCHEMA = (
    "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL,srs_id INTEGER NOT NULL PRIMARY KEY,"
    "organization TEXT NOT NULL,organization_coordsys_id INTEGER NOT NULL,definition  TEXT NOT NULL,"
    "description TEXT)",
    "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY,data_type TEXT NOT NULL,"
    "identifier TEXT UNIQUE,description TEXT DEFAULT '',last_change DATETIME NOT NULL DEFAULT "
    "(strftime('%Y-%m-%dT%H:%M:%fZ','now')),min_x DOUBLE, min_y DOUBLE,max_x DOUBLE, max_y DOUBLE,srs_id INTEGER,"
    "CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))",
    "CREATE TABLE gpkg_ogr_contents(table_name TEXT NOT NULL PRIMARY KEY,feature_count INTEGER DEFAULT NULL)",
    "CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL,column_name TEXT NOT NULL,"
    "geometry_type_name TEXT NOT NULL,srs_id INTEGER NOT NULL,z TINYINT NOT NULL,m TINYINT NOT NULL,"
    "CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),CONSTRAINT uk_gc_table_name UNIQUE (table_name),"
    "CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),"
    "CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))",
    "CREATE TABLE gpkg_extensions (table_name TEXT,column_name TEXT,extension_name TEXT NOT NULL,"
    "definition TEXT NOT NULL,scope TEXT NOT NULL,CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))",
)
_RTREE_EXTENSION = ("gpkg_rtree_index", "http://www.geopackage.org/spec120/#extension_rtree", "write-only")
#: GDAL's triggers keeping the R-tree and the feature count up to date when another program edits a layer
#: (the ``ST_*`` functions are provided by GeoPackage readers; they are created after the rows are in).
_TRIGGERS = (
    'CREATE TRIGGER "rtree_{t}_geom_insert" AFTER INSERT ON "{t}" WHEN (new."geom" NOT NULL AND NOT '
    'ST_IsEmpty(NEW."geom")) BEGIN INSERT OR REPLACE INTO "rtree_{t}_geom" VALUES (NEW."fid",ST_MinX(NEW."geom"), '
    'ST_MaxX(NEW."geom"),ST_MinY(NEW."geom"), ST_MaxY(NEW."geom")); END',
    'CREATE TRIGGER "rtree_{t}_geom_update6" AFTER UPDATE OF "geom" ON "{t}" WHEN OLD."fid" = NEW."fid" AND '
    '(NEW."geom" NOTNULL AND NOT ST_IsEmpty(NEW."geom")) AND (OLD."geom" NOTNULL AND NOT ST_IsEmpty(OLD."geom")) '
    'BEGIN UPDATE "rtree_{t}_geom" SET minx = ST_MinX(NEW."geom"), maxx = ST_MaxX(NEW."geom"),'
    'miny = ST_MinY(NEW."geom"), maxy = ST_MaxY(NEW."geom") WHERE id = NEW."fid";END',
    'CREATE TRIGGER "rtree_{t}_geom_update7" AFTER UPDATE OF "geom" ON "{t}" WHEN OLD."fid" = NEW."fid" AND '
    '(NEW."geom" NOTNULL AND NOT ST_IsEmpty(NEW."geom")) AND (OLD."geom" ISNULL OR ST_IsEmpty(OLD."geom")) '
    'BEGIN INSERT INTO "rtree_{t}_geom" VALUES (NEW."fid",ST_MinX(NEW."geom"), ST_MaxX(NEW."geom"),'
    'ST_MinY(NEW."geom"), ST_MaxY(NEW."geom")); END',
    'CREATE TRIGGER "rtree_{t}_geom_update2" AFTER UPDATE OF "geom" ON "{t}" WHEN OLD."fid" = NEW."fid" AND '
    '(NEW."geom" ISNULL OR ST_IsEmpty(NEW."geom")) BEGIN DELETE FROM "rtree_{t}_geom" WHERE id = OLD."fid"; END',
    'CREATE TRIGGER "rtree_{t}_geom_update5" AFTER UPDATE ON "{t}" WHEN OLD."fid" != NEW."fid" AND '
    '(NEW."geom" NOTNULL AND NOT ST_IsEmpty(NEW."geom")) BEGIN DELETE FROM "rtree_{t}_geom" WHERE id = OLD."fid"; '
    'INSERT OR REPLACE INTO "rtree_{t}_geom" VALUES (NEW."fid",ST_MinX(NEW."geom"), ST_MaxX(NEW."geom"),'
    'ST_MinY(NEW."geom"), ST_MaxY(NEW."geom")); END',
    'CREATE TRIGGER "rtree_{t}_geom_update4" AFTER UPDATE ON "{t}" WHEN OLD."fid" != NEW."fid" AND '
    '(NEW."geom" ISNULL OR ST_IsEmpty(NEW."geom")) BEGIN DELETE FROM "rtree_{t}_geom" WHERE id IN '
    '(OLD."fid", NEW."fid"); END',
    'CREATE TRIGGER "rtree_{t}_geom_delete" AFTER DELETE ON "{t}" WHEN old."geom" NOT NULL BEGIN DELETE FROM '
    '"rtree_{t}_geom" WHERE id = OLD."fid"; END',
    'CREATE TRIGGER "trigger_insert_feature_count_{t}" AFTER INSERT ON "{t}" BEGIN UPDATE gpkg_ogr_contents SET '
    "feature_count = feature_count + 1 WHERE lower(table_name) = lower('{t}'); END",
    'CREATE TRIGGER "trigger_delete_feature_count_{t}" AFTER DELETE ON "{t}" BEGIN UPDATE gpkg_ogr_contents SET '
    "feature_count = feature_count - 1 WHERE lower(table_name) = lower('{t}'); END",
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_POINT_HEADER = struct.pack("<2sBBi", b"GP", 0, 0x01, WGS84_SRS_ID) + struct.pack("<BI", 1, 1)


@dataclass(frozen=True)
class PointLayer:
    """A table of attributes with one WGS84 point (``lon``, ``lat`` in degrees) per row."""

    frame: pd.DataFrame
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]


def _column_type(dtype: np.dtype | object) -> str:
    """The GeoPackage column type GDAL gives a pandas column of this dtype."""
    kind = getattr(dtype, "kind", "O")
    size = getattr(dtype, "itemsize", 8)
    if kind == "b":
        return "BOOLEAN"
    if kind in "iu":
        if size <= 2 or (kind == "u" and size == 1):
            return "SMALLINT"
        return "MEDIUMINT" if size == 4 and kind == "i" else "INTEGER"
    if kind == "f":
        return "FLOAT" if size == 4 else "REAL"
    return "TEXT"


def _values(column: pd.Series, sql_type: str) -> list[object]:
    """Python values to bind (``None`` for missing; NaN becomes NULL as GDAL writes it)."""
    if sql_type == "TEXT":
        missing = column.isna().to_numpy().tolist()
        return [None if gone else str(v) for v, gone in zip(column.astype(object).tolist(), missing, strict=True)]
    if sql_type in ("REAL", "FLOAT"):
        return [None if math.isnan(v) else v for v in column.to_numpy(dtype=np.float64, na_value=np.nan).tolist()]
    missing = column.isna().to_numpy().tolist()
    return [None if gone else int(v) for v, gone in zip(column.astype(object).tolist(), missing, strict=True)]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_layers(path: Path, layers: Mapping[str, object]) -> None:
    """Write ``layers`` to a new GeoPackage: :class:`PointLayer` values directly; a GeoDataFrame of points is
    converted to one; any other geometry goes through GDAL (``GeoDataFrame.to_file``)."""
    points: dict[str, PointLayer] = {}
    for name, layer in layers.items():
        if isinstance(layer, PointLayer):
            points[name] = layer
            continue
        geometry = getattr(layer, "geometry", None)
        if geometry is None or not (geometry.geom_type == "Point").all() or str(layer.crs) != "EPSG:4326":  # type: ignore[attr-defined]
            for gname, glayer in layers.items():  # not points in WGS84: GDAL writes every layer
                _as_geodataframe(glayer).to_file(path, layer=gname, driver="GPKG")
            return
        frame = layer.drop(columns=[geometry.name])  # type: ignore[attr-defined]
        points[name] = PointLayer(frame, geometry.x.to_numpy(), geometry.y.to_numpy())
    write_points(path, points)


def _as_geodataframe(layer: object) -> Any:
    import geopandas as gpd

    if isinstance(layer, PointLayer):
        return gpd.GeoDataFrame(layer.frame, geometry=gpd.points_from_xy(layer.lon, layer.lat), crs="EPSG:4326")
    return layer


def write_points(path: Path, layers: Mapping[str, PointLayer]) -> None:
    """Write ``layers`` (name -> points with attributes) as a new GeoPackage at ``path``."""
    con = sqlite3.connect(path)
    try:
        con.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
        con.execute(f"PRAGMA user_version = {_USER_VERSION}")
        with con:
            for statement in _SCHEMA:
                con.execute(statement)
            con.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", _SRS_ROWS)
            for name, layer in layers.items():
                _write_layer(con, name, layer)
    finally:
        con.close()


def _write_layer(con: sqlite3.Connection, name: str, layer: PointLayer) -> None:
    frame = layer.frame
    lon = np.asarray(layer.lon, dtype=np.float64)
    lat = np.asarray(layer.lat, dtype=np.float64)
    if not _NAME.fullmatch(name):
        raise ValueError(f"layer name {name!r}: letters, digits and underscores only")
    if lon.shape != (len(frame),) or lat.shape != (len(frame),):
        raise ValueError(f"layer {name!r}: {len(frame)} rows but {lon.shape} lon and {lat.shape} lat values")
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise ValueError(f"layer {name!r}: every point needs a finite longitude and latitude")
    columns = [str(c) for c in frame.columns]
    types = [_column_type(frame[c].dtype) for c in frame.columns]
    t = _quote(name)
    fields = "".join(f", {_quote(c)} {ty}" for c, ty in zip(columns, types, strict=True))
    con.execute(f'CREATE TABLE {t} ( "fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "geom" POINT{fields})')
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    bounds = ((float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())) if len(frame)
              else (None, None, None, None))
    con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, min_x, "
                "min_y, max_x, max_y, srs_id) VALUES (?, 'features', ?, '', ?, ?, ?, ?, ?, ?)",
                (name, name, stamp, *bounds, WGS84_SRS_ID))
    con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POINT', ?, 0, 0)", (name, WGS84_SRS_ID))
    con.execute("INSERT INTO gpkg_ogr_contents VALUES (?, ?)", (name, len(frame)))
    geoms = [_POINT_HEADER + struct.pack("<dd", x, y) for x, y in zip(lon.tolist(), lat.tolist(), strict=True)]
    values = [_values(frame[c], ty) for c, ty in zip(frame.columns, types, strict=True)]
    rows = zip(range(1, len(frame) + 1), geoms, *values, strict=True)
    marks = ", ".join("?" * (len(columns) + 2))
    con.executemany(f"INSERT INTO {t} VALUES ({marks})", rows)
    con.execute("INSERT INTO gpkg_extensions VALUES (?, 'geom', ?, ?, ?)", (name, *_RTREE_EXTENSION))
    rtree = _quote(f"rtree_{name}_geom")
    con.execute(f"CREATE VIRTUAL TABLE {rtree} USING rtree(id, minx, maxx, miny, maxy)")
    con.executemany(f"INSERT INTO {rtree} VALUES (?, ?, ?, ?, ?)",
                    [(i + 1, x, x, y, y) for i, (x, y) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True))])
    for trigger in _TRIGGERS:
        con.execute(trigger.format(t=name))
