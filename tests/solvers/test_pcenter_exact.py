"""``pcenter-exact`` (radius search): brute force on tiny instances with side rules, honest statuses."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solvers import Problem, SolveOptions, Status, evaluate, make_problem, solve
from tests.strategies import brute_force_best, site_rules


@st.composite
def tiny_centers(draw: st.DrawFn) -> Problem:
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    n = draw(st.integers(1, 10))
    m = draw(st.integers(2, 7))
    p = draw(st.integers(1, m - 1))
    cost = np.round(rng.uniform(0, 20, (n, m)), draw(st.sampled_from([0, 2])))
    if draw(st.booleans()):
        cost[rng.random((n, m)) < 0.2] = np.inf
    w = rng.integers(0, 4, n).astype(float)
    must_open, must_close, groups = draw(site_rules(m, p))
    return make_problem("pcenter", w, cost, p=p, must_open=must_open, must_close=must_close, groups=groups,
                        weighted_center=draw(st.booleans()))


@given(tiny_centers())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_matches_brute_force(problem: Problem) -> None:
    best = brute_force_best(problem)
    r = solve(problem, solver="pcenter-exact")
    if not math.isfinite(best):
        assert not r.has_solution
        return
    assert r.status is Status.OPTIMAL, r.message
    assert r.verified
    assert r.objective == pytest.approx(best)
    assert r.bound == pytest.approx(best)


def test_auto_uses_the_radius_search_and_agrees_with_the_compact_mip() -> None:
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 100, (40, 2))
    cost = np.hypot(*(xy[:, None, :] - xy[None, :15, :]).transpose(2, 0, 1))
    problem = make_problem("pcenter", np.ones(40), cost, p=3)
    ours = solve(problem)
    mip = solve(problem, solver="highs")
    assert ours.solver == "auto:pcenter-exact"
    assert ours.status is Status.OPTIMAL and mip.status is Status.OPTIMAL
    assert ours.objective == pytest.approx(mip.objective)


def test_hand_computed_and_every_smaller_radius_out_of_reach() -> None:
    # one site must serve all three points: site 0 reaches them within 7, site 1 within 6, site 2 within 5
    cost = np.array([[0.0, 6.0, 3.0], [2.0, 4.0, 3.0], [7.0, 1.0, 5.0]])
    r = solve(make_problem("pcenter", [1, 1, 1], cost, p=1), solver="pcenter-exact")
    assert r.selected == (2,) and r.objective == 5.0 and r.bound == 5.0
    # site 2 closed: the best is site 1 at 6
    r = solve(make_problem("pcenter", [1, 1, 1], cost, p=1, must_close={2}), solver="pcenter-exact")
    assert r.selected == (1,) and r.objective == 6.0


def test_rules_that_no_choice_meets_are_infeasible() -> None:
    cost = np.array([[1.0, np.inf], [np.inf, 1.0]])
    problem = make_problem("pcenter", [1, 1], cost, p=1)
    r = solve(problem, solver="pcenter-exact")
    assert r.status is Status.INFEASIBLE and not r.has_solution


def test_time_limit_is_honest() -> None:
    rng = np.random.default_rng(0)
    cost = rng.uniform(0, 100, (300, 120))
    problem = make_problem("pcenter", np.ones(300), cost, p=8)
    r = solve(problem, solver="pcenter-exact", options=SolveOptions(time_limit_s=0.5))
    assert r.status in (Status.OPTIMAL, Status.TIME_LIMIT)
    if r.has_solution:
        assert r.verified and r.bound <= r.objective + 1e-9
        assert evaluate(problem, r.selected).objective == pytest.approx(r.objective)
