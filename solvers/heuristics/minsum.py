"""Greedy construction and fast vertex substitution for ``min sum_i min_{j in S} C_ij``.

This covers the p-median (``C = w d``) and the MCLP (``C = w [d > r]``: the uncovered weight).
The interchange is Teitz and Bart's vertex substitution evaluated the fast way (Whitaker 1983;
Resende and Werneck 2004): with each demand point's nearest and second-nearest open sites, the
objective after every swap (close ``r``, open ``a``) is

    sum_i min(d1_i, C_ia) + sum_{i : nearest(i) = r} [min(d2_i, C_ia) - min(d1_i, C_ia)],

computed for all pairs at once with array operations (a sparse ``p x n`` indicator times an
``n x candidates`` block), in column chunks to bound memory. Best improvement is applied until no
swap improves, the site rules (must-open, must-close, groups) holding at every step.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

from solvers.problem import BoolArray, FloatArray, IntArray
from solvers.site_rules import SiteRules

CHUNK_CELLS = 4_000_000
"""Largest ``n x candidates`` block evaluated at once."""
REL_IMPROVE = 1e-10
"""A swap must improve the objective by at least this (relative) to be taken."""


def nearest_two(cost: FloatArray, sel: IntArray) -> tuple[IntArray, FloatArray, FloatArray]:
    """Position in ``sel`` of each row's nearest open site, its cost, and the second-nearest cost."""
    sub = cost[:, sel]
    n = cost.shape[0]
    if sel.size == 1:
        return np.zeros(n, dtype=np.int64), sub[:, 0].copy(), np.full(n, np.inf)
    two = np.argpartition(sub, 1, axis=1)[:, :2]
    rows = np.arange(n)
    a, b = sub[rows, two[:, 0]], sub[rows, two[:, 1]]
    first = np.where(a <= b, two[:, 0], two[:, 1])
    return first.astype(np.int64), np.minimum(a, b), np.maximum(a, b)


def greedy(cost: FloatArray, rules: SiteRules, p: int, start: BoolArray, *,
           deadline: float = math.inf) -> BoolArray | None:
    """Add sites one at a time by largest objective decrease, meeting group minimums first.

    Each step evaluates every candidate (``n x m`` work). Past ``deadline`` the gains are no longer
    recomputed: the remaining sites are taken in the order of the last gains computed (the rules
    still hold), so the construction always finishes quickly.
    """
    mask = start.copy()
    n = cost.shape[0]
    d1 = np.full(n, np.inf) if not mask.any() else cost[:, mask].min(axis=1)
    stale = np.zeros(0)
    while int(mask.sum()) < p:
        cand = rules.can_add(mask)
        need = rules.deficit_sites(mask) & cand
        if need.any():
            cand = need
        if not cand.any():
            return None
        cols = np.flatnonzero(cand)
        if stale.size and time.perf_counter() > deadline:
            j = int(cols[np.argmax(stale[cols])])
        else:
            cur = np.where(np.isfinite(d1), d1, cost.max(initial=0.0) * 2 + 1)
            gain = np.maximum(cur[:, None] - cost[:, cols], 0.0).sum(axis=0)
            j = int(cols[np.argmax(gain)])
            stale = np.full(cost.shape[1], -np.inf)
            stale[cols] = gain
        mask[j] = True
        d1 = np.minimum(d1, cost[:, j])
    return mask if rules.keeps_rules(mask) else None


def interchange(cost: FloatArray, rules: SiteRules, mask: BoolArray, *, deadline: float) -> tuple[BoolArray, float]:
    """Best-improvement fast swap from ``mask``; returns the local optimum and its objective."""
    mask = mask.copy()
    n = cost.shape[0]
    while True:
        sel = np.flatnonzero(mask)
        pos, d1, d2 = nearest_two(cost, sel)
        obj = float(d1.sum())
        if time.perf_counter() > deadline or n == 0:
            return mask, obj
        out_ok = ~rules.must_open[sel]
        cand = np.flatnonzero(rules.allowed & ~mask)
        if not out_ok.any() or cand.size == 0:
            return mask, obj
        indicator = sp.csr_matrix((np.ones(n), (pos, np.arange(n))), shape=(sel.size, n))
        best, best_r, best_a = obj, -1, -1
        step = max(1, CHUNK_CELLS // max(1, n))
        for s in range(0, cand.size, step):
            cols = cand[s:s + step]
            block = cost[:, cols]
            base = np.minimum(d1[:, None], block)
            extra = np.minimum(d2[:, None], block) - base
            total = base.sum(axis=0)[None, :] + np.asarray(indicator @ extra)
            total[~rules.swaps_keeping_rules(mask, sel, cols)] = np.inf
            k = int(np.argmin(total))
            r, a = divmod(k, cols.size)
            if total[r, a] < best:
                best, best_r, best_a = float(total[r, a]), int(sel[r]), int(cols[a])
        if best_r < 0 or best >= obj - REL_IMPROVE * max(1.0, abs(obj)):
            return mask, obj
        mask[best_r] = False
        mask[best_a] = True


def swap_costs(cost: FloatArray, rules: SiteRules, mask: BoolArray) -> tuple[IntArray, IntArray, FloatArray]:
    """Every allowed swap ``(close sel[r], open cand[a])`` and its min-sum objective, flattened."""
    sel = np.flatnonzero(mask)
    cand = np.flatnonzero(rules.allowed & ~mask)
    n = cost.shape[0]
    if cand.size == 0 or sel.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    pos, d1, d2 = nearest_two(cost, sel)
    indicator = sp.csr_matrix((np.ones(n), (pos, np.arange(n))), shape=(sel.size, n))
    block = cost[:, cand]
    base = np.minimum(d1[:, None], block)
    total = base.sum(axis=0)[None, :] + np.asarray(indicator @ (np.minimum(d2[:, None], block) - base))
    total[~rules.swaps_keeping_rules(mask, sel, cand)] = np.inf
    r, a = np.nonzero(np.isfinite(total))
    return sel[r], cand[a], total[r, a]
