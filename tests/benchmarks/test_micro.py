"""Micro benchmarks (pytest-benchmark): model building and the p-median and MCLP heuristics' inner loops.

Disabled by default (``--benchmark-disable`` in the pytest options: each runs once, as a test,
with no timing assertion). To measure::

    pytest tests/benchmarks --benchmark-enable --benchmark-only --benchmark-columns=min,median,rounds
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from benchmarks.pmed import DATA_DIR, load_pmed
from solvers import Problem, make_problem
from solvers.formulations import build_model
from solvers.pmedian.cover_search import CoverSearch
from solvers.pmedian.data import Neighbours, SiteRules, build_neighbours, prefix_counts
from solvers.pmedian.heuristic import Inverted, greedy, swap_search
from solvers.pmedian.lagrangian import LagrangianDual
from solvers.pmedian.mclp import mclp_as_pmedian
from solvers.pmedian.reduced import build_model as build_radius_model


@pytest.fixture(scope="module")
def pmed20() -> Problem:
    cost, p = load_pmed(DATA_DIR / "pmed20.txt")  # n = 400, p = 133
    return make_problem("pmedian", np.ones(cost.shape[0]), cost, p=p)


@pytest.fixture(scope="module")
def pmed16() -> Problem:
    cost, p = load_pmed(DATA_DIR / "pmed16.txt")  # n = 400, p = 5
    return make_problem("pmedian", np.ones(cost.shape[0]), cost, p=p)


@pytest.fixture(scope="module")
def lists(pmed20: Problem) -> tuple[Neighbours, SiteRules]:
    return build_neighbours(pmed20), SiteRules.from_problem(pmed20)


def test_build_compact_pmedian_model(benchmark: Any, pmed20: Problem) -> None:
    model = benchmark(build_model, pmed20)
    assert model.num_vars == pmed20.m + pmed20.n * pmed20.m


def test_build_neighbour_lists(benchmark: Any, pmed20: Problem) -> None:
    nb = benchmark(build_neighbours, pmed20)
    assert nb.complete and nb.k == pmed20.m


def test_build_radius_model(benchmark: Any, lists: tuple[Neighbours, SiteRules]) -> None:
    nb, rules = lists
    none = np.zeros(nb.m, dtype=bool)
    model = benchmark(build_radius_model, nb, rules, none, none, np.full(nb.n, np.inf))
    assert model.pairs == nb.n * nb.m


def test_lagrangian_iteration(benchmark: Any, pmed16: Problem) -> None:
    """One evaluation of :math:`L(v)`: reduced costs, the subproblem and the subgradient."""
    nb = build_neighbours(pmed16)
    dual = LagrangianDual(nb, SiteRules.from_problem(pmed16))
    v = nb.wd[:, 40].copy()
    val, _rho, chosen, g = benchmark(dual.evaluate, v)
    assert math.isfinite(val) and int(chosen.sum()) == pmed16.p and g.shape == (nb.n,)


def test_prefix_counts(benchmark: Any, lists: tuple[Neighbours, SiteRules]) -> None:
    nb, _ = lists
    thresh = nb.wd[:, 7] + 0.5
    counts = benchmark(prefix_counts, nb.wd, thresh)
    assert np.array_equal(counts, (nb.wd < thresh[:, None]).sum(axis=1))


def test_nearest_two(benchmark: Any, lists: tuple[Neighbours, SiteRules]) -> None:
    """The swap search's per-step query: nearest and second-nearest open site of every point."""
    nb, rules = lists
    mask = np.zeros(nb.m, dtype=bool)
    mask[:: max(1, nb.m // rules.p)] = True
    _s1, d1, _s2, d2 = benchmark(nb.nearest_two, mask)
    assert np.all(d1 <= d2)


def test_greedy(benchmark: Any, lists: tuple[Neighbours, SiteRules]) -> None:
    nb, rules = lists
    inv = Inverted(nb)
    mask = benchmark(lambda: greedy(nb, rules, inverted=inv))
    assert mask is not None and int(mask.sum()) == rules.p


def test_swap_step(benchmark: Any, lists: tuple[Neighbours, SiteRules]) -> None:
    """One best-improvement swap (gain, loss and the sparse extra matrix over all pairs)."""
    nb, rules = lists
    start = greedy(nb, rules)
    assert start is not None
    _mask, obj = benchmark(lambda: swap_search(nb, rules, start, max_swaps=1))
    assert obj <= nb.objective(start)


@pytest.fixture(scope="module")
def cover_search(pmed20: Problem) -> CoverSearch:
    cost = np.asarray(pmed20.cost)
    radius = float(np.quantile(cost[np.isfinite(cost)], 0.05))
    mclp = make_problem("mclp", np.ones(pmed20.n), cost, p=pmed20.p, radius=radius)
    form = mclp_as_pmedian(mclp)
    return CoverSearch.from_lists(form.nb, form.rules)


def test_cover_swap_step(benchmark: Any, cover_search: CoverSearch) -> None:
    """The MCLP search's step: the best of all swaps from two sparse products and the sole-coverer matrix."""
    start = cover_search.greedy()
    assert start is not None
    a, b, gain = benchmark(cover_search.best_swap, start)
    if a >= 0:
        after = start.copy()
        after[a], after[b] = False, True
        assert cover_search.value(after) - cover_search.value(start) == pytest.approx(gain)
