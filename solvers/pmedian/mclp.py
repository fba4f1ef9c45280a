r"""The maximal covering problem as a p-median problem with 0/1 costs and an always-open dummy site.

With :math:`N_i = \{j : d_{ij} \le r\}` the sites covering demand point :math:`i`, the MCLP

.. math::

    \max \sum_i w_i z_i \quad\text{s.t.}\quad z_i \le \sum_{j \in N_i} y_j,\;
    \sum_j y_j = p,\; y \in Y,\; z \le 1

equals :math:`\sum_i w_i - \min \sum_i w_i\, c_i(S)` where :math:`c_i(S) = 0` if an open site covers
:math:`i` and 1 otherwise; that is a p-median with cost 0 on the covering pairs and cost 1 to an
extra site :math:`\delta` that is always open (:math:`p + 1` sites, :math:`\delta` must-open). Every
other pair costs 1 as well, which :math:`\delta` already offers, so the neighbour lists hold only
the covering sites and :math:`\delta`: they are short, complete and built without a dense matrix.
Demand points covered by the same set of sites are merged into one with their summed weight (on
the national instance, 32,844 areas become about 18,000 distinct coverage sets).
The p-median machinery (greedy and swap heuristics, Lagrangian bound with fixing, branch and
bound) then applies unchanged; its Lagrangian dual is the MCLP's LP bound (relaxing the coverage
rows), and its bound converts back as :math:`\sum_i w_i - L`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from solvers.pmedian.data import CHUNK_ROWS, Neighbours, SiteRules
from solvers.problem import Problem


@dataclass(frozen=True)
class CoverAsMedian:
    """The p-median form of an MCLP: lists and rules over ``m + 1`` sites (the last is the dummy)."""

    nb: Neighbours
    rules: SiteRules
    coverable_weight: float
    """Total weight of the demand points some allowed site covers (the most any solution reaches)."""
    dummy: int


def mclp_as_pmedian(problem: Problem) -> CoverAsMedian:
    """Build the p-median form of the MCLP ``problem`` (see the module docstring)."""
    assert problem.radius is not None and problem.p is not None
    n, m = problem.n, problem.m
    allowed = problem.open_allowed()
    w_all = np.asarray(problem.weights, dtype=np.float64)
    rows_l: list[NDArray[np.int64]] = []
    cols_l: list[NDArray[np.int64]] = []
    radius = float(problem.radius)  # coverage is cost <= radius, as the independent check counts it
    for start in range(0, n, CHUNK_ROWS):
        block = np.asarray(problem.cost[start:start + CHUNK_ROWS]) <= radius
        block &= allowed[None, :]
        r, c = np.nonzero(block)
        rows_l.append(r + start)
        cols_l.append(c)
    rows = np.concatenate(rows_l) if rows_l else np.zeros(0, dtype=np.int64)
    cols = np.concatenate(cols_l) if cols_l else np.zeros(0, dtype=np.int64)
    counts_all = np.bincount(rows, minlength=n)
    keep = (counts_all > 0) & (w_all > 0)
    clients = np.flatnonzero(keep).astype(np.int64)
    sel = keep[rows]
    rows, cols = rows[sel], cols[sel]
    local = np.cumsum(keep) - 1
    lr = local[rows]
    counts = counts_all[clients]
    k = int(counts.max()) + 1 if clients.size else 1
    nk = clients.size
    idx = np.full((nk, k), m + 1, dtype=np.int32)  # padding: the index past the dummy
    dist = np.full((nk, k), np.inf)
    starts = np.cumsum(counts) - counts
    pos = np.arange(rows.size) - np.repeat(starts, counts)  # rows come sorted (np.nonzero order)
    idx[lr, pos] = cols
    dist[lr, pos] = 0.0
    idx[np.arange(nk), counts] = m  # the dummy
    dist[np.arange(nk), counts] = 1.0
    w = w_all[clients]
    # demand points covered by the same sites are one point with their summed weight
    idx, first, inverse = np.unique(idx, axis=0, return_index=True, return_inverse=True)
    w = np.bincount(inverse.ravel(), weights=w, minlength=idx.shape[0]).astype(np.float64)
    clients = clients[first]
    dist = np.where(idx == m, 1.0, np.where(idx > m, np.inf, 0.0))
    nk = clients.size
    integral = bool(np.all(np.mod(w, 1.0) == 0))
    nb = Neighbours(clients=clients, w=w, idx=idx, dist=dist, wd=w[:, None] * dist, cap=np.full(nk, np.inf),
                    cost=None, allowed=np.append(allowed, True), m=m + 1, integral=integral)
    base = SiteRules.from_problem(problem)
    must = np.append(base.must_open, True)
    member = np.concatenate([base.member, np.zeros((base.member.shape[0], 1), dtype=bool)], axis=1)
    rules = SiteRules(p=base.p + 1, allowed=np.append(base.allowed, True), must_open=must, member=member,
                      gmin=base.gmin, gmax=base.gmax)
    return CoverAsMedian(nb=nb, rules=rules, coverable_weight=float(w.sum()), dummy=m)
