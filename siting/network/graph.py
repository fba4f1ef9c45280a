"""The road network as arrays: nodes in BNG metres and straight directed edges with lengths and speeds.

Every loader (:mod:`siting.network.load`) produces a :class:`RoadNetwork`. Curved edges (OSMnx-simplified
graphs with a ``geometry``) are split at their vertices, so every edge is a straight segment between two nodes;
the two directions of a two-way road share their intermediate nodes. Lengths are BNG (EPSG:27700) distances in
metres, which differ from ground distances by the grid scale factor (under 0.04% in Great Britain).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from siting.network import speeds as sp

#: Road classes, in the order of ``RoadNetwork.highway`` codes.
HIGHWAY_CLASSES: tuple[str, ...] = tuple(sp.UK_DEFAULT_SPEEDS_MPH)


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A directed drivable road network: ``n_nodes`` nodes and ``n_edges`` straight directed edges.

    Edge ``k`` runs from node ``tail[k]`` to node ``head[k]``; it is ``length_m[k]`` long and driven at
    ``speed_kmh[k]``. ``highway[k]`` indexes :data:`HIGHWAY_CLASSES` (``-1`` for a class outside it) and
    ``speed_source[k]`` indexes :data:`siting.network.speeds.SPEED_SOURCES`.
    """

    x_m: NDArray[np.float64]
    y_m: NDArray[np.float64]
    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    length_m: NDArray[np.float64]
    speed_kmh: NDArray[np.float64]
    highway: NDArray[np.int16]
    speed_source: NDArray[np.int8]
    source: str = ""

    @property
    def n_nodes(self) -> int:
        return int(self.x_m.size)

    @property
    def n_edges(self) -> int:
        return int(self.tail.size)

    @property
    def travel_s(self) -> NDArray[np.float64]:
        """Edge travel times in seconds."""
        return self.length_m / (self.speed_kmh / 3.6)

    def speed_sources(self) -> dict[str, int]:
        """Number of edges by where their speed came from (maxspeed tag or class default)."""
        counts = np.bincount(self.speed_source.astype(np.int64), minlength=len(sp.SPEED_SOURCES))
        return {name: int(c) for name, c in zip(sp.SPEED_SOURCES, counts, strict=True)}

    def fingerprint(self) -> str:
        """SHA-256 of the arrays (the cache key of a network built in memory)."""
        h = hashlib.sha256(b"siting.RoadNetwork.v1")
        for arr in (self.x_m, self.y_m, self.tail, self.head, self.length_m, self.speed_kmh):
            h.update(np.ascontiguousarray(arr).tobytes())
        return h.hexdigest()

    def adjacency(self, *, reverse: bool = False) -> sparse.csr_matrix:
        """Sparse CSR matrix of travel seconds (the fastest of parallel edges); ``reverse`` flips every edge."""
        rows, cols = (self.head, self.tail) if reverse else (self.tail, self.head)
        return csr_min(rows, cols, self.travel_s, self.n_nodes)

    def largest_component(self) -> NDArray[np.bool_]:
        """Nodes of the largest strongly connected component (mutually reachable by car)."""
        if self.n_nodes == 0:
            return np.zeros(0, dtype=bool)
        _, labels = connected_components(self.adjacency(), directed=True, connection="strong")
        return labels == np.bincount(labels).argmax()

    def arrays(self) -> dict[str, NDArray[np.generic]]:
        """The arrays by field name (for saving)."""
        return {"x_m": self.x_m, "y_m": self.y_m, "tail": self.tail, "head": self.head, "length_m": self.length_m,
                "speed_kmh": self.speed_kmh, "highway": self.highway, "speed_source": self.speed_source}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, NDArray[np.generic]], *, source: str = "") -> RoadNetwork:
        """The inverse of :meth:`arrays`."""
        return cls(
            x_m=np.asarray(arrays["x_m"], dtype=np.float64), y_m=np.asarray(arrays["y_m"], dtype=np.float64),
            tail=np.asarray(arrays["tail"], dtype=np.int64), head=np.asarray(arrays["head"], dtype=np.int64),
            length_m=np.asarray(arrays["length_m"], dtype=np.float64),
            speed_kmh=np.asarray(arrays["speed_kmh"], dtype=np.float64),
            highway=np.asarray(arrays["highway"], dtype=np.int16),
            speed_source=np.asarray(arrays["speed_source"], dtype=np.int8), source=source,
        )


def csr_min(rows: NDArray[np.integer], cols: NDArray[np.integer], weights: NDArray[np.floating],
            n: int) -> sparse.csr_matrix:
    """An ``n x n`` CSR matrix keeping the *smallest* weight of duplicate entries (COO would add them up).

    Explicit zeros are kept: scipy.sparse.csgraph treats a stored zero as an edge of zero cost.
    """
    r = np.asarray(rows, dtype=np.int64)
    c = np.asarray(cols, dtype=np.int64)
    w = np.asarray(weights, dtype=np.float64)
    order = np.lexsort((w, c, r))
    r, c, w = r[order], c[order], w[order]
    first = np.ones(r.size, dtype=bool)
    first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    r, c, w = r[first], c[first], w[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    return sparse.csr_matrix((w, c, indptr), shape=(n, n))


def build_network(*, x_m: NDArray[np.floating], y_m: NDArray[np.floating], tail: NDArray[np.integer],
                  head: NDArray[np.integer], highway: Sequence[str], maxspeed: Sequence[object],
                  speeds_mph: Mapping[str, float] = sp.UK_DEFAULT_SPEEDS_MPH, source: str = "") -> RoadNetwork:
    """A :class:`RoadNetwork` from straight directed edges: lengths from coordinates, speeds imputed.

    Self-loops and zero-length edges are dropped and nodes no edge uses are removed (renumbered).
    """
    x = np.asarray(x_m, dtype=np.float64)
    y = np.asarray(y_m, dtype=np.float64)
    t = np.asarray(tail, dtype=np.int64)
    h = np.asarray(head, dtype=np.int64)
    length = np.hypot(x[h] - x[t], y[h] - y[t])
    keep = (t != h) & (length > 0)
    hw = np.asarray(highway, dtype=object)[keep]
    ms = np.asarray(maxspeed, dtype=object)[keep]
    t, h, length = t[keep], h[keep], length[keep]
    used = np.zeros(x.size, dtype=bool)
    used[t] = True
    used[h] = True
    renumber = np.cumsum(used) - 1
    kmh, src = sp.impute_speeds_kmh(hw.tolist(), ms.tolist(), speeds_mph=speeds_mph)
    code = {name: k for k, name in enumerate(HIGHWAY_CLASSES)}
    hw_code = pd.Series(hw, dtype=object).map(code).fillna(-1).to_numpy().astype(np.int16)
    return RoadNetwork(x_m=x[used], y_m=y[used], tail=renumber[t], head=renumber[h], length_m=length,
                       speed_kmh=kmh, highway=hw_code, speed_source=src, source=source)
