"""Scenario files with vector inputs outside Great Britain: placed in the UTM zone, as the facade places frames.

Distances in the metric CRS a scenario works in must match geodesic distances (pyproj.Geod) within 0.5%; British
National Grid, used for every vector file before, is off by more than that in Berlin (1.3%) and far more in
Alberta. Data in Great Britain keeps its coordinates exactly.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from pyproj import Geod
from shapely.geometry import Point

from scenarios.scenario_file import load_scenario
from scenarios.scenario_inputs import prepare
from siting import frames
from siting.errors import InputError

PLACES = {  # name: (lon, lat, UTM zone EPSG)
    "berlin": (13.40, 52.52, "EPSG:32633"),
    "alberta": (-113.49, 53.55, "EPSG:32612"),
}


def _write_case(folder: Path, lon0: float, lat0: float, *, travel: str = "matrix") -> Path:
    """Eight areas (polygons, GeoJSON in WGS84) and four sites (GeoPackage in Web Mercator) within ~60 km, and a
    scenario reading them with a travel matrix."""
    rng = np.random.default_rng(3)
    lon = lon0 + rng.uniform(-0.6, 0.6, 12)
    lat = lat0 + rng.uniform(-0.4, 0.4, 12)
    areas = gpd.GeoDataFrame({"id": [f"a{i}" for i in range(8)], "children_0_4": rng.integers(5, 50, 8)},
                             geometry=[Point(x, y).buffer(0.01) for x, y in zip(lon[:8], lat[:8], strict=True)],
                             crs="EPSG:4326")
    sites = gpd.GeoDataFrame({"id": [f"s{j}" for j in range(4)]}, geometry=gpd.points_from_xy(lon[8:], lat[8:]),
                             crs="EPSG:4326").to_crs("EPSG:3857")
    areas.to_file(folder / "areas.geojson", driver="GeoJSON")
    sites.to_file(folder / "sites.gpkg")
    minutes = pd.DataFrame([(f"a{i}", f"s{j}", float(5 + (7 * i + 3 * j) % 40)) for i in range(8) for j in range(4)],
                           columns=["demand_id", "site_id", "minutes"])
    minutes.to_csv(folder / "minutes.csv", index=False)
    (folder / "roads.osm").write_text("<osm version='0.6'></osm>\n", encoding="utf-8")
    travel_text = {"matrix": "travel: {source: matrix, file: minutes.csv}", "estimate": "travel: {source: estimate}",
                   "network": "travel: {source: network, file: roads.osm}"}[travel]
    path = folder / "case.yaml"
    path.write_text(textwrap.dedent(f"""
        name: abroad
        demand: {{file: areas.geojson}}
        sites: {{file: sites.gpkg}}
        {travel_text}
        model: {{name: pmedian, bases: 2, minutes: 20}}
        """).lstrip(), encoding="utf-8")
    return path


def _geodesic_vs_metric(demand_lonlat: np.ndarray, sites_lonlat: np.ndarray, demand_xy: np.ndarray,
                        sites_xy: np.ndarray) -> float:
    """The largest relative difference between planar distances in the metric CRS and geodesic distances."""
    geod = Geod(ellps="WGS84")
    worst = 0.0
    for (lo, la), (x, y) in zip(demand_lonlat, demand_xy, strict=True):
        for (slo, sla), (sx, sy) in zip(sites_lonlat, sites_xy, strict=True):
            _, _, true_m = geod.inv(lo, la, slo, sla)
            worst = max(worst, abs(float(np.hypot(x - sx, y - sy)) / true_m - 1.0))
    return worst


@pytest.mark.parametrize("place", sorted(PLACES))
def test_scenario_outside_great_britain_is_placed_in_its_utm_zone(tmp_path: Path, place: str) -> None:
    lon0, lat0, utm = PLACES[place]
    prep = prepare(load_scenario(_write_case(tmp_path, lon0, lat0)))
    d, s = prep.case.demand.frame, prep.case.sites.frame
    assert frames.case_metric_crs(prep.case.demand) == utm
    # the places are where the files put them (a point inside each polygon; sites read from Web Mercator)
    areas = gpd.read_file(tmp_path / "areas.geojson")
    assert np.all([poly.contains(Point(x, y)) for poly, x, y in zip(areas.geometry, d["lon"], d["lat"], strict=True)])
    sites = gpd.read_file(tmp_path / "sites.gpkg").to_crs("EPSG:4326")
    assert np.allclose(s[["lon", "lat"]].to_numpy(), np.c_[sites.geometry.x, sites.geometry.y], atol=1e-9)
    # planar distances in the case's metric CRS are geodesic distances within 0.5%
    worst = _geodesic_vs_metric(d[["lon", "lat"]].to_numpy(), s[["lon", "lat"]].to_numpy(),
                                d[["x_m", "y_m"]].to_numpy(), s[["x_m", "y_m"]].to_numpy())
    assert worst < 0.005
    # ... which British National Grid is not (the test would fail with the old placement)
    bng = [np.c_[frames.project(f["lon"].to_numpy(), f["lat"].to_numpy(), frames.BNG)] for f in (d, s)]
    assert _geodesic_vs_metric(d[["lon", "lat"]].to_numpy(), s[["lon", "lat"]].to_numpy(), *bng) > 0.01


def test_scenario_abroad_solves_and_refuses_the_england_estimate(tmp_path: Path) -> None:
    from scenarios.cli import cli

    path = _write_case(tmp_path, *PLACES["berlin"][:2])
    res = CliRunner().invoke(cli, ["run", str(path), "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    (tmp_path / "est").mkdir()
    with pytest.raises(InputError, match=r"area a\d lies outside England, where the drive-time estimator was "
                                         r"calibrated; give a travel matrix or a road network instead$"):
        prepare(load_scenario(_write_case(tmp_path / "est", *PLACES["berlin"][:2], travel="estimate")))
    (tmp_path / "net").mkdir()
    with pytest.raises(InputError, match=r"case.yaml, line 4, .*road networks are projected to British National "
                                         r"Grid, and this case lies outside Great Britain \(metric CRS EPSG:32633\)"):
        prepare(load_scenario(_write_case(tmp_path / "net", *PLACES["berlin"][:2], travel="network")))


def test_vector_files_in_great_britain_keep_bng_coordinates(tmp_path: Path) -> None:
    """Inside Great Britain a vector file's points are British National Grid, taken straight from the geometry."""
    from siting import io

    pts = gpd.GeoDataFrame({"id": ["a", "b"], "children_0_4": [3, 4]},
                           geometry=gpd.points_from_xy([612_000.5, 623_456.25], [305_000.75, 310_123.5]),
                           crs="EPSG:27700")
    pts.to_file(tmp_path / "norfolk.gpkg")
    pts.to_parquet(tmp_path / "norfolk.parquet")  # GeoParquet reads the same
    for name in ("norfolk.gpkg", "norfolk.parquet"):
        areas = io.read_demand(tmp_path / name)
        assert areas.x_m.tolist() == [612_000.5, 623_456.25] and areas.y_m.tolist() == [305_000.75, 310_123.5]
        assert frames.case_metric_crs(areas) == frames.BNG


def test_facade_refuses_a_road_network_outside_great_britain(tmp_path: Path) -> None:
    """The road-network loader works in British National Grid: abroad the facade says so instead of snapping
    UTM points to BNG roads."""
    import siting

    _write_case(tmp_path, *PLACES["alberta"][:2])
    areas, sites = gpd.read_file(tmp_path / "areas.geojson"), gpd.read_file(tmp_path / "sites.gpkg")
    with pytest.raises(InputError, match=r"^travel: road networks are projected to British National Grid.*"
                                         r"metric CRS EPSG:32612"):
        siting.solve(areas, sites, model="pmedian", bases=2, travel=siting.RoadNetwork(tmp_path / "roads.osm"))
    sol = siting.solve(areas, sites, model="pmedian", bases=2, travel=siting.Matrix(tmp_path / "minutes.csv"))
    assert sol.summary["metric_crs"] == "EPSG:32612" and str(sol.sites.crs) == "EPSG:3857"
