"""HiGHS through highspy, fed the :class:`~solvers.linear.MatrixModel` arrays in one ``passModel`` call.

Building is a handful of array conversions (no Python loop over rows or pairs), so this is much
faster to set up than the row-by-row PuLP translation. The bound reported is HiGHS's MIP dual
bound (``getInfo().mip_dual_bound``).

Threads: HiGHS keeps one thread pool per process, sized by the first solve; asking a later solve
for a different size makes ``run()`` fail. The MIP search itself is serial, so this backend leaves
the ``threads`` option alone and declares that it does not honour ``SolveOptions.threads``.
"""

from __future__ import annotations

import math
import time

import highspy
import numpy as np

from solvers.backends.base import Backend, Capabilities
from solvers.backends.outcome import Outcome, decode, make_result
from solvers.formulations import build_model
from solvers.formulations.registry import mip_models
from solvers.formulations.start import mip_start, start_assignment
from solvers.highs_model import highs_from_model
from solvers.lp_bound import lp_relaxation_bound
from solvers.problem import Problem, SolveOptions
from solvers.result import Result


class HighsBackend(Backend):
    """The compact MIP solved by HiGHS, passed as arrays through highspy."""

    name = "highs"
    description = "compact MIP, HiGHS through highspy (direct passModel, MIP dual bound)"

    def __init__(self) -> None:
        self.capabilities = Capabilities(
            models=mip_models(), proves_optimality=True, warm_start=True, threads=False, gap=True, seed=True
        )

    def version(self) -> str:
        h = highspy.Highs()
        return f"HiGHS {h.version()}"

    def solve(self, problem: Problem, options: SolveOptions) -> Result:
        t0 = time.perf_counter()
        model = build_model(problem)
        h = highs_from_model(model)
        h.setOptionValue("output_flag", bool(options.verbose))
        if options.time_limit_s is not None:
            h.setOptionValue("time_limit", float(options.time_limit_s))
        h.setOptionValue("mip_rel_gap", float(options.gap_rel))
        h.setOptionValue("random_seed", int(options.seed))
        details: dict[str, object] = {}
        if options.warm_start is not None:
            idx, vals = mip_start(problem, model, options.warm_start, start_assignment(options))
            st = h.setSolution(int(idx.shape[0]), idx.astype(np.int32), vals.astype(np.float64))
            details["warm_start"] = "passed" if st != highspy.HighsStatus.kError else "rejected"
        build_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        h.run()
        solve_s = time.perf_counter() - t1
        ms = h.getModelStatus()
        info = h.getInfo()
        s = highspy.HighsModelStatus
        has_solution = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
        selected, assignment = (None, None)
        if has_solution and ms not in (s.kInfeasible, s.kUnboundedOrInfeasible):
            values = np.asarray(h.getSolution().col_value, dtype=np.float64)
            selected, assignment = decode(model, values, problem.n)
        bound = float(info.mip_dual_bound)
        outcome = Outcome(
            selected=selected,
            assignment=assignment,
            objective=float(info.objective_function_value),
            bound=bound if math.isfinite(bound) else math.nan,
            optimal=ms == s.kOptimal,
            infeasible=ms in (s.kInfeasible, s.kUnboundedOrInfeasible),
            time_limited=ms == s.kTimeLimit,
            message=f"HiGHS: {h.modelStatusToString(ms)}",
            details=details | {"mip_nodes": int(info.mip_node_count)},
        )
        return make_result(problem, outcome, solver=self.name, version=self.version(), build_s=build_s,
                           solve_s=solve_s, gap_rel=options.gap_rel, model=model,
                           fallback_bound=lambda: lp_relaxation_bound(model))

