"""The Norfolk suite's exact paths agree with the compact MIP in HiGHS, for every number of bases.

The suite (``python -m benchmarks.suite_cpu``) solves the MCLP (20 minutes), the p-median and the outreach model
for p = 1..53 with ``auto``. The cheaper exact paths it takes on this small case (the merged-rows MCLP, the
covering bound of the outreach heuristic, the p-median's small-instance settings) are checked here against an
independent solver on the very problems the suite builds. No timed assertions.
"""

from __future__ import annotations

import pytest

from benchmarks.cases import suite_cases
from solvers import Problem, Status, solve


@pytest.fixture(scope="module")
def norfolk_problems() -> dict[str, Problem]:
    return {c.name: c.build() for c in suite_cases("norfolk")}


def test_mclp_every_p_agrees_with_the_compact_mip(norfolk_problems: dict[str, Problem]) -> None:
    """p = 1..49: mclp-exact (the merged-rows path on this small case) finds HiGHS' optimum; p >= 50 is infeasible."""
    for p in range(1, 50):
        problem = norfolk_problems[f"norfolk-mclp-p{p}"]
        r = solve(problem, solver="auto")
        assert r.details.get("path") == "merged rows (small instance)"
        ref = solve(problem, solver="highs")
        assert r.status is Status.OPTIMAL and r.verified, (p, r.message)
        assert ref.status is Status.OPTIMAL, (p, ref.message)
        assert r.objective == pytest.approx(ref.objective, rel=1e-9), p
        assert r.bound >= ref.objective * (1 - 1e-9), p
    for p in (50, 53):
        assert solve(norfolk_problems[f"norfolk-mclp-p{p}"], solver="auto").status is Status.INFEASIBLE


@pytest.mark.slow
def test_outreach_every_p_agrees_with_the_compact_mip(norfolk_problems: dict[str, Problem]) -> None:
    """p = 1..15: the covering bound proves the heuristic's plan optimal (no MIP), at HiGHS' optimum; 16+ infeasible."""
    for p in range(1, 16):
        problem = norfolk_problems[f"norfolk-outreach-p{p}"]
        r = solve(problem, solver="auto")
        assert str(r.details["auto"]["returned"]).startswith("heuristic solution (proven")  # type: ignore[index]
        ref = solve(problem, solver="highs")
        assert r.status is Status.OPTIMAL and r.verified, (p, r.message)
        assert ref.status is Status.OPTIMAL and ref.verified, (p, ref.message)
        assert r.objective == pytest.approx(ref.objective, rel=1e-6), p
    for p in (16, 53):
        assert solve(norfolk_problems[f"norfolk-outreach-p{p}"], solver="auto").status is Status.INFEASIBLE


@pytest.mark.slow
def test_pmedian_every_p_agrees_with_the_compact_mip(norfolk_problems: dict[str, Problem]) -> None:
    """p = 1..49: pmedian-exact with the small-instance settings finds the compact MIP's optimum; 50+ infeasible."""
    for p in range(1, 50):
        problem = norfolk_problems[f"norfolk-pmedian-p{p}"]
        r = solve(problem, solver="auto")
        assert r.details.get("lagrangian_heuristic_s", 0.0) == 0.0  # the small-instance settings ran
        ref = solve(problem, solver="highs")
        assert r.status is Status.OPTIMAL and r.verified, (p, r.message)
        assert ref.status is Status.OPTIMAL and ref.verified, (p, ref.message)
        assert r.objective == pytest.approx(ref.objective, rel=1e-6), p
        assert r.bound <= ref.objective * (1 + 1e-6), p
    for p in (50, 53):
        assert solve(norfolk_problems[f"norfolk-pmedian-p{p}"], solver="auto").status is Status.INFEASIBLE
