"""The two-phase Benders closer (``pmedian-benders``, :mod:`solvers.pmedian.benders`).

Brute force on tiny random instances with site rules (the closer alone, from no fixing and no
incumbent, so both phases run), the closed-form subproblem against its LP definition, known
OR-Library optima, and agreement with the compact MIP and ``pmedian-exact``. No timed assertions.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.pmed import DATA_DIR, load_optima, load_pmed
from solvers import Problem, SolveOptions, Status, make_problem, solve
from solvers.pmedian.benders import build_points, solve_benders
from solvers.pmedian.data import SiteRules, build_neighbours
from tests.strategies import brute_force_best, site_rules


def _pmed(k: int) -> Problem:
    cost, p = load_pmed(DATA_DIR / f"pmed{k}.txt")
    return make_problem("pmedian", np.ones(cost.shape[0]), cost, p=p)


@st.composite
def tiny_problems(draw: st.DrawFn) -> Problem:
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(1, 12))
    m = draw(st.integers(2, 8))
    p = draw(st.integers(1, m - 1))
    cost = rng.uniform(0, 20, (n, m))
    if draw(st.booleans()):
        cost = np.round(cost)  # ties between levels
    if draw(st.booleans()):
        cost[rng.random((n, m)) < 0.15] = np.inf
    w = rng.uniform(0, 5, n) * (rng.random(n) > 0.1)
    must_open, must_close, groups = draw(site_rules(m, p))
    return make_problem("pmedian", w, cost, p=p, must_open=must_open, must_close=must_close, groups=groups)


@given(tiny_problems())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_closer_alone_matches_brute_force(problem: Problem) -> None:
    """From no fixing and no incumbent, the LP loop and the integer master find the optimum and bound it."""
    best = brute_force_best(problem)
    nb = build_neighbours(problem)
    rules = SiteRules.from_problem(problem)
    if not math.isfinite(best) or np.any(np.isinf(nb.dist[:, 0])):
        return  # infeasible rules or an unreachable point: the callers report those before any closer
    none = np.zeros(problem.m, dtype=bool)
    out = solve_benders(nb, rules, none, none.copy(), None, math.inf, ybar=None, deadline=math.inf)
    assert out.status == "optimal", out.message
    assert out.open_mask is not None and rules.feasible(out.open_mask)
    assert out.objective == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert nb.objective(out.open_mask) == pytest.approx(out.objective, rel=1e-12, abs=1e-12)
    assert out.bound <= best + 1e-9 * max(1.0, abs(best))
    assert out.bound >= best - 1e-6 * max(1.0, abs(best))
    assert out.lp_bound <= best + 1e-9 * max(1.0, abs(best))


@given(st.integers(0, 2**31 - 1))
@settings(max_examples=40, deadline=None)
def test_separation_is_the_subproblem_lp(seed: int) -> None:
    r"""phi_i(y) equals D^1 + sum_k (D^{k+1} - D^k) max(0, 1 - S_k(y)), Elloumi's LP for fixed y."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 8)), int(rng.integers(2, 9))
    cost = np.round(rng.uniform(0, 10, (n, m)))
    problem = make_problem("pmedian", np.ones(n), cost, p=1)
    nb = build_neighbours(problem)
    free = np.arange(m, dtype=np.int64)
    pts = build_points(nb, free, np.zeros(0, dtype=np.int64))
    assert pts is not None and pts.count == n and pts.constant == 0.0
    y = rng.random(m)
    y *= rng.uniform(0.5, 2.0) / y.sum()
    phi, _ = pts.separate(y)
    for t in range(n):
        levels = np.unique(cost[t])
        val = levels[0]
        for k in range(levels.size - 1):
            s = y[cost[t] <= levels[k]].sum()
            val += (levels[k + 1] - levels[k]) * max(0.0, 1.0 - s)
        # with mass below 1 at the top level the LP would be infeasible; the top row is then enforced apart
        if y[cost[t] <= levels[-1]].sum() >= 1.0:
            assert phi[t] == pytest.approx(val, abs=1e-9)


