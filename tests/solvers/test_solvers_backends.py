"""Backends: declared capabilities, options honoured or reported, warm starts, ``auto``, heuristics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from solvers_reference import MAXIMISE, MODELS, random_points_problem

from solvers import GroupLimit, Problem, SolveOptions, Status, make_problem, solve
from solvers.backends.auto import AutoBackend
from solvers.backends.base import Backend, Capabilities
from solvers.problem import ModelKind
from solvers.registry import choose, get_backend, names
from solvers.result import Result

OURS = ("highs", "pulp-highs", "cbc", "scip", "cpsat", "heuristic")


def test_registered_backends_and_capabilities() -> None:
    assert set(OURS) <= set(names())
    for name in OURS:
        caps = get_backend(name).capabilities
        assert {ModelKind(k) for k in MODELS} <= caps.models, name
        assert caps.proves_optimality is (name != "heuristic")
        assert caps.time_limit
        # CBC's MIP start gave a wrong optimality proof (see pulp_backend): declared unsupported, not faked
        assert caps.warm_start is (name != "cbc")
    assert get_backend("cpsat").capabilities.threads and get_backend("cbc").capabilities.threads
    assert not get_backend("highs").capabilities.threads  # HiGHS's process-wide pool: declared, not faked


def test_unknown_or_unable_solver_is_a_clear_error() -> None:
    problem = make_problem("pmedian", [1.0], np.ones((1, 1)), p=1)
    with pytest.raises(KeyError, match="unknown solver 'gurobi'"):
        solve(problem, solver="gurobi")
    with pytest.raises(ValueError, match="cannot solve model"):
        choose(make_problem("outreach", [1.0], np.ones((1, 1))), "cpsat")


def test_ignored_options_are_reported() -> None:
    problem = random_points_problem("pmedian", n=30, m=10, p=3, seed=1)
    r = solve(problem, solver="heuristic", options=SolveOptions(threads=2, seed=5, gap_rel=0.01))
    assert r.details["ignored_options"] == ["gap_rel", "threads"]
    h = solve(problem, solver="highs", options=SolveOptions(threads=2, seed=5))
    assert h.details["ignored_options"] == ["threads"]
    assert "ignored_options" not in solve(problem, solver="cpsat", options=SolveOptions(threads=2, seed=5)).details


def test_relative_gap_option_is_honoured() -> None:
    problem = random_points_problem("pmedian", n=60, m=30, p=4, seed=2)
    exact = solve(problem, solver="highs")
    for solver in ("highs", "cpsat", "scip", "cbc", "pulp-highs"):
        r = solve(problem, solver=solver, options=SolveOptions(gap_rel=0.05, time_limit_s=60))
        assert r.status is Status.OPTIMAL and r.verified, solver
        assert r.objective <= exact.objective * 1.05 + 1e-6
        assert r.bound <= exact.objective + 1e-6


@pytest.mark.parametrize("kind", MODELS)
def test_heuristic_keeps_every_site_rule(kind: str) -> None:
    radius = 25.0 if kind in ("mclp", "lscp", "cmclp") else None
    base = random_points_problem(kind, n=40, m=12, p=4, seed=7, radius=radius)
    west_max = None if kind == "lscp" else 2  # a covering may need more than two sites there
    groups = (GroupLimit("west", (0, 1, 2, 3, 4, 5), min_open=2, max_open=west_max),)
    problem = make_problem(kind, base.weights, base.cost, p=base.p, radius=base.radius, capacity=base.capacity,
                           must_open=[6], must_close=[7, 8], groups=groups)
    exact = solve(problem, solver="highs")
    heur = solve(problem, solver="heuristic")
    assert exact.status is Status.OPTIMAL
    assert heur.status in (Status.FEASIBLE, Status.OPTIMAL) and heur.verified, heur.message
    chosen = set(heur.selected)
    assert 6 in chosen and not chosen & {7, 8}
    assert len(chosen & set(range(6))) == 2 or (west_max is None and len(chosen & set(range(6))) >= 2)
    if kind in MAXIMISE:
        assert heur.objective <= exact.objective + 1e-9 and heur.bound >= exact.objective - 1e-6
    else:
        assert heur.objective >= exact.objective - 1e-9 and heur.bound <= exact.objective + 1e-6
    assert math.isfinite(heur.gap) and heur.gap >= 0


@pytest.mark.parametrize("kind", MODELS)
def test_warm_start_is_passed_and_auto_uses_the_heuristic(kind: str) -> None:
    radius = 25.0 if kind in ("mclp", "lscp", "cmclp") else None
    problem = random_points_problem(kind, n=30, m=10, p=3, seed=11, radius=radius)
    heur = solve(problem, solver="heuristic")
    extra: dict[str, object] = {"warm_start_assignment": heur.assignment} if kind in ("cpmedian", "cmclp") else {}
    opts = SolveOptions(warm_start=heur.selected, extra=extra, time_limit_s=60)
    exact = solve(problem, solver="highs", options=opts)
    assert exact.details["warm_start"] == "passed" and exact.status is Status.OPTIMAL
    for solver in ("cpsat", "scip", "cbc", "pulp-highs"):
        r = solve(problem, solver=solver, options=opts)
        assert r.status is Status.OPTIMAL and r.objective == pytest.approx(exact.objective), solver
    auto = solve(problem, options=SolveOptions(time_limit_s=60))
    assert auto.status is Status.OPTIMAL and auto.objective == pytest.approx(exact.objective)
    assert auto.solver.startswith("auto:")
    info = auto.details["auto"]
    assert isinstance(info, dict)
    if get_backend(str(info["exact"])).capabilities.own_heuristic:
        assert "heuristic" not in info  # the exact path makes its own start
    else:
        assert info["heuristic"] == "heuristic"


class _NoSolution(Backend):
    """An exact backend that always runs out of time before finding anything."""

    name = "stub"
    capabilities = Capabilities(models=frozenset(ModelKind), proves_optimality=True, warm_start=True)

    def version(self) -> str:
        return "0"

    def solve(self, problem: Problem, options: SolveOptions) -> Result:
        return Result(model=problem.kind, status=Status.TIME_LIMIT, bound=0.0, solver=self.name)


def test_auto_keeps_the_heuristic_solution_when_the_exact_solver_has_none() -> None:
    problem = random_points_problem("pmedian", n=30, m=10, p=3, seed=4)
    auto = AutoBackend(_NoSolution(), get_backend("heuristic"))
    r = auto.solve(problem, SolveOptions(time_limit_s=5))
    assert r.status is Status.TIME_LIMIT and r.has_solution and len(r.selected) == 3
    assert r.bound == 0.0 and r.gap == pytest.approx(1.0)
    assert r.solver == "auto:stub"


def test_cpsat_rounds_inexact_weights_and_keeps_a_valid_bound() -> None:
    rng = np.random.default_rng(5)
    cost = np.round(rng.uniform(0, 50, (20, 8)), 1)
    weights = rng.integers(1, 9, 20) / 3.0  # no power of ten makes these integers
    for kind in ("pmedian", "mclp"):
        problem = make_problem(kind, weights, cost, p=3, radius=15.0 if kind == "mclp" else None)
        exact = solve(problem, solver="highs")
        r = solve(problem, solver="cpsat")
        assert r.details["cpsat_exact"] is False and r.verified
        assert r.status in (Status.OPTIMAL, Status.FEASIBLE)
        assert r.objective == pytest.approx(exact.objective, rel=1e-6)
        if kind == "mclp":
            assert r.bound >= exact.objective - 1e-9
        else:
            assert r.bound <= exact.objective + 1e-9


def test_zero_weight_demand_is_ignored_everywhere() -> None:
    cost = np.array([[1.0, 5.0], [6.0, 1.0], [np.inf, np.inf]])
    for kind in ("pmedian", "pcenter", "cpmedian"):
        problem = make_problem(kind, [1.0, 3.0, 0.0], cost, p=1, capacity=[10, 10] if kind == "cpmedian" else None)
        for solver in ("highs", "cpsat", "heuristic"):
            r = solve(problem, solver=solver)
            assert r.has_solution and r.verified and r.selected == (1,), (kind, solver)
            assert r.assignment[2] == -1


def test_auto_order_takes_benders_for_a_large_pmedian_only() -> None:
    """The size rule of ``auto`` for the p-median (``AUTO_BENDERS_PAIRS``), and nothing else changes."""
    from solvers.registry import AUTO_BENDERS_PAIRS, AUTO_ORDER, auto_order

    big = AUTO_BENDERS_PAIRS // 2000 + 1
    assert auto_order(ModelKind.PMEDIAN, big, 2000, has_groups=False)[0] == "pmedian-benders"
    assert auto_order(ModelKind.PMEDIAN, 32_844, 2_986, has_groups=False)[0] == "pmedian-benders"  # England
    assert auto_order(ModelKind.PMEDIAN, big - 2, 2000, has_groups=False) == AUTO_ORDER
    assert auto_order(ModelKind.PMEDIAN, 538, 53, has_groups=False) == AUTO_ORDER  # Norfolk
    assert auto_order(ModelKind.PMEDIAN, big, 2000, has_groups=True) == AUTO_ORDER
    assert auto_order(ModelKind.MCLP, big, 2000, has_groups=False) == AUTO_ORDER


def test_auto_resolves_to_benders_above_the_size_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the threshold lowered to a small instance, ``auto`` runs ``pmedian-benders`` and proves the optimum."""
    import solvers.registry as reg

    problem = random_points_problem("pmedian", n=40, m=12, p=3, seed=9)
    below = solve(problem)
    monkeypatch.setattr(reg, "AUTO_BENDERS_PAIRS", problem.n * problem.m)
    above = solve(problem)
    assert below.solver == "auto:pmedian-exact" and above.solver == "auto:pmedian-benders"
    assert above.status is Status.OPTIMAL and above.verified
    assert above.objective == pytest.approx(below.objective, rel=1e-12)
    grouped = make_problem("pmedian", problem.weights, problem.cost, p=3,
                           groups=[GroupLimit(name="g", members=(0, 1, 2), max_open=1)])
    assert choose(grouped).name == "auto:pmedian-exact"
