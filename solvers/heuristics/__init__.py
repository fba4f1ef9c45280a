"""Fast heuristics for every model: greedy construction plus vertex-substitution local search.

:func:`run_heuristic` returns a solution that satisfies the site rules (p, must-open, must-close,
group limits) and the model's constraints, or a :class:`HeuristicFailure` saying why it found none
(which proves nothing: the problem may still be feasible). Everything is vectorised with numpy over dense
``demand x site`` cost blocks; loops run over sites or demand points, never over pairs.

Modules: :mod:`~solvers.heuristics.rules` (site rules as arrays), :mod:`~solvers.heuristics.minsum`
(p-median and MCLP), :mod:`~solvers.heuristics.minmax` (p-center), :mod:`~solvers.heuristics.cover`
(LSCP), :mod:`~solvers.heuristics.capacitated` (CPMP and CMCLP).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from solvers.heuristics.capacitated import CapEvaluator, search
from solvers.heuristics.cover import greedy_cover
from solvers.heuristics.minmax import interchange_center
from solvers.heuristics.minsum import greedy, interchange
from solvers.heuristics.rules import perturb
from solvers.models import CountRule, ModelKind, definition
from solvers.problem import BoolArray, FloatArray, IntArray, Problem
from solvers.result import TOLERANCE_REL, relative_gap
from solvers.site_rules import SiteRules

DEFAULT_TIME_S = 60.0
"""Search time when the caller sets no limit."""
RESTARTS = 8
"""Perturb-and-search rounds after the first local optimum (iterated local search)."""
OUTREACH_SWAP_EVALS_PER_SITE = 20
"""Outreach swap search: at most this many plan evaluations (an allocation LP each) per candidate site."""


@dataclass(frozen=True)
class HeuristicSolution:
    """A heuristic's answer: open sites, the assignment where it is a decision, the objective."""

    selected: tuple[int, ...]
    objective: float
    assignment: IntArray | None = None
    message: str = ""
    bound: float = math.nan
    """A bound the construction proves by itself (a cheap relaxation), NaN if none."""


@dataclass(frozen=True)
class HeuristicFailure:
    """No solution found, and why."""

    message: str


Found = HeuristicSolution | HeuristicFailure


