"""Heuristics for the single-sourced capacitated models (CPMP and CMCLP).

For a fixed set of open sites the assignment is itself hard (a generalised assignment problem),
so it is solved greedily:

* CPMP: demand points in order of regret (second-cheapest minus cheapest open site; a point with
  one option first), each to its cheapest open site with room; then shift moves to cheaper sites
  with room until none helps. Unplaced weight is penalised, so the site search below is driven
  towards feasibility.
* CMCLP: covered demand points with the fewest covering open sites first (heavier first among
  equals), each to the covering open site with the most room left that fits it.

The site search is vertex substitution: swaps are ranked by the uncapacitated objective
(:func:`solvers.heuristics.minsum.swap_costs`) and by capacity gained, and the best-ranked ones are
evaluated with the greedy assignment, first improvement, until none of them improves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from solvers.heuristics.minsum import swap_costs
from solvers.problem import BoolArray, FloatArray, IntArray
from solvers.site_rules import SiteRules

CANDIDATES = 40
"""Swaps evaluated with the full assignment per round (the best-ranked ones)."""
EPS = 1e-9


@dataclass(frozen=True)
class Assigned:
    """A greedy assignment: demand row -> site index (``-1`` unplaced), its cost, unplaced weight."""

    site: IntArray
    cost: float
    unplaced: float


def assign_median(dist: FloatArray, w: FloatArray, cap: FloatArray, sel: IntArray) -> Assigned:
    """Capacitated assignment of every row to an open site, minimising ``sum w d`` greedily."""
    n = dist.shape[0]
    sub = dist[:, sel]
    room = cap[sel].astype(np.float64).copy()
    out = np.full(n, -1, dtype=np.int64)
    if sel.size > 1:
        two = np.partition(sub, 1, axis=1)[:, :2]
        regret = np.full(n, np.inf)  # one reachable site (or none): place these first
        both = np.isfinite(two[:, 1])
        regret[both] = two[both, 1] - two[both, 0]
    else:
        regret = np.zeros(n)
    order = np.lexsort((-w, -regret))
    for i in order.tolist():  # one pass over demand points
        fits = np.isfinite(sub[i]) & (room >= w[i] - EPS * max(1.0, w[i]))
        if not fits.any():
            continue
        k = int(np.argmin(np.where(fits, sub[i], np.inf)))
        out[i] = k
        room[k] -= w[i]
    for _ in range(3):  # shift moves
        moved = False
        for i in np.flatnonzero(out >= 0).tolist():
            k = int(out[i])
            fits = np.isfinite(sub[i]) & (room >= w[i] - EPS * max(1.0, w[i]))
            fits[k] = False
            better = fits & (sub[i] < sub[i, k] - EPS * max(1.0, sub[i, k]))
            if better.any():
                k2 = int(np.argmin(np.where(better, sub[i], np.inf)))
                room[k] += w[i]
                room[k2] -= w[i]
                out[i] = k2
                moved = True
        if not moved:
            break
    placed = out >= 0
    cost = float(np.dot(w[placed], sub[np.flatnonzero(placed), out[placed]]))
    site = np.where(placed, sel[np.clip(out, 0, None)], -1)
    return Assigned(site, cost, float(w[~placed].sum()))


def assign_cover(covers: BoolArray, w: FloatArray, cap: FloatArray, sel: IntArray) -> Assigned:
    """Capacitated assignment of covered rows maximising the weight placed (cost = -weight)."""
    sub = covers[:, sel]
    room = cap[sel].astype(np.float64).copy()
    n = sub.shape[0]
    out = np.full(n, -1, dtype=np.int64)
    options = sub.sum(axis=1)
    order = np.lexsort((-w, options))
    for i in order.tolist():
        if options[i] == 0:
            continue
        fits = sub[i] & (room >= w[i] - EPS * max(1.0, w[i]))
        if not fits.any():
            continue
        k = int(np.argmax(np.where(fits, room, -np.inf)))
        out[i] = k
        room[k] -= w[i]
    placed = out >= 0
    site = np.where(placed, sel[np.clip(out, 0, None)], -1)
    return Assigned(site, -float(w[placed].sum()), 0.0)


class CapEvaluator:
    """The greedy assignment of a given open set, and the penalty for unplaced weight."""

    def __init__(self, dist: FloatArray | None, covers: BoolArray | None, w: FloatArray, cap: FloatArray) -> None:
        self.dist = dist
        self.covers = covers
        self.w = w
        self.cap = cap
        finite = dist[np.isfinite(dist)] if dist is not None else np.zeros(0)
        # leaving a unit of weight unplaced costs more than serving it from the farthest reachable site
        self.penalty = 2.0 * float(finite.max(initial=0.0)) + 1.0

    def __call__(self, sel: IntArray) -> Assigned:
        if self.covers is not None:
            return assign_cover(self.covers, self.w, self.cap, sel)
        assert self.dist is not None
        return assign_median(self.dist, self.w, self.cap, sel)

    def value(self, a: Assigned) -> float:
        """Cost plus the penalty: any unplaced weight is worse than any complete assignment."""
        return a.cost + self.penalty * a.unplaced


def search(
    rank_cost: FloatArray,
    evaluate: CapEvaluator,
    rules: SiteRules,
    mask: BoolArray,
    *,
    deadline: float,
) -> tuple[BoolArray, Assigned]:
    """First-improvement swaps, candidates ranked by ``rank_cost`` (uncapacitated) and capacity."""
    mask = mask.copy()
    cur = evaluate(np.flatnonzero(mask))
    cap = evaluate.cap
    while time.perf_counter() < deadline:
        out_sites, in_sites, value = swap_costs(rank_cost, rules, mask)
        if out_sites.size == 0:
            break
        by_value = np.argsort(value, kind="stable")[:CANDIDATES]
        by_room = np.argsort(cap[out_sites] - cap[in_sites], kind="stable")[: CANDIDATES // 4]
        picks = list(dict.fromkeys([*by_value.tolist(), *by_room.tolist()]))
        now = evaluate.value(cur)
        improved = False
        for k in picks:
            if time.perf_counter() > deadline:
                break
            trial = mask.copy()
            trial[int(out_sites[k])] = False
            trial[int(in_sites[k])] = True
            res = evaluate(np.flatnonzero(trial))
            if evaluate.value(res) < now - EPS * max(1.0, abs(now)):
                mask, cur, improved = trial, res, True
                break
        if not improved:
            break
    return mask, cur
