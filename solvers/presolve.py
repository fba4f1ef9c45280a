"""Readable reasons why a problem has no solution.

:func:`presolve_infeasibility` runs before any solver: quick, vectorised, incomplete checks of the
side constraints (p, must-open, must-close, group limits), reachability (models that serve all
demand) and the model's own check named by its definition (:mod:`solvers.models`: capacity,
covering within a cap, the outreach budget). When a solver later proves infeasibility that these
checks missed, :func:`infeasible_reason` words it as the model's definition says.
"""

from __future__ import annotations

import numpy as np

from solvers.models import CountRule, ModelKind, definition
from solvers.problem import Problem


def presolve_infeasibility(problem: Problem) -> str:
    """A readable reason why the problem cannot be solved, or '' (a quick, incomplete check)."""
    return _site_rules(problem) or _reachability(problem) or definition(problem.kind).presolve_reason(problem)


def infeasible_reason(problem: Problem) -> str:
    """Words for a solver's proof of infeasibility, specific to the model."""
    return definition(problem.kind).infeasible_reason(problem)


def outreach_budget(problem: Problem) -> str:
    """Outreach: the cheapest bases the count requires already break the frontline floor."""
    if problem.kind is not ModelKind.OUTREACH:
        return ""
    from solvers.formulations.outreach import cheapest_overhead_gbp, required_bases, spec_of

    spec = spec_of(problem)
    count = required_bases(problem)
    cheapest = cheapest_overhead_gbp(problem, count)
    if cheapest == float("inf"):
        able = len(problem.must_open | {int(j) for j in np.flatnonzero(problem.open_allowed())})
        return f"{count} bases are required but only {able} sites may be bases"
    if cheapest > spec.overhead_allowance_gbp * (1 + 1e-12) + 1e-9:
        allowance = spec.overhead_allowance_gbp
        return (f"{count} bases cost at least {cheapest:,.0f} GBP a year: more than the {allowance:,.0f} GBP the "
                f"{spec.frontline_floor:.0%} frontline floor leaves for bases")
    return ""


def _site_rules(problem: Problem) -> str:
    if problem.must_open & problem.must_close:
        both = sorted(problem.must_open & problem.must_close)
        return f"sites {both[:5]} are both must-open and must-close"
    allowed = problem.open_allowed()
    n_allowed = int(allowed.sum())
    p_is_cap = definition(problem.kind).count is not CountRule.EXACT
    if problem.p is not None:
        if len(problem.must_open) > problem.p:
            return f"{len(problem.must_open)} must-open sites but only p = {problem.p} bases"
        if not p_is_cap and problem.p > n_allowed:
            return f"p = {problem.p} but only {n_allowed} sites may be opened"
    need = 0
    in_group = np.zeros(problem.m, dtype=bool)
    most = 0  # an upper bound on how many sites the group maximums let open
    for g in problem.groups:
        members = np.unique(np.asarray(g.members, dtype=np.int64))
        can = int(allowed[members].sum())
        forced = len(set(g.members) & problem.must_open)
        if g.max_open is not None and g.min_open > g.max_open:
            return f"group {g.name!r} has minimum {g.min_open} above maximum {g.max_open}"
        if g.min_open > can:
            return f"group {g.name!r} needs at least {g.min_open} open sites but only {can} may open"
        if g.max_open is not None and forced > g.max_open:
            return f"group {g.name!r} allows at most {g.max_open} open sites but {forced} are must-open"
        if problem.p is not None and g.min_open > problem.p:
            return f"group {g.name!r} needs at least {g.min_open} open sites but p = {problem.p}"
        need += g.min_open
        in_group[members] = True
        most += can if g.max_open is None else min(can, g.max_open)
    if problem.p is not None and problem.groups:
        all_members = [j for g in problem.groups for j in g.members]
        if len(all_members) == len(set(all_members)) and need > problem.p:
            # disjoint groups: their minimums add up
            return f"group minimums add up to {need} open sites but p = {problem.p}"
        most += int((allowed & ~in_group).sum())
        if not p_is_cap and most < problem.p:
            return (f"the group maximums let at most {most} sites open (with the sites outside any group) "
                    f"but p = {problem.p}")
    return ""