@pytest.mark.parametrize("k", [1, 2, 6, 11])
def test_pmed_known_optimum(k: int) -> None:
    r = solve(_pmed(k), solver="pmedian-benders")
    opt = load_optima()[f"pmed{k}"]
    assert r.status is Status.OPTIMAL and r.verified, r.message
    assert r.objective == opt and r.bound == pytest.approx(opt)


@pytest.mark.parametrize(("k", "ipm"), [(2, False), (3, False), (3, True)])
def test_closer_alone_on_pmed(k: int, ipm: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both phases on a 100-point instance from scratch: the OR-Library optimum, and a bound that meets it.

    With ``ipm`` the master counts as large: its LP rounds start with the interior point method.
    """
    import solvers.pmedian.benders as bd

    if ipm:
        monkeypatch.setattr(bd, "IPM_POINTS", 1)
    problem = _pmed(k)
    nb = build_neighbours(problem)
    rules = SiteRules.from_problem(problem)
    none = np.zeros(problem.m, dtype=bool)
    out = solve_benders(nb, rules, none, none.copy(), None, math.inf, ybar=None, deadline=math.inf)
    opt = load_optima()[f"pmed{k}"]
    assert out.status == "optimal" and out.objective == opt
    assert opt - 1e-6 * opt <= out.bound <= opt + 1e-9
    assert out.lp_rounds > 1 and out.mip_rounds >= 1


@given(st.integers(0, 2**31 - 1), st.booleans())
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_agrees_with_compact_mip_and_pmedian_exact(seed: int, rules: bool) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(30, 70)), int(rng.integers(10, 25))
    p = int(rng.integers(2, 6))
    pts = rng.uniform(0, 100, (n + m, 2))
    cost = np.hypot(*(pts[:n, None, :] - pts[None, n:, :]).transpose(2, 0, 1))
    w = rng.integers(1, 9, n).astype(float)
    kw: dict[str, object] = {}
    if rules:
        kw = {"must_open": {0}, "must_close": {1, 2}}
    problem = make_problem("pmedian", w, cost, p=p, **kw)  # type: ignore[arg-type]
    opts = SolveOptions(time_limit_s=120)
    rb = solve(problem, solver="pmedian-benders", options=opts)
    re_ = solve(problem, solver="pmedian-exact", options=opts)
    rh = solve(problem, solver="highs", options=opts)
    for r in (rb, re_, rh):
        assert r.status is Status.OPTIMAL and r.verified, (r.solver, r.message)
    assert rb.objective == pytest.approx(rh.objective, rel=1e-6)
    assert rb.objective == pytest.approx(re_.objective, rel=1e-6)
    assert rb.bound <= rh.objective * (1 + 1e-9)
    if rules:
        assert 0 in rb.selected and not {1, 2} & set(rb.selected)


def test_benders_backend_with_warm_start_and_fixings() -> None:
    """Forcing the closer with must-open sites on an OR-Library instance: the optimum of the restricted problem."""
    problem = _pmed(4)
    base = solve(problem, solver="pmedian-exact")
    rest = make_problem("pmedian", problem.weights, problem.cost, p=problem.p, must_open={0, 1})
    rb = solve(rest, solver="pmedian-benders", options=SolveOptions(warm_start=base.selected))
    re_ = solve(rest, solver="pmedian-exact")
    assert rb.status is Status.OPTIMAL and re_.status is Status.OPTIMAL
    assert rb.objective == re_.objective >= base.objective
    assert {0, 1} <= set(rb.selected)


@pytest.mark.parametrize("full_pairs", [0, 10**9])
def test_truncated_lists(full_pairs: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Short neighbour lists: points keep their lists (cut at the cap) or take full rows; the optimum either way."""
    import solvers.pmedian.benders as bd

    monkeypatch.setattr(bd, "MAX_FULL_PAIRS", full_pairs)
    rng = np.random.default_rng(7)
    n, m, p = 60, 20, 3
    xy = rng.uniform(0, 100, (n + m, 2))
    cost = np.hypot(*(xy[:n, None, :] - xy[None, n:, :]).transpose(2, 0, 1))
    problem = make_problem("pmedian", rng.integers(1, 5, n).astype(float), cost, p=p)
    best = brute_force_best(problem)
    nb = build_neighbours(problem, k=3)
    assert not nb.complete
    rules = SiteRules.from_problem(problem)
    for forced in ([], [int(np.argmin(cost.sum(axis=0)))]):
        fo = np.zeros(m, dtype=bool)
        fo[forced] = True
        out = solve_benders(nb, rules, fo, np.zeros(m, dtype=bool), None, math.inf, ybar=None, deadline=math.inf)
        restricted = best if not forced else brute_force_best(
            make_problem("pmedian", problem.weights, cost, p=p, must_open=set(forced)))
        assert out.status == "optimal" and out.objective == pytest.approx(restricted, rel=1e-9)
        assert out.bound <= restricted * (1 + 1e-9)


def _compact_lp(w: np.ndarray, cost: np.ndarray, p: int) -> float:
    r"""The LP relaxation of the compact p-median model, written out independently of the solver.

    :math:`\min \sum_{ij} w_i d_{ij} x_{ij}` s.t. :math:`\sum_j x_{ij} = 1`, :math:`x_{ij} \le y_j`,
    :math:`\sum_j y_j = p`, :math:`0 \le x, y \le 1`.
    """
    import scipy.sparse as sp
    from scipy.optimize import linprog

    n, m = cost.shape
    nx = n * m
    c = np.concatenate([(w[:, None] * cost).ravel(), np.zeros(m)])
    assign = sp.coo_matrix((np.ones(nx), (np.repeat(np.arange(n), m), np.arange(nx))), shape=(n, nx + m))
    count = sp.coo_matrix((np.ones(m), (np.zeros(m, dtype=int), nx + np.arange(m))), shape=(1, nx + m))
    r = np.arange(nx)
    link = sp.coo_matrix((np.concatenate([np.ones(nx), -np.ones(nx)]),
                          (np.concatenate([r, r]), np.concatenate([r, nx + np.tile(np.arange(m), n)]))),
                         shape=(nx, nx + m))
    res = linprog(c, A_ub=link, b_ub=np.zeros(nx), A_eq=sp.vstack([assign, count]),
                  b_eq=np.concatenate([np.ones(n), [p]]), bounds=(0, 1), method="highs")
    assert res.status == 0
    return float(res.fun)


def test_lp_gap_instance_needs_the_integer_master() -> None:
    """An instance whose LP relaxation is 0.3% below the optimum: the backend's integer master proves the optimum.

    12 points, 10 sites, p = 3 (found by a search over seeds for an LP gap). The gap is checked here on an
    independent compact LP; the optimum is brute force over all 120 choices. The Lagrangian bound is at most
    the LP value, so only the integer master (phase 2) can close the gap.
    """
    rng = np.random.default_rng(153)
    n, m, p = 12, 10, 3
    xy = rng.uniform(0, 100, (n + m, 2))
    cost = np.hypot(*(xy[:n, None, :] - xy[None, n:, :]).transpose(2, 0, 1))
    w = rng.integers(1, 9, n).astype(float)
    problem = make_problem("pmedian", w, cost, p=p)
    best = brute_force_best(problem)
    lp = _compact_lp(w, cost, p)
    assert lp < best * (1 - 1e-3)  # a real LP gap (0.30%)
    r = solve(problem, solver="pmedian-benders")
    assert r.status is Status.OPTIMAL and r.verified, r.message
    assert r.objective == pytest.approx(best, rel=1e-12)
    assert best * (1 - 1e-6) <= r.bound <= best * (1 + 1e-12)
    assert r.details["closer"] == "benders"
    assert float(r.details["benders_lp_bound"]) < best * (1 - 1e-4)  # type: ignore[arg-type]  # the LP phase (after the fixings) did not prove it
    assert int(r.details["benders_mip_rounds"]) >= 1  # type: ignore[call-overload]
