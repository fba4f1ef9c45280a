r"""Upper bounds for the p-median problem: lazy greedy construction and fast swap local search.

Greedy adds, one at a time, the site with the largest saving
:math:`g_k = \sum_i w_i \max(0, c_i - d_{ik})` over the current costs :math:`c_i`; savings only
shrink as sites open (the saving function is submodular), so a lazy priority queue re-evaluates
only the top of the queue (Minoux's accelerated greedy).

The local search is the vertex substitution (interchange) of Teitz and Bart evaluated all at once,
in the manner of Whitaker's fast interchange and Resende and Werneck's matrix form. With
:math:`d^1_i, d^2_i` the costs of the nearest and second-nearest open sites and :math:`\phi_1(i)`
the nearest, the saving of opening a closed site :math:`k` and closing an open site :math:`j` is

.. math::

    \Delta(k, j) = \underbrace{\sum_i w_i \max(0, d^1_i - d_{ik})}_{\text{gain}(k)}
    - \underbrace{\sum_{i: \phi_1(i) = j} w_i (d^2_i - d^1_i)}_{\text{loss}(j)}
    + \underbrace{\sum_{i: \phi_1(i) = j,\ d_{ik} < d^2_i}
        w_i \bigl(d^2_i - \max(d_{ik}, d^1_i)\bigr)}_{\text{extra}(k, j)},

where only the pairs with :math:`d_{ik} < d^2_i` (a short prefix of each sorted neighbour list)
contribute to the sparse ``extra`` matrix. Each step applies the best swap; it stops at a local
optimum (no swap saves anything).
"""

from __future__ import annotations

import heapq
import time

import numpy as np
from numpy.typing import NDArray

from solvers.pmedian.data import Neighbours, SiteRules, prefix_counts, prefix_entries

BoolArray = NDArray[np.bool_]


