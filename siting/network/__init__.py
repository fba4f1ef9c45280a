"""Road-network travel times: from a local OSM file to a cached demand x site matrix (see docs/travel-times.md).

The entry point for the rest of the engine::

    from siting.network import network_travel_matrix

    result = network_travel_matrix(Path("norfolk.osm.pbf"), demand, sites, max_minutes=120.0)
    result.matrix        # TravelMatrix, demand x sites, float32 minutes, inf where unreachable
    result.report        # snap distances, flagged points, unreachable pairs and areas
    result.from_cache    # True when read back from the cache

Modules: :mod:`~siting.network.load` (reading .osm / .osm.pbf / .graphml), :mod:`~siting.network.speeds`
(drivable roads, one-way, UK speeds), :mod:`~siting.network.graph` (the network as arrays),
:mod:`~siting.network.snap` (joining points to roads), :mod:`~siting.network.matrix` (routing and the cache
logic), :mod:`~siting.network.cache` (the on-disk cache), :mod:`~siting.network.compare` (against a straight-line
estimator), :mod:`~siting.network.online` (explicit downloads only).
"""

from __future__ import annotations

from siting.network.compare import EstimatorComparison, MinutesEstimator, compare_with_estimator
from siting.network.graph import RoadNetwork
from siting.network.load import read_network
from siting.network.matrix import load_network, network_travel_matrix, travel_matrix_on_network
from siting.network.options import NetworkSettings
from siting.network.report import NetworkMatrixResult, NetworkReport

__all__ = [
    "EstimatorComparison",
    "MinutesEstimator",
    "NetworkMatrixResult",
    "NetworkReport",
    "NetworkSettings",
    "RoadNetwork",
    "compare_with_estimator",
    "load_network",
    "network_travel_matrix",
    "read_network",
    "travel_matrix_on_network",
]
