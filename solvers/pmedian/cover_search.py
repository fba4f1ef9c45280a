r"""Swap local search for the maximal covering problem on its merged coverage rows.

With :math:`c_i(S) = |N_i \cap S|` the number of open sites covering point :math:`i`, a swap that
closes :math:`a \in S` and opens :math:`b \notin S` changes the covered weight by

.. math::

    \Delta(a, b) = \underbrace{\sum_{i \in N(b),\, c_i = 0} w_i}_{\text{gain}_b}
    \;-\; \underbrace{\sum_{i \in N(a),\, c_i = 1} w_i}_{\text{loss}_a}
    \;+\; \underbrace{\sum_{i \in N(a) \cap N(b),\, c_i = 1} w_i}_{E_{ab}}

where :math:`N(j)` are the points site :math:`j` covers. ``gain`` and ``loss`` are one sparse
product each; :math:`E` is the product of the "sole coverer" matrix of the points covered once with
the coverage matrix, so one steepest-ascent step costs :math:`O(\mathrm{nnz} + |S| m)` and finds
the best of all :math:`|S|(m - |S|)` swaps. Iterated local search perturbs a neighbourhood (the open
sites sharing points with a random open site are replaced by random sites of that neighbourhood)
and keeps the result when it is no worse (plateaus are common: 0/1 costs tie everywhere).

The search works on the p-median form of :mod:`solvers.pmedian.mclp` (sites ``0..m`` with the
always-open dummy last, whose column covers nothing) and honours every site rule.

Example:
    >>> import numpy as np
    >>> from solvers.pmedian.data import SiteRules
    >>> cover = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 0]], dtype=bool)
    >>> rules = SiteRules(p=2, allowed=np.ones(4, bool), must_open=np.array([0, 0, 0, 1], bool),
    ...                   member=np.zeros((0, 4), bool), gmin=np.zeros(0, np.int64), gmax=np.zeros(0, np.int64))
    >>> search = CoverSearch(cover, np.array([5.0, 1.0, 1.0, 5.0]), rules)
    >>> mask, value = search.local(np.array([False, True, False, True]), deadline=float("inf"))
    >>> np.flatnonzero(mask).tolist(), value  # site 1 (weight 2) swapped for site 0 or 2 (weight 6)
    ([0, 3], 6.0)
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from solvers.pmedian.data import Neighbours, SiteRules

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]

#: Entries of the swap matrix built at a time (rows of open sites x all sites), about 32 MB.
BLOCK_ENTRIES = 4_000_000
#: Coverage matrices with at most this many entries (points x sites) are also kept dense: on small instances
#: (Norfolk's merged rows, about 100 x 50) dense products take a fraction of scipy's sparse row indexing.
DENSE_ENTRIES = 250_000


class CoverSearch:
    """Greedy construction, steepest-ascent swaps and iterated local search for coverage.

    Args:
        cover: ``(n, m)`` points x sites, true where the site covers the point (dense or sparse).
        w: ``(n,)`` point weights.
        rules: the site rules over the same ``m`` sites.
        dense_entries: a matrix of at most this many entries is also kept dense (same results, faster).
    """

    def __init__(self, cover: sp.spmatrix | NDArray[np.bool_], w: FloatArray, rules: SiteRules, *,
                 dense_entries: int = DENSE_ENTRIES) -> None:
        self.cover = sp.csr_matrix(cover, dtype=np.float64)
        self.cover.eliminate_zeros()
        self.cover_t = self.cover.T.tocsr()
        self.w = np.asarray(w, dtype=np.float64)
        self.rules = rules
        self.m = int(self.cover.shape[1])
        rows = int(self.cover.shape[0])
        self.dense: FloatArray | None = self.cover.toarray() if rows * self.m <= dense_entries else None

    @classmethod
    def from_lists(cls, nb: Neighbours, rules: SiteRules) -> CoverSearch:
        """From the neighbour lists of the p-median form: the pairs at cost 0 are the covering ones."""
        rows, pos = np.nonzero(nb.dist == 0.0)
        data = np.ones(rows.size, dtype=np.float64)
        cover = sp.csr_matrix((data, (rows, nb.idx[rows, pos].astype(np.int64))), shape=(nb.n, nb.m))
        return cls(cover, nb.w, rules)

    def counts(self, mask: BoolArray) -> FloatArray:
        """How many open sites cover each point."""
        if self.dense is not None:
            return np.asarray(self.dense @ mask.astype(np.float64), dtype=np.float64)
        return np.asarray(self.cover @ mask.astype(np.float64)).ravel()

    def value(self, mask: BoolArray) -> float:
        """Covered weight of the open sites ``mask``."""
        return float(self.w[self.counts(mask) > 0].sum())

    def greedy(self, start: BoolArray | None = None) -> BoolArray | None:
        """Add the site covering the most uncovered weight until ``p`` are open (``None`` if the rules block it)."""
        rules = self.rules
        mask = rules.must_open.copy() if start is None else start.copy()
        cnt = self.counts(mask)
        gain = np.asarray(self.cover_t @ (self.w * (cnt == 0))).ravel()
        while int(mask.sum()) < rules.p:
            cand = rules.addable(mask)
            if not np.any(cand):
                return None
            j = int(np.argmax(np.where(cand, gain, -np.inf)))
            mask[j] = True
            rows = self.cover_t.indices[self.cover_t.indptr[j]:self.cover_t.indptr[j + 1]]
            new = rows[cnt[rows] == 0]
            cnt[rows] += 1
            if new.size:
                if self.dense is not None:
                    gain -= self.w[new] @ self.dense[new]
                else:
                    gain -= np.asarray(self.cover[new].T @ self.w[new]).ravel()
        return mask if rules.feasible(mask) else None

    def best_swap(self, mask: BoolArray) -> tuple[int, int, float]:
        """The best single swap ``(close a, open b, change in covered weight)``; ``(-1, -1, 0)`` if none."""
        rules = self.rules
        cnt = self.counts(mask)
        gain = np.asarray(self.cover_t @ (self.w * (cnt == 0))).ravel()
        once = np.flatnonzero(cnt == 1)
        loss_all = np.asarray(self.cover_t @ np.where(cnt == 1, self.w, 0.0)).ravel()
        opens = np.flatnonzero(mask)
        outs = opens[~rules.must_open[opens]]
        ins_ok = rules.allowed & ~mask
        if outs.size == 0 or not np.any(ins_ok):
            return -1, -1, 0.0
        ins_all = np.flatnonzero(ins_ok)
        if self.dense is not None:
            # E[a, b]: weight of the points covered once, by a alone, that b covers too (a point whose one
            # open coverer is a must-open site has no entry in the columns ``outs``)
            d = self.dense
            e_all = (d[:, outs] * np.where(cnt == 1, self.w, 0.0)[:, None]).T @ d
            return self._best_of(mask, outs, 0, e_all, gain, loss_all, ins_ok, ins_all, (-1, -1, 0.0))
        # the sole open coverer of each point covered once
        sub = self.cover[once][:, outs].tocsr()
        has = np.diff(sub.indptr) > 0  # points covered once by a must-open site have no closable owner
        owner = np.zeros(once.size, dtype=np.int64)
        owner[has] = sub.indices[sub.indptr[:-1][has]]
        rows_once = once[has]
        own = sp.csr_matrix((self.w[rows_once], (owner[has], np.arange(rows_once.size))),
                            shape=(outs.size, rows_once.size))
        cov_once = self.cover[rows_once]
        best = (-1, -1, 0.0)
        block = max(1, BLOCK_ENTRIES // max(1, self.m))
        for s in range(0, outs.size, block):
            e = np.asarray((own[s:s + block] @ cov_once).todense())
            best = self._best_of(mask, outs, s, e, gain, loss_all, ins_ok, ins_all, best)
        return best

    def _best_of(self, mask: BoolArray, outs: NDArray[np.int64], s: int, e: FloatArray, gain: FloatArray,
                 loss_all: FloatArray, ins_ok: BoolArray, ins_all: NDArray[np.int64],
                 best: tuple[int, int, float]) -> tuple[int, int, float]:
        """The best swap closing one of ``outs[s:s + len(e)]`` (``e`` their rows of E), or ``best`` if none beats it."""
        rules = self.rules
        block = outs[s:s + e.shape[0]]
        delta = gain[None, :] + e - loss_all[block][:, None]
        delta[:, ~ins_ok] = -np.inf
        if rules.has_groups:
            ok = rules.swap_ok(mask, ins_all, block).T
            sub_delta = delta[:, ins_all]
            sub_delta[~ok] = -np.inf
            delta[:, ins_all] = sub_delta
        a, b = np.unravel_index(int(np.argmax(delta)), delta.shape)
        if delta[a, b] > best[2]:
            return int(block[a]), int(b), float(delta[a, b])
        return best

    def local(self, mask: BoolArray, *, deadline: float, tol: float = 1e-9) -> tuple[BoolArray, float]:
        """Steepest-ascent swaps from ``mask`` until no swap gains (or the deadline)."""
        mask = mask.copy()
        while time.perf_counter() < deadline:
            a, b, gain = self.best_swap(mask)
            if a < 0 or gain <= tol * max(1.0, float(self.w.sum())):
                break
            mask[a], mask[b] = False, True
        return mask, self.value(mask)

    def iterate(self, mask: BoolArray, *, deadline: float, stall: int = 200, seed: int = 0,
                max_drop: int = 6) -> tuple[BoolArray, float, int]:
        """Iterated local search from ``mask``: the best mask, its value and the rounds run.

        Stops at ``deadline`` or after ``stall`` rounds without a strict improvement.
        """
        rng = np.random.default_rng(seed)
        best, best_v = self.local(mask, deadline=deadline)
        cur, cur_v = best.copy(), best_v
        rounds = idle = 0
        while idle < stall and time.perf_counter() < deadline:
            rounds += 1
            idle += 1
            trial = self._perturb(cur, rng, max_drop)
            if trial is None:
                continue
            trial, v = self.local(trial, deadline=deadline)
            if v >= cur_v - 1e-9:
                cur, cur_v = trial, v
            if v > best_v + 1e-9:
                best, best_v, idle = trial.copy(), v, 0
        return best, best_v, rounds

    def _perturb(self, mask: BoolArray, rng: np.random.Generator, max_drop: int) -> BoolArray | None:
        rules = self.rules
        closable = np.flatnonzero(mask & ~rules.must_open)
        if closable.size == 0:
            return None
        a = int(rng.choice(closable))
        rows = self.cover_t.indices[self.cover_t.indptr[a]:self.cover_t.indptr[a + 1]]
        near = np.unique(self.cover[rows].indices) if rows.size else np.array([a])
        near_open = near[mask[near] & ~rules.must_open[near]]
        k = int(rng.integers(1, min(max_drop, near_open.size) + 1))
        trial = mask.copy()
        trial[rng.choice(near_open, size=k, replace=False)] = False
        for j in rng.permutation(near):
            if int(trial.sum()) >= rules.p:
                break
            if rules.addable(trial)[j]:
                trial[j] = True
        filled = self.greedy(trial) if int(trial.sum()) < rules.p else trial
        if filled is None or not rules.feasible(filled) or np.array_equal(filled, mask):
            return None
        return filled