@dataclass(frozen=True)
class HeuristicRun:
    """One heuristic run: the rules, the warm start, the deadline and the restart generator.

    A model's heuristic (named by its definition, :mod:`solvers.models`) is a function
    ``(problem, run) -> Found``.
    """

    rules: SiteRules
    start: BoolArray | None
    deadline: float
    rng: np.random.Generator
    restarts: int

    def iterated(
        self, search: Callable[[BoolArray], tuple[BoolArray, float]], mask: BoolArray
    ) -> tuple[BoolArray, float]:
        """Local search, then perturb-and-search rounds keeping the best (smaller is better)."""
        best, best_obj = search(mask)
        kick_size = max(1, int(best.sum()) // 4 + 1)
        for _ in range(self.restarts):
            if time.perf_counter() > self.deadline:
                break
            cand, obj = search(perturb(self.rules, best, self.rng, kick_size))
            if obj < best_obj - 1e-9 * max(1.0, abs(best_obj)):
                best, best_obj = cand, obj
        return best, best_obj


def run_heuristic(
    problem: Problem,
    *,
    time_limit_s: float | None = None,
    warm_start: Sequence[int] | None = None,
    seed: int = 0,
    restarts: int = RESTARTS,
) -> Found:
    """Greedy + local search for ``problem``, within ``time_limit_s`` (default 60 s).

    For the p-median, MCLP and p-center the first local optimum is followed by ``restarts``
    rounds of iterated local search: a few random swaps (seeded by ``seed``) that keep every site
    rule, a new local search, and the better of the two kept.
    """
    deadline = time.perf_counter() + (time_limit_s if time_limit_s is not None else DEFAULT_TIME_S)
    rules = SiteRules.from_problem(problem, count=problem.m)
    run = HeuristicRun(rules, _warm(problem, rules, warm_start), deadline, np.random.default_rng(seed), restarts)
    model = definition(problem.kind)
    if model.heuristic is None:
        return HeuristicFailure(f"no heuristic for model {problem.kind}")
    return model.run_heuristic(problem, run)


def _warm(problem: Problem, rules: SiteRules, warm_start: Sequence[int] | None) -> BoolArray | None:
    """The warm start as a mask if it satisfies the site rules (and p), else None."""
    if warm_start is None:
        return None
    mask = np.zeros(problem.m, dtype=bool)
    idx = [int(j) for j in warm_start if 0 <= int(j) < problem.m]
    mask[idx] = True
    if not rules.keeps_rules(mask):
        return None
    k = int(mask.sum())
    exact = definition(problem.kind).count is CountRule.EXACT
    if problem.p is not None and (k > problem.p or (exact and k != problem.p)):
        return None
    return mask


def _finite(cost: FloatArray) -> tuple[FloatArray, float]:
    """``cost`` with ``inf`` replaced by a penalty larger than any sum of finite entries."""
    finite = np.isfinite(cost)
    big = float(np.abs(cost[finite]).max(initial=0.0)) * max(1, cost.shape[0]) * 4.0 + 1.0
    return np.where(finite, cost, big), big


def _start_mask(problem: Problem, cost: FloatArray, run: HeuristicRun) -> BoolArray | None:
    if run.start is not None:
        return run.start
    assert problem.p is not None
    return greedy(cost, run.rules, problem.p, run.rules.must_open.copy(), deadline=run.deadline)


def pmedian_heuristic(problem: Problem, run: HeuristicRun) -> Found:
    """p-median: greedy, then iterated vertex substitution."""
    rows = np.flatnonzero(problem.weights > 0)
    d = np.asarray(problem.cost, dtype=np.float64)[rows]
    cost, big = _finite(problem.weights[rows, None] * d)
    mask = _start_mask(problem, cost, run)
    if mask is None:
        return HeuristicFailure("greedy construction could not meet the site rules")
    mask, obj = run.iterated(lambda s: interchange(cost, run.rules, s, deadline=run.deadline), mask)
    if obj >= big:
        return HeuristicFailure("no open set found that lets every weighted demand point reach an open site")
    return HeuristicSolution(tuple(int(j) for j in np.flatnonzero(mask)), obj)


def mclp_heuristic(problem: Problem, run: HeuristicRun) -> Found:
    """MCLP: greedy, then iterated vertex substitution on the uncovered weight."""
    assert problem.radius is not None
    within = np.asarray(problem.cost) <= problem.radius
    rows = np.flatnonzero((problem.weights > 0) & (within[:, run.rules.allowed].any(axis=1)))
    w = problem.weights[rows]
    cost = np.where(within[rows], 0.0, w[:, None])
    mask = _start_mask(problem, cost, run)
    if mask is None:
        return HeuristicFailure("greedy construction could not meet the site rules")
    mask, uncovered = run.iterated(lambda s: interchange(cost, run.rules, s, deadline=run.deadline), mask)
    return HeuristicSolution(tuple(int(j) for j in np.flatnonzero(mask)), float(w.sum()) - uncovered)


def outreach_heuristic(problem: Problem, run: HeuristicRun) -> Found:
    """The covering plan or greedy bases (:func:`~solvers.formulations.outreach.greedy_start`), best allocation.

    The bound is the smaller of two relaxations: the fractional knapsack
    (:func:`~solvers.formulations.outreach.value_upper_bound`, which reaches the whole need when
    staff hours are not short) and, for the ``hours`` and ``share`` objectives, the maximal covering
    problem (:func:`~solvers.formulations.outreach_bounds.coverage_bound`, exact when staff hours
    do not bind the covering plan). The covering plan comes first: when its allocation reaches the
    bound it is proven optimal without a MIP (on the Norfolk case, every feasible number of bases).
    Otherwise greedy bases and swaps follow, from the better of the two plans.
    """
    from solvers.formulations.outreach import allocate_for_bases, greedy_start, value_upper_bound
    from solvers.formulations.outreach_bounds import coverage_bound

    bound = value_upper_bound(problem)
    if bound == -math.inf:
        return HeuristicFailure("no set of bases of the required number leaves the frontline money they need")
    count = problem.p if problem.p is not None else max(1, len(problem.must_open))
    covering: tuple[BoolArray, float] | None = None  # the covering plan and its objective
    if math.isfinite(bound):
        # at most half the heuristic's time: on a large instance the greedy and swaps still get theirs
        cover = coverage_bound(problem, time_limit_s=max(0.1, 0.5 * (run.deadline - time.perf_counter())))
        if cover is not None:
            bound = min(bound, cover.bound)
            cmask = np.zeros(problem.m, dtype=bool)
            cmask[list(cover.selected)] = True
            fc = allocate_for_bases(problem, list(cover.selected))
            if run.rules.keeps_rules(cmask) and fc.allocation is not None:
                if relative_gap(fc.objective, bound) <= TOLERANCE_REL:  # optimal by the rule of Status
                    return HeuristicSolution(tuple(cover.selected), fc.objective, bound=bound,
                                             message="the covering plan reaches the covering bound")
                covering = (cmask, fc.objective)
    evals_left = [OUTREACH_SWAP_EVALS_PER_SITE * problem.m]

    def swaps(mask: BoolArray, best: float) -> tuple[BoolArray, float]:
        # first-improvement swaps (close one base, open another) until none helps, the bound is met, or the
        # evaluation budget or the time is spent: the swaps only aim at a plan the bound proves
        improved = best < bound - 1e-9 * max(1.0, abs(bound))
        while improved and evals_left[0] > 0 and time.perf_counter() < run.deadline:
            improved = False
            for r in np.flatnonzero(mask & ~run.rules.must_open):
                for a in np.flatnonzero(run.rules.allowed & ~mask):
                    trial = mask.copy()
                    trial[r], trial[a] = False, True
                    if not run.rules.keeps_rules(trial):
                        continue
                    evals_left[0] -= 1
                    cand = allocate_for_bases(problem, np.flatnonzero(trial).tolist())
                    if cand.allocation is not None and cand.objective > best + 1e-9 * max(1.0, abs(best)):
                        mask, best, improved = trial, cand.objective, True
                        break
                    if evals_left[0] <= 0:
                        break
                if improved or evals_left[0] <= 0 or time.perf_counter() >= run.deadline:
                    break
            if best >= bound - 1e-9 * max(1.0, abs(bound)):
                break
        return mask, best

    if covering is not None:
        cmask, cbest = swaps(*covering)
        if relative_gap(cbest, bound) <= TOLERANCE_REL:
            return HeuristicSolution(tuple(int(j) for j in np.flatnonzero(cmask)), cbest, bound=bound,
                                     message="swaps from the covering plan reach the bound")
        covering = (cmask, cbest)
    start = tuple(int(j) for j in np.flatnonzero(run.start)) if run.start is not None else ()
    mask = np.zeros(problem.m, dtype=bool)
    mask[list(greedy_start(problem, count, start=start))] = True
    greedy_ok = run.rules.keeps_rules(mask)
    fa = allocate_for_bases(problem, np.flatnonzero(mask).tolist()) if greedy_ok else None  # only a plan kept
    if fa is None or fa.allocation is None:
        if covering is None:
            if fa is None:
                return HeuristicFailure("greedy construction could not meet the site rules")
            return HeuristicFailure(f"the greedy bases admit no allocation: {fa.reason}")
        mask, best = covering
    else:
        best = fa.objective
        if not math.isfinite(bound):
            # the tie-break stage (spare hours): no bound to reach, and the exact solver does the rest
            return HeuristicSolution(tuple(int(j) for j in np.flatnonzero(mask)), best, bound=bound)
        mask, best = swaps(mask, best)
        if covering is not None and covering[1] > best:
            mask, best = covering
    return HeuristicSolution(tuple(int(j) for j in np.flatnonzero(mask)), best, bound=bound)


def pcenter_heuristic(problem: Problem, run: HeuristicRun) -> Found:
    """p-center: greedy, then iterated interchange on the worst cost."""
    rows = np.flatnonzero(problem.weights > 0)
    d = np.asarray(problem.cost, dtype=np.float64)[rows]
    e = problem.weights[rows, None] * d if problem.weighted_center else d
    cost, big = _finite(e)
    mask = _start_mask(problem, cost, run)
    if mask is None:
        return HeuristicFailure("greedy construction could not meet the site rules")
    mask, worst = run.iterated(lambda s: interchange_center(cost, run.rules, s, deadline=run.deadline), mask)
    if worst >= big:
        return HeuristicFailure("no open set found that lets every weighted demand point reach an open site")
    return HeuristicSolution(tuple(int(j) for j in np.flatnonzero(mask)), worst)


def lscp_heuristic(problem: Problem, run: HeuristicRun) -> Found:
    """LSCP: greedy covering within the site rules."""
    from solvers.formulations.lscp import cover_csr

    cov = cover_csr(problem)
    cov = cov[np.flatnonzero(np.diff(cov.indptr) > 0)]
    first = run.start if run.start is not None else run.rules.must_open.copy()
    mask = greedy_cover(cov, run.rules, first, deadline=run.deadline)
    if mask is None:
        return HeuristicFailure("greedy covering could not cover every coverable demand point within the site rules")
    k = int(mask.sum())
    if problem.p is not None and k > problem.p:
        return HeuristicFailure(f"greedy covering needs {k} sites, more than p = {problem.p}")
    return HeuristicSolution(tuple(int(j) for j in np.flatnonzero(mask)), float(k))


def capacitated_heuristic(problem: Problem, run: HeuristicRun) -> Found:
    """CPMP and CMCLP: uncapacitated interchange, then the capacitated search."""
    assert problem.capacity is not None
    covering = problem.kind is ModelKind.CMCLP
    cap = np.asarray(problem.capacity, dtype=np.float64)
    d_all = np.asarray(problem.cost, dtype=np.float64)
    if covering:
        assert problem.radius is not None
        within = (d_all <= problem.radius) & run.rules.allowed[None, :]
        rows = np.flatnonzero((problem.weights > 0) & within.any(axis=1))
        w = problem.weights[rows]
        rank = np.where(within[rows], 0.0, w[:, None])
        evaluator = CapEvaluator(None, within[rows], w, cap)
    else:
        rows = np.flatnonzero(problem.weights > 0)
        w = problem.weights[rows]
        d = np.where(run.rules.allowed[None, :], d_all[rows], np.inf)
        rank, _ = _finite(w[:, None] * d)
        evaluator = CapEvaluator(d, None, w, cap)
    mask = _start_mask(problem, rank, run)
    if mask is None:
        return HeuristicFailure("greedy construction could not meet the site rules")
    # half the time for the uncapacitated search when it is a fresh start
    if run.start is None:
        half = time.perf_counter() + (run.deadline - time.perf_counter()) / 2
        mask, _ = interchange(rank, run.rules, mask, deadline=half)
    mask, res = search(rank, evaluator, run.rules, mask, deadline=run.deadline)
    if res.unplaced > 0:
        return HeuristicFailure("no capacity-feasible assignment found for the open sites tried")
    assignment = np.full(problem.n, -1, dtype=np.int64)
    assignment[rows] = res.site
    objective = -res.cost if covering else res.cost
    return HeuristicSolution(tuple(int(j) for j in np.flatnonzero(mask)), objective, assignment)
