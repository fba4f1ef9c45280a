"""Contradictory options give status ``infeasible`` with a reason a person can read."""

from __future__ import annotations

import numpy as np
import pytest

from solvers import GroupLimit, Status, make_problem, solve

COST = np.array([
    [1.0, 4.0, 9.0, 6.0],
    [4.0, 1.0, 5.0, 7.0],
    [9.0, 5.0, 1.0, 3.0],
    [6.0, 7.0, 3.0, 1.0],
])
W = [1.0, 2.0, 3.0, 4.0]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"p": 1, "must_open": [0, 1]}, "2 must-open sites but only p = 1 bases"),
        ({"p": 2, "must_open": [0], "must_close": [0]}, "sites [0] are both must-open and must-close"),
        ({"p": 3, "must_close": [0, 1]}, "p = 3 but only 2 sites may be opened"),
        ({"p": 2, "groups": [GroupLimit("north", (0, 1), min_open=2)], "must_close": [1]},
         "group 'north' needs at least 2 open sites but only 1 may open"),
        ({"p": 2, "groups": [GroupLimit("a", (0, 1), 2), GroupLimit("b", (2, 3), 1)]},
         "group minimums add up to 3 open sites but p = 2"),
        ({"p": 3, "groups": [GroupLimit("a", (0, 1, 2), 0, 1)]},
         "the group maximums let at most 2 sites open"),
        ({"p": 2, "groups": [GroupLimit("a", (0, 1), 0, 1)], "must_open": [0, 1]},
         "group 'a' allows at most 1 open sites but 2 are must-open"),
        ({"p": 2, "groups": [GroupLimit("a", (0,), 2, 1)]}, "group 'a' has minimum 2 above maximum 1"),
    ],
)
@pytest.mark.parametrize("kind", ["mclp", "pmedian"])
def test_contradictory_site_rules(kind: str, kwargs: dict[str, object], expected: str) -> None:
    radius = 2.0 if kind == "mclp" else None
    r = solve(make_problem(kind, W, COST, radius=radius, **kwargs), solver="highs")  # type: ignore[arg-type]
    assert r.status is Status.INFEASIBLE
    assert expected in r.message
    assert not r.has_solution and r.selected == ()


def test_unreachable_weighted_demand_is_infeasible_but_weight_zero_is_ignored() -> None:
    cost = COST.copy()
    cost[3, :] = np.inf
    r = solve(make_problem("pmedian", W, cost, p=2), solver="highs")
    assert r.status is Status.INFEASIBLE
    assert "1 demand points with positive weight cannot reach any site that may open" in r.message
    assert "[3]" in r.message
    ok = solve(make_problem("pmedian", [1.0, 2.0, 3.0, 0.0], cost, p=2), solver="highs")
    assert ok.status is Status.OPTIMAL and ok.assignment[3] == -1


def test_infeasibility_found_by_the_solver_is_worded_for_the_model() -> None:
    # each demand point reaches only its own site, so p = 1 cannot serve both
    cost = np.array([[1.0, np.inf], [np.inf, 1.0]])
    for solver in ("highs", "cpsat", "cbc", "scip"):
        r = solve(make_problem("pmedian", [1.0, 1.0], cost, p=1), solver=solver)
        assert r.status is Status.INFEASIBLE, solver
        assert "no choice of p = 1 sites" in r.message and "reach an open site" in r.message


def test_lscp_cap_below_a_packing_of_demand_points() -> None:
    cost = np.array([[1.0, 9.0, 9.0], [9.0, 1.0, 9.0], [9.0, 9.0, 1.0]])
    r = solve(make_problem("lscp", [1, 1, 1], cost, radius=2.0, p=2), solver="highs")
    assert r.status is Status.INFEASIBLE
    assert "covering every coverable demand point needs at least 3 sites" in r.message
    assert "p = 2" in r.message


def test_lscp_reports_uncoverable_demand() -> None:
    cost = np.array([[1.0, 9.0], [9.0, 1.0], [9.0, 9.0], [8.0, 9.0]])
    r = solve(make_problem("lscp", [1, 1, 2, 0], cost, radius=2.0), solver="cpsat")
    assert r.status is Status.OPTIMAL and r.objective == 2.0
    assert r.details["uncoverable"].tolist() == [2]  # type: ignore[attr-defined]
    assert "1 demand points (weight 2) cannot be covered by any site that may open" in r.message
    closed = solve(make_problem("lscp", [1, 1, 2, 0], cost, radius=2.0, must_close=[1]), solver="highs")
    assert closed.details["uncoverable"].tolist() == [1, 2]  # type: ignore[attr-defined]
    assert closed.selected == (0,)


def test_capacity_shortfall() -> None:
    r = solve(make_problem("cpmedian", W, COST, p=2, capacity=[3, 3, 3, 3]), solver="highs")
    assert r.status is Status.INFEASIBLE
    assert "capacity shortfall" in r.message and "hold 6 but the total demand is 10" in r.message
    big = solve(make_problem("cpmedian", [1, 1, 1, 9], COST, p=4, capacity=[5, 5, 5, 5]), solver="highs")
    assert big.status is Status.INFEASIBLE
    assert "weigh more than the capacity of every site that can serve them" in big.message


def test_single_sourcing_infeasibility_found_by_the_solver() -> None:
    # total capacity 10 >= total demand 9, but 3 + 3 + 3 cannot split into bins of 5 and 5
    cost = np.ones((3, 2))
    r = solve(make_problem("cpmedian", [3, 3, 3], cost, p=2, capacity=[5, 5]), solver="highs")
    assert r.status is Status.INFEASIBLE
    assert "within the site capacities" in r.message
