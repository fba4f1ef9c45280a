"""Issue 14, the solver core: statuses and bounds that are true, and inputs the core refuses or defines.

Every case runs on every registered backend able to solve the model (parametrised over the
registry). Expected values come from hand computation or brute force written here from the model
definitions (the rule "a cost is within the radius when it is finite and, as an exact number, at
most the radius"), never from the backends. Each case failed on the code before the fix.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import replace

import numpy as np
import pytest

from solvers import ModelKind, Problem, ProblemError, Result, SolveOptions, Status, make_problem, solve, verify
from solvers.pmedian.data import SiteRules, build_neighbours
from solvers.pmedian.reduced import solve_reduced
from solvers.problem import comparison_radius
from solvers.registry import get_backend, names
from solvers.result import TOLERANCE_REL, relative_gap, settle_status

INF = math.inf


def backends(model: str) -> list[str]:
    """Registered, available backends that solve ``model``."""
    kind = ModelKind(model)
    return [n for n in names() if get_backend(n).capabilities.supports(kind) and get_backend(n).available()]


def _honest(r: Result, gap_rel: float) -> None:
    """The one status rule: optimal iff the proven gap is within the tolerance; within_gap iff within the request."""
    assert r.tolerance_rel == TOLERANCE_REL
    if r.status is Status.OPTIMAL:
        assert r.gap <= r.tolerance_rel, (r.solver, r.objective, r.bound, r.gap)
    if r.status is Status.WITHIN_GAP:
        assert r.tolerance_rel < r.gap <= gap_rel, (r.solver, r.objective, r.bound, r.gap)
    if r.has_solution and not math.isnan(r.gap):
        assert r.gap == pytest.approx(relative_gap(r.objective, r.bound))


# --- the rule itself ------------------------------------------------------------------------------


def test_settle_status_rule() -> None:
    assert settle_status(100.0, 100.0, gap_rel=0.0, time_limited=False) is Status.OPTIMAL
    assert settle_status(100.0, 100.0 - 1e-5, gap_rel=0.0, time_limited=False) is Status.OPTIMAL
    assert settle_status(100.0, 97.0, gap_rel=0.05, time_limited=False) is Status.WITHIN_GAP
    assert settle_status(100.0, 97.0, gap_rel=0.05, time_limited=True) is Status.WITHIN_GAP
    assert settle_status(100.0, 90.0, gap_rel=0.05, time_limited=True) is Status.TIME_LIMIT
    assert settle_status(100.0, 90.0, gap_rel=0.05, time_limited=False) is Status.FEASIBLE
    assert settle_status(100.0, math.nan, gap_rel=0.5, time_limited=False) is Status.FEASIBLE
    # scale-free: the same proportions at 1e-12 give the same status
    assert settle_status(8e-12, 4e-12, gap_rel=0.0, time_limited=False) is Status.FEASIBLE
    assert relative_gap(8e-12, 4e-12) == pytest.approx(0.5)


def test_within_gap_counts_as_a_solution() -> None:
    r = Result(model=ModelKind.PMEDIAN, status=Status.WITHIN_GAP, selected=(0,), objective=1.0, bound=0.9)
    assert r.has_solution


# --- bounds never from the plan: the reduced model stopped at a requested gap --------------------


def test_reduced_model_bound_is_highs_dual_bound_not_the_plan() -> None:
    from benchmarks.pmed import DATA_DIR, load_optima, load_pmed

    cost, p = load_pmed(DATA_DIR / "pmed2.txt")
    problem = make_problem("pmedian", np.ones(cost.shape[0]), cost, p=p)
    optimum = load_optima()["pmed2"]
    best = solve(problem, solver="pmedian-exact")
    nb, rules = build_neighbours(problem, None), SiteRules.from_problem(problem)
    rng = np.random.default_rng(0)
    none = np.zeros(problem.m, dtype=bool)
    for _ in range(3):
        start = np.zeros(problem.m, dtype=bool)
        start[list(best.selected)] = True
        start[rng.choice(np.flatnonzero(start))] = False
        start[rng.choice(np.flatnonzero(~start))] = True
        out = solve_reduced(nb, rules, none, none, start, nb.objective(start), deadline=time.perf_counter() + 60,
                            gap_rel=0.2)
        assert out.bound <= optimum + 1e-9, (out.objective, out.bound)
        assert out.objective >= optimum
        assert out.objective - out.bound <= 0.2 * out.objective + 1e-9


@pytest.mark.parametrize("closer", ["mip", "bnb"])
def test_pmedian_exact_at_a_gap_reports_a_true_bound(closer: str) -> None:
    from benchmarks.pmed import DATA_DIR, load_optima, load_pmed

    cost, p = load_pmed(DATA_DIR / "pmed6.txt")
    problem = make_problem("pmedian", np.ones(cost.shape[0]), cost, p=p)
    optimum = load_optima()["pmed6"]
    options = SolveOptions(gap_rel=0.03, extra={"pmedian_closer": closer, "pmedian_max_iter": 30})
    r = solve(problem, solver="pmedian-exact", options=options)
    assert r.verified and r.has_solution
    assert r.bound <= optimum <= r.objective
    _honest(r, 0.03)


# --- the MCLP's gap is on the objective reported ----------------------------------------------------


def _random_mclp(seed: int, n: int, m: int, p: int, radius: float) -> Problem:
    rng = np.random.default_rng(seed)
    pts, sites = rng.random((n, 2)), rng.random((m, 2))
    cost = np.hypot(pts[:, None, 0] - sites[None, :, 0], pts[:, None, 1] - sites[None, :, 1]) * 100
    return make_problem("mclp", rng.integers(1, 50, n).astype(float), cost, p=p, radius=radius)


@pytest.mark.parametrize("gap", [0.01, 0.2])
def test_mclp_exact_gap_on_covered_weight(gap: float) -> None:
    # low coverage: the gap on uncovered weight is far smaller than on covered weight
    problem = _random_mclp(0, 2000, 150, 8, 6.0)
    exact = solve(problem, solver="mclp-exact")
    assert exact.status is Status.OPTIMAL
    r = solve(problem, solver="mclp-exact", options=SolveOptions(gap_rel=gap))
    _honest(r, gap)
    assert r.status in (Status.OPTIMAL, Status.WITHIN_GAP)
    assert r.gap <= gap
    assert r.objective <= exact.objective <= r.bound + 1e-9


@pytest.mark.parametrize("solver", backends("mclp"))
def test_every_backend_states_a_requested_gap_honestly(solver: str) -> None:
    problem = _random_mclp(1, 300, 40, 5, 12.0)
    exact = solve(problem, solver="highs")
    assert exact.status is Status.OPTIMAL
    r = solve(problem, solver=solver, options=SolveOptions(gap_rel=0.2, time_limit_s=60))
    assert r.verified, r.message
    _honest(r, 0.2)
    assert r.bound >= exact.objective - 1e-6 * exact.objective
    if r.status in (Status.OPTIMAL, Status.WITHIN_GAP):
        assert r.objective >= (1 - 0.2) * exact.objective - 1e-9


@pytest.mark.parametrize("solver", backends("pmedian"))
def test_every_pmedian_backend_states_a_requested_gap_honestly(solver: str) -> None:
    rng = np.random.default_rng(3)
    cost = rng.integers(1, 100, (60, 25)).astype(float)
    problem = make_problem("pmedian", rng.integers(1, 9, 60).astype(float), cost, p=4)
    exact = solve(problem, solver="pmedian-exact")
    assert exact.status is Status.OPTIMAL
    r = solve(problem, solver=solver, options=SolveOptions(gap_rel=0.1, time_limit_s=60))
    assert r.verified, r.message
    _honest(r, 0.1)
    assert r.bound <= exact.objective * (1 + 1e-6)
    if r.status in (Status.OPTIMAL, Status.WITHIN_GAP):
        assert r.objective <= exact.objective / (1 - 0.1) + 1e-9


def test_cpsat_on_rounded_costs_is_not_called_optimal_without_a_true_bound() -> None:
    # weights in thirds cannot be scaled to integers exactly: CP-SAT's proof is on the rounded model
    rng = np.random.default_rng(5)
    cost = rng.integers(1, 60, (12, 6)).astype(float)
    w = rng.integers(1, 9, 12) / 3.0
    problem = make_problem("pmedian", w, cost, p=2)
    best = min(float(w @ cost[:, list(c)].min(axis=1)) for c in itertools.combinations(range(6), 2))
    r = solve(problem, solver="cpsat")
    assert r.verified
    assert r.objective == pytest.approx(best, rel=1e-9)
    assert r.bound <= best + 1e-9
    _honest(r, 0.0)


# --- scale: tolerances relative to the data ------------------------------------------------------


@pytest.mark.parametrize("scale", [1e-12, 1.0, 1e12])
@pytest.mark.parametrize("solver", backends("pmedian"))
def test_tiny_and_huge_weights_get_the_true_optimum(solver: str, scale: float) -> None:
    w = np.array([1.0, 1.0, 2.0]) * scale
    problem = make_problem("pmedian", w, [[1, 5], [5, 1], [1, 3]], p=1)
    r = solve(problem, solver=solver)
    assert r.status is Status.OPTIMAL and r.verified, (r.status, r.message)
    assert r.selected == (0,)
    assert r.objective == pytest.approx(8 * scale, rel=1e-9)
    assert r.bound == pytest.approx(8 * scale, rel=1e-6)


@pytest.mark.parametrize("scale", [1e-9, 1e10])
@pytest.mark.parametrize("solver", backends("pcenter"))
def test_tiny_and_huge_costs_pcenter(solver: str, scale: float) -> None:
    cost = np.array([[1.0, 4.0], [2.0, 1.0], [1.0, 3.0]]) * scale  # site 0: worst 2; site 1: worst 4
    r = solve(make_problem("pcenter", [1, 1, 1], cost, p=1), solver=solver)
    assert r.verified, r.message
    _honest(r, 0.0)
    if get_backend(solver).capabilities.proves_optimality:  # the heuristic's LP bound is weak on p-center
        assert r.status is Status.OPTIMAL, r.message
    assert r.selected == (0,)
    assert r.objective == pytest.approx(2 * scale, rel=1e-9)


def test_checker_rejects_a_wrong_optimum_at_tiny_scale() -> None:
    problem = make_problem("pmedian", [1e-12, 1e-12, 2e-12], [[1, 5], [5, 1], [1, 3]], p=1)
    wrong = Result(model=ModelKind.PMEDIAN, status=Status.OPTIMAL, selected=(1,), objective=12e-12, bound=12e-12)
    assert verify(problem, wrong).status is Status.ERROR
    # a claimed objective off by half is not "close" because both are small
    off = Result(model=ModelKind.PMEDIAN, status=Status.FEASIBLE, selected=(0,), objective=12e-12, bound=4e-12)
    assert verify(problem, off).status is Status.ERROR
    right = Result(model=ModelKind.PMEDIAN, status=Status.OPTIMAL, selected=(0,), objective=8e-12, bound=8e-12)
    assert verify(problem, right).verified


def test_checker_rejects_a_bound_beaten_by_a_verified_alternative() -> None:
    rng = np.random.default_rng(2)
    cost = rng.integers(1, 50, (30, 20)).astype(float)  # C(20, 3) choices: too many to try them all
    problem = make_problem("pmedian", np.ones(30), cost, p=3)
    good = solve(problem, solver="highs")
    worse = tuple(j for j in range(20) if j not in good.selected)[:3]
    w_obj = float(cost[:, list(worse)].min(axis=1).sum())
    claim = Result(model=ModelKind.PMEDIAN, status=Status.OPTIMAL, selected=worse, objective=w_obj, bound=w_obj)
    assert verify(problem, claim).verified  # nothing to compare with
    checked = verify(problem, claim, alternatives=[good.selected])
    assert checked.status is Status.ERROR and "beaten" in checked.message


# --- inputs: infinite cost, infinite radius, infinite capacity, NaN, float32 -----------------------

UNREACHABLE = [[1, 5, INF], [INF, INF, INF], [4, 1, 2]]


@pytest.mark.parametrize("solver", backends("mclp"))
def test_infinite_cost_is_never_covered_mclp(solver: str) -> None:
    problem = make_problem("mclp", [1, 1, 1], UNREACHABLE, p=1, radius=INF)
    r = solve(problem, solver=solver)
    assert r.status is Status.OPTIMAL and r.verified, r.message
    assert r.objective == 2.0  # row 1 reaches no site; sites 0 and 1 each cover rows 0 and 2
    assert r.assignment[1] == -1


@pytest.mark.parametrize("solver", backends("lscp"))
def test_infinite_cost_is_never_covered_lscp(solver: str) -> None:
    problem = make_problem("lscp", [1, 1, 1], UNREACHABLE, radius=INF)
    r = solve(problem, solver=solver)
    assert r.status is Status.OPTIMAL and r.verified, r.message
    assert r.objective == 1.0
    assert np.asarray(r.details["uncoverable"]).tolist() == [1]


@pytest.mark.parametrize("solver", backends("cmclp"))
def test_infinite_cost_and_capacity_cmclp(solver: str) -> None:
    problem = make_problem("cmclp", [1, 1, 1], UNREACHABLE, p=1, radius=INF, capacity=[INF, INF, INF])
    r = solve(problem, solver=solver)
    assert r.status is Status.OPTIMAL and r.verified, r.message
    assert r.objective == 2.0


@pytest.mark.parametrize("solver", backends("cpmedian"))
def test_infinite_capacity_means_uncapacitated(solver: str) -> None:
    cost = [[1, 5, 3], [2, 1, 4], [4, 1, 2]]
    # site 1 takes one unit; sites 0 and 2 no limit. By hand: {0, 1} with rows 0 -> 0, 1 -> 0, 2 -> 1 costs 4
    r = solve(make_problem("cpmedian", [1, 1, 1], cost, p=2, capacity=[INF, 1, INF]), solver=solver)
    assert r.status is Status.OPTIMAL and r.verified, r.message
    assert r.objective == 4.0
    # all infinite: the uncapacitated p-median's answer
    free = solve(make_problem("cpmedian", [1, 1, 1], cost, p=1, capacity=[INF, INF, INF]), solver=solver)
    plain = solve(make_problem("pmedian", [1, 1, 1], cost, p=1), solver="highs")
    assert free.status is Status.OPTIMAL and free.objective == plain.objective == 7.0


def _outreach_spec(**changes: object) -> object:
    from solvers.formulations.outreach import OutreachSpec

    spec = OutreachSpec(
        need_hours=np.array([100.0, 60.0, 40.0]), hour_weight=np.ones(3), rural=np.array([False, False, True]),
        building_cost_gbp=np.full(2, 600.0), management_cost_gbp=np.full(2, 400.0), budget_gbp=4000.0,
        cost_per_post_gbp=1000.0, productive_hours_per_post=100.0, session_minutes=60.0, max_drive_minutes=45.0,
    )
    return replace(spec, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(("field", "build"), [
    ("radius", lambda: make_problem("mclp", [1, 1], [[1, 2], [3, 4]], p=1, radius=math.nan)),
    ("capacity", lambda: make_problem("cpmedian", [1, 1], [[1, 2], [3, 4]], p=1, capacity=[1, math.nan])),
    ("weights", lambda: make_problem("pmedian", [1, math.nan], [[1, 2], [3, 4]], p=1)),
    ("cost", lambda: make_problem("pmedian", [1, 1], [[1, math.nan], [3, 4]], p=1)),
    ("cost", lambda: make_problem("pcenter", [1, 1], np.array([[1, math.nan], [3, 4]], dtype=np.float32), p=1)),
    ("building_cost_gbp", lambda: make_problem("outreach", [1, 1, 1], [[0, 45], [30, 15], [60, 0]], p=1,
                                               extra=_outreach_spec(building_cost_gbp=np.array([600, math.nan])))),
    ("management_cost_gbp", lambda: make_problem("outreach", [1, 1, 1], [[0, 45], [30, 15], [60, 0]], p=1,
                                                 extra=_outreach_spec(management_cost_gbp=np.array([math.nan, 1])))),
])
def test_nan_is_refused_at_construction_naming_the_field(field: str, build: object) -> None:
    with pytest.raises(ProblemError, match=field):
        build()  # type: ignore[operator]


def test_nan_is_refused_when_a_problem_is_built_directly() -> None:
    with pytest.raises(ProblemError, match="radius"):
        Problem(kind=ModelKind.MCLP, weights=np.ones(2), cost=np.ones((2, 2)), p=1, radius=math.nan)


def _covered_by_rule(cost: np.ndarray, radius: float) -> np.ndarray:
    """The rule, from exact values: finite and at most the radius (float32 costs read as float64)."""
    c = np.asarray(cost, dtype=np.float64)
    return np.isfinite(c) & (c <= radius)


@pytest.mark.parametrize("solver", backends("mclp"))
def test_float32_costs_and_float64_radius_one_rule(solver: str) -> None:
    # float32(0.1) > 0.1: not covered at radius 0.1 (a float32 comparison would say covered)
    c64 = np.array([[0.1, 0.3, INF], [0.2, 0.1, 0.3], [0.3, 0.3, 0.1], [0.05, INF, 0.3]])
    c32 = c64.astype(np.float32)
    w = np.array([1.0, 2.0, 4.0, 8.0])
    for cost in (c32, c64):
        problem = make_problem("mclp", w, cost, p=1, radius=0.1)
        expected = max(float(w[_covered_by_rule(cost, 0.1)[:, j]].sum()) for j in range(3))
        r = solve(problem, solver=solver)
        assert r.status is Status.OPTIMAL and r.verified, r.message
        assert r.objective == expected, (cost.dtype, r.objective, expected)
    assert _covered_by_rule(c32, 0.1).sum() == 1 and _covered_by_rule(c64, 0.1).sum() == 4


def test_comparison_radius_matches_the_rule() -> None:
    rng = np.random.default_rng(7)
    c32 = (rng.random(2000) * 10).astype(np.float32)
    for r in (0.1, 1.0 / 3.0, 5.0, float(c32[17]), float(np.nextafter(c32[17], np.float32(0))) + 1e-12, INF):
        for dt in (np.float32, np.float64):
            c = c32.astype(dt)
            rr = comparison_radius(r, dt)
            assert np.array_equal(c <= rr, _covered_by_rule(c, r))  # weak python float: dtype comparison
            assert np.array_equal(np.asarray(c, dtype=np.float64) <= rr, _covered_by_rule(c, r))
    assert not (np.float32(INF) <= comparison_radius(INF, np.float32))


# --- brute-force agreement with inf costs, float32 and odd scales, every backend ---------------------


def _brute(problem: Problem, radius_given: float | None) -> float:
    """Optimum of an MCLP or p-median by enumeration, from the raw data and the stated rule."""
    w = problem.weights
    c = np.asarray(problem.cost, dtype=np.float64)
    assert problem.p is not None
    best = -INF if problem.kind is ModelKind.MCLP else INF
    for combo in itertools.combinations(range(problem.m), problem.p):
        sub = c[:, list(combo)]
        if problem.kind is ModelKind.MCLP:
            assert radius_given is not None
            best = max(best, float(w[_covered_by_rule(sub, radius_given).any(axis=1)].sum()))
        else:
            near = sub.min(axis=1)
            if np.all(np.isfinite(near[w > 0])):
                best = min(best, float(w[w > 0] @ near[w > 0]))
    return best


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("kind", ["mclp", "pmedian"])
def test_brute_force_agreement_on_awkward_data(kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = 9, 6
    cost = np.round(rng.random((n, m)) * 4, 1)
    cost[rng.random((n, m)) < 0.2] = INF
    if kind == "pmedian":
        cost[:, 0] = np.where(np.isfinite(cost[:, 0]), cost[:, 0], 4.0)  # every point reaches site 0
    cost = cost.astype(np.float32) if seed % 2 else cost
    scale = [1e-12, 1.0, 1e9, 3.0][seed]
    w = rng.integers(1, 6, n) * scale
    radius = [INF, 1.0, 2.0, 0.3][seed] if kind == "mclp" else None
    problem = make_problem(kind, w, cost, p=2, radius=radius)
    expected = _brute(problem, radius)
    for solver in backends(kind):
        r = solve(problem, solver=solver, options=SolveOptions(time_limit_s=30))
        assert r.verified, (solver, r.message)
        assert r.objective == pytest.approx(expected, rel=1e-9), (solver, r.status, r.objective, expected)
        _honest(r, 0.0)
        if kind == "mclp":
            assert r.bound >= expected * (1 - 1e-6)
        else:
            assert r.bound <= expected * (1 + 1e-6)