def _reachability(problem: Problem) -> str:
    if not definition(problem.kind).serves_all_demand:
        return ""
    reach = np.isfinite(np.asarray(problem.cost)[:, problem.open_allowed()]).any(axis=1)
    lost = np.flatnonzero((problem.weights > 0) & ~reach)
    if lost.size:
        return (f"{lost.size} demand points with positive weight cannot reach any site that may open "
                f"(e.g. demand points {lost[:5].tolist()})")
    return ""


def capacity_shortfall(problem: Problem) -> str:
    """Capacitated p-median: the p largest capacities, or the largest reachable one, are too small."""
    if problem.kind is not ModelKind.CPMEDIAN or problem.capacity is None or problem.p is None:
        return ""
    return _shortfall(problem, count=problem.p, which=f"the {problem.p} largest sites", single_source=True)


def facility_capacity_shortfall(problem: Problem) -> str:
    """CFLP: all the sites that may open (or the p largest) hold less than the demand; single-sourced, a
    demand point outweighs every site that can serve it."""
    if problem.capacity is None:
        return ""
    if problem.p is None:
        return _shortfall(problem, count=int(problem.open_allowed().sum()), which="all the sites",
                          single_source=problem.single_source)
    return _shortfall(problem, count=problem.p, which=f"the {problem.p} largest sites",
                      single_source=problem.single_source)


def _shortfall(problem: Problem, *, count: int, which: str, single_source: bool) -> str:
    """The ``count`` largest capacities that may open (with the must-open ones) hold less than the demand; or,
    with ``single_source``, a demand point outweighs the capacity of every site that can serve it."""
    assert problem.capacity is not None
    cap = np.asarray(problem.capacity, dtype=np.float64)
    w = problem.weights
    allowed = problem.open_allowed()
    forced = np.zeros(problem.m, dtype=bool)
    forced[list(problem.must_open)] = True
    others = np.sort(cap[allowed & ~forced])[::-1]
    best = float(cap[forced].sum() + others[: max(0, count - int(forced.sum()))].sum())
    total = float(w.sum())
    if best < total * (1 - 1e-12):
        return (f"capacity shortfall: {which} that may open (with the must-open ones) "
                f"hold {best:.6g} but the total demand is {total:.6g}")
    if not single_source:
        return ""
    reach = np.isfinite(np.asarray(problem.cost, dtype=np.float64)) & allowed[None, :]
    biggest = np.where(reach, cap[None, :], -np.inf).max(axis=1, initial=-np.inf)
    too_big = np.flatnonzero((w > 0) & (w > biggest))
    if too_big.size:
        i = int(too_big[0])
        return (f"{too_big.size} demand points weigh more than the capacity of every site that can serve "
                f"them (e.g. demand point {i}: weight {w[i]:.6g}, largest reachable capacity {biggest[i]:.6g})")
    return ""


def cover_within_cap(problem: Problem) -> str:
    """LSCP with a cap p: a packing of demand points with disjoint covering sets needs too many sites."""
    if problem.kind is not ModelKind.LSCP or problem.p is None or problem.radius is None:
        return ""
    allowed = problem.open_allowed()
    cover = (np.asarray(problem.cost) <= problem.radius) & allowed[None, :]
    need = (problem.weights > 0) & cover.any(axis=1)
    mo = np.zeros(problem.m, dtype=bool)
    mo[list(problem.must_open)] = True
    need &= ~cover[:, mo].any(axis=1)
    rows = np.flatnonzero(need)
    sub = cover[rows][:, ~mo]
    degree = sub.sum(axis=1)
    used = np.zeros(sub.shape[1], dtype=bool)
    packed = 0
    for r in np.argsort(degree, kind="stable"):  # loop over demand points, not pairs
        row = sub[r]
        if not used[row].any():
            used |= row
            packed += 1
    lower = len(problem.must_open) + packed
    if lower > problem.p:
        return (f"covering every coverable demand point needs at least {lower} sites "
                f"({len(problem.must_open)} must-open, {packed} more for demand points no two of which "
                f"share a covering site) but p = {problem.p}")
    return ""
