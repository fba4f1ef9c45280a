"""SCIP through OR-Tools' linear-solver interface (``model_builder``), named ``scip``.

The :class:`~solvers.linear.MatrixModel` goes in as sparse arrays
(``ModelBuilderHelper.fill_model_from_sparse_data``, no Python loop over rows); only the integer
flags are set one variable at a time. The bound reported is SCIP's best bound
(``best_objective_bound``). SCIP here is single-threaded, so ``SolveOptions.threads`` is not
honoured; the seed shifts SCIP's random seeds; the warm start is given as a solution hint.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from ortools.linear_solver.python import model_builder_helper as mbh

from solvers.backends.base import Backend, Capabilities, ortools_version
from solvers.backends.outcome import Outcome, decode, make_result
from solvers.formulations import build_model
from solvers.formulations.registry import mip_models
from solvers.formulations.start import mip_start, start_assignment
from solvers.linear import MatrixModel
from solvers.lp_bound import lp_relaxation_bound
from solvers.problem import Problem, SolveOptions
from solvers.result import Result


def model_builder_from(model: MatrixModel) -> mbh.ModelBuilderHelper:
    """An OR-Tools ``ModelBuilderHelper`` holding ``model``."""
    helper = mbh.ModelBuilderHelper()
    arrays = (model.lb, model.ub, model.c, model.row_lo, model.row_hi)
    lb, ub, c, lo, hi = (np.asarray(a, dtype=np.float64) for a in arrays)
    fill: Any = helper.fill_model_from_sparse_data  # the stubs mistype the array arguments
    fill(lb, ub, c, lo, hi, model.A.tocsr().astype(np.float64))
    for k in np.flatnonzero(model.integer):
        helper.set_var_integrality(int(k), True)
    helper.set_maximize(model.sense == "max")
    helper.set_objective_offset(float(model.offset))
    return helper


class ScipBackend(Backend):
    """The compact MIP solved by SCIP through OR-Tools."""

    name = "scip"
    description = "compact MIP, SCIP through OR-Tools model_builder (best bound from SCIP)"

    def __init__(self, engine: str = "scip") -> None:
        self.engine = engine
        self.capabilities = Capabilities(
            models=mip_models(), proves_optimality=True, warm_start=True, threads=False, gap=True, seed=True
        )

    def version(self) -> str:
        return f"SCIP via OR-Tools {ortools_version()}"

    def available(self) -> bool:
        return bool(mbh.ModelSolverHelper(self.engine).solver_is_supported())

    def solve(self, problem: Problem, options: SolveOptions) -> Result:
        t0 = time.perf_counter()
        model = build_model(problem)
        helper = model_builder_from(model)
        if options.warm_start is not None:
            idx, vals = mip_start(problem, model, options.warm_start, start_assignment(options))
            for k, v in zip(idx.tolist(), vals.tolist(), strict=True):
                helper.add_hint(int(k), float(v))
        solver = mbh.ModelSolverHelper(self.engine)
        solver.enable_output(bool(options.verbose))
        if options.time_limit_s is not None:
            solver.set_time_limit_in_seconds(float(options.time_limit_s))
        params = [f"limits/gap = {float(options.gap_rel)!r}", f"randomization/randomseedshift = {int(options.seed)}"]
        solver.set_solver_specific_parameters("\n".join(params))
        build_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        solver.solve(helper)
        solve_s = time.perf_counter() - t1
        st = solver.status()
        ss = mbh.SolveStatus
        selected, assignment = (None, None)
        if st in (ss.OPTIMAL, ss.FEASIBLE) and solver.has_solution():
            values = np.asarray(solver.variable_values(), dtype=np.float64)
            selected, assignment = decode(model, values, problem.n)
        bound = float(solver.best_objective_bound()) if solver.has_response() else math.nan
        limit_hit = options.time_limit_s is not None and solve_s >= 0.97 * options.time_limit_s
        outcome = Outcome(
            selected=selected,
            assignment=assignment,
            objective=float(solver.objective_value()) if selected is not None else math.nan,
            bound=bound if math.isfinite(bound) else math.nan,
            optimal=st == ss.OPTIMAL,
            infeasible=st == ss.INFEASIBLE,
            time_limited=st in (ss.FEASIBLE, ss.NOT_SOLVED, ss.UNKNOWN_STATUS) and limit_hit,
            message=f"SCIP: {st.name}",
        )
        return make_result(problem, outcome, solver=self.name, version=self.version(), build_s=build_s,
                           solve_s=solve_s, gap_rel=options.gap_rel, model=model,
                           fallback_bound=lambda: lp_relaxation_bound(model))
