r"""Sorted neighbour lists of the demand points for the p-median machinery (site rules: :mod:`solvers.site_rules`).

Every algorithm in :mod:`solvers.pmedian` reads the costs through :class:`Neighbours`: for each
demand point with positive weight, the ``K`` nearest sites that may open, sorted by cost, with
the weighted costs :math:`w_i d_{ij}` alongside. ``K`` is all the allowed sites on small
instances (the lists are then *complete*); on large ones (national scale) it is a truncation,
and ``cap[i]`` records the smallest cost left out of the list, so that every algorithm can stay
exact: the Lagrangian keeps its multipliers below :math:`w_i\,\mathrm{cap}_i` (no pair beyond the
list can then have a negative reduced cost), and nearest-open-site queries that run past the end
of a list fall back to the full cost row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from solvers.problem import Problem
from solvers.site_rules import SiteRules as SiteRules  # the one definition, read by the p-median machinery from here

#: Instances with at most this many (demand, site) pairs get complete neighbour lists.
COMPLETE_PAIRS = 12_000_000
#: Rows processed at a time when sorting large cost matrices (bounds the temporary memory).
CHUNK_ROWS = 2048


@dataclass(frozen=True)
class Neighbours:
    """Each weighted demand point's nearest allowed sites, sorted by cost.

    Attributes:
        clients: original indices of the demand points kept (those with positive weight), ``(n,)``.
        w: their weights, ``(n,)``.
        idx: ``(n, K)`` site indices sorted by cost; padding (unreachable) entries hold ``m``.
        dist: ``(n, K)`` the matching costs (``inf`` for padding).
        wd: ``(n, K)`` the weighted costs ``w[:, None] * dist``.
        cap: ``(n,)`` the smallest cost not in the list (``inf`` when the list is complete).
        cost: the full demand x site cost matrix (for exact fallbacks), rows in original order;
            ``None`` when the lists are complete and were built from sparse pairs.
        allowed: ``(m,)`` sites that may open (the lists hold no other).
        m: number of sites.
        integral: every weight and finite cost is an integer (so is every objective value).
    """

    clients: NDArray[np.int64]
    w: NDArray[np.float64]
    idx: NDArray[np.int32]
    dist: NDArray[np.float64]
    wd: NDArray[np.float64]
    cap: NDArray[np.float64]
    cost: NDArray[np.floating] | None
    allowed: NDArray[np.bool_]
    m: int
    integral: bool

    @property
    def n(self) -> int:
        """Number of weighted demand points in the lists."""
        return int(self.idx.shape[0])

    @property
    def k(self) -> int:
        """List length."""
        return int(self.idx.shape[1])

    @property
    def complete(self) -> bool:
        """Whether every list holds all the allowed sites a point can reach."""
        return bool(np.all(np.isinf(self.cap)))

    def full_rows(self, rows: NDArray[np.int64], sites: NDArray[np.int64]) -> NDArray[np.float64]:
        """Exact costs ``d[rows, sites]`` (rows index the kept points), ``inf`` where unreachable.

        From the full matrix when there is one, else from the (then complete) lists.
        """
        if self.cost is not None:
            return np.asarray(self.cost[self.clients[rows]][:, sites], dtype=np.float64)
        if not self.complete:
            raise ValueError("truncated neighbour lists without a cost matrix")
        col = np.full(self.m + 1, -1, dtype=np.int64)
        col[sites] = np.arange(sites.size)
        out = np.full((rows.size, sites.size), np.inf)
        pos = col[self.idx[rows]]
        r, c = np.nonzero(pos >= 0)
        out[r, pos[r, c]] = self.dist[rows[r], c]
        return out

    def nearest_two(
        self, open_mask: NDArray[np.bool_]
    ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
        """Nearest and second-nearest open site of every point: ``(site1, d1, site2, d2)``.

        A point with no (second) open site reachable gets site ``-1`` and cost ``inf``.
        """
        n = self.n
        rows = np.arange(n)
        om = np.append(open_mask, False)  # the padding index m is never open
        is_open = om[self.idx]
        p1 = np.argmax(is_open, axis=1)
        ok1 = is_open[rows, p1]
        is_open[rows, p1] = False
        p2 = np.argmax(is_open, axis=1)
        ok2 = is_open[rows, p2]
        s1 = np.where(ok1, self.idx[rows, p1], -1).astype(np.int64)
        d1 = np.where(ok1, self.dist[rows, p1], np.inf)
        s2 = np.where(ok2, self.idx[rows, p2], -1).astype(np.int64)
        d2 = np.where(ok2, self.dist[rows, p2], np.inf)
        if not self.complete:
            short = np.flatnonzero(~ok2 & np.isfinite(self.cap))
            if short.size:
                sites = np.flatnonzero(open_mask)
                if sites.size:
                    sub = self.full_rows(short, sites)
                    order = np.argsort(sub, axis=1, kind="stable")[:, :2]
                    r = np.arange(short.size)
                    a = sub[r, order[:, 0]]
                    s1[short] = np.where(np.isfinite(a), sites[order[:, 0]], -1)
                    d1[short] = a
                    if sites.size > 1:
                        b = sub[r, order[:, 1]]
                        s2[short] = np.where(np.isfinite(b), sites[order[:, 1]], -1)
                        d2[short] = b
        return s1, d1, s2, d2

    def objective(self, open_mask: NDArray[np.bool_]) -> float:
        r"""Exact objective :math:`\sum_i w_i \min_{j\ \mathrm{open}} d_{ij}` (``inf`` if a point is unserved)."""
        _, d1, _, _ = self.nearest_two(open_mask)
        if np.any(np.isinf(d1)):
            return float("inf")
        return float(self.w @ d1)


def build_neighbours(problem: Problem, k: int | None = None, *, min_k: int = 100, per_site: float = 10.0) -> Neighbours:
    """Sorted neighbour lists of ``problem`` (sites in ``must_close`` are left out).

    ``k``: list length; by default complete lists when the instance has at most
    :data:`COMPLETE_PAIRS` pairs, else ``max(min_k, per_site * m / p)`` (each point's nearest open
    site is then, in practice, well inside its list; exactness never depends on it).
    """
    cost = problem.cost
    n_all, m = problem.n, problem.m
    allowed = problem.open_allowed()
    w_all = np.asarray(problem.weights, dtype=np.float64)
    clients = np.flatnonzero(w_all > 0).astype(np.int64)
    w = w_all[clients]
    m_allowed = int(allowed.sum())
    if k is None:
        if n_all * m <= COMPLETE_PAIRS:
            k = m_allowed
        else:
            p = max(1, problem.p or 1)
            k = int(max(min_k, per_site * m / p))
    k = max(1, min(k, m_allowed))
    n = clients.size
    idx = np.empty((n, k), dtype=np.int32)
    dist = np.empty((n, k), dtype=np.float64)
    cap = np.full(n, np.inf)
    allowed_sites = np.flatnonzero(allowed)
    integral = bool(np.all(np.mod(w, 1.0) == 0))
    for start in range(0, n, CHUNK_ROWS):
        rows = clients[start:start + CHUNK_ROWS]
        block = np.asarray(cost[rows], dtype=np.float64)
        if m_allowed < m:
            block = block[:, allowed_sites]
        if integral:
            fin = block[np.isfinite(block)]
            integral = bool(np.all(np.mod(fin, 1.0) == 0))
        if k < m_allowed:
            part = np.argpartition(block, k, axis=1)
            r = np.arange(block.shape[0])[:, None]
            cap[start:start + rows.size] = block[r[:, 0], part[:, k]]
            part = part[:, :k]
            vals = block[r, part]
            order = np.argsort(vals, axis=1, kind="stable")
            local = part[r, order]
            vals = vals[r, order]
        else:
            local = np.argsort(block, axis=1, kind="stable")
            vals = np.take_along_axis(block, local, axis=1)
        sites = allowed_sites[local]
        sites = np.where(np.isfinite(vals), sites, m)
        idx[start:start + rows.size] = sites
        dist[start:start + rows.size] = vals
    wd = w[:, None] * dist
    return Neighbours(clients=clients, w=w, idx=idx, dist=dist, wd=wd, cap=cap, cost=cost,
                      allowed=allowed, m=m, integral=integral)


def prefix_counts(a: NDArray[np.float64], thresh: NDArray[np.float64]) -> NDArray[np.int64]:
    """For rows sorted ascending, the number of entries of row ``i`` strictly below ``thresh[i]``.

    A binary search run on all rows at once: ``O(n log K)``.
    """
    n, k = a.shape
    flat = a.ravel()
    base = np.arange(n, dtype=np.int64) * k
    lo = np.zeros(n, dtype=np.int64)
    hi = np.full(n, k, dtype=np.int64)
    for _ in range(int(k).bit_length() + 1):
        mid = (lo + hi) >> 1
        less = (mid < hi) & (flat[base + np.minimum(mid, k - 1)] < thresh)
        lo = np.where(less, mid + 1, lo)
        hi = np.where(less, hi, mid)
    return lo


def prefix_entries(counts: NDArray[np.int64], k: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Row index and flat position (``row * k + col``) of the first ``counts[row]`` entries of every row."""
    total = int(counts.sum())
    rows = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    cols = np.arange(total, dtype=np.int64) - np.repeat(starts, counts)
    return rows, rows * k + cols


def compact(nb: Neighbours, keep: NDArray[np.bool_]) -> Neighbours:
    """The lists restricted to the sites in ``keep`` (others can no longer open), re-packed.

    Site numbering is unchanged. A complete list stays complete; a truncated one keeps its cap
    (the true first excluded cost among the kept sites can only be larger, so the cap stays valid).
    """
    keep_ext = np.append(keep & nb.allowed, False)
    mask = keep_ext[nb.idx]
    counts = mask.sum(axis=1)
    k = max(1, int(counts.max()) if counts.size else 1)
    order = np.argsort(~mask, axis=1, kind="stable")[:, :k]
    idx = np.take_along_axis(nb.idx, order, axis=1)
    dist = np.take_along_axis(nb.dist, order, axis=1)
    dropped = ~np.take_along_axis(mask, order, axis=1)
    idx = np.where(dropped, nb.m, idx).astype(np.int32)
    dist = np.where(dropped, np.inf, dist)
    return Neighbours(clients=nb.clients, w=nb.w, idx=idx, dist=dist, wd=nb.w[:, None] * dist, cap=nb.cap,
                      cost=nb.cost, allowed=keep & nb.allowed, m=nb.m, integral=nb.integral)
