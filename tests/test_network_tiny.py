"""Road-network travel times on a hand-made OSM XML network with answers worked out by hand (tests/data/tiny.osm).

Node positions (BNG metres relative to (620000, 308000)) and the roads are drawn in the file's header comment.
Minutes to drive 1000 m: 40 mph -> 0.932055, 30 mph -> 1.242740, 20 mph -> 1.864110, 50 km/h -> 1.2.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting import validation
from siting.domain import DemandAreas, Sites
from siting.network import NetworkSettings, network_travel_matrix, read_network
from siting.network.speeds import FROM_DEFAULT, FROM_MAXSPEED

TINY = Path(__file__).parent / "data" / "tiny.osm"
X0, Y0 = 620000.0, 308000.0


def minutes_per_km(mph: float) -> float:
    return 1000 / (mph * 1609.344 / 3600) / 60


M40, M30, M20 = minutes_per_km(40), minutes_per_km(30), minutes_per_km(20)
K50 = 1.2  # 1000 m at 50 km/h
ACCESS_200M = 200 / (15 / 3.6) / 60  # 0.8 min at the default access speed of 15 km/h


def points(ids: list[str], xy: list[tuple[float, float]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    x = X0 + np.array([p[0] for p in xy])
    y = Y0 + np.array([p[1] for p in xy])
    return pd.DataFrame({"id": ids, "x_m": x, "y_m": y}), pd.DataFrame({"children_0_4": 1, "district": "x"},
                                                                        index=range(len(ids)))


def demand_sites() -> tuple[DemandAreas, Sites]:
    d, extra = points(["A", "B", "C", "P", "I"], [(2000, 1000), (0, 1000), (0, 2000), (500, 200), (5000, 5000)])
    s, _ = points(["S1", "S3", "S9"], [(0, 0), (2000, 0), (0, 2000)])
    return (validation.demand_areas(pd.concat([d, extra], axis=1), source="demand"),
            validation.sites(s, source="sites"))


#: to_site minutes, derived by hand (rows A, B, C, P, I; columns S1, S3, S9)
EXPECTED = np.array([
    # A at node 5: 3->5 is one-way, so 5-4-2-1 / 5-4-2-3 / 5-4-10-9
    [M30 + M20 + M40, M30 + M20 + M40, 3 * M30],
    # B at node 6: 6-1 (50 km/h); 6-1-2-3; 6->9 is closed (oneway=-1), so 6-1-2-4-10-9
    [K50, K50 + 2 * M40, K50 + M40 + M20 + 2 * M30],
    # C at node 9: 9-6-1; 9-6-1-2-3; itself
    [M30 + K50, M30 + K50 + 2 * M40, 0.0],
    # P, 200 m off the middle of 1-2: 0.8 min access, half of 1-2, then on
    [ACCESS_200M + M40 / 2, ACCESS_200M + M40 / 2 + M40, ACCESS_200M + M40 / 2 + M20 + 2 * M30],
    # I, on the island, joins the main network 5000 m away (20 min at 15 km/h) at node 5 or 10
    [20 + 2 * M30 + K50, 20 + M30 + M20 + M40, 20 + M30],
])


def test_network_from_osm_xml() -> None:
    net = read_network(TINY)
    # nodes 1-10 (the cafe is on no way); footway 1-4 and private service road 4-6 left out
    assert net.n_nodes == 10
    # two-way: 1-2, 2-3, 2-4, 4-5, 6-1, 4-10, 10-9, 7-8 (8 x 2); one-way: 3->5, 9->6
    assert net.n_edges == 18
    assert net.largest_component().sum() == 8  # all but the island
    assert net.speed_sources()["maxspeed"] == 15
    assert (net.speed_source == FROM_DEFAULT).sum() == 3  # secondary 3->5 and the island road
    assert np.all(net.speed_source[net.speed_source != FROM_DEFAULT] == FROM_MAXSPEED)


def test_matrix_matches_hand_computation(tmp_path: Path) -> None:
    demand, sites = demand_sites()
    result = network_travel_matrix(TINY, demand, sites, cache_dir=tmp_path)
    assert result.matrix.minutes.dtype == np.float32
    assert result.matrix.demand_ids == ("A", "B", "C", "P", "I")
    np.testing.assert_allclose(result.matrix.minutes, EXPECTED, atol=1e-3)
    report = result.report
    assert report.flagged_demand_ids == ("I",)
    assert report.demand_snap_m[3] == pytest.approx(200, abs=0.05)
    assert report.demand_snap_m[4] == pytest.approx(5000, abs=0.05)
    assert report.unreachable_pairs == 0
    assert not result.from_cache


def test_one_way_streets_make_directions_differ(tmp_path: Path) -> None:
    demand, sites = demand_sites()
    back = network_travel_matrix(TINY, demand, sites, cache_dir=tmp_path,
                                 settings=NetworkSettings(direction="from_site")).matrix.minutes
    # from S3 (node 3) to A (node 5): straight up the one-way 3->5
    assert back[0, 1] == pytest.approx(M40, abs=1e-3)
    assert EXPECTED[0, 1] == pytest.approx(M30 + M20 + M40)
    # from S9 (node 9) to B (node 6): down the oneway=-1 way 9->6
    assert back[1, 2] == pytest.approx(M30, abs=1e-3)


def test_island_is_unreachable_when_points_keep_their_component(tmp_path: Path) -> None:
    demand, sites = demand_sites()
    result = network_travel_matrix(TINY, demand, sites, cache_dir=tmp_path,
                                   settings=NetworkSettings(snap_to="any_component"))
    m = result.matrix.minutes
    assert np.all(np.isinf(m[4]))
    np.testing.assert_allclose(m[:4], EXPECTED[:4], atol=1e-3)
    assert result.report.unreachable_pairs == 3
    assert result.report.unreachable_area_ids == ("I",)
    assert result.report.unreachable_per_area.tolist() == [0, 0, 0, 0, 3]
    assert result.report.flagged_demand_ids == ()
    assert result.matrix.unreachable_areas() == ["I"]


def test_cut_off(tmp_path: Path) -> None:
    demand, sites = demand_sites()
    result = network_travel_matrix(TINY, demand, sites, cache_dir=tmp_path, max_minutes=4.0, workers=2)
    expected = np.where(EXPECTED <= 4.0, EXPECTED, np.inf)
    np.testing.assert_allclose(result.matrix.minutes, expected, atol=1e-3)
    assert result.report.unreachable_pairs == int((EXPECTED > 4.0).sum())
    assert result.report.unreachable_area_ids == ("I",)


def test_simplified_graphml_gives_the_same_times(tmp_path: Path) -> None:
    ox = pytest.importorskip("osmnx")
    from siting.network.load import osmnx_way_tags

    with osmnx_way_tags():
        graph = ox.graph_from_xml(TINY, simplify=True, retain_all=True)
    curved = [d for _, _, d in graph.edges(data=True) if "geometry" in d]
    assert curved, "4-10-9 should be one curved edge after simplification"
    path = tmp_path / "tiny.graphml"
    ox.save_graphml(graph, path)
    demand, sites = demand_sites()
    result = network_travel_matrix(path, demand, sites, cache_dir=tmp_path)
    np.testing.assert_allclose(result.matrix.minutes, EXPECTED, atol=1e-3)
    assert read_network(path).n_nodes == 10  # node 10 restored from the geometry, shared by both directions
