r"""Exact p-center by a search over the sorted distinct costs, with a covering check per radius.

The p-center optimum is one of the costs :math:`e_{ij}` (:func:`~solvers.formulations.pcenter.center_costs`).
A radius :math:`r` is achievable if and only if some choice of sites obeying the site rules covers
every demand point of positive weight within :math:`r`:

.. math::

    \exists\, y \in \{0,1\}^m:\quad \sum_{j : e_{ij} \le r} y_j \ge 1 \;\; \forall i \in I^+,\qquad
    \sum_j y_j = p,\qquad y \in Y \text{ (must-open, must-close, group limits)}.

Achievability is monotone in :math:`r`, so a binary search over the sorted candidates needs
:math:`O(\log K)` covering checks between a lower bound (:math:`\max_i \min_j e_{ij}`: every point
needs some site) and the heuristic's radius. Each check is a small set-covering MIP that HiGHS
solves or proves infeasible. The bound is the candidate just above the largest radius proven out of
reach; the smallest radius achieved is the answer, optimal once the two meet.

The compact MIP (:mod:`solvers.formulations.pcenter`) has :math:`nm` assignment variables and an LP
bound near zero; this search never builds it.

Example:
    >>> import numpy as np
    >>> from solvers import make_problem, solve
    >>> cost = np.array([[0.0, 6.0, 3.0], [2.0, 4.0, 3.0], [7.0, 1.0, 5.0]])
    >>> r = solve(make_problem("pcenter", [1, 1, 1], cost, p=1), solver="pcenter-exact")
    >>> r.selected, r.objective, r.status.value
    ((2,), 5.0, 'optimal')
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from solvers.formulations.pcenter import center_cost_rows
from solvers.problem import Problem, SolveOptions
from solvers.result import Result, Status, relative_gap, settle_status, status_message
from solvers.site_rules import SiteRules

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Check:
    """One covering check: ``achieved`` is True (with ``sites``), False (proven) or None (undecided)."""

    radius: float
    achieved: bool | None
    sites: tuple[int, ...] = ()
    seconds: float = 0.0


class CoverChecker:
    """Covering checks for one problem: the cost matrix over positive-weight points and allowed sites."""

    def __init__(self, problem: Problem) -> None:
        assert problem.p is not None
        self.problem = problem
        self.m = problem.m
        self.allowed = problem.open_allowed()
        demand = np.flatnonzero(np.asarray(problem.weights, dtype=np.float64) > 0).astype(np.int64)
        self.demand = demand
        e = center_cost_rows(problem, demand)
        e[~np.isfinite(e)] = np.inf
        e[:, ~self.allowed] = np.inf
        self.e = e
        self.rules = SiteRules.from_problem(problem, count=problem.m)

    def feasible(self, sites: tuple[int, ...]) -> bool:
        """Whether ``sites`` obeys the site rules (``p`` distinct sites, must-open, must-close, groups)."""
        mask = np.zeros(self.m, dtype=bool)
        mask[list(sites)] = True
        return int(mask.sum()) == self.problem.p and self.rules.keeps_rules(mask)

    def radius_of(self, sites: tuple[int, ...] | NDArray[np.int64]) -> float:
        """The p-center objective of ``sites`` over the positive-weight points."""
        if self.demand.size == 0:
            return 0.0
        return float(self.e[:, list(sites)].min(axis=1).max())

    def lower_bound(self) -> float:
        """:math:`\\max_i \\min_j e_{ij}`: every point needs some site (``inf`` if one has none)."""
        return float(self.e.min(axis=1).max()) if self.demand.size else 0.0

    def candidates(self, lo: float, hi: float) -> FloatArray:
        """The distinct finite costs in ``[lo, hi]``, sorted."""
        vals = self.e[np.isfinite(self.e)]
        return np.unique(vals[(vals >= lo) & (vals <= hi)])

    def check(self, radius: float, *, deadline: float, threads: int | None = None) -> Check:
        """Whether some rule-abiding choice of ``p`` sites covers every point within ``radius``."""
        t0 = time.perf_counter()
        problem = self.problem
        assert problem.p is not None
        rows, cols = np.nonzero(self.e <= radius)
        if np.unique(rows).size < self.demand.size:
            return Check(radius, False, seconds=time.perf_counter() - t0)
        a = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(self.demand.size, self.m))
        groups = problem.groups
        blocks = [a, sp.csr_matrix(np.ones((1, self.m)))]
        lower = [np.ones(self.demand.size), np.array([problem.p], dtype=np.float64)]
        upper = [np.full(self.demand.size, highspy.kHighsInf), np.array([problem.p], dtype=np.float64)]
        for g in groups:
            row = np.zeros((1, self.m))
            row[0, list(g.members)] = 1.0
            blocks.append(sp.csr_matrix(row))
            lower.append(np.array([g.min_open], dtype=np.float64))
            upper.append(np.array([g.max_open if g.max_open is not None else self.m], dtype=np.float64))
        mat = sp.vstack(blocks).tocsr()
        lp = highspy.HighsLp()
        lp.num_col_ = self.m
        lp.num_row_ = mat.shape[0]
        lp.col_cost_ = np.zeros(self.m)
        lp.col_lower_ = self.rules.must_open.astype(np.float64)
        lp.col_upper_ = self.allowed.astype(np.float64)
        lp.row_lower_ = np.concatenate(lower)
        lp.row_upper_ = np.concatenate(upper)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = mat.indptr
        lp.a_matrix_.index_ = mat.indices
        lp.a_matrix_.value_ = mat.data
        lp.integrality_ = [highspy.HighsVarType.kInteger] * self.m
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", max(0.01, deadline - time.perf_counter()))
        if threads is not None:
            h.setOptionValue("threads", int(threads))
        h.passModel(lp)
        h.run()
        status = h.getModelStatus()
        took = time.perf_counter() - t0
        if status == highspy.HighsModelStatus.kInfeasible:
            return Check(radius, False, seconds=took)
        if status == highspy.HighsModelStatus.kOptimal:
            y = np.asarray(h.getSolution().col_value) > 0.5
            return Check(radius, True, tuple(int(j) for j in np.flatnonzero(y)), took)
        return Check(radius, None, seconds=took)


def solve_pcenter(
    problem: Problem,
    options: SolveOptions,
    start: tuple[int, ...] | None = None,
    name: str = "pcenter-exact",
    version: str = "",
) -> Result:
    """Solve a p-center ``problem`` exactly by radius search (see the module docstring).

    ``start`` (or ``options.warm_start``) is a feasible choice of sites whose radius caps the search;
    without one, the first check is at the largest candidate.
    """
    t0 = time.perf_counter()
    limit = options.time_limit_s if options.time_limit_s is not None else math.inf
    deadline = t0 + limit
    checker = CoverChecker(problem)
    build_s = time.perf_counter() - t0
    base = Result(model=problem.kind, status=Status.ERROR, solver=name, solver_version=version, build_s=build_s)
    lb = checker.lower_bound()
    if not math.isfinite(lb):
        return base.with_(status=Status.INFEASIBLE, message="a demand point can reach no site that may open")
    if checker.demand.size == 0:  # nothing to reach: any choice the rules allow has radius 0
        c = checker.check(0.0, deadline=deadline, threads=options.threads)
        done = base.with_(solve_s=time.perf_counter() - t0 - build_s, details={"checks": 1})
        if c.achieved:
            return done.with_(status=Status.OPTIMAL, selected=c.sites, objective=0.0, bound=0.0, gap=0.0,
                              message="proven optimal: no demand point has weight")
        if c.achieved is False:
            return done.with_(status=Status.INFEASIBLE, message="no choice of sites satisfies the site rules")
        return done.with_(status=Status.TIME_LIMIT, message="no feasible solution found before the time limit")
    warm = start if start is not None else (tuple(options.warm_start) if options.warm_start is not None else None)
    best: tuple[int, ...] | None = None
    best_r = math.inf
    if warm is not None and checker.feasible(tuple(warm)):
        best, best_r = tuple(sorted(warm)), checker.radius_of(warm)
    hi_r = best_r if math.isfinite(best_r) else float(checker.e[np.isfinite(checker.e)].max())
    cand = checker.candidates(lb, hi_r)
    checks: list[Check] = []
    lo, hi = 0, cand.size - 1  # every radius below cand[lo] is proven out of reach
    if best is None:
        c = checker.check(float(cand[hi]), deadline=deadline, threads=options.threads)
        checks.append(c)
        if c.achieved is False:
            return base.with_(status=Status.INFEASIBLE, solve_s=time.perf_counter() - t0 - build_s,
                              message="no choice of sites satisfies the site rules", details={"checks": 1})
        if c.achieved:
            best, best_r = c.sites, checker.radius_of(c.sites)
    timed_out = False
    if best is not None:
        hi = int(np.searchsorted(cand, best_r, side="right")) - 1
        while lo < hi:
            if time.perf_counter() >= deadline:
                timed_out = True
                break
            if options.gap_rel > 0 and relative_gap(best_r, float(cand[lo])) <= options.gap_rel:
                break  # within the requested gap: stop (status within_gap)
            mid = (lo + hi) // 2
            c = checker.check(float(cand[mid]), deadline=deadline, threads=options.threads)
            checks.append(c)
            if c.achieved is None:
                timed_out = True
                break
            if c.achieved:
                best, best_r = c.sites, checker.radius_of(c.sites)
                hi = int(np.searchsorted(cand, best_r, side="right")) - 1
            else:
                lo = mid + 1
    solve_s = time.perf_counter() - t0 - build_s
    details: dict[str, object] = {
        "checks": len(checks),
        "candidates": int(cand.size),
        "check_s": float(sum(c.seconds for c in checks)),
        "lower_bound_start": lb,
    }
    base = base.with_(solve_s=solve_s, wall_s=build_s + solve_s, details=details)
    if best is None:
        return base.with_(status=Status.TIME_LIMIT, message="no feasible solution found before the time limit")
    bound = float(cand[lo]) if cand.size else lb
    bound = min(bound, best_r)
    status = settle_status(best_r, bound, gap_rel=options.gap_rel, time_limited=timed_out)
    msg = ("proven optimal: every smaller cost is out of reach" if status is Status.OPTIMAL
           else f"{status_message(status, options.gap_rel)}: every cost below the bound is out of reach")
    return base.with_(status=status, selected=tuple(sorted(best)), objective=best_r, bound=bound,
                      gap=relative_gap(best_r, bound), message=msg)
