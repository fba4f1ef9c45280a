"""The README's OR-Library comparison is computed from result rows, checked here against hand sums."""

from __future__ import annotations

from benchmarks.report import pmed_section
from benchmarks.runner import Row


def _row(instance: str, solver: str, status: str, wall_s: float) -> Row:
    return Row(suite="pmed", instance=instance, solver=solver, model="pmedian", n=100, m=100, p=5, status=status,
               optimum=10.0, optimum_reached="yes" if status == "optimal" else "", wall_s=wall_s, time_limit_s=300.0)


def test_speedup_counts_only_the_instances_the_peer_finished() -> None:
    rows = [
        _row("pmed1", "pmedian-exact", "optimal", 0.5), _row("pmed1", "spopt-cbc", "optimal", 20.0),
        _row("pmed2", "pmedian-exact", "optimal", 1.5), _row("pmed2", "spopt-cbc", "optimal", 60.0),
        _row("pmed10", "pmedian-exact", "optimal", 3.0), _row("pmed10", "spopt-cbc", "time_limit", 310.0),
    ]
    text = pmed_section(rows)
    assert "**3 of 3** instances; total wall 5.0 s" in text
    # pmed1 + pmed2: 80 s against 2 s
    assert ("On the 2 instances spopt+CBC solved within 300 s: spopt+CBC 80.0 s, pmedian-exact 2.0 s: "
            "**40x faster**") in text
    assert "spopt+CBC did not finish pmed10 (time_limit); pmedian-exact proves them: pmed10 3.0 s." in text
    assert "spopt+HiGHS was not run on pmed1, pmed2, pmed10." in text
    assert "| pmed10 | 100 | 5 | 10 | 3.00 | optimal | > 300 | time_limit | not run |  |" in text
