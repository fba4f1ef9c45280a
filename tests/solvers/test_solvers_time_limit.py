"""A solve stopped by its time limit returns ``time_limit`` with an incumbent, a bound and a gap.

pmed6 (n = 200, p = 5) takes HiGHS about half a minute to prove; with a 1.5 s limit every backend
stops early. The heuristic's solution is given as the warm start so an incumbent exists.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmarks.pmed import DATA_DIR, load_optima, load_pmed
from solvers import Problem, SolveOptions, Status, make_problem, solve
from solvers.registry import get_backend


@pytest.fixture(scope="module")
def pmed6() -> Problem:
    cost, p = load_pmed(DATA_DIR / "pmed6.txt")
    return make_problem("pmedian", np.ones(cost.shape[0]), cost, p=p)


@pytest.mark.parametrize("solver", ["highs", "cpsat", "cbc"])
def test_time_limit_gives_incumbent_bound_and_gap(pmed6: Problem, solver: str) -> None:
    start = solve(pmed6, solver="heuristic", options=SolveOptions(extra={"heuristic_bound": False}))
    assert start.has_solution
    r = solve(pmed6, solver=solver, options=SolveOptions(time_limit_s=1.5, warm_start=start.selected))
    assert r.status is Status.TIME_LIMIT, r.message
    if not get_backend(solver).capabilities.warm_start and not r.has_solution:
        # CBC takes no MIP start (declared): stopped before its first incumbent, it says so
        assert r.details["ignored_options"] == ["warm_start"]
        assert "before any solution" in r.message and r.verified
        return
    assert r.verified and r.has_solution and len(r.selected) == 5
    optimum = load_optima()["pmed6"]
    assert math.isfinite(r.bound) and math.isfinite(r.gap)
    assert r.bound <= optimum + 1e-6 <= r.objective + 1e-6
    assert r.gap == pytest.approx((r.objective - r.bound) / r.objective)
    assert r.gap > 0


def test_time_limit_on_the_heuristic_still_gives_a_verified_solution(pmed6: Problem) -> None:
    r = solve(pmed6, solver="heuristic", options=SolveOptions(time_limit_s=0.5))
    assert r.status in (Status.FEASIBLE, Status.OPTIMAL) and r.verified
    assert r.objective >= load_optima()["pmed6"]


def test_greedy_past_its_deadline_finishes_from_the_last_gains(pmed6: Problem) -> None:
    """Past the deadline, greedy stops re-evaluating: the first site is the best single site and the
    rest follow the order of that first evaluation's gains (so a large p cannot overrun a limit)."""
    from solvers.heuristics.minsum import greedy
    from solvers.site_rules import SiteRules

    cost = np.asarray(pmed6.cost, dtype=np.float64)
    rules = SiteRules.from_problem(pmed6)
    start = np.zeros(pmed6.m, dtype=bool)
    mask = greedy(cost, rules, 5, start, deadline=-math.inf)
    assert mask is not None and int(mask.sum()) == 5
    # hand-computed: the gain of a site from nothing open is (big - d_ij) summed over points
    big = cost.max() * 2 + 1
    gain = (big - cost).sum(axis=0)
    assert set(np.flatnonzero(mask)) == set(np.argsort(-gain, kind="stable")[:5])
    in_time = greedy(cost, rules, 5, start)
    assert in_time is not None and pmed6.cost[:, in_time].min(axis=1).sum() <= pmed6.cost[:, mask].min(axis=1).sum()
