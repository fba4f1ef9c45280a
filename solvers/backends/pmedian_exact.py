r"""``pmedian-exact`` (and ``mclp-exact``): Lagrangian bounds, fixing and branch and bound.

See :mod:`solvers.pmedian.exact` for the method and :mod:`solvers.pmedian.lagrangian`,
:mod:`solvers.pmedian.bnb` and :mod:`solvers.pmedian.reduced` for the formulations. The compact
p-median MIP has :math:`nm` assignment variables and a degenerate LP; this path computes the same
LP bound by subgradient optimisation in vectorised numpy, fixes most site variables by their
Lagrangian reduced costs, and closes the remaining gap by a Lagrangian branch and bound over the
sites still free (or, for problems with group limits, by HiGHS on the reduced radius model).

``pmedian-benders`` runs the same Lagrangian phase and closes the gap by the two-phase Benders
decomposition of Elloumi's radius formulation (:mod:`solvers.pmedian.benders`).

``mclp-exact`` solves the maximal covering problem through the same machinery, written as a
p-median with 0/1 costs and an always-open dummy site (:mod:`solvers.pmedian.mclp`). Small instances
(at most :data:`SMALL_MCLP_PAIRS` demand-site pairs) take the merged-rows path of
:mod:`solvers.covering.exact` instead (greedy and swaps, the LP bound with reduced-cost fixing, and the
restricted master MIP in HiGHS, without the iterated swap search): on the Norfolk case (538 x 53) its
LP bound is the optimum for most ``p`` and the sweep of p = 1..49 takes a third of the time of the
Lagrangian path. ``SolveOptions.extra["mclp_small_path"] = False`` keeps the Lagrangian path.

Group limits are not in the Lagrangian subproblem (the bound stays valid but is weaker); the
heuristics and the reduced model enforce them.
"""

from __future__ import annotations

from dataclasses import replace

import highspy

from solvers.backends.base import Backend, Capabilities
from solvers.covering.exact import solve_mclp_merged
from solvers.pmedian.exact import solve_mclp, solve_pmedian
from solvers.problem import ModelKind, Problem, SolveOptions
from solvers.result import Result

#: MCLP instances with at most this many demand-site pairs take the merged-rows path (module docstring).
SMALL_MCLP_PAIRS = 100_000
#: Settings of that path: no iterated swap search (the master closes faster), no dominance rows.
SMALL_MCLP_EXTRA: dict[str, object] = {"mclp_search_stall": 0, "mclp_dominance": False}


def _version() -> str:
    return f"siting pmedian-exact 1; highspy {highspy.Highs().version()}"


class PMedianExactBackend(Backend):
    """Exact p-median: Lagrangian relaxation + reduced-cost fixing + Lagrangian branch and bound."""

    name = "pmedian-exact"
    description = (
        "p-median: Lagrangian bound and fixing, swap heuristics, Lagrangian branch and bound (HiGHS with groups)"
    )
    capabilities = Capabilities(
        models=frozenset({ModelKind.PMEDIAN}), proves_optimality=True, warm_start=True, time_limit=True,
        own_heuristic=True,
    )

    def version(self) -> str:
        return _version()

    def solve(self, problem: Problem, options: SolveOptions) -> Result:
        return solve_pmedian(problem, options, self.name, self.version())


class PMedianBendersBackend(Backend):
    """Exact p-median: the Lagrangian phase of ``pmedian-exact``, then two-phase Benders (HiGHS master)."""

    name = "pmedian-benders"
    description = (
        "p-median: Lagrangian bound and fixing, then a two-phase Benders decomposition of Elloumi's formulation "
        "(LP cut loop, reduced-cost fixing, integer master in HiGHS)"
    )
    capabilities = Capabilities(
        models=frozenset({ModelKind.PMEDIAN}), proves_optimality=True, warm_start=True, time_limit=True,
        own_heuristic=True,
    )

    def version(self) -> str:
        return _version()

    def solve(self, problem: Problem, options: SolveOptions) -> Result:
        extra = {"pmedian_closer": "benders", **options.extra}
        return solve_pmedian(problem, replace(options, extra=extra), self.name, self.version())


class MclpExactBackend(Backend):
    """Exact MCLP through its p-median form (0/1 costs, dummy site) and the same machinery."""

    name = "mclp-exact"
    description = ("MCLP as a 0/1 p-median: Lagrangian bound and fixing, swap heuristics, branch and bound "
                   "(small instances: merged rows, LP bound and fixing, HiGHS master)")
    capabilities = Capabilities(
        models=frozenset({ModelKind.MCLP}), proves_optimality=True, warm_start=True, time_limit=True,
        own_heuristic=True,
    )

    def version(self) -> str:
        return _version()

    def solve(self, problem: Problem, options: SolveOptions) -> Result:
        small = problem.n * problem.m <= SMALL_MCLP_PAIRS
        if small and options.extra.get("mclp_small_path", True) is not False:
            extra = {**SMALL_MCLP_EXTRA, **options.extra}
            result = solve_mclp_merged(problem, replace(options, extra=extra), self.name, self.version())
            return result.with_(details={**result.details, "path": "merged rows (small instance)"})
        return solve_mclp(problem, options, self.name, self.version())
