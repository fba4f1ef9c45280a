"""Hypothesis strategies and the brute force shared by the brute-force tests of the exact solvers."""

from __future__ import annotations

import itertools
import math

from hypothesis import strategies as st

from solvers import GroupLimit, ModelKind, Problem, evaluate


@st.composite
def site_rules(draw: st.DrawFn, m: int, p: int) -> tuple[set[int], set[int], tuple[GroupLimit, ...]]:
    """Random must-open and must-close sites and at most one group limit that leave ``p`` of ``m`` sites open-able.

    The rules may still be infeasible together (a group minimum among closed sites); tests compare with brute
    force, which then finds no solution either.
    """
    must_open = draw(st.sets(st.integers(0, m - 1), max_size=min(p, 2)))
    must_close = draw(st.sets(st.integers(0, m - 1), max_size=2)) - must_open
    if m - len(must_close) < p:
        must_close = set()
    groups: tuple[GroupLimit, ...] = ()
    if draw(st.booleans()):
        members = tuple(sorted(draw(st.sets(st.integers(0, m - 1), min_size=1, max_size=m))))
        lo = draw(st.integers(0, min(p, len(members))))
        groups = (GroupLimit("g", members, lo, draw(st.integers(lo, len(members)))),)
    return must_open, must_close, groups


def brute_force_best(problem: Problem) -> float:
    """Best objective over every feasible choice of ``p`` sites (max for the MCLP, else min; +-inf if none)."""
    sense_max = problem.kind is ModelKind.MCLP
    best = -math.inf if sense_max else math.inf
    assert problem.p is not None
    for combo in itertools.combinations(range(problem.m), problem.p):
        ev = evaluate(problem, combo)
        if ev.feasible:
            best = max(best, ev.objective) if sense_max else min(best, ev.objective)
    return best
