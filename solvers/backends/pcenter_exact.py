"""``pcenter-exact``: the p-center by binary search over the sorted costs, one covering MIP per radius.

See :mod:`solvers.pcenter_search` for the method. ``auto`` warm-starts it with the heuristic's
solution, whose radius caps the search.
"""

from __future__ import annotations

import highspy

from solvers.backends.base import Backend, Capabilities
from solvers.pcenter_search import solve_pcenter
from solvers.problem import ModelKind, Problem, SolveOptions
from solvers.result import Result


class PCenterExactBackend(Backend):
    """Exact p-center: radius search with a set-covering feasibility check in HiGHS."""

    name = "pcenter-exact"
    description = "p-center: binary search over the sorted costs with a covering check (HiGHS) per radius"
    capabilities = Capabilities(
        models=frozenset({ModelKind.PCENTER}), proves_optimality=True, warm_start=True, time_limit=True,
        threads=True,
    )

    def version(self) -> str:
        return f"siting pcenter-exact 1; highspy {highspy.Highs().version()}"

    def solve(self, problem: Problem, options: SolveOptions) -> Result:
        return solve_pcenter(problem, options, name=self.name, version=self.version())
