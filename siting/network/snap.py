r"""Joining points (demand areas, sites) to the road network.

A point :math:`p` is projected onto the nearest straight road segment (distance :math:`d_{\min}`, its *snap
distance*), as routing engines do, and onto every other segment within :math:`d_{\min} + r`
(``candidate_radius_m``, default 1 m): a point at a junction joins every road there. A larger radius lets points
join several nearby roads (both carriageways of a dual carriageway, say), but it also lets them hop between
parallel streets at the access speed, which undercuts real drives (a cul-de-sac backing onto another road), so
the default keeps to the nearest road. On a segment :math:`(a, b)` with travel times :math:`t_{ab}` and
:math:`t_{ba}` (``inf`` where one-way), the projection at fraction :math:`f` from :math:`a` with distance
:math:`d` gives

* departures (the point as an origin): to :math:`b` in :math:`d/v + (1-f)\,t_{ab}` and to :math:`a` in
  :math:`d/v + f\,t_{ba}`;
* arrivals (the point as a destination): from :math:`a` in :math:`f\,t_{ab} + d/v` and from :math:`b` in
  :math:`(1-f)\,t_{ba} + d/v`;

where :math:`v` is the access speed (``access_speed_kmh``): the straight-line distance from the point to the
road is covered at that speed (default 15 km/h, a slow drive or a brisk cycle over car parks, private drives and
farm tracks the map does not show). Two points projected onto the same segment may also travel directly along it
(:func:`direct_pairs`) without reaching either end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from siting.network.graph import RoadNetwork


@dataclass(frozen=True)
class Segments:
    """Undirected straight road segments :math:`a < b` with travel seconds each way (``inf`` where closed)."""

    a: NDArray[np.int64]
    b: NDArray[np.int64]
    forward_s: NDArray[np.float64]
    backward_s: NDArray[np.float64]
    ax_m: NDArray[np.float64]
    ay_m: NDArray[np.float64]
    bx_m: NDArray[np.float64]
    by_m: NDArray[np.float64]

    @property
    def size(self) -> int:
        return int(self.a.size)


def segments(net: RoadNetwork, node_mask: NDArray[np.bool_] | None = None) -> Segments:
    """The network's edges as undirected segments, keeping those with both ends in ``node_mask``."""
    t, h, w = net.tail, net.head, net.travel_s
    if node_mask is not None:
        keep = node_mask[t] & node_mask[h]
        t, h, w = t[keep], h[keep], w[keep]
    forward = t < h
    frame = pd.DataFrame({
        "a": np.minimum(t, h), "b": np.maximum(t, h),
        "fwd": np.where(forward, w, np.inf), "bwd": np.where(forward, np.inf, w),
    }).groupby(["a", "b"], sort=True).min().reset_index()
    a = frame["a"].to_numpy(dtype=np.int64)
    b = frame["b"].to_numpy(dtype=np.int64)
    return Segments(a, b, frame["fwd"].to_numpy(dtype=np.float64), frame["bwd"].to_numpy(dtype=np.float64),
                    net.x_m[a], net.y_m[a], net.x_m[b], net.y_m[b])


@dataclass(frozen=True)
class Snap:
    """Where points join the network: ``snap_m[i]`` is point ``i``'s distance to the nearest segment; candidate
    ``k`` projects point ``point[k]`` onto segment ``segment[k]`` at ``fraction[k]`` (0 at ``a``, 1 at ``b``),
    ``distance_m[k]`` from the point."""

    snap_m: NDArray[np.float64]
    point: NDArray[np.int64]
    segment: NDArray[np.int64]
    fraction: NDArray[np.float64]
    distance_m: NDArray[np.float64]


