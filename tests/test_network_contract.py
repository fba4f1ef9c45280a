"""Eliminating nodes with at most two neighbours keeps every distance between the remaining nodes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from siting.network.contract import eliminate
from siting.network.graph import csr_min


def chains_graph(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Random junctions joined by chains of 0-6 intermediate nodes, some one-way, plus dead-end stubs."""
    rng = np.random.default_rng(seed)
    junctions = 40
    rows: list[int] = []
    cols: list[int] = []
    weights: list[float] = []
    n = junctions

    def link(a: int, b: int, w: float, oneway: bool) -> None:
        rows.append(a)
        cols.append(b)
        weights.append(w)
        if not oneway:
            rows.append(b)
            cols.append(a)
            weights.append(w * rng.uniform(0.8, 1.2))

    for _ in range(90):
        a, b = rng.choice(junctions, 2, replace=False)
        oneway = bool(rng.random() < 0.3)
        chain = list(range(n, n + int(rng.integers(0, 7))))
        n += len(chain)
        path = [int(a), *chain, int(b)]
        for u, v in itertools.pairwise(path):
            link(u, v, float(rng.uniform(1, 10)), oneway)
    for _ in range(30):  # dead ends
        stub = list(range(n, n + int(rng.integers(1, 4))))
        n += len(stub)
        path = [int(rng.integers(0, n - len(stub))), *stub]
        for u, v in itertools.pairwise(path):
            link(u, v, float(rng.uniform(1, 10)), False)
    return np.array(rows), np.array(cols), np.array(weights), n


@pytest.mark.parametrize("seed", range(6))
def test_distances_between_kept_nodes_are_unchanged(seed: int) -> None:
    rows, cols, weights, n = chains_graph(seed)
    rng = np.random.default_rng(100 + seed)
    keep = np.zeros(n, dtype=bool)
    keep[rng.choice(n, 25, replace=False)] = True  # points may sit on chain nodes and dead ends too
    before = dijkstra(csr_min(rows, cols, weights, n), indices=np.flatnonzero(keep))[:, keep]
    r, c, w, alive = eliminate(rows, cols, weights, n, keep, min_fraction=0.0)
    assert alive[keep].all()
    assert alive.sum() < 0.6 * n  # most chain and stub nodes went
    index = np.cumsum(alive) - 1
    after_graph = csr_min(index[r], index[c], w, int(alive.sum()))
    after = dijkstra(after_graph, indices=index[np.flatnonzero(keep)])[:, index[keep]]
    np.testing.assert_allclose(after, before)
