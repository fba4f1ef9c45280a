"""Brute-force reference optima and random tiny instances for the solver tests.

Written from the model definitions only (it imports nothing from ``solvers`` but the Problem it
reads), so it is an independent check of the formulations, the backends and the checker.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import numpy as np
from hypothesis import strategies as st

from solvers import GroupLimit, ModelKind, Problem, make_problem

MODELS = ("mclp", "pmedian", "lscp", "pcenter", "cpmedian", "cmclp")
MAXIMISE = {"mclp", "cmclp"}


def site_sets(problem: Problem) -> Iterator[tuple[int, ...]]:
    """Every set of open sites that keeps p, must-open, must-close and the group limits."""
    m = problem.m
    if problem.kind is ModelKind.LSCP:
        sizes = range(0, (problem.p if problem.p is not None else m) + 1)
    else:
        assert problem.p is not None
        sizes = range(problem.p, problem.p + 1)
    for k in sizes:
        for combo in itertools.combinations(range(m), k):
            chosen = set(combo)
            if not problem.must_open <= chosen or problem.must_close & chosen:
                continue
            if all(
                g.min_open <= len(chosen & set(g.members)) <= (g.max_open if g.max_open is not None else m)
                for g in problem.groups
            ):
                yield combo


def value(problem: Problem, combo: tuple[int, ...]) -> float | None:
    """The model's objective for the open set ``combo``, or None if it is infeasible."""
    w = problem.weights
    d = np.asarray(problem.cost, dtype=float)
    pos = w > 0
    cols = list(combo)
    kind = problem.kind.value
    if kind == "mclp":
        assert problem.radius is not None
        if not cols:
            return 0.0
        return float(w[(d[:, cols] <= problem.radius).any(axis=1)].sum())
    if kind == "lscp":
        assert problem.radius is not None
        allowed = [j for j in range(problem.m) if j not in problem.must_close]
        need = np.asarray(pos & (d[:, allowed] <= problem.radius).any(axis=1) if allowed else np.zeros_like(pos))
        got = np.asarray((d[:, cols] <= problem.radius).any(axis=1) if cols else np.zeros_like(pos))
        return float(len(cols)) if np.all(got[need]) else None
    if kind in ("pmedian", "pcenter"):
        near = d[:, cols].min(axis=1)
        if np.any(~np.isfinite(near[pos])):
            return None
        if kind == "pmedian":
            return float(sum(w[i] * near[i] for i in range(problem.n) if pos[i]))
        e = [(w[i] * near[i] if problem.weighted_center else near[i]) for i in range(problem.n) if pos[i]]
        return float(max(e, default=0.0))
    return _capacitated(problem, cols)


def _capacitated(problem: Problem, cols: list[int]) -> float | None:
    """Enumerate every single-sourced assignment of the weighted demand to the open sites."""
    assert problem.capacity is not None
    w = problem.weights
    d = np.asarray(problem.cost, dtype=float)
    covering = problem.kind is ModelKind.CMCLP
    demand = [i for i in range(problem.n) if w[i] > 0]
    options: list[list[int]] = []
    for i in demand:
        if covering:
            assert problem.radius is not None
            options.append([-1] + [j for j in cols if d[i, j] <= problem.radius])
        else:
            options.append([j for j in cols if math.isfinite(d[i, j])])
    best: float | None = None
    for choice in itertools.product(*options):
        load = dict.fromkeys(cols, 0.0)
        total = 0.0
        for i, j in zip(demand, choice, strict=True):
            if j >= 0:
                load[j] += w[i]
                total += w[i] if covering else w[i] * d[i, j]
        if any(load[j] > problem.capacity[j] + 1e-9 for j in cols):
            continue
        if best is None or (total > best if covering else total < best):
            best = total
    return best


def brute_force(problem: Problem) -> float | None:
    """The optimum over every feasible open set (None if there is none)."""
    best: float | None = None
    maximise = problem.kind.value in MAXIMISE
    for combo in site_sets(problem):
        v = value(problem, combo)
        if v is None:
            continue
        if best is None or (v > best if maximise else v < best):
            best = v
    return best


@st.composite
def tiny_problems(draw: st.DrawFn, kind: str) -> Problem:
    """A random tiny instance of ``kind`` (some infeasible), with random site rules."""
    capacitated = kind in ("cpmedian", "cmclp")
    n = draw(st.integers(1, 5 if capacitated else 7))
    m = draw(st.integers(1, 5))
    halves = st.integers(0, 18).map(lambda k: k / 2)
    weights = draw(st.lists(halves, min_size=n, max_size=n))
    cells = st.integers(0, 24).map(lambda k: float(k) if k <= 20 else math.inf)  # about 1 in 6 unreachable
    cost = np.array(draw(st.lists(st.lists(cells, min_size=m, max_size=m), min_size=n, max_size=n)))
    sites = st.integers(0, m - 1)
    must_open = draw(st.sets(sites, max_size=1))
    must_close = draw(st.sets(sites, max_size=2))
    if draw(st.integers(0, 9)) > 0:  # contradictory fixings only now and then
        must_close -= must_open
    groups = []
    for k in range(draw(st.integers(0, 2))):
        members = tuple(sorted(draw(st.sets(sites, min_size=1, max_size=m))))
        lo = draw(st.integers(0, 3).map(lambda v: max(0, v - 1)))
        hi = draw(st.one_of(st.none(), st.integers(lo, 3)))
        groups.append(GroupLimit(f"g{k}", members, lo, hi))
    p: int | None = draw(st.integers(1, m))
    if kind == "lscp" and draw(st.booleans()):
        p = None
    radius = float(draw(st.integers(2, 15))) if kind in ("mclp", "lscp", "cmclp") else None
    capacity = draw(st.lists(st.integers(5, 40).map(float), min_size=m, max_size=m)) if capacitated else None
    return make_problem(
        kind, weights, cost, p=p, radius=radius, must_open=must_open, must_close=must_close,
        groups=groups, capacity=capacity, weighted_center=kind == "pcenter" and draw(st.booleans()),
    )


def random_points_problem(kind: str, *, n: int, m: int, p: int, seed: int, radius: float | None = None) -> Problem:
    """A random Euclidean instance (integer weights) for the larger tests."""
    rng = np.random.default_rng(seed)
    demand, sites = rng.uniform(0, 100, (n, 2)), rng.uniform(0, 100, (m, 2))
    cost = np.asarray(np.round(np.hypot(*(demand[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)), 1), dtype=float)
    weights = rng.integers(1, 20, n).astype(float)
    capacity = None
    if kind in ("cpmedian", "cmclp"):
        capacity = np.full(m, 1.3 * weights.sum() / p).round()
    return make_problem(kind, weights, cost, p=None if kind == "lscp" else p, radius=radius, capacity=capacity)
