r"""Many-to-many drive times on a road network: demand areas x sites, cached.

Method. The network's straight directed edges weigh their travel time in seconds. Each point gets a virtual node:
an origin :math:`o` has edges to the nodes where it can enter the network, a destination :math:`d` edges from the
nodes where it can be reached, weighted as in :mod:`siting.network.snap` (access at ``access_speed_kmh`` plus
the part of the snapped segment driven). Then

.. math::

    t_{od} = \min\Big(\operatorname{dist}_G(o, d),\ \text{direct}_{od}\Big),

where :math:`\operatorname{dist}_G` is computed by Dijkstra's algorithm (``scipy.sparse.csgraph.dijkstra`` on a
CSR matrix, ``min_only=False``, ``limit`` = ``max_minutes``) from whichever side has fewer points: from the
destinations on the *reversed* graph (so one-way streets are driven the right way) or from the origins on the
graph itself; and :math:`\text{direct}_{od}` is the trip along one shared segment. Before routing, road nodes
with at most two neighbours (the middle of a road, dead ends) are eliminated without changing any distance
(:mod:`siting.network.contract`), which shrinks an unsimplified OSM network several-fold. Sources are processed
in batches so a batch's distance rows stay within ``batch_bytes`` (64 MB by default). Nothing loops over pairs
in Python. Times above ``max_minutes`` are ``inf``: with the default ``largest_component`` snapping every pair is
connected, so ``inf`` means "further than ``max_minutes``".

Cache. Results are cached on disk (:mod:`siting.network.cache`) under a key made of the network file's SHA-256,
the points (ids and coordinates), ``max_minutes`` and the settings; the parsed network is cached under the file's
SHA-256 and the speed table, so new points on the same network skip the parsing.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from siting import validation
from siting.domain import DemandAreas, Sites
from siting.errors import InputError
from siting.network import cache
from siting.network.contract import eliminate
from siting.network.graph import RoadNetwork, csr_min
from siting.network.load import network_format, read_network
from siting.network.options import NetworkSettings
from siting.network.report import NetworkMatrixResult, NetworkReport
from siting.network.route import BATCH_BYTES, minutes_from
from siting.network.snap import Segments, Snap, arrivals, departures, direct_pairs, segments, snap_points


def network_travel_matrix(network: Path, demand: DemandAreas, sites: Sites, *, max_minutes: float = 120.0,
                          cache_dir: Path | None = None, progress: bool = False,
                          settings: NetworkSettings | None = None, use_cache: bool = True,
                          workers: int = 1) -> NetworkMatrixResult:
    """Drive minutes from every demand area to every site over the road network in ``network``.

    Parameters
    ----------
    network
        An OSM extract (``.osm`` XML or ``.osm.pbf``) or an OSMnx ``.graphml`` file
        (:mod:`siting.network.load`); only drivable roads are used and speeds come from ``maxspeed`` and UK
        defaults by road class (:mod:`siting.network.speeds`).
    demand, sites
        Points in British National Grid metres (``x_m``, ``y_m``); they are snapped to the nearest road.
    max_minutes
        Cut-off: pairs further than this are ``inf`` (and the search stops there, which saves time).
    cache_dir
        Cache folder (default ``$SITING_CACHE_DIR``, else the system user cache folder,
        ``platformdirs.user_cache_dir("siting")``); ``use_cache=False`` bypasses it.
    progress
        Show a progress bar over the routing batches.
    workers
        Processes routing in parallel (results are identical; see :mod:`siting.network.route`).
    settings
        Modelling choices (:class:`NetworkSettings`): access speed, snap flag distance, component rule,
        direction (``to_site`` by default), speed table.

    Returns
    -------
    NetworkMatrixResult
        ``matrix`` (demand x sites, float32 minutes, ``inf`` unreachable), ``report`` (snap distances, flagged
        points, unreachable pairs and areas) and ``from_cache``.

    Raises
    ------
    InputError
        Unknown format, missing or unreadable file, no drivable roads, bad ``max_minutes`` or settings.
    """
    settings = settings or NetworkSettings()
    check_max_minutes(max_minutes)
    check_workers(workers)
    path = Path(network)
    network_format(path)
    if not path.is_file():
        raise InputError("file not found", source=str(path))
    start = time.perf_counter()
    sha = cache.file_sha256(path)

    def load() -> RoadNetwork:
        return load_network(path, settings=settings, cache_dir=cache_dir, use_cache=use_cache, file_sha256=sha)

    return _cached_matrix(load, sha, str(path), demand, sites, max_minutes=max_minutes, settings=settings,
                          cache_dir=cache_dir, use_cache=use_cache, progress=progress, workers=workers, start=start)


def travel_matrix_on_network(net: RoadNetwork, demand: DemandAreas, sites: Sites, *, max_minutes: float = 120.0,
                             cache_dir: Path | None = None, progress: bool = False,
                             settings: NetworkSettings | None = None, use_cache: bool = True,
                             workers: int = 1) -> NetworkMatrixResult:
    """:func:`network_travel_matrix` on a network already in memory (cache key: :meth:`RoadNetwork.fingerprint`)."""
    settings = settings or NetworkSettings()
    check_max_minutes(max_minutes)
    check_workers(workers)
    start = time.perf_counter()
    return _cached_matrix(lambda: net, net.fingerprint(), net.source or "network in memory", demand, sites,
                          max_minutes=max_minutes, settings=settings, cache_dir=cache_dir, use_cache=use_cache,
                          progress=progress, workers=workers, start=start)


def load_network(path: Path, *, settings: NetworkSettings | None = None, cache_dir: Path | None = None,
                 use_cache: bool = True, file_sha256: str | None = None) -> RoadNetwork:
    """The drivable network in ``path`` (:func:`~siting.network.load.read_network`), through the cache."""
    settings = settings or NetworkSettings()
    path = Path(path)
    if not use_cache:
        return read_network(path, speeds_mph=settings.speeds_mph)
    sha = file_sha256 or cache.file_sha256(path)
    entry = cache.network_cache_dir(cache_dir) / f"graph-{cache.digest({'file': sha, **settings.graph_key()})}.npz"
    hit = cache.load(entry)
    if hit is not None:
        return RoadNetwork.from_arrays(hit[0], source=str(path))
    net = read_network(path, speeds_mph=settings.speeds_mph)
    with contextlib.suppress(OSError):  # a read-only or full cache folder only costs time
        cache.save(entry, net.arrays(), {"source": str(path), "file_sha256": sha})
    return net


def check_max_minutes(max_minutes: float) -> None:
    if not (isinstance(max_minutes, int | float) and math.isfinite(max_minutes) and max_minutes > 0):
        raise InputError(f"must be a positive number of minutes, got {max_minutes!r}", source="max_minutes")


def check_workers(workers: int) -> None:
    if not (isinstance(workers, int) and workers >= 1):
        raise InputError(f"must be a whole number of processes, at least 1, got {workers!r}", source="workers")


def matrix_key(network_sha256: str, demand: DemandAreas, sites: Sites, *, max_minutes: float,
               settings: NetworkSettings) -> str:
    """The cache key of a matrix."""
    return cache.digest({
        "kind": "matrix", "network": network_sha256, "max_minutes": float(max_minutes), **settings.key(),
        "demand": cache.points_sha256(demand.ids, demand.x_m, demand.y_m),
        "sites": cache.points_sha256(sites.ids, sites.x_m, sites.y_m),
    })


def _cached_matrix(load: Callable[[], RoadNetwork], network_sha256: str, name: str, demand: DemandAreas,
                   sites: Sites, *, max_minutes: float, settings: NetworkSettings, cache_dir: Path | None,
                   use_cache: bool, progress: bool, workers: int, start: float) -> NetworkMatrixResult:
    entry = None
    if use_cache:
        key = matrix_key(network_sha256, demand, sites, max_minutes=max_minutes, settings=settings)
        entry = cache.network_cache_dir(cache_dir) / f"matrix-{key}.npz"
        hit = _read_entry(entry, name, demand, sites, start=start)
        if hit is not None:
            return hit
    timings: dict[str, float] = {}
    t = time.perf_counter()
    net = load()
    timings["load"] = time.perf_counter() - t
    minutes, report = compute(net, demand, sites, max_minutes=max_minutes, settings=settings, progress=progress,
                              workers=workers, timings=timings)
    timings["total"] = time.perf_counter() - start
    report = replace(report, network=name, network_sha256=network_sha256, timings_s=timings)
    matrix = validation.travel_matrix(minutes, demand.ids, sites.ids, source=f"road network {name}")
    if entry is not None:
        _write_entry(entry, matrix.minutes, report)
    return NetworkMatrixResult(matrix, report, from_cache=False, cache_path=entry)


def compute(net: RoadNetwork, demand: DemandAreas, sites: Sites, *, max_minutes: float, settings: NetworkSettings,
            progress: bool = False, workers: int = 1, timings: dict[str, float] | None = None,
            ) -> tuple[NDArray[np.float32], NetworkReport]:
    """The demand x site minutes and the report (no cache); see the module docstring."""
    timings = {} if timings is None else timings
    t = time.perf_counter()
    component = net.largest_component()
    seg = segments(net, component if settings.snap_to == "largest_component" else None)
    if seg.size == 0:
        raise InputError("the road network has no usable road segment", source=net.source)
    xy = np.r_[demand.x_m, sites.x_m], np.r_[demand.y_m, sites.y_m]
    snap_all = snap_points(seg, *xy, candidate_radius_m=settings.candidate_radius_m)
    n_d = len(demand)
    snap_demand, snap_sites = _split(snap_all, n_d)
    timings["snap"] = time.perf_counter() - t
    t = time.perf_counter()
    to_site = settings.direction == "to_site"
    origins, destinations = (snap_demand, snap_sites) if to_site else (snap_sites, snap_demand)
    od, routing_nodes = od_minutes(net, seg, origins, destinations, max_minutes=max_minutes,
                                   access_speed_kmh=settings.access_speed_kmh, progress=progress, workers=workers)
    minutes = od if to_site else np.ascontiguousarray(od.T)
    timings["route"] = time.perf_counter() - t
    finite = np.isfinite(minutes)
    demand_ids, site_ids = demand.ids, sites.ids
    report = NetworkReport(
        network=net.source, network_sha256="", nodes=net.n_nodes, edges=net.n_edges,
        component_nodes=int(component.sum()), speed_sources=net.speed_sources(), max_minutes=float(max_minutes),
        settings=settings.key(), demand_snap_m=snap_demand.snap_m, site_snap_m=snap_sites.snap_m,
        flagged_demand_ids=tuple(demand_ids[i] for i in np.flatnonzero(snap_demand.snap_m > settings.snap_flag_m)),
        flagged_site_ids=tuple(site_ids[j] for j in np.flatnonzero(snap_sites.snap_m > settings.snap_flag_m)),
        unreachable_pairs=int((~finite).sum()),
        unreachable_per_area=(~finite).sum(axis=1).astype(np.int64),
        unreachable_area_ids=tuple(demand_ids[i] for i in np.flatnonzero(~finite.any(axis=1))),
        unreachable_site_ids=tuple(site_ids[j] for j in np.flatnonzero(~finite.any(axis=0))),
        routing_nodes=routing_nodes,
    )
    return minutes, report


def od_minutes(net: RoadNetwork, seg: Segments, origins: Snap, destinations: Snap, *, max_minutes: float,
               access_speed_kmh: float, progress: bool = False, workers: int = 1,
               batch_bytes: int = BATCH_BYTES) -> tuple[NDArray[np.float32], int]:
    """Origin x destination minutes (float32, ``inf`` beyond ``max_minutes``) for snapped points, and the number
    of nodes routed over (road nodes left after elimination, plus one per point)."""
    n = net.n_nodes
    n_o, n_d = origins.snap_m.size, destinations.snap_m.size
    o_pt, o_node, o_s = departures(origins, seg, access_speed_kmh=access_speed_kmh)
    d_pt, d_node, d_s = arrivals(destinations, seg, access_speed_kmh=access_speed_kmh)
    total = n + n_o + n_d
    # virtual nodes: origins n .. n+n_o-1, destinations n+n_o .. total-1
    rows = np.r_[net.tail, n + o_pt, d_node]
    cols = np.r_[net.head, o_node, n + n_o + d_pt]
    weights = np.r_[net.travel_s, o_s, d_s]
    # the points stay; road nodes with at most two neighbours go (distances unchanged, see contract.py)
    keep = np.zeros(total, dtype=bool)
    keep[n:] = True
    rows, cols, weights, alive = eliminate(rows, cols, weights, total, keep)
    index = np.cumsum(alive) - 1
    rows, cols, total = index[rows], index[cols], int(alive.sum())
    origin_nodes, dest_nodes = index[n + np.arange(n_o)], index[n + n_o + np.arange(n_d)]
    from_origins = n_o <= n_d
    if from_origins:
        graph = csr_min(rows, cols, weights, total)
        sources, targets = origin_nodes, dest_nodes
    else:  # the reversed graph: distances from each destination back to every origin
        graph = csr_min(cols, rows, weights, total)
        sources, targets = dest_nodes, origin_nodes
    limit_s = float(max_minutes) * 60.0
    out = minutes_from(graph, sources, targets, limit_s=limit_s, workers=workers, progress=progress,
                       batch_bytes=batch_bytes)
    od = out if from_origins else np.ascontiguousarray(out.T)
    o, d, direct_s = direct_pairs(origins, destinations, seg, access_speed_kmh=access_speed_kmh)
    within = direct_s <= limit_s
    np.minimum.at(od, (o[within], d[within]), (direct_s[within] / 60.0).astype(np.float32))
    od[od > np.float32(max_minutes)] = np.inf
    return od, total


def _split(snap: Snap, n_first: int) -> tuple[Snap, Snap]:
    first = snap.point < n_first
    a = Snap(snap.snap_m[:n_first], snap.point[first], snap.segment[first], snap.fraction[first],
             snap.distance_m[first])
    b = Snap(snap.snap_m[n_first:], snap.point[~first] - n_first, snap.segment[~first], snap.fraction[~first],
             snap.distance_m[~first])
    return a, b


_ARRAYS = ("demand_snap_m", "site_snap_m", "unreachable_per_area")


def _write_entry(entry: Path, minutes: NDArray[np.float32], report: NetworkReport) -> None:
    meta = {k: v for k, v in report.as_dict().items() if k not in _ARRAYS}
    arrays = {"minutes": minutes, **{k: np.asarray(getattr(report, k)) for k in _ARRAYS}}
    with contextlib.suppress(OSError):  # a read-only or full cache folder must not lose the result
        cache.save(entry, arrays, meta)


def _read_entry(entry: Path, name: str, demand: DemandAreas, sites: Sites, *,
                start: float) -> NetworkMatrixResult | None:
    hit = cache.load(entry)
    if hit is None:
        return None
    arrays, meta = hit
    minutes = np.asarray(arrays.get("minutes"))
    if minutes.shape != (len(demand), len(sites)) or any(k not in arrays for k in _ARRAYS):
        return None
    tuples = ("flagged_demand_ids", "flagged_site_ids", "unreachable_area_ids", "unreachable_site_ids")
    fields: dict[str, Any] = {k: tuple(v) if k in tuples else v for k, v in meta.items()}
    fields.update({k: arrays[k] for k in _ARRAYS})
    fields["network"] = name
    fields["timings_s"] = {"cache read": time.perf_counter() - start}
    try:
        report = NetworkReport(**fields)
    except TypeError:  # an entry from another version of the report
        return None
    matrix = validation.travel_matrix(minutes, demand.ids, sites.ids, source=f"road network {name}")
    return NetworkMatrixResult(matrix, report, from_cache=True, cache_path=entry)
