"""Brute-force reference optima for the CFLP and BCLP, from the model definitions only.

Imports nothing from ``solvers`` but the Problem it reads. Split-sourced CFLP is enumerated over
integer unit splits: with integer weights and capacities the transportation problem of an open
set has an integral optimum (its constraint matrix is totally unimodular), so enumerating how many
units of each demand point each open site serves finds the LP optimum without an LP solver.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import numpy as np
from hypothesis import strategies as st

from solvers import GroupLimit, Problem, make_problem


def _rules_ok(problem: Problem, chosen: set[int]) -> bool:
    if not problem.must_open <= chosen or problem.must_close & chosen:
        return False
    return all(g.min_open <= len(chosen & set(g.members)) <= (g.max_open if g.max_open is not None else problem.m)
               for g in problem.groups)


def open_sets(problem: Problem) -> Iterator[tuple[int, ...]]:
    """Every open set the site rules allow (CFLP: any size up to p; BCLP: exactly p)."""
    if problem.kind.value == "bclp":
        assert problem.p is not None
        sizes: range = range(problem.p, problem.p + 1)
    else:
        sizes = range(0, (problem.m if problem.p is None else problem.p) + 1)
    for k in sizes:
        for combo in itertools.combinations(range(problem.m), k):
            if _rules_ok(problem, set(combo)):
                yield combo


def _splits(units: int, parts: int) -> list[tuple[int, ...]]:
    return [c for c in itertools.product(range(units + 1), repeat=parts) if sum(c) == units]


def _travel(problem: Problem, cols: list[int]) -> float | None:
    """The cheapest way to serve the demand from ``cols`` (None if impossible)."""
    w = problem.weights
    d = np.asarray(problem.cost, dtype=float)
    cap = None if problem.capacity is None else np.asarray(problem.capacity, dtype=float)
    demand = [i for i in range(problem.n) if w[i] > 0]
    if cap is None:
        near = [min((d[i, j] for j in cols), default=math.inf) for i in demand]
        if any(not math.isfinite(v) for v in near):
            return None
        return float(sum(w[i] * v for i, v in zip(demand, near, strict=True)))
    options: list[list[tuple[float, ...]]] = []
    for i in demand:
        ok = [k for k, j in enumerate(cols) if math.isfinite(d[i, j])]
        if problem.single_source:
            shares = [tuple(float(w[i]) if q == k else 0.0 for q in range(len(cols))) for k in ok]
        else:
            units = int(w[i])
            assert units == w[i], "split reference needs integer weights"
            shares = [tuple(float(v) for v in s) for s in _splits(units, len(cols))
                      if all(s[k] == 0 or k in ok for k in range(len(cols)))]
        if not shares:
            return None
        options.append(shares)
    best: float | None = None
    for choice in itertools.product(*options):
        load = np.sum(np.asarray(choice, dtype=float).reshape(len(demand), len(cols)), axis=0) if demand else 0
        if np.any(load > cap[cols] + 1e-9):
            continue
        total = sum(s * d[i, cols[k]]
                    for i, share in zip(demand, choice, strict=True) for k, s in enumerate(share) if s > 0)
        if best is None or total < best:
            best = float(total)
    return best


def value(problem: Problem, combo: tuple[int, ...]) -> float | None:
    """The objective of the open set ``combo`` (None if infeasible)."""
    cols = list(combo)
    if problem.kind.value == "cflp":
        assert problem.opening_cost is not None
        travel = _travel(problem, cols)
        return None if travel is None else travel + float(sum(problem.opening_cost[j] for j in cols))
    assert problem.radius is not None
    d = np.asarray(problem.cost, dtype=float)
    pos = problem.weights > 0
    times = (d[:, cols] <= problem.radius).sum(axis=1) if cols else np.zeros(problem.n, dtype=int)
    if problem.require_cover:
        allowed = [j for j in range(problem.m) if j not in problem.must_close]
        coverable = pos & ((d[:, allowed] <= problem.radius).any(axis=1) if allowed else np.zeros(problem.n, bool))
        if np.any(coverable & (times == 0)):
            return None
    return float(problem.weights[pos & (times >= 2)].sum())


def brute_force(problem: Problem) -> float | None:
    """The optimum over every allowed open set (None if none is feasible)."""
    best: float | None = None
    maximise = problem.kind.value == "bclp"
    for combo in open_sets(problem):
        v = value(problem, combo)
        if v is not None and (best is None or (v > best if maximise else v < best)):
            best = v
    return best


@st.composite
def tiny_facility_problems(draw: st.DrawFn, kind: str) -> Problem:
    """A random tiny CFLP or BCLP (some infeasible) with random site rules."""
    cflp = kind == "cflp"
    single = cflp and draw(st.booleans())
    n = draw(st.integers(1, 4 if cflp else 7))
    m = draw(st.integers(1, 3 if cflp and not single else 4 if cflp else 5))
    weights = draw(st.lists(st.integers(0, 3 if cflp else 6).map(float), min_size=n, max_size=n))
    cells = st.integers(0, 24).map(lambda k: float(k) if k <= 20 else math.inf)
    cost = np.array(draw(st.lists(st.lists(cells, min_size=m, max_size=m), min_size=n, max_size=n)))
    sites = st.integers(0, m - 1)
    must_open = draw(st.sets(sites, max_size=1))
    must_close = draw(st.sets(sites, max_size=1)) - must_open
    groups = []
    if draw(st.booleans()):
        members = tuple(sorted(draw(st.sets(sites, min_size=1, max_size=m))))
        groups.append(GroupLimit("g", members, draw(st.integers(0, 1)), draw(st.one_of(st.none(), st.integers(1, 2)))))
    if cflp:
        p = draw(st.one_of(st.none(), st.integers(1, m)))
        capacity = draw(st.one_of(st.none(), st.lists(st.integers(1, 8).map(float), min_size=m, max_size=m)))
        opening = draw(st.lists(st.integers(0, 30).map(float), min_size=m, max_size=m))
        return make_problem("cflp", weights, cost, p=p, must_open=must_open, must_close=must_close, groups=groups,
                            capacity=capacity, opening_cost=opening, single_source=single)
    return make_problem("bclp", weights, cost, p=draw(st.integers(1, m)), radius=float(draw(st.integers(2, 15))),
                        must_open=must_open, must_close=must_close, groups=groups,
                        require_cover=draw(st.booleans()))
