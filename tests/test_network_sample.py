"""Road-network travel times on a real OSM extract (tests/data/sample.osm.pbf, Hatfield; see tests/data/README.md).

Checked against networkx shortest paths on the same graph and weights, the triangle inequality, an OSM XML
rendering of the same ways read by OSMnx, unreachable handling, the cache and the command line.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from siting import validation
from siting.domain import DemandAreas, Sites
from siting.geo import to_wgs84
from siting.network import (
    NetworkSettings,
    RoadNetwork,
    compare_with_estimator,
    network_travel_matrix,
    read_network,
    travel_matrix_on_network,
)
from siting.network.graph import HIGHWAY_CLASSES
from siting.network.snap import arrivals, departures, direct_pairs, segments, snap_points
from siting.network.speeds import MPH_KMH

SAMPLE = Path(__file__).parent / "data" / "sample.osm.pbf"


@pytest.fixture(scope="module")
def net() -> RoadNetwork:
    return read_network(SAMPLE)


def make_points(x: np.ndarray, y: np.ndarray, prefix: str) -> tuple[DemandAreas, Sites]:
    ids = [f"{prefix}{k}" for k in range(len(x))]
    frame = pd.DataFrame({"id": ids, "x_m": x, "y_m": y, "children_0_4": 1.0, "district": "Welwyn Hatfield"})
    return validation.demand_areas(frame, source=prefix), validation.sites(frame, source=prefix)


def node_points(net: RoadNetwork, nodes: np.ndarray, prefix: str) -> tuple[DemandAreas, Sites]:
    return make_points(net.x_m[nodes], net.y_m[nodes], prefix)


def random_points(net: RoadNetwork, n: int, seed: int, prefix: str) -> tuple[DemandAreas, Sites]:
    rng = np.random.default_rng(seed)
    return make_points(rng.uniform(net.x_m.min(), net.x_m.max(), n), rng.uniform(net.y_m.min(), net.y_m.max(), n),
                       prefix)


def to_networkx(net: RoadNetwork) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    for t, h, w in zip(net.tail.tolist(), net.head.tolist(), net.travel_s.tolist(), strict=True):
        if not g.has_edge(t, h) or g[t][h]["weight"] > w:
            g.add_edge(t, h, weight=w)
    return g


def test_reads_the_drivable_roads(net: RoadNetwork) -> None:
    assert net.n_nodes > 50 and net.n_edges > 100
    assert set(np.unique(net.highway)) <= set(range(len(HIGHWAY_CLASSES)))
    classes = {HIGHWAY_CLASSES[k] for k in np.unique(net.highway)}
    assert classes == {"motorway", "secondary", "tertiary", "residential", "service"}  # no footway, cycleway
    motorway = net.highway == HIGHWAY_CLASSES.index("motorway")
    # the A1(M) Hatfield Tunnel: maxspeed=national on a motorway -> 70 mph, and one-way
    assert np.allclose(net.speed_kmh[motorway], 70 * MPH_KMH)
    pairs = set(zip(net.tail[motorway].tolist(), net.head[motorway].tolist(), strict=True))
    assert not any((h, t) in pairs for t, h in pairs)
    residential = net.highway == HIGHWAY_CLASSES.index("residential")
    assert np.allclose(net.speed_kmh[residential], 25 * MPH_KMH)
    # two-way local roads appear in both directions
    r_pairs = set(zip(net.tail[residential].tolist(), net.head[residential].tolist(), strict=True))
    assert all((h, t) in r_pairs for t, h in r_pairs)


def test_points_on_nodes_match_networkx(net: RoadNetwork, tmp_path: Path) -> None:
    comp = np.flatnonzero(net.largest_component())
    rng = np.random.default_rng(1)
    origins = rng.choice(comp, 25, replace=False)
    dests = rng.choice(comp, 7, replace=False)
    demand, _ = node_points(net, origins, "d")
    _, sites = node_points(net, dests, "s")
    minutes = network_travel_matrix(SAMPLE, demand, sites, cache_dir=tmp_path).matrix.minutes
    g = to_networkx(net)
    for i, o in enumerate(origins.tolist()):
        lengths = nx.single_source_dijkstra_path_length(g, o, weight="weight")
        expected = np.array([lengths[d] / 60 for d in dests.tolist()])
        np.testing.assert_allclose(minutes[i], expected, rtol=1e-5, atol=1e-5)


def test_points_off_the_network_match_networkx_over_their_snaps(net: RoadNetwork, tmp_path: Path) -> None:
    demand, _ = random_points(net, 30, seed=2, prefix="d")
    _, sites = random_points(net, 6, seed=3, prefix="s")
    result = network_travel_matrix(SAMPLE, demand, sites, cache_dir=tmp_path)
    # independently: the best of every (departure, networkx path, arrival) and of direct trips along one segment
    seg = segments(net, net.largest_component())
    snap_d = snap_points(seg, demand.x_m, demand.y_m)
    snap_s = snap_points(seg, sites.x_m, sites.y_m)
    dp, dn, dc = departures(snap_d, seg, access_speed_kmh=15.0)
    ap, an, ac = arrivals(snap_s, seg, access_speed_kmh=15.0)
    g = to_networkx(net)
    expected = np.full((len(demand), len(sites)), np.inf)
    for p, n, c in zip(dp.tolist(), dn.tolist(), dc.tolist(), strict=True):
        lengths = nx.single_source_dijkstra_path_length(g, n, weight="weight")
        for q, m, e in zip(ap.tolist(), an.tolist(), ac.tolist(), strict=True):
            if m in lengths:
                expected[p, q] = min(expected[p, q], c + lengths[m] + e)
    for p, q, c in zip(*direct_pairs(snap_d, snap_s, seg, access_speed_kmh=15.0), strict=True):
        expected[p, q] = min(expected[p, q], c)
    np.testing.assert_allclose(result.matrix.minutes, expected / 60, rtol=1e-5, atol=1e-5)
    assert np.all(result.report.demand_snap_m == snap_d.snap_m)


def test_triangle_inequality(net: RoadNetwork, tmp_path: Path) -> None:
    comp = np.flatnonzero(net.largest_component())
    nodes = np.random.default_rng(4).choice(comp, 30, replace=False)
    demand, sites = node_points(net, nodes, "n")
    t = network_travel_matrix(SAMPLE, demand, sites, cache_dir=tmp_path).matrix.minutes.astype(np.float64)
    assert np.all(np.isfinite(t))
    np.testing.assert_allclose(np.diag(t), 0.0, atol=1e-6)
    via = (t[:, :, None] + t[None, :, :]).min(axis=1)  # best i -> j -> k
    assert np.all(t <= via + 1e-4)
    assert via.max() > 0.5  # non-trivial distances (minutes)


def test_unreachable_pairs_are_inf_and_reported(net: RoadNetwork, tmp_path: Path) -> None:
    motorway = np.flatnonzero(net.highway == HIGHWAY_CLASSES.index("motorway"))
    upstream = int(net.tail[motorway[0]])  # on the one-way A1(M), cut at both ends of the extract
    assert not net.largest_component()[upstream]
    comp = np.flatnonzero(net.largest_component())
    demand, _ = make_points(np.r_[net.x_m[upstream], net.x_m[comp[0]], net.x_m[comp[0]] + 50_000],
                            np.r_[net.y_m[upstream], net.y_m[comp[0]], net.y_m[comp[0]]], "d")
    _, sites = node_points(net, comp[1:4], "s")
    strict = network_travel_matrix(SAMPLE, demand, sites, cache_dir=tmp_path,
                                   settings=NetworkSettings(snap_to="any_component"))
    m = strict.matrix.minutes
    assert np.all(np.isinf(m[0])) and np.all(np.isfinite(m[1]))
    # 50 km from any road: snapped at 15 km/h that is 200 minutes, beyond the 120-minute cut-off
    assert np.all(np.isinf(m[2]))
    assert strict.report.unreachable_area_ids == ("d0", "d2")
    assert strict.report.unreachable_pairs == 6
    assert strict.report.flagged_demand_ids == ("d2",)
    # the default joins the largest strongly connected component, so the motorway point reaches the sites
    default = network_travel_matrix(SAMPLE, demand, sites, cache_dir=tmp_path)
    assert np.all(np.isfinite(default.matrix.minutes[:2]))
    assert default.report.unreachable_area_ids == ("d2",)


def test_second_call_hits_the_cache(net: RoadNetwork, tmp_path: Path) -> None:
    demand, sites = random_points(net, 12, seed=5, prefix="p")
    first = network_travel_matrix(SAMPLE, demand, sites, cache_dir=tmp_path)
    second = network_travel_matrix(SAMPLE, demand, sites, cache_dir=tmp_path)
    assert not first.from_cache and second.from_cache
    assert second.cache_path == first.cache_path and first.cache_path is not None
    np.testing.assert_array_equal(first.matrix.minutes, second.matrix.minutes)
    np.testing.assert_array_equal(first.report.demand_snap_m, second.report.demand_snap_m)
    assert first.report.network_sha256 == second.report.network_sha256
    # the key is the file's content, not its name
    copy = tmp_path / "copy.osm.pbf"
    copy.write_bytes(SAMPLE.read_bytes())
    assert network_travel_matrix(copy, demand, sites, cache_dir=tmp_path).from_cache
    # other parameters or other points miss
    assert not network_travel_matrix(SAMPLE, demand, sites, cache_dir=tmp_path, max_minutes=60).from_cache
    assert not network_travel_matrix(SAMPLE, demand, sites, cache_dir=tmp_path,
                                     settings=NetworkSettings(access_speed_kmh=5.0)).from_cache
    moved, _ = make_points(demand.x_m + 1.0, demand.y_m, "p")
    assert not network_travel_matrix(SAMPLE, moved, sites, cache_dir=tmp_path).from_cache
    assert not network_travel_matrix(SAMPLE, demand, sites, cache_dir=tmp_path, use_cache=False).from_cache
    # in-memory networks are keyed by their arrays
    assert not travel_matrix_on_network(net, demand, sites, cache_dir=tmp_path).from_cache
    assert travel_matrix_on_network(net, demand, sites, cache_dir=tmp_path).from_cache


def test_parsed_network_is_cached_and_corrupt_entries_are_recomputed(net: RoadNetwork, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import siting.network.matrix as matrix_module

    demand, sites = random_points(net, 5, seed=10, prefix="g")
    first = network_travel_matrix(SAMPLE, demand, sites, cache_dir=tmp_path)
    assert len(list((tmp_path / "network").glob("graph-*.npz"))) == 1

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("the network file was parsed again")

    monkeypatch.setattr(matrix_module, "read_network", no_parsing)
    moved, _ = make_points(demand.x_m + 5.0, demand.y_m, "g")
    assert not network_travel_matrix(SAMPLE, moved, sites, cache_dir=tmp_path).from_cache  # new points, same net
    assert first.cache_path is not None
    first.cache_path.write_bytes(b"not an npz file")
    again = network_travel_matrix(SAMPLE, demand, sites, cache_dir=tmp_path)
    assert not again.from_cache
    np.testing.assert_array_equal(again.matrix.minutes, first.matrix.minutes)
    assert network_travel_matrix(SAMPLE, demand, sites, cache_dir=tmp_path).from_cache
    assert not list((tmp_path / "network").glob(".*.tmp"))  # no temporary files left behind


def test_cache_dir_from_the_environment(net: RoadNetwork, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITING_CACHE_DIR", str(tmp_path / "env"))
    demand, sites = random_points(net, 3, seed=6, prefix="e")
    result = network_travel_matrix(SAMPLE, demand, sites)
    assert result.cache_path is not None and (tmp_path / "env") in result.cache_path.parents
    assert network_travel_matrix(SAMPLE, demand, sites).from_cache


def osm_xml_from_pbf(pbf: Path, out: Path) -> None:
    """The PBF's ways as OSM XML (node ids from coordinates), for OSMnx to read."""
    import pyogrio

    pyogrio.set_gdal_config_options({"OSM_USE_CUSTOM_INDEXING": "NO"})
    try:
        lines = pyogrio.read_dataframe(pbf, layer="lines", where="highway IS NOT NULL")
    finally:
        pyogrio.set_gdal_config_options({"OSM_USE_CUSTOM_INDEXING": None})
    root = ET.Element("osm", version="0.6", generator="test")
    ids: dict[tuple[float, float], int] = {}
    ways = []
    for k, row in enumerate(lines.itertuples()):
        refs = []
        for lon, lat in row.geometry.coords:
            key = (round(lon, 7), round(lat, 7))
            if key not in ids:
                ids[key] = len(ids) + 1
            refs.append(ids[key])
        other = row.other_tags if isinstance(row.other_tags, str) else ""
        tags = dict(re.findall(r'"([^"]+)"=>"([^"]*)"', other)) | {"highway": row.highway}
        ways.append((k + 1, refs, tags))
    for (lon, lat), nid in ids.items():
        ET.SubElement(root, "node", id=str(nid), version="1", lat=f"{lat:.7f}", lon=f"{lon:.7f}")
    for wid, refs, tags in ways:
        way = ET.SubElement(root, "way", id=str(wid), version="1")
        for r in refs:
            ET.SubElement(way, "nd", ref=str(r))
        for key, value in tags.items():
            ET.SubElement(way, "tag", k=key, v=value)
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)


