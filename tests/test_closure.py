"""Closure values and incremental changes (:mod:`siting.closure`, :mod:`siting.change`).

Every value is checked against an independent computation: brute force over all subsets on small random
cases, a second backend, and the Norwich example recomputed from the raw travel matrix.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siting.change import best_change
from siting.closure import (
    ClosureCache,
    Measure,
    SiteGroup,
    analyse,
    findings,
    no_loss_group,
    significant,
    site_groups,
)
from siting.domain import Case, DemandAreas, Sites, TravelMatrix
from siting.errors import InputError
from siting.problems import SiteRules
from siting.replacement import MAX_SETS
from solvers import ModelKind

RADIUS = 10.0


def tiny_case(minutes: np.ndarray, weights: Sequence[float], districts: Sequence[str]) -> tuple[Case, TravelMatrix]:
    n, m = minutes.shape
    demand = pd.DataFrame({
        "id": [f"A{i}" for i in range(n)], "name": [f"area {i}" for i in range(n)], "lon": 0.0, "lat": 52.0,
        "x_m": 0.0, "y_m": 0.0, "district": "D0", "ruc": "urban", "rural": False,
        "children_0_4": list(weights), "idaci": 0.1, "weight": list(weights),
    })
    sites = pd.DataFrame({
        "id": [f"S{j}" for j in range(m)], "name": [f"Town{j % 2} site {j}" for j in range(m)], "lon": 0.0,
        "lat": 52.0, "x_m": 0.0, "y_m": 0.0, "district": list(districts), "kind": "building",
        "suitable_base": True, "running_cost_gbp": math.nan,
    })
    case = Case("tiny", DemandAreas(demand), Sites(sites))
    ids = tuple(sites["id"])
    return case, TravelMatrix(minutes.astype(np.float32), tuple(demand["id"]), ids)


# --- an independent brute force over the raw matrix ------------------------------------------------------

def value(matrix: TravelMatrix, weights: np.ndarray, ids: Iterable[str], model: ModelKind) -> float:
    """Need within RADIUS (MCLP) or need-weighted mean minutes (p-median) of ``ids``, from the raw matrix."""
    cols = [matrix.site_ids.index(s) for s in ids]
    best = np.asarray(matrix.minutes, dtype=np.float64)[:, cols].min(axis=1)
    if model is ModelKind.MCLP:
        return float(weights[best <= RADIUS].sum())
    return float((weights * best).sum() / weights.sum())


def brute(matrix: TravelMatrix, weights: np.ndarray, model: ModelKind, count: int,
          allowed: Callable[[frozenset[str]], bool]) -> float:
    """Best value over every set of ``count`` sites that ``allowed`` accepts (NaN if none)."""
    best = math.nan
    for combo in itertools.combinations(matrix.site_ids, count):
        if not allowed(frozenset(combo)):
            continue
        v = value(matrix, weights, combo, model)
        if math.isnan(best) or (v > best if model is ModelKind.MCLP else v < best):
            best = v
    return best


def loss(model: ModelKind, before: float, after: float) -> float:
    return before - after if model is ModelKind.MCLP else after - before


@st.composite
def instances(draw: st.DrawFn) -> tuple[np.ndarray, list[float], list[str], list[str], ModelKind, int]:
    n = draw(st.integers(3, 7))
    m = draw(st.integers(3, 6))
    minutes = np.array(draw(st.lists(st.lists(st.integers(0, 20), min_size=m, max_size=m), min_size=n,
                                     max_size=n)), dtype=np.float64)
    weights = draw(st.lists(st.integers(0, 9).map(float), min_size=n, max_size=n))
    if sum(weights) == 0:
        weights[0] = 1.0
    districts = draw(st.lists(st.sampled_from(["D1", "D2"]), min_size=m, max_size=m))
    p = draw(st.integers(2, m - 1))
    plan = draw(st.lists(st.sampled_from([f"S{j}" for j in range(m)]), min_size=p, max_size=p, unique=True))
    model = draw(st.sampled_from([ModelKind.MCLP, ModelKind.PMEDIAN]))
    min_d = draw(st.sampled_from([0, 0, 1]))
    return minutes, weights, districts, plan, model, min_d


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.data())
def test_closure_values_match_brute_force(inst, data) -> None:  # type: ignore[no-untyped-def]
    minutes, weights, districts, plan, model, min_d = inst
    case, matrix = tiny_case(minutes, weights, districts)
    w = np.asarray(weights)
    district = dict(zip(case.sites.ids, districts, strict=True))
    group = tuple(data.draw(st.lists(st.sampled_from(plan), min_size=1, max_size=len(plan) - 1, unique=True)))
    groups = [SiteGroup("base", b, (b,)) for b in plan] + [SiteGroup("town", "g", group)]
    rules = SiteRules(min_per_district=min_d)
    measure = Measure(model=model, minutes=RADIUS)
    # the best replacements by enumeration (the default) or all by the solver; a cache shared with another plan
    max_enumerated = data.draw(st.sampled_from([0, MAX_SETS]))
    cache = ClosureCache()
    if data.draw(st.booleans()):
        other = [s for s in case.sites.ids if s not in plan][:1] + plan[1:]
        analyse(case, matrix, other, [SiteGroup("base", b, (b,)) for b in other], measure=measure, rules=rules,
                cache=cache, max_enumerated=max_enumerated)
    closures = analyse(case, matrix, plan, groups, measure=measure, rules=rules, cache=cache,
                       max_enumerated=max_enumerated)
    p = len(plan)

    def rule_ok(s: frozenset[str]) -> bool:
        return all(sum(district[b] == d for b in s) >= min_d for d in set(districts))

    whole = value(matrix, w, plan, model)
    for c in closures:
        shut = set(c.closed)
        rest = frozenset(plan) - shut
        assert c.loss(c.alone) == pytest.approx(loss(model, whole, value(matrix, w, rest, model)))
        def avoids(s: frozenset[str], shut: set[str] = shut) -> bool:
            return not s & shut and rule_ok(s)

        expected = {
            "replaced": brute(matrix, w, model, p, lambda s, rest=rest: s >= rest and avoids(s)),
            "reoptimised": brute(matrix, w, model, p, avoids),
            "fewer": brute(matrix, w, model, p - len(shut), avoids) if p - len(shut) >= 1 else None,
        }
        for name, want in expected.items():
            got = getattr(c, name)
            if want is None:
                assert got is None
            elif math.isnan(want):
                assert got.status == "infeasible", (name, got)
            else:
                assert got.status == "optimal", (name, got)
                assert c.loss(got) == pytest.approx(loss(model, whole, want), abs=1e-6), name
    # re-optimising never does worse than closing alone, whenever closing alone obeys the rules
    for c in closures:
        if rule_ok(frozenset(plan) - set(c.closed)) and c.fewer is not None:
            assert c.loss(c.fewer) <= c.loss(c.alone) + 1e-9


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.data())
def test_best_change_matches_brute_force(inst, data) -> None:  # type: ignore[no-untyped-def]
    minutes, weights, districts, plan, model, _ = inst
    case, matrix = tiny_case(minutes, weights, districts)
    w = np.asarray(weights)
    district = dict(zip(case.sites.ids, districts, strict=True))
    measure = Measure(model=model, minutes=RADIUS)
    P = frozenset(plan)
    action = data.draw(st.sampled_from(["close", "add"]))
    within = data.draw(st.sampled_from([None, "D1"]))
    in_d = {s for s in case.sites.ids if within is None or district[s] == within}
    refused = "" if within is None or within in districts else rf"^--district: unknown district '{within}'"
    if action == "close":
        closable = P & in_d
        k = data.draw(st.integers(1, max(1, min(len(closable), len(plan) - 1))))
        if k > len(closable) or k >= len(plan):  # nothing may close there: refused, not a silent no-op
            with pytest.raises(InputError, match=refused or rf"^--close: cannot close {k} of the plan's {len(plan)} "):
                best_change(case, matrix, plan=plan, measure=measure, close=k, district=within)
            return
        ch = best_change(case, matrix, plan=plan, measure=measure, close=k, district=within)
        want = brute(matrix, w, model, len(plan) - k, lambda s: s <= P and (P - closable) <= s)
        assert set(ch.closed) <= closable and len(ch.closed) == k and not ch.added
    else:
        addable = in_d - P
        if not addable:
            with pytest.raises(InputError, match=refused or r"^--add: cannot add 1 bases: 0 suitable sites"):
                best_change(case, matrix, plan=plan, measure=measure, add=1, district=within)
            return
        k = data.draw(st.integers(1, len(addable)))
        ch = best_change(case, matrix, plan=plan, measure=measure, add=k, district=within)
        want = brute(matrix, w, model, len(plan) + k, lambda s: s >= P and s - P <= addable)
        assert set(ch.added) <= addable and len(ch.added) == k and not ch.closed
    assert ch.after.status == "optimal"
    assert measure.score(ch.after) == pytest.approx(want, abs=1e-6)
    assert value(matrix, w, ch.after.bases, model) == pytest.approx(want, abs=1e-6)


def test_significance_rule_by_hand() -> None:
    # one area of weight 5 at 9 min from S0 and 11 min from S1: S1 instead of S0 covers it only at r + e
    minutes = np.array([[9.0, 11.0], [30.0, 30.0]])
    case, matrix = tiny_case(minutes, [5.0, 1.0], ["D1", "D1"])
    mclp = Measure(model=ModelKind.MCLP, minutes=10.0, error_minutes=2.8)
    assert not significant(case, matrix, ["S0"], ["S1"], measure=mclp)  # -5 at r, 0 at r + 2.8
    far = np.array([[5.0, 30.0], [30.0, 30.0]])
    case2, matrix2 = tiny_case(far, [5.0, 1.0], ["D1", "D1"])
    assert significant(case2, matrix2, ["S0"], ["S1"], measure=mclp)  # -5 at 7.2, 10 and 12.8 min
    pmed = Measure(model=ModelKind.PMEDIAN, minutes=10.0, error_minutes=2.8)
    assert not significant(case, matrix, ["S0"], ["S1"], measure=pmed)  # mean 12.5 -> 14.2: +1.7 min
    assert significant(case2, matrix2, ["S0"], ["S1"], measure=pmed)  # mean 9.2 -> 30: +20.8 min


@pytest.mark.parametrize(("kw", "field"), [
    ({"minutes": 0.0}, "--minutes"), ({"minutes": math.inf}, "--minutes"), ({"minutes": math.nan}, "--minutes"),
    ({"error_minutes": -1.0}, "error_minutes"), ({"error_minutes": math.nan}, "error_minutes"),
    ({"model": ModelKind.PCENTER}, "--model"),
])
def test_measure_refuses_meaningless_settings(kw: dict[str, object], field: str) -> None:
    with pytest.raises(InputError, match=f"^{field}: "):
        Measure(**kw)  # type: ignore[arg-type]


def test_unknown_solver_is_refused_before_any_solve() -> None:
    case, matrix = tiny_case(np.array([[1.0, 30.0], [30.0, 1.0]]), [1.0, 1.0], ["D1", "D1"])
    measure = Measure(model=ModelKind.MCLP, minutes=RADIUS)
    with pytest.raises(InputError, match=r"^--solver: unknown solver 'nosuch'"):
        analyse(case, matrix, ["S0"], [SiteGroup("base", "S0", ("S0",))], measure=measure, solver="nosuch")
    with pytest.raises(InputError, match=r"^--solver: unknown solver 'nosuch'"):
        best_change(case, matrix, plan=["S0"], measure=measure, add=1, solver="nosuch")


def test_groups_by_district_and_town() -> None:
    minutes = np.zeros((2, 4))
    case, _ = tiny_case(minutes, [1.0, 1.0], ["D1", "D1", "D2", "D2"])
    # names Town0 site 0, Town1 site 1, Town0 site 2, Town1 site 3
    groups = site_groups(case, ["S0", "S1", "S2"])
    assert [(g.scope, g.name, g.site_ids) for g in groups] == [
        ("base", "S0", ("S0",)), ("base", "S1", ("S1",)), ("base", "S2", ("S2",)),
        ("district", "D1", ("S0", "S1")), ("town", "Town0", ("S0", "S2")),
    ]
    # an explicit town table wins over the name prefix; a town equal to a district is not repeated
    towns = {"S0": "X", "S1": "X", "S2": "Y"}
    assert [g.scope for g in site_groups(case, ["S0", "S1", "S2"], towns=towns)] == ["base"] * 3 + ["district"]


# --- Norfolk ---------------------------------------------------------------------------------------------

NORWICH = ("NW01", "NW02", "NW03")


def test_norwich_together_versus_one_at_a_time(norfolk_case) -> None:  # type: ignore[no-untyped-def]
    """The issue's example, recomputed from the raw matrix: 1,211 together, 98 / 248 / 0 alone."""
    case, matrix = norfolk_case
    plan = case.plans["council_2019"].site_ids
    assert set(NORWICH) <= set(plan)
    w = case.demand.weight
    t = np.asarray(matrix.minutes, dtype=np.float64)
    cols = {s: k for k, s in enumerate(matrix.site_ids)}

    def covered(ids: Iterable[str]) -> float:
        return float(w[t[:, [cols[s] for s in ids]].min(axis=1) <= 20.0].sum())

    full = covered(plan)
    raw_alone = {b: full - covered([s for s in plan if s != b]) for b in NORWICH}
    raw_together = full - covered([s for s in plan if s not in NORWICH])
    assert raw_alone == {"NW01": 98.0, "NW02": 248.0, "NW03": 0.0}
    assert raw_together == 1211.0

    measure = Measure(model=ModelKind.MCLP, minutes=20.0)
    groups = [SiteGroup("base", b, (b,)) for b in NORWICH] + [SiteGroup("district", "Norwich", NORWICH)]
    closures = analyse(case, matrix, plan, groups, measure=measure, plan_name="council_2019")
    by = {c.group.name: c for c in closures}
    assert {b: by[b].loss(by[b].alone) for b in NORWICH} == raw_alone
    assert by["Norwich"].loss(by["Norwich"].alone) == raw_together
    assert by["Norwich"].significant_alone
    # the re-optimised values are proven and agree with the raw matrix
    for c in closures:
        for v in (c.replaced, c.reoptimised, c.fewer):
            assert v is not None and v.status == "optimal"
            assert v.need_covered == covered(v.bases)
            assert not set(v.bases) & set(c.closed)
        assert set(plan) - set(c.closed) <= set(c.replaced.bases)
        assert len(c.fewer.bases) == len(plan) - len(c.closed)  # type: ignore[union-attr]
    lines = findings(closures)
    assert lines[0] == ("council_2019: closing Norwich's 3 bases together loses 1,211 need within 20 min; "
                        "closed alone (others fixed), each loses at most 248.")


