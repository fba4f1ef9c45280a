"""CFLP and BCLP: brute-force optima on random tiny instances, every exact backend, and the checker.

The reference (:mod:`facility_reference`) enumerates open sets and assignments from the model
definitions; split sourcing is enumerated over integer unit splits (no LP solver involved).
"""

from __future__ import annotations

import numpy as np
import pytest
from facility_reference import brute_force, tiny_facility_problems
from hypothesis import given, settings

from solvers import Problem, ProblemError, SolveOptions, Status, evaluate, make_problem, presolve_infeasibility, solve
from solvers.result import Result

OPTIONS = SolveOptions(time_limit_s=30)
MIP = ("highs", "cbc", "scip")


def _check(problem: Problem, solver: str, expected: float | None) -> None:
    r = solve(problem, solver=solver, options=OPTIONS)
    if expected is None:
        assert r.status is Status.INFEASIBLE, (solver, r.status, r.message)
        return
    assert r.status is Status.OPTIMAL, (solver, r.status, r.message)
    assert r.verified
    assert r.objective == pytest.approx(expected, rel=1e-9, abs=1e-9), (solver, r.selected)


@pytest.mark.parametrize("solver", [*MIP, "cpsat"])
@settings(max_examples=25, deadline=None)
@given(problem=tiny_facility_problems("bclp"))
def test_bclp_matches_brute_force(solver: str, problem: Problem) -> None:
    _check(problem, solver, brute_force(problem))


@pytest.mark.parametrize("solver", MIP)
@settings(max_examples=25, deadline=None)
@given(problem=tiny_facility_problems("cflp"))
def test_cflp_matches_brute_force(solver: str, problem: Problem) -> None:
    _check(problem, solver, brute_force(problem))


@settings(max_examples=25, deadline=None)
@given(problem=tiny_facility_problems("cflp"))
def test_cflp_cpsat_where_the_assignment_is_integral(problem: Problem) -> None:
    if problem.capacity is not None and not problem.single_source and not presolve_infeasibility(problem):
        with pytest.raises(ProblemError, match="single sourcing"):
            solve(problem, solver="cpsat")
        return
    if problem.capacity is not None and not problem.single_source:
        assert solve(problem, solver="cpsat").status is Status.INFEASIBLE
        return
    _check(problem, "cpsat", brute_force(problem))


def _instance(seed: int, *, single: bool, p: int | None = None) -> Problem:
    rng = np.random.default_rng(seed)
    n, m = 40, 12
    demand, sites = rng.uniform(0, 100, (n, 2)), rng.uniform(0, 100, (m, 2))
    cost = np.round(np.hypot(*(demand[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)), 1)
    w = rng.integers(1, 20, n).astype(float)
    cap = np.full(m, np.ceil(w.sum() / 4))
    return make_problem("cflp", w, cost, opening_cost=rng.integers(200, 900, m).astype(float), capacity=cap,
                        single_source=single, p=p)


@pytest.mark.parametrize("single", [False, True])
def test_backends_agree_on_a_larger_cflp(single: bool) -> None:
    problem = _instance(7, single=single)
    solvers = [*MIP, "cpsat"] if single else list(MIP)
    objs = {s: solve(problem, solver=s, options=OPTIONS) for s in solvers}
    for s, r in objs.items():
        assert r.status is Status.OPTIMAL and r.verified, (s, r.message)
    ref = objs["highs"].objective
    found = {s: r.objective for s, r in objs.items()}
    assert all(v == pytest.approx(ref, rel=1e-6) for v in found.values()), found


def test_single_sourcing_costs_at_least_split_and_a_cap_on_p_binds() -> None:
    split = solve(_instance(3, single=False), solver="highs")
    single = solve(_instance(3, single=True), solver="highs")
    assert split.objective <= single.objective + 1e-6
    free = solve(_instance(3, single=False), solver="highs")
    capped = solve(_instance(3, single=False, p=len(free.selected) - 1), solver="highs")
    assert len(capped.selected) <= len(free.selected) - 1
    assert capped.objective >= free.objective - 1e-6


def test_checker_recomputes_split_flows_and_refuses_bad_answers() -> None:
    cost = np.array([[1.0, 4.0], [1.0, 2.0], [3.0, 1.0]])
    pr = make_problem("cflp", [2, 2, 2], cost, opening_cost=[3.0, 3.0], capacity=[3, 4])
    ev = evaluate(pr, [0, 1])
    # site 0 takes 3 units: all of demand 0 (cost 2) and half of demand 1 (1); site 1 the rest (2 + 2)
    assert ev.feasible and ev.objective == pytest.approx(6 + 2 + 1 + 2 + 2)
    assert not evaluate(pr, [0]).feasible  # capacity 3 < demand 6
    # a claimed objective below what the sites allow is an error; above (poor flows) is improved
    low = Result(model=pr.kind, status=Status.OPTIMAL, solver="x", selected=(0, 1), objective=12.0, bound=12.0)
    from solvers.check import verify

    assert verify(pr, low).status is Status.ERROR
    high = Result(model=pr.kind, status=Status.FEASIBLE, solver="x", selected=(0, 1), objective=14.0, bound=12.0)
    v = verify(pr, high)
    assert v.verified and v.objective == pytest.approx(13.0)


def test_bclp_checker_counts_double_coverage_and_requires_single_cover() -> None:
    cost = np.array([[1.0, 2.0, 9.0], [1.0, 9.0, 2.0], [9.0, 1.0, 1.0]])
    pr = make_problem("bclp", [1, 1, 5], cost, p=2, radius=3.0)
    assert evaluate(pr, [1, 2]).objective == 5.0
    assert evaluate(pr, [0, 1]).objective == 1.0
    one = make_problem("bclp", [1, 1, 5], cost, p=1, radius=3.0)
    assert not evaluate(one, [0]).feasible  # demand 2 is left uncovered
    assert evaluate(make_problem("bclp", [1, 1, 5], cost, p=1, radius=3.0, require_cover=False), [0]).feasible


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"opening_cost": None}, "needs opening_cost"),
        ({"opening_cost": [1.0, float("nan")]}, r"finite and non-negative \(site 1: nan\)"),
        ({"opening_cost": [1.0, -1.0]}, r"finite and non-negative \(site 1: -1\)"),
        ({"opening_cost": [1.0]}, "opening_cost of shape"),
        ({"opening_cost": [1.0, 1.0], "capacity": [1.0, -2.0]}, "capacity must be non-negative"),
    ],
)
def test_malformed_cflp_is_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ProblemError, match=message):
        make_problem("cflp", [1, 1], np.ones((2, 2)), **kwargs)  # type: ignore[arg-type]
