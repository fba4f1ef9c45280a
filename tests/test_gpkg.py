"""``scenarios.gpkg`` writes what GDAL (``GeoDataFrame.to_file``) writes: same layers, columns, types, values."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from pandas.testing import assert_frame_equal

from scenarios.gpkg import PointLayer, write_layers, write_points


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "id": ["a", "b", "c"],
        "name": ["Swaffham", None, "Wells-next-the-Sea \u00e9"],
        "i64": np.array([1, -2, 3], dtype=np.int64),
        "i32": np.array([1, 2, 3], dtype=np.int32),
        "i16": np.array([1, 2, 3], dtype=np.int16),
        "f32": np.array([1.5, np.nan, 21.742565], dtype=np.float32),
        "f64": [np.nan, 2.0, 1e-300],
        "flag": [True, False, True],
    })


def _gdal(path: Path, layers: dict[str, PointLayer]) -> None:
    for name, layer in layers.items():
        gdf = gpd.GeoDataFrame(layer.frame, geometry=gpd.points_from_xy(layer.lon, layer.lat), crs="EPSG:4326")
        gdf.to_file(path, layer=name, driver="GPKG")


def _schema(path: Path) -> dict[str, list[tuple[str, str]]]:
    con = sqlite3.connect(path)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents ORDER BY table_name")]
        return {n: [(r[1], r[2]) for r in con.execute(f'PRAGMA table_info("{n}")')] for n in names}
    finally:
        con.close()


def test_same_as_gdal(tmp_path: Path) -> None:
    frame = _frame()
    layers = {"areas": PointLayer(frame, np.array([0.18, 1.73, 1.0]), np.array([52.36, 52.96, 52.5])),
              "sites": PointLayer(frame[["id", "flag"]].iloc[:2], np.array([0.5, 0.6]), np.array([52.7, 52.8]))}
    ours, theirs = tmp_path / "ours.gpkg", tmp_path / "theirs.gpkg"
    write_points(ours, layers)
    _gdal(theirs, layers)
    assert _schema(ours) == _schema(theirs)
    assert pyogrio.list_layers(ours).tolist() == pyogrio.list_layers(theirs).tolist()
    for name in layers:
        a, b = gpd.read_file(ours, layer=name), gpd.read_file(theirs, layer=name)
        assert_frame_equal(a, b)
        assert a.crs == b.crs and a.crs.to_epsg() == 4326
        info_a, info_b = pyogrio.read_info(ours, layer=name), pyogrio.read_info(theirs, layer=name)
        for key in ("fields", "dtypes", "ogr_types", "ogr_subtypes", "geometry_type", "features", "total_bounds"):
            assert np.array_equal(np.asarray(info_a[key]), np.asarray(info_b[key])), key
        assert info_a["capabilities"]["fast_spatial_filter"]  # the R-tree index is there
    # a spatial filter goes through the index and finds the same features
    a = gpd.read_file(ours, layer="areas", bbox=(0.1, 52.0, 1.2, 52.6))
    b = gpd.read_file(theirs, layer="areas", bbox=(0.1, 52.0, 1.2, 52.6))
    assert a["id"].tolist() == b["id"].tolist() == ["a", "c"]


def test_gdal_can_append_to_our_file(tmp_path: Path) -> None:
    """GDAL's triggers work on the file we wrote (the R-tree and feature count stay right)."""
    path = tmp_path / "ours.gpkg"
    frame = _frame()
    write_points(path, {"areas": PointLayer(frame, np.array([0.1, 0.2, 0.3]), np.array([52.1, 52.2, 52.3]))})
    more = gpd.GeoDataFrame(frame.iloc[:1].assign(id="d"), geometry=gpd.points_from_xy([1.5], [52.9]), crs="EPSG:4326")
    more.to_file(path, layer="areas", driver="GPKG", mode="a")
    back = gpd.read_file(path, layer="areas")
    assert back["id"].tolist() == ["a", "b", "c", "d"]
    assert gpd.read_file(path, layer="areas", bbox=(1.4, 52.8, 1.6, 53.0))["id"].tolist() == ["d"]
    assert pyogrio.read_info(path, layer="areas")["features"] == 4


def test_geodataframes_are_accepted(tmp_path: Path) -> None:
    """A GeoDataFrame of WGS84 points is written as points; other geometry goes through GDAL unchanged."""
    frame = _frame()
    lon, lat = np.array([0.1, 0.2, 0.3]), np.array([52.1, 52.2, 52.3])
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    write_layers(tmp_path / "a.gpkg", {"areas": gdf})
    write_points(tmp_path / "b.gpkg", {"areas": PointLayer(frame, lon, lat)})
    assert _schema(tmp_path / "a.gpkg") == _schema(tmp_path / "b.gpkg")
    assert_frame_equal(gpd.read_file(tmp_path / "a.gpkg"), gpd.read_file(tmp_path / "b.gpkg"))
    squares = gpd.GeoDataFrame({"id": ["s"]}, geometry=gpd.points_from_xy([0.5], [52.5]).buffer(0.1),
                               crs="EPSG:4326")
    write_layers(tmp_path / "c.gpkg", {"areas": PointLayer(frame, lon, lat), "squares": squares})
    assert gpd.read_file(tmp_path / "c.gpkg", layer="squares").geom_type.tolist() == ["Polygon"]
    assert gpd.read_file(tmp_path / "c.gpkg", layer="areas")["id"].tolist() == ["a", "b", "c"]


def test_bad_layers_are_refused(tmp_path: Path) -> None:
    frame = _frame()
    with pytest.raises(ValueError, match="rows"):
        write_points(tmp_path / "a.gpkg", {"a": PointLayer(frame, np.zeros(2), np.zeros(2))})
    with pytest.raises(ValueError, match="finite"):
        write_points(tmp_path / "b.gpkg", {"a": PointLayer(frame, np.array([0.0, np.nan, 1.0]), np.zeros(3))})
    with pytest.raises(ValueError, match="layer name"):
        write_points(tmp_path / "c.gpkg", {'a"; DROP': PointLayer(frame, np.zeros(3), np.zeros(3))})


def test_solve_outputs_unchanged(tmp_path: Path) -> None:
    """``siting solve norfolk``: every layer equals what GeoDataFrame.to_file wrote before this writer."""
    from scenarios.cases import load_case
    from scenarios.solve import SolveRequest, run, write_outcome

    case, matrix = load_case("norfolk")
    outcome = run(case, matrix, SolveRequest(model="mclp", bases=15, minutes=20.0))
    write_outcome(outcome, tmp_path / "out")
    _gdal(tmp_path / "gdal.gpkg", outcome.geo)
    assert _schema(tmp_path / "out" / "solution.gpkg") == _schema(tmp_path / "gdal.gpkg")
    for name in ("areas", "sites"):
        assert_frame_equal(gpd.read_file(tmp_path / "out" / "solution.gpkg", layer=name),
                           gpd.read_file(tmp_path / "gdal.gpkg", layer=name))
    areas = gpd.read_file(tmp_path / "out" / "solution.gpkg", layer="areas")
    assert len(areas) == len(case.demand) and areas["covered"].dtype == bool