def test_pbf_and_osm_xml_readers_agree(net: RoadNetwork, tmp_path: Path) -> None:
    xml = tmp_path / "sample.osm"
    osm_xml_from_pbf(SAMPLE, xml)
    other = read_network(xml)
    assert (other.n_nodes, other.n_edges) == (net.n_nodes, net.n_edges)
    assert sorted(other.travel_s.round(6).tolist()) == sorted(net.travel_s.round(6).tolist())
    demand, sites = random_points(net, 20, seed=7, prefix="x")
    a = network_travel_matrix(SAMPLE, demand, sites, cache_dir=tmp_path).matrix.minutes
    b = network_travel_matrix(xml, demand, sites, cache_dir=tmp_path).matrix.minutes
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_parallel_routing_gives_the_same_minutes(net: RoadNetwork) -> None:
    from siting.network.route import minutes_from

    graph = net.adjacency(reverse=True)
    sources = np.arange(0, net.n_nodes, 3)
    targets = np.arange(net.n_nodes)
    small = 8 * net.n_nodes * 4  # four sources per batch: many batches
    serial = minutes_from(graph, sources, targets, limit_s=600.0, batch_bytes=small)
    parallel = minutes_from(graph, sources, targets, limit_s=600.0, batch_bytes=small, workers=2, progress=True)
    np.testing.assert_array_equal(serial, parallel)
    assert np.isinf(serial).any() and np.isfinite(serial).any()


