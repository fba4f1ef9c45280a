"""Result tables: CSV rounded for people with units in the names, full precision in Parquet/GeoParquet/GeoPackage."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from maps.results import _areas
from siting.formatting import gap_percent, gbp
from siting.tables import ENGINE_NAMES, PEOPLE_NAMES, for_people, write_tables


def _areas_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "id": ["A", "B", "C"], "children_0_4": [63.0, 34.0, 10.0], "weight": [63.0, 34.123456789, 0.1 + 0.2],
        "base_id": ["X", "X", None], "base_minutes": [21.742565155029297, 18.45, np.inf],
        "covered": [False, True, False], "cost_gbp": [-330176.4, 13918.315789473687, np.nan],
        "gap": [1.46e-16, 0.00012345, 0.0], "served_share": [1.0, 0.3333333333, 0.0],
        "lon": [1.0190123456, 0.94, 1.5], "lat": [52.517, 52.68123456, 52.6], "areas_nearest": [20, 25, 0],
    })


def test_for_people_rounds_and_names_units() -> None:
    people = for_people(_areas_frame())
    assert list(people.columns[:6]) == ["id", "children_0_4", "need_children", "base_id", "minutes_to_base", "covered"]
    assert list(people["need_children"]) == [63.0, 34.1, 0.3]
    assert people["minutes_to_base"].iloc[0] == 21.7 and np.isinf(people["minutes_to_base"].iloc[2])
    assert list(people["gap"]) == [0.0, 0.000123, 0.0] and list(people["served_share"]) == [1.0, 0.3333, 0.0]
    assert list(people["lon"]) == [1.01901, 0.94, 1.5]
    assert people["areas_nearest"].dtype == np.int64 and people["covered"].dtype == bool
    text = people.to_csv(index=False)
    assert "-330176," in text and "13918," in text and "e-" not in text  # whole pounds, no float noise
    assert {v: k for k, v in PEOPLE_NAMES.items()} == ENGINE_NAMES


def test_write_tables_csv_parquet_geoparquet_geopackage(tmp_path: Path) -> None:
    areas = _areas_frame()
    layer = gpd.GeoDataFrame(areas[["id"]].iloc[::-1], geometry=gpd.points_from_xy([3, 2, 1], [6, 5, 4]),
                             crs="EPSG:4326")
    sites = gpd.GeoDataFrame({"id": ["X", "Y"], "kept": [True, False]}, geometry=gpd.points_from_xy([0, 1], [0, 1]),
                             crs="EPSG:4326")
    budget = pd.DataFrame({"category": ["frontline"], "amount_gbp": [3210958.36423238], "share": [0.6136945222]})
    write_tables(tmp_path, {"areas.csv": areas, "budget.csv": budget}, layers={"areas": layer, "sites": sites})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["areas.csv", "areas.parquet", "budget.csv",
                                                          "budget.parquet", "sites.parquet", "solution.gpkg"]
    assert pd.read_csv(tmp_path / "budget.csv").to_dict("records") == [
        {"category": "frontline", "amount_gbp": 3210958, "share": 0.6137}]
    assert b"geo" in pq.read_metadata(tmp_path / "areas.parquet").metadata  # GeoParquet metadata
    full = gpd.read_parquet(tmp_path / "areas.parquet")  # the table at full precision + geometry
    pd.testing.assert_frame_equal(pd.DataFrame(full.drop(columns="geometry")), areas)
    assert list(full.geometry.x) == [1.0, 2.0, 3.0] and full.crs == "EPSG:4326"  # matched by id, not by order
    assert gpd.read_parquet(tmp_path / "sites.parquet")["id"].tolist() == ["X", "Y"]
    assert pd.read_parquet(tmp_path / "budget.parquet")["amount_gbp"].iloc[0] == 3210958.36423238
    gpkg = gpd.read_file(tmp_path / "solution.gpkg", layer="areas")
    assert sorted(gpkg["id"]) == ["A", "B", "C"]


def test_geopackage_same_without_fsync_and_setting_restored(tmp_path: Path) -> None:
    """``solution.gpkg`` is written without a disk wait per transaction: the same tables as with GDAL's default,
    and GDAL's setting is back to what it was afterwards."""
    import sqlite3

    import pyogrio

    sites = gpd.GeoDataFrame({"id": ["X", "Y"], "kept": [True, False]}, geometry=gpd.points_from_xy([0, 1], [0, 1]),
                             crs="EPSG:4326")
    pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": "FULL"})
    try:
        (tmp_path / "a").mkdir()
        write_tables(tmp_path / "a", {}, layers={"sites": sites})
        assert pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS") == "FULL"
    finally:
        pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": None})
    (tmp_path / "b").mkdir()
    sites.to_file(tmp_path / "b" / "solution.gpkg", layer="sites", driver="GPKG")  # GDAL's defaults

    def dump(path: Path) -> list[str]:
        with sqlite3.connect(path) as db:  # every table but the last-change time stamps
            return [line for line in db.iterdump() if "\"gpkg_contents\" VALUES" not in line]

    assert dump(tmp_path / "a" / "solution.gpkg") == dump(tmp_path / "b" / "solution.gpkg")


@pytest.mark.parametrize("names", ["people", "engine"])
def test_map_reader_takes_people_names_and_old_folders(tmp_path: Path, names: str) -> None:
    areas = _areas_frame()
    frame = for_people(areas) if names == "people" else areas
    frame.to_csv(tmp_path / "areas.csv", index=False)
    got = _areas(tmp_path / "areas.csv")
    assert list(got["weight"]) == pytest.approx([63.0, 34.1, 0.3], abs=0.03)
    assert got["base_minutes"].iloc[0] == pytest.approx(21.7, abs=0.05) and np.isinf(got["base_minutes"].iloc[2])


def test_money_and_gaps_in_text() -> None:
    assert gbp(-330176.4) == "-£330,176" and gbp(5232177) == "£5,232,177" and gbp(-0.4) == "£0"
    assert gbp(float("nan")) == "n/a" and gbp(None, missing="–") == "–"
    assert gap_percent(1.46e-16) == "0%" and gap_percent(0.0) == "0%" and gap_percent(-1e-12) == "0%"
    assert gap_percent(0.000123) == "0.0123%" and gap_percent(0.015) == "1.5%" and gap_percent(12.5) == "1,250%"
    assert gap_percent(float("nan")) == "n/a"