class Inverted:
    """The neighbour lists transposed: for each site, the (point, cost) entries that name it."""

    def __init__(self, nb: Neighbours) -> None:
        flat_site = nb.idx.ravel()
        keep = flat_site < nb.m
        pos = np.flatnonzero(keep)
        order = np.argsort(flat_site[pos], kind="stable")
        pos = pos[order]
        self.rows = (pos // nb.k).astype(np.int64)
        self.dist = nb.dist.ravel()[pos]
        self.wgt = nb.w[self.rows]
        counts = np.bincount(flat_site[pos], minlength=nb.m + 1)[: nb.m]
        self.start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def saving(self, j: int, cur: NDArray[np.float64]) -> float:
        """Total weighted saving of opening ``j`` when point costs are ``cur``."""
        a, b = self.start[j], self.start[j + 1]
        r = self.rows[a:b]
        return float(self.wgt[a:b] @ np.maximum(cur[r] - self.dist[a:b], 0.0))

    def open_site(self, j: int, cur: NDArray[np.float64]) -> None:
        """Update ``cur`` in place for ``j`` opening."""
        a, b = self.start[j], self.start[j + 1]
        r = self.rows[a:b]
        cur[r] = np.minimum(cur[r], self.dist[a:b])


def _initial_costs(nb: Neighbours) -> NDArray[np.float64]:
    """Point costs with nothing open: the list's cap, or one more than the largest listed cost."""
    finite = np.where(np.isfinite(nb.dist), nb.dist, -np.inf).max(axis=1)
    big = np.where(np.isfinite(finite), finite, 0.0) * 2.0 + 1.0
    return np.where(np.isfinite(nb.cap), nb.cap, big)


def greedy(
    nb: Neighbours,
    rules: SiteRules,
    *,
    forced_open: BoolArray | None = None,
    forced_closed: BoolArray | None = None,
    inverted: Inverted | None = None,
    deadline: float | None = None,
) -> BoolArray | None:
    """Greedy construction of ``p`` open sites; ``None`` if the group rules could not be met.

    Past ``deadline`` the remaining sites are the best of the last savings computed (the result
    is still a valid, if worse, solution).
    """
    m = nb.m
    open_mask = rules.must_open.copy()
    if forced_open is not None:
        open_mask |= forced_open
    blocked = ~rules.allowed.copy()
    if forced_closed is not None:
        blocked |= forced_closed
    cur = _initial_costs(nb)
    inv = inverted or Inverted(nb)
    for site in np.flatnonzero(open_mask):
        inv.open_site(int(site), cur)
    need = rules.p - int(open_mask.sum())
    if need < 0:
        return None
    if rules.has_groups:
        for _ in range(need):
            cand = rules.addable(open_mask) & ~blocked
            if not cand.any():
                return None
            sites = np.flatnonzero(cand)
            gains = np.array([inv.saving(int(s), cur) for s in sites])
            pick = int(sites[int(np.argmax(gains))])
            open_mask[pick] = True
            inv.open_site(pick, cur)
        return open_mask if rules.feasible(open_mask) else None
    heap: list[tuple[float, int]] = [(-inv.saving(int(s), cur), int(s)) for s in np.flatnonzero(~open_mask & ~blocked)]
    heapq.heapify(heap)
    stamp = np.full(m, -1, dtype=np.int64)
    stamp[[j for _, j in heap]] = 0
    step = 0
    while step < need and heap:
        _, j = heapq.heappop(heap)
        j = int(j)
        if stamp[j] == step or (deadline is not None and time.perf_counter() > deadline):
            open_mask[j] = True
            inv.open_site(j, cur)
            step += 1
            continue
        stamp[j] = step
        heapq.heappush(heap, (-inv.saving(j, cur), j))
    if step < need:
        return None
    return open_mask


def swap_search(
    nb: Neighbours,
    rules: SiteRules,
    open_mask: BoolArray,
    *,
    forced_open: BoolArray | None = None,
    forced_closed: BoolArray | None = None,
    deadline: float | None = None,
    max_swaps: int | None = None,
) -> tuple[BoolArray, float]:
    """Best-improvement swap local search from ``open_mask``; returns the local optimum and its cost.

    ``forced_open`` sites are never closed and ``forced_closed`` never opened (besides the
    problem's own must-open and must-close sites).
    """
    m = nb.m
    open_mask = open_mask.copy()
    keep_open = rules.must_open.copy()
    if forced_open is not None:
        keep_open |= forced_open
    may_open = rules.allowed.copy()
    if forced_closed is not None:
        may_open &= ~forced_closed
    w = nb.w
    finite = nb.dist[np.isfinite(nb.dist)]
    big = float(finite.max()) * 4.0 + 1.0 if finite.size else 1.0
    s1, d1, _, d2 = nb.nearest_two(open_mask)
    obj = float(w @ d1) if np.all(np.isfinite(d1)) else float("inf")
    swaps = 0
    while max_swaps is None or swaps < max_swaps:
        if deadline is not None and time.perf_counter() > deadline:
            break
        ins = np.flatnonzero(may_open & ~open_mask)
        outs = np.flatnonzero(open_mask & ~keep_open)
        if ins.size == 0 or outs.size == 0:
            break
        d1f = np.where(np.isfinite(d1), d1, big)
        d2f = np.where(np.isfinite(d2), d2, big * 2.0)
        # gain(k): points whose cost drops below their nearest open site
        c1 = prefix_counts(nb.dist, d1f)
        r1, f1 = prefix_entries(c1, nb.k)
        k1 = nb.idx.ravel()[f1]
        gain = np.bincount(k1, w[r1] * (d1f[r1] - nb.dist.ravel()[f1]), minlength=m + 1)[:m]
        has1 = s1 >= 0
        loss = np.bincount(s1[has1], w[has1] * (d2f[has1] - d1f[has1]), minlength=m)
        # extra(k, j): points served by j that k would take over before their second site
        c2 = prefix_counts(nb.dist, d2f)
        r2, f2 = prefix_entries(c2, nb.k)
        k2 = nb.idx.ravel()[f2]
        cin = np.full(m + 1, -1, dtype=np.int64)
        cin[ins] = np.arange(ins.size)
        cout = np.full(m + 1, -1, dtype=np.int64)
        cout[outs] = np.arange(outs.size)
        j2 = s1[r2]
        sel = (cin[k2] >= 0) & (j2 >= 0)
        sel &= cout[np.where(j2 >= 0, j2, m)] >= 0
        key = cin[k2[sel]] * outs.size + cout[j2[sel]]
        val = w[r2[sel]] * (d2f[r2[sel]] - np.maximum(nb.dist.ravel()[f2[sel]], d1f[r2[sel]]))
        extra = np.bincount(key, val, minlength=ins.size * outs.size).reshape(ins.size, outs.size)
        profit = gain[ins][:, None] - loss[outs][None, :] + extra
        if rules.has_groups:
            profit = np.where(rules.swap_ok(open_mask, ins, outs), profit, -np.inf)
        best = int(np.argmax(profit))
        a, b = divmod(best, outs.size)
        tol = 1e-9 * max(1.0, abs(obj)) if np.isfinite(obj) else 0.0
        if not profit[a, b] > tol:
            break
        trial = open_mask.copy()
        trial[ins[a]] = True
        trial[outs[b]] = False
        t1, e1, _, e2 = nb.nearest_two(trial)
        new_obj = float(w @ e1) if np.all(np.isfinite(e1)) else float("inf")
        if not new_obj < obj - tol and not (np.isinf(obj) and np.isfinite(new_obj)):
            break  # the prediction ran past a truncated list: stop at the last true improvement
        open_mask, obj = trial, new_obj
        s1, d1, d2 = t1, e1, e2
        swaps += 1
    return open_mask, obj
