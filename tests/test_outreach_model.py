"""The outreach model on arrays: a hand-computed instance, brute force, backends, the checker, shortfalls.

The hand instance (areas A, B, C; sites S0, S1; one-way minutes; sessions of 60 minutes so a
contact hour at ``t`` minutes costs ``1 + t/30`` staff hours; at most 45 minutes' drive)::

            need h   S0 (min, factor)   S1 (min, factor)
    A        100       0, 1.0            45, 2.5
    B         60      30, 2.0            15, 1.5
    C         40      60, beyond         0, 1.0      (rural)

Budget 4,000; each base 1,000 (building 600 + management 400); a post costs 1,000 and gives 100
hours, so 0.1 staff hours per pound. Staff hours available: 300 with one base, 200 with two.

* {S0}: A (100 staff h) and B (120) fit in 300: contact 160; C cannot be reached.
* {S1}: best ratio first: C (40 h), B (90 h), then A with the 170 h left: 68. Contact 168.
* {S0, S1}: A from S0 (100), C from S1 (40), B from S1 with the 60 h left: 40. Contact 180.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest

from solvers import GroupLimit, SolveOptions, Status, make_problem, solve
from solvers.check import evaluate
from solvers.formulations.outreach import (
    OutreachSpec,
    allocate_for_bases,
    budget_shortfall_gbp,
    coverage_bound,
    knapsack,
    measure,
    spare_upper_bound,
    value_upper_bound,
)
from solvers.outreach_check import check_allocation, verify_allocation
from solvers.registry import get_backend

COST = np.array([[0.0, 45.0], [30.0, 15.0], [60.0, 0.0]])


def hand_spec(**changes: object) -> OutreachSpec:
    spec = OutreachSpec(
        need_hours=np.array([100.0, 60.0, 40.0]), hour_weight=np.ones(3), rural=np.array([False, False, True]),
        building_cost_gbp=np.full(2, 600.0), management_cost_gbp=np.full(2, 400.0), budget_gbp=4000.0,
        cost_per_post_gbp=1000.0, productive_hours_per_post=100.0, session_minutes=60.0, max_drive_minutes=45.0,
    )
    return replace(spec, **changes)  # type: ignore[arg-type]


def hand_problem(*, p: int | None = None, exact: bool = False, **changes: object):  # type: ignore[no-untyped-def]
    return make_problem("outreach", [1.0, 1.0, 1.0], COST, p=p, extra=hand_spec(exact_bases=exact, **changes))


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize(("p", "exact", "bases", "contact"), [
    (1, True, (1,), 168.0),
    (2, True, (0, 1), 180.0),
    (None, False, (0, 1), 180.0),
])
def test_hand_instance(solver: str, p: int | None, exact: bool, bases: tuple[int, ...], contact: float) -> None:
    r = solve(hand_problem(p=p, exact=exact), solver=solver)
    assert r.status is Status.OPTIMAL and r.verified
    assert r.selected == bases
    assert r.objective == pytest.approx(contact)


def test_hand_allocation_and_budget_split() -> None:
    problem = hand_problem()
    fa = allocate_for_bases(problem, [0, 1])
    assert fa.allocation is not None and fa.objective == pytest.approx(180.0)
    x = {(int(a), int(j)): float(f) for a, j, f in zip(*fa.allocation, strict=True)}
    assert x == pytest.approx({(0, 0): 1.0, (1, 1): 40.0 / 60.0, (2, 1): 1.0})
    ms = measure(problem, [0, 1], fa.allocation)
    assert ms.contact_hours == pytest.approx(180.0)
    assert ms.staff_hours_available == pytest.approx(200.0) and ms.staff_hours_used == pytest.approx(200.0)
    assert ms.driving_hours == pytest.approx(40.0 * 0.5)  # B: 40 contact hours at factor 1.5
    assert ms.budget_gbp == pytest.approx({"frontline_delivery": 2000.0, "management_and_admin": 800.0,
                                           "buildings_and_infrastructure": 1200.0, "family_support_fund": 0.0,
                                           "contingency_and_reserves": 0.0})
    assert ms.frontline_share == pytest.approx(0.5)
    assert list(ms.base_contact_hours) == pytest.approx([100.0, 80.0])


def test_frontline_floor_limits_the_bases() -> None:
    # two bases leave 50% for the frontline: a 55% floor allows one base only
    r = solve(hand_problem(frontline_floor=0.55), solver="highs")
    assert r.selected == (1,) and r.objective == pytest.approx(168.0)


def test_rural_floor_changes_the_choice() -> None:
    # with one base, C (rural) is only reachable from S1; a rural floor of 1 forbids S0 alone
    r = solve(hand_problem(p=1, exact=True, rural_floor=1.0), solver="highs")
    assert r.selected == (1,)
    must_s0 = make_problem("outreach", [1, 1, 1], COST, p=1, must_open=[0],
                           extra=hand_spec(exact_bases=True, rural_floor=1.0))
    assert solve(must_s0, solver="highs").status is Status.INFEASIBLE
    assert budget_shortfall_gbp(must_s0) is None  # C is beyond the drive: money cannot help


def test_shortfall_of_the_frontline_floor() -> None:
    # two bases with a 55% floor: 2,000 + e >= 0.55 (4,000 + e)  =>  e = 200 / 0.45
    problem = hand_problem(p=2, exact=True, frontline_floor=0.55)
    assert solve(problem, solver="highs").status is Status.INFEASIBLE
    assert budget_shortfall_gbp(problem) == pytest.approx(200.0 / 0.45, rel=1e-6)


def test_shortfall_of_staff_hours() -> None:
    # serving every area in full from both bases takes 230 staff hours; two bases leave 200:
    # 0.1 e = 30 more hours  =>  e = 300
    problem = hand_problem(p=2, exact=True, area_group=np.zeros(3, dtype=np.int64), group_floor=np.array([1.0]))
    assert solve(problem, solver="highs").status is Status.INFEASIBLE
    assert budget_shortfall_gbp(problem) == pytest.approx(300.0, rel=1e-6)
    assert budget_shortfall_gbp(hand_problem(p=2, exact=True)) == pytest.approx(0.0, abs=1e-6)


def test_knapsack_matches_hand_values() -> None:
    z = knapsack(np.array([100.0, 60.0, 40.0]), np.array([250.0, 90.0, 40.0]), 300.0)
    assert z == pytest.approx([0.68, 1.0, 1.0])
    assert knapsack(np.array([1.0, 0.0]), np.array([0.0, 5.0]), 0.0) == pytest.approx([1.0, 0.0])


# --- random instances: brute force, backends, checker ------------------------------------------------


def random_problem(seed: int, *, n: int = 24, m: int = 7, floors: bool = True, exact: bool = True):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 60, size=(n, 2))
    sites = rng.uniform(0, 60, size=(m, 2))
    cost = np.linalg.norm(pts[:, None, :] - sites[None, :, :], axis=2)
    need = rng.uniform(5, 60, size=n) * (rng.uniform(size=n) > 0.1)
    groups = rng.integers(0, 3, size=n)
    spec = OutreachSpec(
        need_hours=need, hour_weight=rng.uniform(0.5, 2.0, size=n), rural=rng.uniform(size=n) < 0.4,
        area_group=groups.astype(np.int64), group_floor=np.array([0.3, 0.0, 0.2]) if floors else np.zeros(3),
        rural_floor=0.4 if floors else 0.0,
        building_cost_gbp=rng.uniform(500, 1500, size=m), management_cost_gbp=rng.uniform(200, 800, size=m),
        central_building_gbp=300.0, central_management_gbp=200.0, budget_gbp=9000.0, family_support_gbp=400.0,
        contingency_gbp=100.0, cost_per_post_gbp=1000.0, productive_hours_per_post=120.0, session_minutes=50.0,
        max_drive_minutes=35.0, frontline_floor=0.45, exact_bases=exact,
    )
    site_groups = (GroupLimit("west", tuple(range(0, m // 2)), 1, None),)
    return make_problem("outreach", rng.uniform(1, 5, size=n), cost, p=3, groups=site_groups, extra=spec)


def brute_force(problem) -> float:  # type: ignore[no-untyped-def]
    """The best objective over every set of sites the rules allow (allocation LP for each)."""
    best = -math.inf
    for k in range(1, problem.m + 1):
        for sel in itertools.combinations(range(problem.m), k):
            ev = evaluate(problem, sel)
            if ev.feasible:
                best = max(best, ev.objective)
    return best


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_instances_match_brute_force(seed: int) -> None:
    problem = random_problem(seed, exact=seed % 2 == 0)
    expected = brute_force(problem)
    r = solve(problem, solver="highs")
    if math.isinf(expected):
        assert r.status is Status.INFEASIBLE
        return
    assert r.status is Status.OPTIMAL and r.verified
    assert r.objective == pytest.approx(expected, rel=1e-6)


def _available(name: str) -> bool:
    try:
        return get_backend(name).available()
    except KeyError:
        return False


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_backends_agree_on_random_instances(seed: int) -> None:
    problem = random_problem(seed)
    # cbc is always there (bundled with PuLP); scip when OR-Tools has it
    names = ["highs", "cbc", *(["scip"] if _available("scip") else [])]
    results = {s: solve(problem, solver=s) for s in names}
    statuses = {s: r.status for s, r in results.items()}
    assert len(set(statuses.values())) == 1, statuses
    if results["highs"].status is Status.OPTIMAL:
        objs = {s: r.objective for s, r in results.items()}
        assert max(objs.values()) == pytest.approx(min(objs.values()), rel=1e-6), objs
        assert all(r.verified for r in results.values())


def test_objective_variants_agree_between_backends() -> None:
    base = random_problem(8, floors=False)
    spec = base.extra
    share = replace(base, extra=replace(spec, objective="share"))
    r_h, r_c = solve(share, solver="highs"), solve(share, solver="cbc")
    assert r_h.verified and 0 < r_h.objective <= 1
    assert r_h.objective == pytest.approx(r_c.objective, rel=1e-6)
    first = solve(base, solver="highs")
    spare = replace(base, extra=replace(spec, objective="spare", min_weighted_hours=first.objective * (1 - 1e-9)))
    s_h, s_c = solve(spare, solver="highs"), solve(spare, solver="cbc")
    assert s_h.verified and s_c.verified
    assert s_h.objective == pytest.approx(s_c.objective, rel=1e-6)
    assert s_h.objective <= spare_upper_bound(spare, first.objective * (1 - 1e-9)) + 1e-6


# --- the independent checker -------------------------------------------------------------------------


@pytest.fixture()
def solved_with_allocation():  # type: ignore[no-untyped-def]
    problem = hand_problem()
    r = solve(problem, solver="highs")
    fa = allocate_for_bases(problem, r.selected)
    assert fa.allocation is not None
    checked = verify_allocation(problem, r, fa.allocation)
    assert checked.status is Status.OPTIMAL and "allocation" in checked.details
    return problem, checked, fa.allocation


def test_checker_accepts_the_allocation(solved_with_allocation) -> None:  # type: ignore[no-untyped-def]
    problem, r, alloc = solved_with_allocation
    ev = check_allocation(problem, r.selected, alloc)
    assert ev.feasible and ev.objective == pytest.approx(180.0)
    assert list(ev.assignment) == [0, 1, 1]


@pytest.mark.parametrize(("corrupt", "reason"), [
    (lambda a, j, x: (a, j, np.where(a == 1, 0.8, x)), "staff hours"),          # more service than staff
    (lambda a, j, x: (a, j, np.where(a == 0, 1.5, x)), "fractions"),            # a fraction above 1
    (lambda a, j, x: (np.append(a, 0), np.append(j, 1), np.append(x, 0.5)), "times its need"),  # A served 1.5 times
    (lambda a, j, x: (a, np.where(a == 2, 0, j), x), "maximum drive"),          # C from S0: 60 minutes
])
def test_checker_catches_a_corrupted_allocation(solved_with_allocation, corrupt, reason: str) -> None:  # type: ignore[no-untyped-def]
    problem, r, alloc = solved_with_allocation
    bad = corrupt(*alloc)
    ev = check_allocation(problem, r.selected, bad)
    assert not ev.feasible and reason in ev.reason
    out = verify_allocation(problem, r, bad)
    assert out.status is Status.ERROR and not out.verified


def test_checker_catches_a_closed_base_and_a_wrong_objective(solved_with_allocation) -> None:  # type: ignore[no-untyped-def]
    problem, r, alloc = solved_with_allocation
    ev = check_allocation(problem, (1,), alloc)  # S0 closed, yet A is served from it
    assert not ev.feasible and "not a kept base" in ev.reason
    less = (alloc[0], alloc[1], alloc[2] * 0.5)  # feasible, but delivers less than the solver claims
    out = verify_allocation(problem, r, less)
    assert out.status is Status.ERROR and "objective" in out.message


def test_checker_recomputes_the_floors() -> None:
    problem = hand_problem(rural_floor=1.0)
    fa = allocate_for_bases(problem, [0, 1])
    assert fa.allocation is not None
    a, j, x = fa.allocation
    no_c = (a[a != 2], j[a != 2], x[a != 2])
    ev = check_allocation(problem, (0, 1), no_c)
    assert not ev.feasible and "rural need" in ev.reason
    floored = hand_problem(frontline_floor=0.6)
    ev2 = check_allocation(floored, (0, 1), fa.allocation)
    assert not ev2.feasible and "frontline" in ev2.reason


def test_time_limit_options_still_verify() -> None:
    r = solve(random_problem(9), solver="highs", options=SolveOptions(time_limit_s=30.0))
    assert r.verified and r.status in (Status.OPTIMAL, Status.INFEASIBLE, Status.TIME_LIMIT, Status.FEASIBLE)


def test_incumbent_with_a_poor_allocation_is_rescued() -> None:
    from siting.outreach import attach_allocation
    from solvers import ModelKind, Result

    # a time-limited incumbent {S0, S1} whose own allocation delivered 170 (the best for it is 180):
    # the checker recomputes 180 and flags the mismatch; the bases are kept with the better allocation
    problem = hand_problem()
    flagged = Result(model=ModelKind.OUTREACH, status=Status.ERROR, selected=(0, 1), objective=170.0, bound=200.0,
                     message="independent check: objective 180 != solver's 170")
    out, alloc = attach_allocation(problem, flagged)
    assert out.status is Status.FEASIBLE and out.verified and alloc is not None
    assert out.objective == pytest.approx(180.0) and out.gap == pytest.approx(20.0 / 180.0)
    assert "allocation" in out.details
    # a bound below what the bases deliver is not trusted: the error stays
    wrong = flagged.with_(bound=175.0)
    assert attach_allocation(problem, wrong)[0].status is Status.ERROR


# --- the knapsack bound and the outreach heuristic ----------------------------------------------------


@pytest.mark.parametrize(("p", "bound"), [(1, 200.0), (2, 180.0)])
def test_value_upper_bound_by_hand(p: int, bound: float) -> None:
    """Nearest drives: A 0 min (factor 1), B 15 (1.5), C 0 (1). With one base 300 staff hours serve
    A (100), C (40) and all of B (90): 200. With two, 200 hours: A, C, then B 60/90 of 60 = 40: 180."""
    assert value_upper_bound(hand_problem(p=p, exact=True)) == pytest.approx(bound)


def test_heuristic_is_proven_optimal_only_when_it_meets_its_bound() -> None:
    no_lp = SolveOptions(extra={"heuristic_bound": False})
    two = solve(hand_problem(p=2, exact=True), solver="heuristic", options=no_lp)
    assert two.status is Status.OPTIMAL and two.verified and two.objective == pytest.approx(180.0)
    assert two.details["bound_source"] == "heuristic's relaxation"
    assert two.message == "the heuristic's relaxation bound proves the heuristic solution optimal"
    one = solve(hand_problem(p=1, exact=True), solver="heuristic", options=no_lp)
    assert one.status is Status.FEASIBLE and one.objective == pytest.approx(168.0) and one.bound == pytest.approx(200.0)
    auto = solve(hand_problem(p=2, exact=True))
    assert auto.status is Status.OPTIMAL and auto.selected == (0, 1)
    assert str(auto.details["auto"]["returned"]).startswith("heuristic solution")  # type: ignore[index]
    too_many = solve(hand_problem(p=2, exact=True, frontline_floor=0.6), solver="heuristic", options=no_lp)
    # 0.4 x 4,000 = 1,600 GBP may go on bases; two cost 2,000
    assert too_many.status is Status.INFEASIBLE
    assert too_many.message == ("2 bases cost at least 2,000 GBP a year: more than the 1,600 GBP the 60% frontline "
                                "floor leaves for bases")


@pytest.mark.parametrize("seed", range(1, 9))
def test_bound_and_heuristic_bracket_brute_force(seed: int) -> None:
    problem = random_problem(seed, exact=seed % 2 == 0, floors=seed % 3 != 0)
    expected = brute_force(problem)
    r = solve(problem, solver="heuristic", options=SolveOptions(extra={"heuristic_bound": False}))
    if math.isinf(expected):
        assert r.status is not Status.OPTIMAL
        return
    assert value_upper_bound(problem) >= expected - 1e-6
    if r.has_solution:
        assert r.verified and r.objective <= expected + 1e-6
    if r.status is Status.OPTIMAL:
        assert r.objective == pytest.approx(expected, rel=1e-9)


def _with_bases(problem, p: int, **spec_changes: object):  # type: ignore[no-untyped-def]
    return replace(problem, p=p, extra=replace(problem.extra, **spec_changes))


@pytest.mark.parametrize("seed", range(1, 9))
@pytest.mark.parametrize("p", [1, 2, 4])
def test_coverage_bound_holds_and_proves_only_the_optimum(seed: int, p: int) -> None:
    """The covering relaxation bounds every plan (brute force); when the heuristic claims a proof, it is the optimum.

    Half the instances have a budget so large that staff hours never bind: there the covering plan is optimal and
    the covering bound proves it (the knapsack bound, the whole coverable need, cannot for small ``p``).
    """
    ample = seed % 2 == 1
    base = random_problem(seed, exact=seed % 4 < 2, floors=seed % 3 == 0)
    problem = _with_bases(base, p, **({"budget_gbp": 1e7} if ample else {}))
    expected = brute_force(problem)
    cover = coverage_bound(problem)
    r = solve(problem, solver="heuristic", options=SolveOptions(extra={"heuristic_bound": False}))
    if math.isinf(expected):
        assert r.status is not Status.OPTIMAL
        return
    assert cover is not None and cover.proven
    assert cover.bound >= expected - 1e-9 * max(1.0, expected)
    if r.has_solution:  # (greedy bases may break the frontline floor: a heuristic may find nothing)
        assert r.verified and r.objective <= expected + 1e-6
        assert r.bound >= expected - 1e-9 * max(1.0, expected)
    if r.status is Status.OPTIMAL:
        assert r.objective == pytest.approx(expected, rel=1e-9)
    if ample and problem.extra.rural_floor == 0:
        # nothing binds but the sites: the covering plan is optimal and proven so without a MIP
        assert r.status is Status.OPTIMAL and r.objective == pytest.approx(cover.bound, rel=1e-6)
        if cover.bound < value_upper_bound(problem) * (1 - 1e-6):
            assert r.message.startswith("the heuristic's relaxation bound proves")
    auto = solve(problem)
    assert auto.status is Status.OPTIMAL and auto.objective == pytest.approx(expected, rel=1e-6)


def test_coverage_bound_does_not_apply_where_it_would_not_bound() -> None:
    """Spare hours, access, no count, or an at-most count with a group maximum: no covering bound."""
    problem = random_problem(1, exact=False, floors=False)
    assert coverage_bound(problem) is not None
    assert coverage_bound(replace(problem, extra=replace(problem.extra, objective="spare"))) is None
    assert coverage_bound(replace(problem, p=None)) is None
    capped = (GroupLimit("west", tuple(range(3)), 0, 1),)
    assert coverage_bound(replace(problem, groups=capped)) is None
    exact = replace(problem, groups=capped, extra=replace(problem.extra, exact_bases=True))
    assert coverage_bound(exact) is not None


def test_more_bases_than_sites_is_worded_before_any_solver() -> None:
    r = solve(hand_problem(p=3, exact=True))
    assert r.status is Status.INFEASIBLE and r.message == "3 bases are required but only 2 sites may be bases"


def test_greedy_start_reuses_additions_across_counts(norfolk_case) -> None:  # type: ignore[no-untyped-def]
    """A sweep over the number of bases reuses the greedy additions: the same bases as a fresh greedy, in any order,
    and a change in the data is not mistaken for the same problem."""
    import solvers.formulations.outreach_bounds as ob
    from siting.outreach import OutreachParams
    from siting.outreach_params import make_spec
    from siting.problems import build_problem

    case, matrix = norfolk_case
    spec = make_spec(case, OutreachParams(), exact_bases=True)
    problems = {p: build_problem(case, matrix, model="outreach", bases=p, extra=spec) for p in range(1, 7)}
    fresh = {}
    for p, problem in problems.items():
        ob._GREEDY_ADDED.clear()
        fresh[p] = ob.greedy_start(problem, p)
    ob._GREEDY_ADDED.clear()
    assert {p: ob.greedy_start(problems[p], p) for p in (6, 2, 5, 1, 4, 3)} == fresh
    assert len(ob._GREEDY_ADDED) == 1
    cheaper = build_problem(case, matrix, model="outreach", bases=3,
                            extra=replace(spec, budget_gbp=spec.budget_gbp * 0.5))
    ob.greedy_start(cheaper, 3)
    assert len(ob._GREEDY_ADDED) == 2  # another budget: another entry
