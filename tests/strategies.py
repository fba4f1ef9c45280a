"""Hypothesis strategies shared by the brute-force tests of the exact solvers."""

from __future__ import annotations

from hypothesis import strategies as st

from solvers import GroupLimit


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
