"""The OR-Library cap reader and the published optima: every derived instance reaches capopt exactly.

cap41-cap74 are built from the one shipped file (cap41) with Beasley's Table 1 capacities and fixed
costs; reaching each published optimum checks the reader, the derivation, the split-sourced CFLP
and the checker at once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.cases import suite_cases
from benchmarks.orlib_cap import CAPOPT, FAMILY, load_cap, read_cap
from solvers import SolveOptions, Status, solve


def test_reader_on_the_shipped_file() -> None:
    inst = load_cap("cap41")
    assert inst.allocation.shape == (50, 16)
    assert inst.demand.sum() == 58268.0 and inst.demand[0] == 146.0
    assert inst.fixed_cost[10] == 0.0 and set(inst.fixed_cost) == {0.0, 7500.0}
    # unit cost x demand is the file's allocation cost
    assert np.allclose(inst.unit_cost() * inst.demand[:, None], inst.allocation)


def test_reader_replaces_the_word_capacity(tmp_path: Path) -> None:
    f = tmp_path / "capz.txt"
    f.write_text(" 2 1\n capacity 10.\n capacity 0.\n 4\n 8.0 12.0\n", encoding="ascii")
    inst = read_cap(f, capacity=7)
    assert inst.capacity.tolist() == [7.0, 7.0] and inst.allocation.tolist() == [[8.0, 12.0]]
    with pytest.raises(ValueError, match="give capacity"):
        read_cap(f)
    f.write_text(" 2 1\n 5 10.\n 5 0.\n 4\n 8.0\n", encoding="ascii")
    with pytest.raises(ValueError, match="expected 9"):
        read_cap(f)


@pytest.mark.parametrize("name", sorted(FAMILY))
def test_split_cflp_reaches_the_published_optimum(name: str) -> None:
    case = next(c for c in suite_cases("cap") if c.name == name)
    r = solve(case.build(), solver="highs", options=SolveOptions(time_limit_s=120))
    assert r.status is Status.OPTIMAL and r.verified, r.message
    assert r.objective == pytest.approx(CAPOPT[name], abs=1e-3)


def test_single_sourcing_is_infeasible_where_a_customer_outweighs_every_warehouse() -> None:
    case = next(c for c in suite_cases("cap") if c.name == "cap41")
    pr = case.build()
    from dataclasses import replace

    r = solve(replace(pr, single_source=True), solver="highs")
    assert r.status is Status.INFEASIBLE and "weigh more than the capacity" in r.message
