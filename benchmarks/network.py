"""Benchmark: road-network travel matrix on a synthetic road grid (``python -m benchmarks.network --out DIR``).

The grid has about 200,000 nodes (448 x 448 junctions 100 m apart, 44.7 km square, in BNG metres): every 16th
street is a primary road (50 mph), every 4th a tertiary road (35 mph), the rest residential streets (25 mph, or
``maxspeed=20 mph`` on 30% of them), 15% of residential segments one-way and 3% removed, so the network has
one-way streets and a few cut-off pieces like a real one. 3,000 demand points and 300 sites are placed uniformly
at random (seeded). Timed, in one process:

* ``build``: the :class:`~siting.network.RoadNetwork` from arrays (speed imputation included);
* ``matrix (cold)``: :func:`siting.network.travel_matrix_on_network` with an empty cache (largest component,
  snapping, node elimination, CSR matrix, Dijkstra from the 300 sites on the reversed graph, cache write),
  repeated ``--repeat`` times with a fresh cache each time, for each worker count in ``--workers`` (1 and 2);
* ``matrix (cached)``: the same call again, answered from the cache;
* with ``--graphml``, also the file route: the grid saved as GraphML (OSMnx), then
  :func:`siting.network.network_travel_matrix` cold (GraphML parsing included), with new points on the cached
  network, and from the cache.

Memory: the process's peak resident set size after each step (``ru_maxrss``, so it only grows), and the peak of
memory allocated through Python and numpy during one extra, untimed cold run (``tracemalloc``).
Targets (issue 7): cold matrix under 30 s on a 2-core machine, cached re-run under 1 s.
Results go to ``DIR/network.md`` and ``DIR/network.csv``.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting import validation
from siting.domain import DemandAreas, Sites
from siting.network import NetworkMatrixResult, RoadNetwork, network_travel_matrix, travel_matrix_on_network
from siting.network.graph import build_network

COLD_TARGET_S = 30.0
CACHED_TARGET_S = 1.0
X0_M, Y0_M = 560_000.0, 280_000.0


@dataclass
class Row:
    step: str
    seconds: float
    cpu_s: float
    from_cache: bool | None = None
    peak_rss_mb: float = 0.0
    notes: str = ""


class Clock:
    """Wall-clock and CPU seconds of this process (CPU time shows what a step costs on a shared, busy machine)."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = self.cpu_s()

    @staticmethod
    def cpu_s() -> float:
        """CPU seconds of this process and of its finished child processes (routing workers)."""
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    def lap(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, self.cpu_s() - self.cpu


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def load_average() -> str:
    """The 1-minute load average, or 'n/a' where the platform has none."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except (AttributeError, OSError):
        return "n/a"


def grid_network(side: int = 448, spacing_m: float = 100.0, seed: int = 0) -> RoadNetwork:
    """The synthetic road grid described in the module docstring."""
    rng = np.random.default_rng(seed)
    idx = np.arange(side * side).reshape(side, side)  # idx[row, col]
    x = X0_M + spacing_m * (idx % side).ravel().astype(np.float64)
    y = Y0_M + spacing_m * (idx // side).ravel().astype(np.float64)
    # horizontal segments lie on a row, vertical ones on a column: their street is that row or column
    a = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    b = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    street = np.r_[np.repeat(np.arange(side), side - 1), np.tile(np.arange(side), side - 1)]
    highway = np.where(street % 16 == 0, "primary", np.where(street % 4 == 0, "tertiary", "residential"))
    residential = highway == "residential"
    keep = ~(residential & (rng.random(a.size) < 0.03))
    a, b, highway, residential = a[keep], b[keep], highway[keep], residential[keep]
    maxspeed = np.where(residential & (rng.random(a.size) < 0.3), "20 mph", "")  # "" = untagged
    oneway = residential & (rng.random(a.size) < 0.15)
    flip = oneway & (rng.random(a.size) < 0.5)
    a, b = np.where(flip, b, a), np.where(flip, a, b)
    two = ~oneway
    tail = np.r_[a, b[two]]
    head = np.r_[b, a[two]]
    hw = np.r_[highway, highway[two]]
    ms = np.r_[maxspeed, maxspeed[two]]
    return build_network(x_m=x, y_m=y, tail=tail, head=head, highway=hw.tolist(), maxspeed=ms.tolist(),
                         source=f"synthetic grid {side}x{side}")


def random_points(net: RoadNetwork, n_demand: int, n_sites: int, seed: int) -> tuple[DemandAreas, Sites]:
    rng = np.random.default_rng(seed)
    lo_x, hi_x, lo_y, hi_y = net.x_m.min(), net.x_m.max(), net.y_m.min(), net.y_m.max()
    d = pd.DataFrame({"id": [f"d{k}" for k in range(n_demand)], "x_m": rng.uniform(lo_x, hi_x, n_demand),
                      "y_m": rng.uniform(lo_y, hi_y, n_demand), "children_0_4": 1.0, "district": "grid"})
    s = pd.DataFrame({"id": [f"s{k}" for k in range(n_sites)], "x_m": rng.uniform(lo_x, hi_x, n_sites),
                      "y_m": rng.uniform(lo_y, hi_y, n_sites)})
    return validation.demand_areas(d, source="grid demand"), validation.sites(s, source="grid sites")


def timed(fn: Callable[[], NetworkMatrixResult]) -> tuple[NetworkMatrixResult, float, float]:
    clock = Clock()
    result = fn()
    return result, *clock.lap()


def run(*, side: int, n_demand: int, n_sites: int, max_minutes: float, repeat: int, graphml: bool,
        progress: bool, workers: list[int]) -> tuple[list[Row], dict[str, Any]]:
    rows: list[Row] = []
    clock = Clock()
    net = grid_network(side)
    rows.append(Row("build network (in memory)", *clock.lap(), None, peak_rss_mb(),
                    f"{net.n_nodes:,} nodes, {net.n_edges:,} directed edges"))
    demand, sites = random_points(net, n_demand, n_sites, seed=1)
    info: dict[str, Any] = {"nodes": net.n_nodes, "edges": net.n_edges, "demand": n_demand, "sites": n_sites,
                            "max_minutes": max_minutes}
    cold: dict[int, list[float]] = {w: [] for w in workers}
    cold_cpu: dict[int, list[float]] = {w: [] for w in workers}
    with tempfile.TemporaryDirectory(prefix="siting-bench-network-") as tmp:
        last: NetworkMatrixResult | None = None
        for w in workers:
            for k in range(repeat):
                cache_dir = Path(tmp) / f"cold-{w}-{k}"
                result, seconds, cpu = timed(lambda cd=cache_dir, w=w: travel_matrix_on_network(  # type: ignore[misc]
                    net, demand, sites, max_minutes=max_minutes, cache_dir=cd, progress=progress, workers=w))
                assert not result.from_cache
                if last is not None:
                    assert np.array_equal(result.matrix.minutes, last.matrix.minutes)
                last = result
                cold[w].append(seconds)
                cold_cpu[w].append(cpu)
                steps = ", ".join(f"{name} {v:.1f} s" for name, v in result.report.timings_s.items()
                                  if name != "total")
                rows.append(Row(f"matrix (cold, {w} worker{'s' if w > 1 else ''}) run {k + 1}", seconds, cpu, False,
                                peak_rss_mb(), steps))
        assert last is not None
        info |= {"unreachable_pairs": last.report.unreachable_pairs,
                 "component_nodes": last.report.component_nodes,
                 "median_minutes": float(np.median(last.matrix.minutes[np.isfinite(last.matrix.minutes)]))}
        cached, seconds, cpu = timed(lambda: travel_matrix_on_network(
            net, demand, sites, max_minutes=max_minutes, cache_dir=Path(tmp) / f"cold-{workers[-1]}-{repeat - 1}"))
        assert cached.from_cache
        assert np.array_equal(cached.matrix.minutes, last.matrix.minutes)
        rows.append(Row("matrix (cached)", seconds, cpu, True, peak_rss_mb(), "fingerprint of the arrays + read"))
        tracemalloc.start()
        travel_matrix_on_network(net, demand, sites, max_minutes=max_minutes, use_cache=False)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        info["traced_peak_mb"] = traced_peak / 2**20
        if graphml:
            rows += file_route(net, demand, sites, Path(tmp), max_minutes=max_minutes, progress=progress)
    info["cold_median_s"] = {w: statistics.median(v) for w, v in cold.items()}
    info["cold_median_cpu_s"] = {w: statistics.median(v) for w, v in cold_cpu.items()}
    info["cached_s"] = next(r.seconds for r in rows if r.step == "matrix (cached)")
    return rows, info


def file_route(net: RoadNetwork, demand: DemandAreas, sites: Sites, tmp: Path, *, max_minutes: float,
               progress: bool) -> list[Row]:
    """The same grid through a GraphML file: parse cost, network cache, matrix cache."""
    import networkx as nx
    import osmnx as ox

    from siting.geo import to_wgs84
    from siting.network.graph import HIGHWAY_CLASSES

    rows: list[Row] = []
    clock = Clock()
    lon, lat = to_wgs84(net.x_m, net.y_m)
    g = nx.MultiDiGraph(crs="EPSG:4326")
    g.add_nodes_from((k, {"x": float(lon[k]), "y": float(lat[k])}) for k in range(net.n_nodes))
    mph = np.round(net.speed_kmh / 1.609344).astype(int)
    g.add_edges_from((int(u), int(v), {"highway": HIGHWAY_CLASSES[h], "maxspeed": f"{s} mph"})
                     for u, v, h, s in zip(net.tail, net.head, net.highway, mph, strict=True))
    path = tmp / "grid.graphml"
    ox.save_graphml(g, path)
    rows.append(Row("write GraphML (setup, OSMnx)", *clock.lap(), None, peak_rss_mb(),
                    f"{path.stat().st_size / 1e6:.0f} MB"))
    cache_dir = tmp / "file-cache"
    first, seconds, cpu = timed(lambda: network_travel_matrix(path, demand, sites, max_minutes=max_minutes,
                                                         cache_dir=cache_dir, progress=progress))
    steps = ", ".join(f"{name} {v:.1f} s" for name, v in first.report.timings_s.items() if name != "total")
    rows.append(Row("file: matrix (cold, parses GraphML)", seconds, cpu, False, peak_rss_mb(), steps))
    moved = DemandAreas(demand.frame.assign(x_m=demand.x_m + 10.0), demand.source)
    second, seconds, cpu = timed(lambda: network_travel_matrix(path, moved, sites, max_minutes=max_minutes,
                                                          cache_dir=cache_dir))
    steps = ", ".join(f"{name} {v:.1f} s" for name, v in second.report.timings_s.items() if name != "total")
    rows.append(Row("file: matrix (new points, network cached)", seconds, cpu, second.from_cache, peak_rss_mb(),
                    steps))
    third, seconds, cpu = timed(lambda: network_travel_matrix(path, demand, sites, max_minutes=max_minutes,
                                                         cache_dir=cache_dir))
    assert third.from_cache
    rows.append(Row("file: matrix (cached)", seconds, cpu, True, peak_rss_mb(), "SHA-256 of the file + read"))
    return rows


def write(rows: list[Row], info: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    csv_path = out / "network.csv"
    tmp = csv_path.with_name(f".{csv_path.name}.tmp")
    with tmp.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["step", "seconds", "cpu_s", "from_cache", "peak_rss_mb", "nodes", "edges", "demand", "sites",
                    "max_minutes", "notes"])
        for r in rows:
            w.writerow([r.step, f"{r.seconds:.3f}", f"{r.cpu_s:.3f}", "" if r.from_cache is None else r.from_cache,
                        f"{r.peak_rss_mb:.0f}", info["nodes"], info["edges"], info["demand"], info["sites"],
                        info["max_minutes"], r.notes])
    tmp.replace(csv_path)
    cached_ok = info["cached_s"] < CACHED_TARGET_S
    lines = [
        "# Road-network travel matrix benchmark",
        "",
        f"Synthetic road grid: {info['nodes']:,} nodes, {info['edges']:,} directed edges "
        f"({info['component_nodes']:,} in the largest strongly connected component); {info['demand']:,} demand "
        f"points x {info['sites']:,} sites, cut-off {info['max_minutes']:g} min; median time "
        f"{info['median_minutes']:.1f} min, {info['unreachable_pairs']:,} pairs beyond the cut-off.",
        f"Machine: {machine}; load average {info['load_before']} before, {info['load_after']} after (other "
        "processes share the cores: compare CPU seconds with wall seconds). "
        f"Written by `python -m benchmarks.network` ({time.strftime('%Y-%m-%d %H:%M')}).",
        "",
        "| step | wall s | CPU s | from cache | peak RSS (MB) | notes |",
        "|---|---:|---:|---|---:|---|",
    ]
    for r in rows:
        cached = "" if r.from_cache is None else ("yes" if r.from_cache else "no")
        lines.append(f"| {r.step} | {r.seconds:.2f} | {r.cpu_s:.2f} | {cached} | {r.peak_rss_mb:.0f} | {r.notes} |")
    lines += [
        "",
        *(f"- Cold matrix, {w} worker{'s' if w > 1 else ''} (median of runs): **{info['cold_median_s'][w]:.1f} s** "
          f"wall, {info['cold_median_cpu_s'][w]:.1f} s CPU (target < {COLD_TARGET_S:g} s wall: "
          f"{'met' if info['cold_median_s'][w] < COLD_TARGET_S else 'NOT met'})." for w in info["cold_median_s"]),
        f"- Cached re-run: **{info['cached_s']:.3f} s** (target < {CACHED_TARGET_S:g} s: "
        f"{'met' if cached_ok else 'NOT met'}).",
        f"- Peak memory allocated through Python/numpy during a cold matrix (tracemalloc): "
        f"{info['traced_peak_mb']:.0f} MB. Peak RSS is the whole process (it includes the network itself and, "
        "with --graphml, the OSMnx graph).",
        "",
    ]
    md = out / "network.md"
    tmp = md.with_name(f".{md.name}.tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    tmp.replace(md)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.network", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"), help="folder for network.md/.csv")
    parser.add_argument("--side", type=int, default=448, help="junctions per side of the grid (448 -> 200,704)")
    parser.add_argument("--demand", type=int, default=3000)
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--max-minutes", type=float, default=120.0)
    parser.add_argument("--repeat", type=int, default=3, help="cold runs (the median is reported)")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts to time (default 1,2)")
    parser.add_argument("--graphml", action="store_true", help="also time the GraphML file route (slow: ~2 min)")
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args(argv)
    load_before = load_average()
    rows, info = run(side=args.side, n_demand=args.demand, n_sites=args.sites, max_minutes=args.max_minutes,
                     repeat=max(1, args.repeat), graphml=args.graphml, progress=args.progress,
                     workers=[max(1, int(w)) for w in args.workers.split(",")])
    info |= {"load_before": load_before, "load_after": load_average()}
    write(rows, info, args.out)
    for r in rows:
        print(f"{r.step:45s} {r.seconds:8.2f} s wall {r.cpu_s:8.2f} s CPU  peak RSS {r.peak_rss_mb:6.0f} MB  "
              f"{r.notes}")
    print(f"load average {load_before} -> {info['load_after']}")
    print(f"written to {args.out / 'network.md'} and {args.out / 'network.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
