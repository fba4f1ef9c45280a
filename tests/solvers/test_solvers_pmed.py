"""OR-Library pmed1-pmed5 (n = 100) reach their known optima with the direct HiGHS backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.pmed import DATA_DIR, load_optima, load_pmed
from solvers import Status, make_problem, solve


def test_reader_parses_pmed1() -> None:
    cost, p = load_pmed(DATA_DIR / "pmed1.txt")
    assert cost.shape == (100, 100) and cost.dtype == np.float64 and p == 5
    assert np.all(np.diag(cost) == 0) and np.array_equal(cost, cost.T) and np.all(np.isfinite(cost))
    assert cost[0, 1] == 30.0  # edge "1 2 30" is the shortest path between its ends here
    assert load_optima()["pmed1"] == 5819.0


def test_reader_last_repeated_edge_holds(tmp_path: Path) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text("3 3 1\n1 2 5\n2 3 1\n2 1 2\n")  # edge 1-2 repeated: the last one (2) holds
    cost, p = load_pmed(path)
    assert p == 1
    assert cost[0, 1] == 2.0 and cost[0, 2] == 3.0 and cost[2, 0] == 3.0


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_pmed_known_optimum_with_highs(k: int) -> None:
    cost, p = load_pmed(DATA_DIR / f"pmed{k}.txt")
    problem = make_problem("pmedian", np.ones(cost.shape[0]), cost, p=p)
    r = solve(problem, solver="highs")
    assert r.status is Status.OPTIMAL and r.verified
    assert r.objective == load_optima()[f"pmed{k}"]
    assert len(r.selected) == p
    assert r.bound == pytest.approx(r.objective, rel=1e-9)
