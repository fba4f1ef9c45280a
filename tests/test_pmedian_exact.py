"""The exact p-median path (``pmedian-exact``) and its MCLP form (``mclp-exact``).

Known optima on OR-Library instances, agreement with brute force on tiny random instances with
side constraints, valid bounds, and honest statuses under a time limit. No timed assertions.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.pmed import DATA_DIR, load_optima, load_pmed
from solvers import Problem, SolveOptions, Status, evaluate, make_problem, solve
from solvers.pmedian.data import SiteRules, build_neighbours, compact, prefix_counts
from solvers.pmedian.exact import solve_pmedian
from solvers.pmedian.heuristic import greedy, swap_search
from solvers.pmedian.lagrangian import LagrangianDual
from tests.strategies import brute_force_best, site_rules


def _pmed(k: int) -> Problem:
    cost, p = load_pmed(DATA_DIR / f"pmed{k}.txt")
    return make_problem("pmedian", np.ones(cost.shape[0]), cost, p=p)


# --- OR-Library ---------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6, 11])
def test_pmed_known_optimum(k: int) -> None:
    problem = _pmed(k)
    r = solve(problem, solver="pmedian-exact")
    opt = load_optima()[f"pmed{k}"]
    assert r.status is Status.OPTIMAL and r.verified, r.message
    assert r.objective == opt
    assert r.bound == pytest.approx(opt) and r.gap == pytest.approx(0.0, abs=1e-12)
    assert len(r.selected) == problem.p


def test_auto_picks_pmedian_exact() -> None:
    r = solve(_pmed(1))
    assert r.solver.endswith("pmedian-exact") and r.status is Status.OPTIMAL


@pytest.mark.parametrize("k", [7, 16])
def test_lagrangian_bound_is_valid(k: int) -> None:
    """Every Lagrangian value is a lower bound (no fixing: the plain relaxation)."""
    problem = _pmed(k)
    nb = build_neighbours(problem)
    rules = SiteRules.from_problem(problem)
    dual = LagrangianDual(nb, rules)
    res = dual.run(nb.wd[:, 1].copy(), lambda: math.inf, deadline=math.inf, max_iter=300)
    assert max(res.history) <= load_optima()[f"pmed{k}"] + 1e-6
    assert res.lb == max(res.history)


def test_time_limit_returns_incumbent_bound_and_gap() -> None:
    problem = _pmed(36)  # needs branch and bound well beyond the limit
    r = solve(problem, solver="pmedian-exact", options=SolveOptions(time_limit_s=0.3))
    assert r.status is Status.TIME_LIMIT, r.message
    assert r.has_solution and r.verified
    assert math.isfinite(r.bound) and r.bound <= load_optima()["pmed36"] <= r.objective
    assert r.gap == pytest.approx((r.objective - r.bound) / r.objective)


def test_gap_option_stops_early_with_a_proven_gap() -> None:
    problem = _pmed(36)
    r = solve(problem, solver="pmedian-exact", options=SolveOptions(gap_rel=0.02))
    # stopped at the requested gap: within_gap (optimal only if the bound meets it), never a bound from the plan
    assert r.status in (Status.WITHIN_GAP, Status.OPTIMAL) and r.gap <= 0.02
    assert (r.status is Status.OPTIMAL) == (r.gap <= r.tolerance_rel)
    assert r.bound <= load_optima()["pmed36"] <= r.objective


def test_warm_start_is_used() -> None:
    problem = _pmed(2)
    best = solve(problem, solver="pmedian-exact")
    again = solve(problem, solver="pmedian-exact", options=SolveOptions(warm_start=best.selected))
    assert again.status is Status.OPTIMAL and again.objective == best.objective
    assert str(again.details["found_by"]).startswith("warm start")


def test_mip_closer_agrees() -> None:
    """The reduced radius model in HiGHS closes the same gap as the branch and bound."""
    problem = _pmed(6)
    r = solve(problem, solver="pmedian-exact", options=SolveOptions(extra={"pmedian_closer": "mip"}))
    assert r.status is Status.OPTIMAL and r.objective == load_optima()["pmed6"]
    assert r.details["closer"] == "mip"


def test_truncated_lists_stay_exact() -> None:
    """Short neighbour lists (as at national scale) change the speed, not the answer."""
    problem = _pmed(8)
    r = solve(problem, solver="pmedian-exact", options=SolveOptions(extra={"pmedian_k": 25}))
    assert r.status is Status.OPTIMAL and r.objective == load_optima()["pmed8"]
    assert r.details["complete_lists"] is False


# --- building blocks ----------------------------------------------------------------------------


@given(st.integers(0, 2**31 - 1))
@settings(max_examples=30, deadline=None)
def test_prefix_counts_matches_direct_count(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(1, 30)), int(rng.integers(1, 40))
    a = np.sort(rng.integers(0, 20, (n, k)).astype(float), axis=1)
    a[rng.random((n, k)) < 0.1] = np.inf
    a = np.sort(a, axis=1)
    t = rng.integers(-1, 22, n).astype(float)
    assert np.array_equal(prefix_counts(a, t), (a < t[:, None]).sum(axis=1))


def test_compact_keeps_order_and_objective() -> None:
    problem = _pmed(3)
    nb = build_neighbours(problem)
    keep = np.zeros(problem.m, dtype=bool)
    keep[::3] = True
    nbc = compact(nb, keep)
    assert np.all(np.isin(nbc.idx[np.isfinite(nbc.dist)], np.flatnonzero(keep)))
    assert np.all(np.diff(nbc.dist, axis=1)[np.isfinite(nbc.dist[:, 1:])] >= 0)
    mask = np.zeros(problem.m, dtype=bool)
    mask[np.flatnonzero(keep)[: problem.p]] = True
    assert nbc.objective(mask) == pytest.approx(evaluate(problem, np.flatnonzero(mask).tolist()).objective)


def test_swap_search_never_worsens_greedy() -> None:
    problem = _pmed(9)
    nb = build_neighbours(problem)
    rules = SiteRules.from_problem(problem)
    g = greedy(nb, rules)
    assert g is not None and int(g.sum()) == problem.p
    mask, obj = swap_search(nb, rules, g)
    assert obj <= nb.objective(g) and obj == pytest.approx(nb.objective(mask))


# --- brute force on tiny random instances --------------------------------------------------------


@st.composite
def tiny_problems(draw: st.DrawFn, kind: str = "pmedian") -> Problem:
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(1, 12))
    m = draw(st.integers(2, 8))
    p = draw(st.integers(1, m - 1))
    integral = draw(st.booleans())
    cost = rng.uniform(0, 20, (n, m))
    if integral:
        cost = np.round(cost)
    if draw(st.booleans()):
        cost[rng.random((n, m)) < 0.15] = np.inf  # some pairs unreachable
    w = rng.integers(0, 6, n).astype(float) if integral else rng.uniform(0, 5, n) * (rng.random(n) > 0.1)
    must_open, must_close, groups = draw(site_rules(m, p))
    radius = 8.0 if kind == "mclp" else None
    return make_problem(kind, w, cost, p=p, radius=radius, must_open=must_open, must_close=must_close, groups=groups)


@pytest.mark.parametrize("small", [True, False], ids=["small-instance-settings", "general-settings"])
@given(problem=tiny_problems())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_pmedian_exact_matches_brute_force(problem: Problem, small: bool) -> None:
    """Tiny instances get the small-instance settings (short root, no Lagrangian heuristic) unless told otherwise."""
    best = brute_force_best(problem)
    extra = {} if small else {"pmedian_small_pairs": 0}
    r = solve(problem, solver="pmedian-exact", options=SolveOptions(extra=extra))
    if not math.isfinite(best):
        assert r.status is Status.INFEASIBLE or not r.has_solution or r.status is Status.ERROR
        return
    assert r.status is Status.OPTIMAL, r.message
    assert r.verified
    assert r.objective == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert r.bound <= best + 1e-6 * max(1.0, abs(best))


@pytest.mark.parametrize("small_path", [True, False], ids=["merged-rows-path", "lagrangian-path"])
@given(problem=tiny_problems("mclp"))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mclp_exact_matches_brute_force(problem: Problem, small_path: bool) -> None:
    """Both paths of mclp-exact (tiny instances take the merged-rows path unless told otherwise)."""
    best = brute_force_best(problem)
    r = solve(problem, solver="mclp-exact", options=SolveOptions(extra={"mclp_small_path": small_path}))
    if r.has_solution:  # (an infeasible one stops in presolve, before any path)
        assert (r.details.get("path") == "merged rows (small instance)") is small_path
    if not math.isfinite(best):
        assert not r.has_solution
        return
    assert r.status is Status.OPTIMAL, r.message
    assert r.objective == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert r.bound >= best - 1e-6 * max(1.0, abs(best))


def test_unreachable_point_is_infeasible() -> None:
    cost = np.array([[1.0, np.inf], [np.inf, np.inf], [2.0, 1.0]])
    problem = make_problem("pmedian", [1.0, 1.0, 1.0], cost, p=1)
    assert solve(problem, solver="pmedian-exact").status is Status.INFEASIBLE
    direct = solve_pmedian(problem, SolveOptions())  # the backend's own check, without the API's presolve
    assert direct.status is Status.INFEASIBLE and "reach no site" in direct.message
