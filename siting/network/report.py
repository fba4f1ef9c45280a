"""What a network travel-matrix run did: snapping, flagged points, unreachable pairs, timings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from siting.domain import TravelMatrix


@dataclass(frozen=True)
class NetworkReport:
    """The report of :func:`siting.network.network_travel_matrix`.

    ``demand_snap_m`` / ``site_snap_m`` are each point's distance to the road it joins; points beyond
    ``snap_flag_m`` are listed in ``flagged_demand_ids`` / ``flagged_site_ids``. A pair is unreachable (``inf``)
    when no route within ``max_minutes`` exists; ``unreachable_pairs`` counts them, ``unreachable_per_area`` per
    demand area, ``unreachable_area_ids`` lists areas that reach no site at all and ``unreachable_site_ids``
    sites no area reaches. ``routing_nodes`` is the size of the graph Dijkstra ran on (after eliminating nodes
    with at most two neighbours, plus one node per point).
    """

    network: str
    network_sha256: str
    nodes: int
    edges: int
    component_nodes: int
    speed_sources: dict[str, int]
    max_minutes: float
    settings: dict[str, Any]
    demand_snap_m: NDArray[np.float64]
    site_snap_m: NDArray[np.float64]
    flagged_demand_ids: tuple[str, ...]
    flagged_site_ids: tuple[str, ...]
    unreachable_pairs: int
    unreachable_per_area: NDArray[np.int64]
    unreachable_area_ids: tuple[str, ...]
    unreachable_site_ids: tuple[str, ...]
    timings_s: dict[str, float] = field(default_factory=dict)
    routing_nodes: int = 0

    @property
    def pairs(self) -> int:
        return int(self.demand_snap_m.size * self.site_snap_m.size)

    def as_dict(self) -> dict[str, Any]:
        """Plain values (JSON-ready apart from NaN/inf, which :func:`siting.output.jsonable` handles)."""
        out: dict[str, Any] = {}
        for k, v in self.__dict__.items():
            out[k] = v.tolist() if isinstance(v, np.ndarray) else list(v) if isinstance(v, tuple) else v
        return out

    def summary(self, *, max_listed: int = 10) -> str:
        """A few lines for people."""

        def listed(ids: tuple[str, ...]) -> str:
            more = f" (+{len(ids) - max_listed} more)" if len(ids) > max_listed else ""
            return ", ".join(ids[:max_listed]) + more

        def stats(v: NDArray[np.float64]) -> str:
            if v.size == 0:
                return "none"
            return (f"median {np.median(v):.0f} m, 90th percentile {np.percentile(v, 90):.0f} m, "
                    f"max {v.max():.0f} m")

        s = self.settings
        lines = [
            f"road network: {self.network} ({self.nodes:,} nodes, {self.edges:,} directed edges; "
            f"{self.component_nodes:,} nodes in the largest strongly connected component; routed over "
            f"{self.routing_nodes:,} nodes)",
            "edge speeds: " + ", ".join(f"{n} {k}" for k, n in self.speed_sources.items() if n),
            f"snapping ({s.get('snap_to', '')}, access at {s.get('access_speed_kmh', 0):g} km/h): "
            f"demand {stats(self.demand_snap_m)}; sites {stats(self.site_snap_m)}",
        ]
        flag = s.get("snap_flag_m", 0)
        if self.flagged_demand_ids:
            lines.append(f"  {len(self.flagged_demand_ids)} demand areas over {flag:g} m from a road: "
                         f"{listed(self.flagged_demand_ids)}")
        if self.flagged_site_ids:
            lines.append(f"  {len(self.flagged_site_ids)} sites over {flag:g} m from a road: "
                         f"{listed(self.flagged_site_ids)}")
        lines.append(f"unreachable within {self.max_minutes:g} minutes: {self.unreachable_pairs:,} of "
                     f"{self.pairs:,} pairs ({s.get('direction', '')})")
        if self.unreachable_area_ids:
            lines.append(f"  {len(self.unreachable_area_ids)} demand areas reach no site: "
                         f"{listed(self.unreachable_area_ids)}")
        if self.unreachable_site_ids:
            lines.append(f"  {len(self.unreachable_site_ids)} sites reached by no area: "
                         f"{listed(self.unreachable_site_ids)}")
        if self.timings_s:
            lines.append("time: " + ", ".join(f"{k} {v:.2f} s" for k, v in self.timings_s.items()))
        return "\n".join(lines)


@dataclass(frozen=True)
class NetworkMatrixResult:
    """A demand x site :class:`TravelMatrix` of road-network minutes (float32, ``inf`` unreachable) and its
    report. ``from_cache`` says whether it was read from the cache (``cache_path``) rather than computed."""

    matrix: TravelMatrix
    report: NetworkReport
    from_cache: bool = False
    cache_path: Path | None = None
