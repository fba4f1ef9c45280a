"""The independent checker: a wrong claim becomes status ``error``, never a silent pass."""

from __future__ import annotations

import numpy as np
import pytest
from solvers_reference import MODELS, random_points_problem

from solvers import Result, Status, evaluate, make_problem, solve, verify
from solvers.models import DEFINITIONS
from solvers.problem import ModelKind

COST = np.array([[1.0, 4.0], [1.0, 2.0], [3.0, 1.0]])


def test_every_model_has_an_evaluator() -> None:
    assert {k.value for k, d in DEFINITIONS.items() if d.evaluator} >= set(MODELS)
    for d in DEFINITIONS.values():
        assert callable(d.references()["evaluator"] and d.evaluate), d.kind


def test_wrong_claimed_objective_is_an_error() -> None:
    problem = make_problem("pmedian", [1, 1, 1], COST, p=1)
    good = solve(problem, solver="highs")
    assert good.status is Status.OPTIMAL and good.objective == 5.0
    bad = verify(problem, good.with_(objective=4.0, bound=4.0, verified=False))
    assert bad.status is Status.ERROR and not bad.verified
    assert "objective 5 != solver's 4" in bad.message


def test_claim_beyond_the_bound_is_an_error() -> None:
    problem = make_problem("mclp", [1, 5, 1], COST, p=1, radius=2.0)
    good = solve(problem, solver="cbc")
    bad = verify(problem, good.with_(bound=good.objective - 1.0))
    assert bad.status is Status.ERROR and "beyond bound" in bad.message


def test_site_rule_breach_is_an_error() -> None:
    problem = make_problem("pmedian", [1, 1, 1], COST, p=1, must_close=[0])
    claim = Result(model=ModelKind.PMEDIAN, status=Status.OPTIMAL, selected=(0,), objective=5.0)
    bad = verify(problem, claim)
    assert bad.status is Status.ERROR and "must-close sites open: [0]" in bad.message


def test_capacitated_assignment_is_checked() -> None:
    problem = make_problem("cpmedian", [2, 2, 2], COST, p=2, capacity=[2, 4])
    over = np.array([0, 0, 1])  # site 0 would serve 4 > 2
    ev = evaluate(problem, (0, 1), over)
    assert not ev.feasible and "load 4 > capacity 2" in ev.reason
    missing = evaluate(problem, (0, 1), None)
    assert not missing.feasible and "needs an assignment" in missing.reason
    closed = evaluate(problem, (0, 1), np.array([0, 1, 2]))
    assert not closed.feasible
    ok = evaluate(problem, (0, 1), np.array([0, 1, 1]))
    assert ok.feasible and ok.objective == 2 * 1 + 2 * 2 + 2 * 1
    claim = Result(model=ModelKind.CPMEDIAN, status=Status.OPTIMAL, selected=(0, 1), assignment=over, objective=6.0)
    assert verify(problem, claim).status is Status.ERROR


def test_cmclp_assignment_beyond_radius_is_an_error() -> None:
    problem = make_problem("cmclp", [2, 2, 2], COST, p=1, radius=2.0, capacity=[10, 10])
    ev = evaluate(problem, (0,), np.array([0, 0, 0]))  # demand 2 is 3 away from site 0
    assert not ev.feasible and "beyond the radius" in ev.reason
    ev2 = evaluate(problem, (0,), np.array([0, 0, -1]))
    assert ev2.feasible and ev2.objective == 4.0


@pytest.mark.parametrize("kind", MODELS)
def test_solutions_of_every_model_verify_and_tampering_is_caught(kind: str) -> None:
    radius = 30.0 if kind in ("mclp", "lscp", "cmclp") else None
    problem = random_points_problem(kind, n=25, m=8, p=3, seed=3, radius=radius)
    r = solve(problem, solver="highs")
    assert r.status is Status.OPTIMAL and r.verified
    assert verify(problem, r.with_(objective=r.objective + 1.0)).status is Status.ERROR