def test_two_backends_agree_on_norfolk_closures(norfolk_case) -> None:  # type: ignore[no-untyped-def]
    case, matrix = norfolk_case
    plan = case.plans["council_2019"].site_ids
    groups = [SiteGroup("base", "KL02", ("KL02",)), SiteGroup("district", "Norwich", NORWICH)]
    for model in (ModelKind.MCLP, ModelKind.PMEDIAN):
        measure = Measure(model=model, minutes=20.0)
        a = analyse(case, matrix, plan, groups, measure=measure, solver="auto")
        b = analyse(case, matrix, plan, groups, measure=measure, solver="highs")
        for x, y in zip(a, b, strict=True):
            for name in ("replaced", "reoptimised", "fewer"):
                vx, vy = getattr(x, name), getattr(y, name)
                assert vx.status == vy.status == "optimal"
                assert x.loss(vx) == pytest.approx(y.loss(vy), rel=1e-9, abs=1e-9), (model, x.group.name, name)


def test_shortcuts_give_the_values_of_one_solve_per_question(norfolk_case) -> None:  # type: ignore[no-untyped-def]
    """The README solve's closures (council rules, both plans): enumerated replacements, one cache shared by both
    plans and seeded with the optimum, bound-proven re-optimisations and counts the rules rule out give the same
    values and statuses as solving every question on its own, with far fewer solves."""
    from scenarios import norfolk
    from scenarios.closure_run import analyse_plans

    case, matrix = norfolk_case
    rules = norfolk.rules("council", case)
    optimum = ("BR01", "BR02", "BL01", "BL02", "GY01", "GY03", "KL01", "KL07", "NN01", "NN02", "NW01", "NW02",
               "NW03", "SN01", "SN02")
    plans = [("optimum", optimum), ("council_2019", case.plans["council_2019"].site_ids)]
    kw = {"model": ModelKind.MCLP, "minutes": 20.0, "rules": rules, "progress": False}
    fast = ClosureCache()
    tables = [analyse_plans(case, matrix, [plan], cache=fast, **kw).table for plan in plans]  # type: ignore[arg-type]
    slow = []
    for name, bases in plans:
        groups = [SiteGroup("base", b, (b,)) for b in bases]
        slow += analyse(case, matrix, bases, groups, measure=Measure(model=ModelKind.MCLP, minutes=20.0,
                                                                       error_minutes=norfolk.error_minutes()),
                        rules=rules, plan_name=name, max_enumerated=0)
    fast_rows = pd.concat(tables).set_index(["plan", "group"])
    assert fast.solves <= 12 and fast.reused >= 5  # 10 and 9 when written (137 solver calls before)
    for c in slow:
        row = fast_rows.loc[(c.plan_name, c.group.name)]
        for name, column in (("replaced", "best_replacement_others_fixed"), ("reoptimised", "reoptimised_same_count"),
                             ("fewer", "reoptimised_fewer_bases")):
            v = getattr(c, name)
            assert row[f"status_{'replacement' if name == 'replaced' else name}"] == v.status, (c.group.name, name)
            want = c.loss(v)
            got = row[f"need_lost_{column}"]
            assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want, abs=1e-9), (c.group.name, name)
    # the values the README shows (council rules, 20 minutes): re-optimising without KL02 gains 278
    assert fast_rows.loc[("council_2019", "KL02"), "need_lost_reoptimised_same_count"] == -278.0
    assert fast_rows.loc[("optimum", "KL07"), "need_lost_reoptimised_same_count"] == 12.0


