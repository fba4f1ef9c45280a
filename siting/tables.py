"""Result tables as people open them (CSV) and as programs read them (Parquet, GeoParquet, GeoPackage).

Every result table is written twice by :func:`write_tables`, the one place that does it:

- ``NAME.csv`` for people (spreadsheets, GIS desktops): figures rounded to what they mean and column names that
  carry their units (:data:`PEOPLE_NAMES`, :func:`decimals`): ``need_children`` rather than ``weight``,
  ``minutes_to_base`` rather than ``base_minutes``; minutes, hours and need to 0.1, money to the pound, shares to
  0.01 percentage point, gaps to 0.0001 point, coordinates to 5 decimals (about 1 m), other figures to 4
  decimals;
- ``NAME.parquet`` at full precision with the engine's own column names; where the result has a map layer of
  the same name it is GeoParquet (the layer's geometry added).

Map layers also go to ``solution.gpkg`` (one layer each), and a layer without a table of its name (``sites``)
is written as GeoParquet ``NAME.parquet`` too. Readers of CSVs written here map the people's names back with
:data:`ENGINE_NAMES`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

#: Engine column -> the name people see in CSVs (the unit in the name; need is in children, weighted by need).
PEOPLE_NAMES: dict[str, str] = {
    "weight": "need_children",
    "base_minutes": "minutes_to_base",
    "need_within_reach": "need_children_within_reach",
    "covered_weight": "need_children_covered",
}
#: People's CSV column -> the engine's name (what readers of the CSVs use).
ENGINE_NAMES: dict[str, str] = {v: k for k, v in PEOPLE_NAMES.items()}

#: Decimal places kept for a number column no rule names (objectives and bounds, whose unit depends on the model).
OTHER_DECIMALS = 4


def decimals(column: str) -> int:
    """Decimal places kept in a CSV for ``column`` (an engine or a people's name)."""
    c = column.lower()
    rules: tuple[tuple[bool, int], ...] = (
        (c in ("lon", "lat"), 5),
        (c.endswith("_gbp") or c.startswith("gbp_"), 0),
        (c.endswith("_seconds"), 2),
        (c == "gap", 6),  # a relative gap: 0.0001% still shows, float noise (1e-16) does not
        ("share" in c, 4),
        ("minutes" in c or "hours" in c, 1),
        (c.startswith(("need_children", "children", "need_lost")) or c in ("weight", "need_within_reach"), 1),
        (c == "staff_posts", 2),
        (c == "idaci", 3),
    )
    return next((d for hit, d in rules if hit), OTHER_DECIMALS)


def for_people(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as people should read it: number columns rounded (:func:`decimals`), units in the names.

    Tiny float noise disappears (a gap of ``1.46e-16`` is ``0.0``); ``inf`` and empty cells stay as they are;
    integers, booleans and text are untouched.
    """
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if not pd.api.types.is_float_dtype(series.dtype):
            continue
        d = decimals(str(col))
        rounded = np.round(series.to_numpy(dtype=np.float64), d) + 0.0  # no "-0.0" in a spreadsheet
        if d == 0 and not np.isinf(rounded).any():
            out[col] = pd.array(np.where(np.isnan(rounded), 0, rounded).astype(np.int64), dtype="Int64")
            out.loc[np.isnan(rounded), col] = pd.NA  # whole pounds print without ".0"; empty stays empty
        else:
            out[col] = rounded
    return out.rename(columns=PEOPLE_NAMES)


def _with_geometry(frame: pd.DataFrame, layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    """``frame`` with the geometry of ``layer`` matched by ``id`` (``None`` if the rows do not match one to one)."""
    if "id" not in frame or "id" not in layer or not frame["id"].is_unique or not layer["id"].is_unique:
        return None
    if set(frame["id"]) != set(layer["id"]):
        return None
    geometry = layer.set_index("id").geometry.loc[frame["id"]].to_numpy()
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=geometry, crs=layer.crs)


def write_tables(folder: Path, tables: Mapping[str, pd.DataFrame], *,
                 layers: Mapping[str, gpd.GeoDataFrame] | None = None) -> None:
    """Write each table as ``NAME.csv`` (for people) and ``NAME.parquet`` (full precision), and the map layers.

    ``tables`` is keyed by file name (``areas.csv``) or stem (``areas``); ``layers`` by layer name. See the module
    docstring for what goes where.
    """
    folder = Path(folder)
    layers = dict(layers or {})
    for name, frame in tables.items():
        stem = name.removesuffix(".csv")
        for_people(frame).to_csv(folder / f"{stem}.csv", index=False)
        geo = _with_geometry(frame, layers[stem]) if stem in layers else None
        if geo is not None:
            geo.to_parquet(folder / f"{stem}.parquet", index=False)
        else:
            _plain(frame).to_parquet(folder / f"{stem}.parquet", index=False)
    stems = {name.removesuffix(".csv") for name in tables}
    with _sqlite_without_fsync():
        for layer_name, layer in layers.items():
            layer.to_file(folder / "solution.gpkg", layer=layer_name, driver="GPKG")
    for layer_name, layer in layers.items():
        if layer_name not in stems:
            layer.to_parquet(folder / f"{layer_name}.parquet", index=False)


@contextmanager
def _sqlite_without_fsync() -> Iterator[None]:
    """GDAL's SQLite (GeoPackage) writes without waiting for the disk at each transaction (``PRAGMA synchronous =
    OFF``, GDAL's ``OGR_SQLITE_SYNCHRONOUS``), as the CSV and Parquet files beside it are written; the file's
    content is the same. Result folders are written into a temporary folder and renamed
    (:func:`siting.output.atomic_dir`). The waits were most of the time of writing ``solution.gpkg``
    (about 0.1 s of the README's solve). The previous setting is restored afterwards."""
    import pyogrio

    key = "OGR_SQLITE_SYNCHRONOUS"
    before = pyogrio.get_gdal_config_option(key)
    pyogrio.set_gdal_config_options({key: "OFF"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({key: before})


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns Parquet can store: object columns of mixed Python types become text (lists stay lists)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            kinds = {type(v) for v in out[col] if not (v is None or (isinstance(v, float) and math.isnan(v)))}
            if len(kinds) > 1 and not kinds <= {list, tuple}:
                out[col] = out[col].map(lambda v: v if v is None else str(v))
    return out
