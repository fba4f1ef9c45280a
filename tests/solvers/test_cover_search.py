"""The MCLP swap search: its swap values against brute-force evaluation, rules kept, local optimality."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solvers.pmedian.cover_search import CoverSearch
from solvers.pmedian.data import SiteRules


@st.composite
def searches(draw: st.DrawFn) -> CoverSearch:
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(1, 14))
    m = draw(st.integers(2, 9))
    p = draw(st.integers(1, m - 1))
    cover = rng.random((n, m)) < draw(st.sampled_from([0.2, 0.4, 0.7]))
    w = rng.integers(0, 9, n).astype(float)
    must = np.zeros(m, bool)
    must[list(draw(st.sets(st.integers(0, m - 1), max_size=min(p, 2))))] = True
    allowed = np.ones(m, bool)
    allowed[list(draw(st.sets(st.integers(0, m - 1), max_size=2)))] = False
    allowed |= must
    if allowed.sum() < p:
        allowed[:] = True
    member = np.zeros((0, m), bool)
    gmin = gmax = np.zeros(0, np.int64)
    if draw(st.booleans()):
        member = rng.random((1, m)) < 0.5
        size = int(member.sum())
        lo = draw(st.integers(0, min(p, size)))
        gmin = np.array([lo], np.int64)
        gmax = np.array([draw(st.integers(lo, max(lo, size)))], np.int64)
    rules = SiteRules(p=p, allowed=allowed, must_open=must, member=member, gmin=gmin, gmax=gmax)
    # small matrices are searched densely; the sparse form (large instances) is drawn too
    return CoverSearch(cover, w, rules, dense_entries=draw(st.sampled_from([0, 10**6])))


def _feasible_masks(s: CoverSearch) -> list[np.ndarray]:
    out = []
    for combo in itertools.combinations(range(s.m), s.rules.p):
        mask = np.zeros(s.m, bool)
        mask[list(combo)] = True
        if s.rules.feasible(mask):
            out.append(mask)
    return out


def _brute_best_swap(s: CoverSearch, mask: np.ndarray) -> float:
    base = s.value(mask)
    best = 0.0
    for a in np.flatnonzero(mask):
        for b in np.flatnonzero(~mask):
            t = mask.copy()
            t[a], t[b] = False, True
            if s.rules.feasible(t):
                best = max(best, s.value(t) - base)
    return best


@given(searches(), st.integers(0, 10**6))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_best_swap_value_matches_brute_force(s: CoverSearch, pick: int) -> None:
    masks = _feasible_masks(s)
    if not masks:
        return
    mask = masks[pick % len(masks)]
    a, b, gain = s.best_swap(mask)
    expected = _brute_best_swap(s, mask)
    assert gain == pytest.approx(expected)
    if gain > 0:
        t = mask.copy()
        t[a], t[b] = False, True
        assert s.rules.feasible(t)
        assert s.value(t) - s.value(mask) == pytest.approx(gain)


@given(searches())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_greedy_local_and_iterated_keep_rules_and_end_in_local_optima(s: CoverSearch) -> None:
    masks = _feasible_masks(s)
    g = s.greedy()
    if g is None:  # greedy may be blocked by group rules; then it says so rather than break them
        return
    assert s.rules.feasible(g)
    mask, value = s.local(g, deadline=float("inf"))
    assert s.rules.feasible(mask) and value == s.value(mask) >= s.value(g)
    assert _brute_best_swap(s, mask) == 0.0
    best, best_v, _ = s.iterate(mask, deadline=float("inf"), stall=20)
    assert s.rules.feasible(best) and best_v == s.value(best) >= value
    assert best_v <= max(s.value(x) for x in masks)


@given(searches(), st.integers(0, 10**6))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_dense_and_sparse_forms_agree(s: CoverSearch, pick: int) -> None:
    """The same counts, best swap and greedy plan from the dense and the sparse coverage matrix (integer weights)."""
    dense = CoverSearch(s.cover, s.w, s.rules)
    sparse = CoverSearch(s.cover, s.w, s.rules, dense_entries=0)
    assert dense.dense is not None and sparse.dense is None
    masks = _feasible_masks(s)
    if masks:
        mask = masks[pick % len(masks)]
        assert np.array_equal(dense.counts(mask), sparse.counts(mask))
        assert dense.best_swap(mask) == sparse.best_swap(mask)
    g1, g2 = dense.greedy(), sparse.greedy()
    assert (g1 is None and g2 is None) or (g1 is not None and g2 is not None and np.array_equal(g1, g2))


def test_hand_computed_swap_values() -> None:
    # points (weights 5, 1, 1, 5) covered by sites {0}, {0, 1}, {1, 2}, {2}; site 3 covers nothing
    cover = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 0]], dtype=bool)
    rules = SiteRules(p=2, allowed=np.ones(4, bool), must_open=np.zeros(4, bool),
                      member=np.zeros((0, 4), bool), gmin=np.zeros(0, np.int64), gmax=np.zeros(0, np.int64))
    s = CoverSearch(cover, np.array([5.0, 1.0, 1.0, 5.0]), rules)
    mask = np.array([True, True, False, False])  # covers 5 + 1 + 1 = 7
    assert s.value(mask) == 7.0
    # close 1 (loses the third point, weight 1), open 2 (gains the fourth, 5, and the third back): +5
    assert s.best_swap(mask) == (1, 2, 5.0)
    assert s.greedy() is not None and s.value(s.greedy()) == 12.0