def test_no_loss_bases_together(norfolk_case) -> None:  # type: ignore[no-untyped-def]
    case, matrix = norfolk_case
    plan = case.plans["council_2019"].site_ids
    measure = Measure(model=ModelKind.MCLP, minutes=20.0)
    g = no_loss_group(case, matrix, plan, measure=measure)
    assert g is not None and set(g.site_ids) == {"GY02", "NW03"}
    [c] = analyse(case, matrix, plan, [g], measure=measure)
    assert c.loss(c.alone) == 0.0  # these two do not overlap: each alone and both together lose nothing


def test_values_stopped_short_or_infeasible_are_flagged() -> None:
    from siting.closure import Closure, PlanValue, closure_table

    measure = Measure(model=ModelKind.MCLP, minutes=20.0)
    plan = PlanValue(bases=("S0", "S1"), need_covered=10.0, mean_minutes=5.0)
    alone = PlanValue(bases=("S1",), need_covered=4.0, mean_minutes=9.0)
    short = PlanValue(bases=("S1", "S2"), need_covered=9.0, mean_minutes=6.0, status="time_limit", bound=9.5)
    none = PlanValue(bases=(), status="infeasible", message="group minimum")
    c = Closure(plan_name="p", group=SiteGroup("base", "S0", ("S0",)), measure=measure, plan=plan, alone=alone,
                replaced=short, reoptimised=short, fewer=none)
    assert not c.exact and c.loss(short) == 1.0 and math.isnan(c.loss(none))
    row = closure_table([c]).iloc[0]
    assert not row["exact"] and row["status_reoptimised"] == "time_limit" and row["status_fewer"] == "infeasible"
    lines = findings([c])
    assert any("2 re-optimised closure values are not proven optimal" in line for line in lines)
    assert any("1 re-optimised closure values have no plan obeying the site rules" in line for line in lines)