class PlusOne:
    """An 'estimator' that is the network time plus one minute, to check the comparison arithmetic."""

    def __init__(self, minutes: np.ndarray) -> None:
        self.table = minutes

    def minutes(self, ox_m: np.ndarray, oy_m: np.ndarray, dx_m: np.ndarray, dy_m: np.ndarray) -> np.ndarray:
        return (self.table + 1.0).astype(np.float32)


def test_compare_with_estimator(net: RoadNetwork, tmp_path: Path) -> None:
    demand, sites = random_points(net, 10, seed=8, prefix="c")
    matrix = network_travel_matrix(SAMPLE, demand, sites, cache_dir=tmp_path).matrix
    got = compare_with_estimator(matrix, demand, sites, PlusOne(matrix.minutes))
    assert got.pairs == got.total_pairs == 100
    assert got.mae_minutes == pytest.approx(1.0, abs=1e-5)
    assert got.p90_minutes == pytest.approx(1.0, abs=1e-5)
    assert got.mean_difference_minutes == pytest.approx(1.0, abs=1e-5)
    from siting.travel import StraightLineEstimator

    plain = compare_with_estimator(matrix, demand, sites, StraightLineEstimator(0.0, 60 / 30))  # 30 km/h
    assert plain.pairs == 100 and plain.mae_minutes > 0


