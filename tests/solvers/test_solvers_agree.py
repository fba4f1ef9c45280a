"""Every exact backend reaches the brute-force optimum on random tiny instances, for every model.

The instances carry random must-open, must-close and group limits (some contradictory), weights
in halves (so CP-SAT scales them exactly), ``inf`` costs, and for LSCP an optional cap p. An
instance with no feasible open set must come back ``infeasible`` from every backend.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from solvers_reference import MAXIMISE, MODELS, brute_force, tiny_problems

from solvers import Problem, SolveOptions, Status, solve

EXACT = ("highs", "pulp-highs", "cbc", "scip", "cpsat")
OPTIONS = SolveOptions(time_limit_s=30)


def _check_exact(problem: Problem, solver: str, expected: float | None) -> None:
    r = solve(problem, solver=solver, options=OPTIONS)
    if expected is None:
        assert r.status is Status.INFEASIBLE, (solver, r.status, r.message)
        assert r.message
        return
    assert r.status is Status.OPTIMAL, (solver, r.status, r.message)
    assert r.verified
    assert r.objective == pytest.approx(expected, rel=1e-9, abs=1e-9), solver
    assert r.gap == pytest.approx(0.0, abs=1e-6), (solver, r.bound)


def _check_heuristic(problem: Problem, expected: float | None) -> None:
    r = solve(problem, solver="heuristic")
    if expected is None:
        assert not r.has_solution
        return
    if r.has_solution:  # a heuristic may fail to find a solution, but never beat the optimum
        assert r.verified, r.message
        if problem.kind.value in MAXIMISE:
            assert r.objective <= expected + 1e-9
            assert math.isnan(r.bound) or r.bound >= expected - 1e-6
        else:
            assert r.objective >= expected - 1e-9
            assert math.isnan(r.bound) or r.bound <= expected + 1e-6


@pytest.mark.parametrize("kind", MODELS)
def test_exact_backends_match_brute_force(kind: str) -> None:
    @settings(settings.get_profile("solvers"), max_examples=40)
    @given(problem=tiny_problems(kind))
    def check(problem: Problem) -> None:
        expected = brute_force(problem)
        for solver in EXACT:
            _check_exact(problem, solver, expected)
        _check_heuristic(problem, expected)

    check()
