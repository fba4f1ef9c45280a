r"""Shrinking the routing graph without changing any distance between the nodes that matter.

OSM ways are chains of nodes: most nodes of an unsimplified network sit in the middle of a road with exactly two
neighbours, and dead-end stubs lead nowhere. A node :math:`v` with at most two neighbours that is not a source or
target (``keep``) is *eliminated*: for every edge :math:`x \to v` and every edge :math:`v \to y` with
:math:`x \ne y`, the edge :math:`x \to y` of weight :math:`w_{xv} + w_{vy}` is added (the fastest of parallel
edges is kept), and :math:`v` with its edges is removed. Every shortest path between remaining nodes keeps its
length: a path through :math:`v` enters from one neighbour and leaves to the other (turning back at :math:`v` never
shortens a path). Eliminating a dead end (one neighbour) adds nothing.

Nodes are eliminated in rounds, each round an independent set (no two neighbours; chosen by random priority, seeded)
so that the new edges never touch a node removed in the same round; rounds stop when fewer than
``min_fraction`` of the nodes go. On real OSM data this removes most nodes; on a grid of junctions, almost none.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def fastest(rows: IntArray, cols: IntArray, weights: FloatArray) -> tuple[IntArray, IntArray, FloatArray]:
    """Edges without self-loops, keeping the smallest weight of parallel edges (sorted by row, column)."""
    ok = rows != cols
    r, c, w = rows[ok], cols[ok], weights[ok]
    order = np.lexsort((w, c, r))
    r, c, w = r[order], c[order], w[order]
    first = np.ones(r.size, dtype=bool)
    first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    return r[first], c[first], w[first]


def _two_per_node(node: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """Positions of the first and second entry of each value in ``node`` (sorted), ``-1`` where none."""
    first = np.full(n, -1, dtype=np.int64)
    second = np.full(n, -1, dtype=np.int64)
    pos = np.arange(node.size, dtype=np.int64)
    start = np.ones(node.size, dtype=bool)
    start[1:] = node[1:] != node[:-1]
    first[node[start]] = pos[start]
    is_second = np.zeros(node.size, dtype=bool)
    is_second[1:] = ~start[1:] & start[:-1]
    second[node[is_second]] = pos[is_second]
    return first, second


def eliminate(rows: IntArray, cols: IntArray, weights: FloatArray, n: int, keep: NDArray[np.bool_], *,
              min_fraction: float = 0.005, max_rounds: int = 200, seed: int = 0,
              ) -> tuple[IntArray, IntArray, FloatArray, NDArray[np.bool_]]:
    """Eliminate nodes with at most two neighbours outside ``keep`` (module docstring).

    Returns the remaining edges and the mask of remaining nodes (a node without edges may remain).
    """
    rng = np.random.default_rng(seed)
    r, c, w = fastest(np.asarray(rows, np.int64), np.asarray(cols, np.int64), np.asarray(weights, np.float64))
    alive = np.ones(n, dtype=bool)
    for _ in range(max_rounds):
        lo, hi = np.minimum(r, c), np.maximum(r, c)
        key = np.unique(lo * n + hi)
        a, b = key // n, key % n
        degree = np.bincount(a, minlength=n) + np.bincount(b, minlength=n)
        candidate = alive & ~keep & (degree <= 2)
        priority = rng.permutation(n)
        both = candidate[a] & candidate[b]
        blocked = np.zeros(n, dtype=bool)
        blocked[np.where(priority[a] < priority[b], a, b)[both]] = True
        chosen = candidate & ~blocked
        count = int(chosen.sum())
        if count == 0 or count < min_fraction * alive.sum():
            break
        # edges into chosen nodes (x -> v) and out of them (v -> y); chosen nodes are never adjacent
        into = chosen[c]
        out_of = chosen[r]
        iv, ix, iw = c[into], r[into], w[into]
        order = np.argsort(iv, kind="stable")
        iv, ix, iw = iv[order], ix[order], iw[order]
        ov, oy, ow = r[out_of], c[out_of], w[out_of]  # already sorted by row
        in1, in2 = _two_per_node(iv, n)
        out1, out2 = _two_per_node(ov, n)
        v = np.flatnonzero(chosen)
        new_r: list[IntArray] = []
        new_c: list[IntArray] = []
        new_w: list[FloatArray] = []
        for ins in (in1[v], in2[v]):
            for outs in (out1[v], out2[v]):
                ok = (ins >= 0) & (outs >= 0)
                x, y = ix[ins[ok]], oy[outs[ok]]
                differ = x != y
                new_r.append(x[differ])
                new_c.append(y[differ])
                new_w.append((iw[ins[ok]] + ow[outs[ok]])[differ])
        rest = ~(into | out_of)
        r = np.concatenate([r[rest], *new_r])
        c = np.concatenate([c[rest], *new_c])
        w = np.concatenate([w[rest], *new_w])
        r, c, w = fastest(r, c, w)
        alive &= ~chosen
    return r, c, w, alive