# ------------------------------------------------------------------------------------------- command line


@pytest.fixture
def files(tmp_path: Path, net: RoadNetwork) -> tuple[Path, Path]:
    rng = np.random.default_rng(9)
    x = rng.uniform(net.x_m.min(), net.x_m.max(), 15)
    y = rng.uniform(net.y_m.min(), net.y_m.max(), 15)
    lon, lat = to_wgs84(x, y)
    demand = tmp_path / "demand.csv"
    pd.DataFrame({"id": [f"E01{k:06d}" for k in range(12)], "lon": lon[:12], "lat": lat[:12],
                  "children_0_4": 10, "district": "Welwyn Hatfield"}).to_csv(demand, index=False)
    sites = tmp_path / "sites.csv"
    pd.DataFrame({"id": ["c1", "c2", "c3"], "x_m": x[12:], "y_m": y[12:]}).to_csv(sites, index=False)
    return demand, sites


@pytest.mark.parametrize(("layout", "name"), [("long", "m.parquet"), ("wide", "m.parquet"), ("wide", "m.csv")])
def test_cli_writes_a_matrix_the_engine_reads_back(files: tuple[Path, Path], tmp_path: Path, layout: str,
                                                   name: str) -> None:
    from scenarios.cli import cli

    demand, sites = files
    out = tmp_path / name
    args = ["travel-times", "--network", str(SAMPLE), "--demand", str(demand), "--sites", str(sites), "-o", str(out),
            "--layout", layout, "--max-minutes", "3", "--cache-dir", str(tmp_path / "cache"), "--compare",
            "--report", str(tmp_path / "report.json")]
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 0, run.output
    assert "unreachable within 3 minutes" in run.output
    assert "straight-line estimate vs road network" in run.output
    from siting.io import read_demand, read_sites

    d, s = read_demand(demand), read_sites(sites)
    back = validation.travel_matrix_file(out, d.ids, s.ids)
    direct = network_travel_matrix(SAMPLE, d, s, max_minutes=3, cache_dir=tmp_path / "cache")
    assert direct.from_cache
    np.testing.assert_allclose(back.minutes, direct.matrix.minutes, rtol=1e-6)
    assert np.isinf(back.minutes).sum() == direct.report.unreachable_pairs > 0
    assert (tmp_path / "report.json").is_file()


