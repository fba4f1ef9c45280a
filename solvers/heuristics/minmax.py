"""Vertex substitution for the p-center: ``min max_i min_{j in S} E_ij`` (ties broken by the sum).

For every swap (close ``r``, open ``a``) the new worst cost is

    max( max_{i : nearest(i) != r} min(d1_i, E_ia),  max_{i : nearest(i) = r} min(d2_i, E_ia) ),

computed for all swaps at once: per-site maxima come from a ``maximum.reduceat`` over the rows
sorted by nearest open site, and "the maximum over the other sites" from each column's two largest
site maxima. The sum (as in :mod:`solvers.heuristics.minsum`) breaks ties so the search can move
along the plateaus a max objective has.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from solvers.heuristics.minsum import CHUNK_CELLS, REL_IMPROVE, nearest_two
from solvers.problem import BoolArray, FloatArray, IntArray
from solvers.site_rules import SiteRules


def _group_max(values: FloatArray, pos: IntArray, groups: int) -> FloatArray:
    """``(groups, k)`` maxima of the rows of ``values`` grouped by ``pos`` (-inf for empty groups)."""
    out = np.full((groups, values.shape[1]), -np.inf)
    if values.shape[0] == 0:
        return out
    order = np.argsort(pos, kind="stable")
    sorted_pos = pos[order]
    starts = np.flatnonzero(np.r_[True, sorted_pos[1:] != sorted_pos[:-1]])
    out[sorted_pos[starts]] = np.maximum.reduceat(values[order], starts, axis=0)
    return out


def _swap_values(
    block: FloatArray, pos: IntArray, d1: FloatArray, d2: FloatArray, p: int
) -> tuple[FloatArray, FloatArray]:
    """New (max, sum) objectives for closing each open site and opening each column of ``block``."""
    n = block.shape[0]
    base = np.minimum(d1[:, None], block)
    alt = np.minimum(d2[:, None], block)
    gb = _group_max(base, pos, p)
    ga = _group_max(alt, pos, p)
    if p == 1:
        others = np.full_like(gb, -np.inf)
    else:
        top2 = np.partition(gb, p - 2, axis=0)[p - 2:]  # the two largest per column, unordered
        hi, lo = top2.max(axis=0), top2.min(axis=0)
        others = np.where(gb >= hi[None, :], lo[None, :], hi[None, :])
    new_max = np.maximum(others, ga)
    indicator = sp.csr_matrix((np.ones(n), (pos, np.arange(n))), shape=(p, n))
    new_sum = base.sum(axis=0)[None, :] + np.asarray(indicator @ (alt - base))
    return new_max, new_sum


def interchange_center(
    cost: FloatArray, rules: SiteRules, mask: BoolArray, *, deadline: float
) -> tuple[BoolArray, float]:
    """Best-improvement swap on (worst cost, total cost) from ``mask``; returns it and the worst cost."""
    mask = mask.copy()
    n = cost.shape[0]
    while True:
        sel = np.flatnonzero(mask)
        pos, d1, d2 = nearest_two(cost, sel)
        cur_max = float(d1.max(initial=0.0))
        cur_sum = float(d1.sum())
        if time.perf_counter() > deadline or n == 0:
            return mask, cur_max
        cand = np.flatnonzero(rules.allowed & ~mask)
        if cand.size == 0 or not (~rules.must_open[sel]).any():
            return mask, cur_max
        best = (cur_max, cur_sum)
        best_swap = (-1, -1)
        step = max(1, CHUNK_CELLS // max(1, n))
        for s in range(0, cand.size, step):
            cols = cand[s:s + step]
            new_max, new_sum = _swap_values(cost[:, cols], pos, d1, d2, sel.size)
            bad = ~rules.swaps_keeping_rules(mask, sel, cols)
            new_max[bad] = np.inf
            lowest = float(new_max.min())
            if not np.isfinite(lowest):
                continue
            tie = new_max <= lowest + REL_IMPROVE * max(1.0, abs(lowest))
            sums = np.where(tie, new_sum, np.inf)
            k = int(np.argmin(sums))
            r, a = divmod(k, cols.size)
            key = (float(new_max[r, a]), float(new_sum[r, a]))
            if _better(key, best):
                best, best_swap = key, (int(sel[r]), int(cols[a]))
        if best_swap[0] < 0:
            return mask, cur_max
        mask[best_swap[0]] = False
        mask[best_swap[1]] = True


def _better(a: tuple[float, float], b: tuple[float, float]) -> bool:
    tol_max = REL_IMPROVE * max(1.0, abs(b[0]))
    if a[0] < b[0] - tol_max:
        return True
    return a[0] <= b[0] and a[1] < b[1] - REL_IMPROVE * max(1.0, abs(b[1]))
