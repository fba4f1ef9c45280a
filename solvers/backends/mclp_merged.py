r"""``mclp-merged``: the MCLP on merged coverage rows (:mod:`solvers.covering.exact`).

Isomorphic aggregation of the coverage rows, swap-search incumbent, the LP bound recomputed exactly
from its duals as a Lagrangian bound, reduced-cost fixing, then the restricted merged model (the
multi-cut Benders master with every closed-form cut) in HiGHS with site-dominance inequalities.
"""

from __future__ import annotations

import highspy

from solvers.backends.base import Backend, Capabilities
from solvers.covering.exact import solve_mclp_merged
from solvers.problem import ModelKind, Problem, SolveOptions
from solvers.result import Result


class MclpMergedBackend(Backend):
    """Exact MCLP: merged rows, LP-dual Lagrangian bound and fixing, HiGHS master."""

    name = "mclp-merged"
    description = "MCLP: merged coverage rows, LP-dual bound and fixing, dominance, HiGHS master MIP"
    capabilities = Capabilities(
        models=frozenset({ModelKind.MCLP}), proves_optimality=True, warm_start=True, time_limit=True,
        own_heuristic=True,
    )

    def version(self) -> str:
        return f"siting mclp-merged 1; highspy {highspy.Highs().version()}"

    def solve(self, problem: Problem, options: SolveOptions) -> Result:
        return solve_mclp_merged(problem, options, self.name, self.version())
