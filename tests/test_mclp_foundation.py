"""MCLP on PuLP+CBC against brute-force enumeration on small random instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from solvers import Status, make_problem, solve


def brute_force_mclp(w: np.ndarray, cost: np.ndarray, p: int, radius: float) -> float:
    best = -1.0
    cover = cost <= radius
    for combo in itertools.combinations(range(cost.shape[1]), p):
        best = max(best, float(w[cover[:, list(combo)].any(axis=1)].sum()))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_mclp_cbc_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(5, 14)), int(rng.integers(3, 8))
    p = int(rng.integers(1, m + 1))
    w = rng.integers(0, 20, n).astype(float)
    pts_d, pts_s = rng.uniform(0, 10, (n, 2)), rng.uniform(0, 10, (m, 2))
    cost = np.hypot(*(pts_d[:, None, :] - pts_s[None, :, :]).transpose(2, 0, 1))
    cost[rng.random((n, m)) < 0.1] = np.inf
    radius = float(rng.uniform(1.5, 5))
    r = solve(make_problem("mclp", w, cost, p=p, radius=radius), solver="cbc")
    assert r.status is Status.OPTIMAL and r.verified
    assert r.objective == pytest.approx(brute_force_mclp(w, cost, p, radius))
    assert len(r.selected) == p


def test_mclp_hand_example() -> None:
    cost = np.array([[1.0, 9.0], [9.0, 1.0], [2.0, 9.0]])
    r = solve(make_problem("mclp", [1, 5, 1], cost, p=1, radius=3.0), solver="cbc")
    assert r.selected == (1,) and r.objective == 5.0 and r.bound == 5.0 and r.gap == 0.0
    assert r.assignment.tolist() == [-1, 1, -1]


def test_must_open_more_than_p_is_infeasible_with_reason() -> None:
    cost = np.ones((3, 3))
    r = solve(make_problem("mclp", [1, 1, 1], cost, p=1, radius=2.0, must_open=[0, 1]), solver="cbc")
    assert r.status is Status.INFEASIBLE
    assert "2 must-open sites but only p = 1" in r.message