def snap_points(seg: Segments, x_m: NDArray[np.floating], y_m: NDArray[np.floating], *,
                candidate_radius_m: float = 1.0) -> Snap:
    """Project points onto the nearest segments (see the module docstring); vectorised with an STR-tree."""
    px = np.asarray(x_m, dtype=np.float64)
    py = np.asarray(y_m, dtype=np.float64)
    if seg.size == 0:
        raise ValueError("no road segments to snap to")
    lines = shapely.linestrings(np.stack([np.c_[seg.ax_m, seg.ay_m], np.c_[seg.bx_m, seg.by_m]], axis=1))
    tree = shapely.STRtree(lines)
    points = shapely.points(px, py)
    (p_idx, _), dist = tree.query_nearest(points, return_distance=True, all_matches=False)
    snap_m = np.full(px.size, np.inf)
    snap_m[p_idx] = dist
    p, s = tree.query(points, predicate="dwithin", distance=snap_m + float(candidate_radius_m) + 1e-6)
    fraction, distance = project(seg, s, px[p], py[p])
    order = np.lexsort((s, p))
    return Snap(snap_m, p[order].astype(np.int64), s[order].astype(np.int64), fraction[order], distance[order])


def project(seg: Segments, s: NDArray[np.integer], px: NDArray[np.float64],
            py: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Fraction along segments ``s`` (0 at ``a``) of the closest point to ``(px, py)``, and the distance to it."""
    ax, ay = seg.ax_m[s], seg.ay_m[s]
    dx, dy = seg.bx_m[s] - ax, seg.by_m[s] - ay
    f = np.clip(((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    return f, np.hypot(ax + f * dx - px, ay + f * dy - py)


def access_s(snap: Snap, access_speed_kmh: float) -> NDArray[np.float64]:
    """Seconds from each candidate's point to the road, at ``access_speed_kmh``."""
    return snap.distance_m / (access_speed_kmh / 3.6)


def departures(snap: Snap, seg: Segments, *, access_speed_kmh: float,
               ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """(point, node, seconds) for every way a point can enter the network as an origin."""
    acc = access_s(snap, access_speed_kmh)
    f, s = snap.fraction, snap.segment
    to_b = acc + part(1.0 - f, seg.forward_s[s])
    to_a = acc + part(f, seg.backward_s[s])
    return _stack(snap.point, seg.b[s], to_b, seg.a[s], to_a)


def arrivals(snap: Snap, seg: Segments, *, access_speed_kmh: float,
             ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """(point, node, seconds) for every way a point can be reached from the network as a destination."""
    acc = access_s(snap, access_speed_kmh)
    f, s = snap.fraction, snap.segment
    from_a = part(f, seg.forward_s[s]) + acc
    from_b = part(1.0 - f, seg.backward_s[s]) + acc
    return _stack(snap.point, seg.a[s], from_a, seg.b[s], from_b)


def part(fraction: NDArray[np.float64], seconds: NDArray[np.float64]) -> NDArray[np.float64]:
    """``fraction * seconds``, with no distance costing nothing even on a closed (``inf``) direction."""
    with np.errstate(invalid="ignore"):
        return np.where(fraction <= 0.0, 0.0, fraction * seconds)


def _stack(point: NDArray[np.int64], n1: NDArray[np.int64], c1: NDArray[np.float64], n2: NDArray[np.int64],
           c2: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    pts = np.r_[point, point]
    nodes = np.r_[n1, n2]
    cost = np.r_[c1, c2]
    ok = np.isfinite(cost)
    return pts[ok], nodes[ok], cost[ok]


def direct_pairs(origins: Snap, destinations: Snap, seg: Segments, *, access_speed_kmh: float,
                 ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """(origin, destination, seconds) for pairs on the same segment travelling along it without reaching an end."""
    o = pd.DataFrame({"o": origins.point, "segment": origins.segment, "fo": origins.fraction,
                      "ao": access_s(origins, access_speed_kmh)})
    d = pd.DataFrame({"d": destinations.point, "segment": destinations.segment, "fd": destinations.fraction,
                      "ad": access_s(destinations, access_speed_kmh)})
    both = o.merge(d, on="segment")
    if both.empty:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    s = both["segment"].to_numpy(dtype=np.int64)
    fo, fd = both["fo"].to_numpy(), both["fd"].to_numpy()
    along = np.where(fd >= fo, part(fd - fo, seg.forward_s[s]), part(fo - fd, seg.backward_s[s]))
    cost = both["ao"].to_numpy() + along + both["ad"].to_numpy()
    ok = np.isfinite(cost)
    return (both["o"].to_numpy(dtype=np.int64)[ok], both["d"].to_numpy(dtype=np.int64)[ok], cost[ok])