@pytest.mark.parametrize(("extra", "message"), [
    (["--network", "missing.osm.pbf"], "missing.osm.pbf: file not found"),
    (["--network", "roads.shp"], "unknown road network format"),
    (["--network", str(SAMPLE), "--max-minutes", "0"], "--max-minutes: Input should be greater than 0"),
    ([], "give exactly one of --network FILE, --place NAME, --bbox W,S,E,N or --estimate"),
    (["--network", str(SAMPLE), "--bbox", "0,51,1,52"], "give exactly one of"),
    (["--bbox", "1,2,3"], "--bbox: expected west,south,east,north"),
])
def test_cli_bad_input_is_one_line_and_exit_2(files: tuple[Path, Path], tmp_path: Path, extra: list[str],
                                              message: str) -> None:
    from scenarios.cli import cli

    demand, sites = files
    out = tmp_path / "m.parquet"
    run = CliRunner().invoke(cli, ["travel-times", "--demand", str(demand), "--sites", str(sites), "-o", str(out),
                                   "--cache-dir", str(tmp_path / "cache"), *extra])
    assert run.exit_code == 2, run.output
    assert message in run.output
    assert len(run.output.strip().splitlines()) == 1
    assert not out.exists()


def test_cli_corrupt_network_file(files: tuple[Path, Path], tmp_path: Path) -> None:
    from scenarios.cli import cli

    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><node id='1' lat='52' lon='1'></osm>")
    demand, sites = files
    run = CliRunner().invoke(cli, ["travel-times", "--network", str(bad), "--demand", str(demand), "--sites",
                                   str(sites), "-o", str(tmp_path / "m.parquet"), "--no-cache"])
    assert run.exit_code == 2, run.output
    assert "bad.osm" in run.output and "not valid OSM XML" in run.output
