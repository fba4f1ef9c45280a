"""PuLP backends: CBC (bundled with PuLP) and HiGHS (through highspy)."""

from __future__ import annotations

import math
import time

import numpy as np
import pulp

from solvers.backends.base import Backend, Capabilities, default_threads
from solvers.formulations import build_model
from solvers.formulations.registry import FORMULATIONS
from solvers.linear import MatrixModel
from solvers.lp_bound import lp_relaxation_bound
from solvers.problem import Problem, SolveOptions
from solvers.result import Result, Status, relative_gap


class PulpBackend(Backend):
    """The compact MIP solved through PuLP with CBC or HiGHS."""

    def __init__(self, engine: str) -> None:
        if engine not in ("cbc", "highs"):
            raise ValueError(f"unknown PuLP engine {engine!r}")
        self.engine = engine
        self.name = engine
        self.description = f"compact MIP through PuLP with {engine.upper()}"
        self.capabilities = Capabilities(
            models=frozenset(FORMULATIONS), proves_optimality=True, warm_start=True, threads=True
        )

    def version(self) -> str:
        return f"pulp {pulp.__version__}"

    def available(self) -> bool:
        return self._solver(SolveOptions()).available() is True

    def _solver(self, options: SolveOptions) -> pulp.LpSolver:
        common = {
            "msg": options.verbose,
            "timeLimit": options.time_limit_s,
            "gapRel": options.gap_rel if options.gap_rel > 0 else None,
            "threads": default_threads(options),
        }
        if self.engine == "cbc":
            return pulp.PULP_CBC_CMD(warmStart=options.warm_start is not None, **common)
        return pulp.HiGHS(**common)

    def solve(self, problem: Problem, options: SolveOptions) -> Result:
        t0 = time.perf_counter()
        model = build_model(problem)
        lp, xs = to_pulp(model)
        if options.warm_start is not None:
            start = set(options.warm_start)
            for j, v in enumerate(model.site_vars):
                xs[int(v)].setInitialValue(1.0 if j in start else 0.0)
        build_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        lp.solve(self._solver(options))
        solve_s = time.perf_counter() - t1
        values = np.array([x.varValue if x.varValue is not None else math.nan for x in xs], dtype=float)
        return interpret(problem, model, self.name, self.version(), lp, values, build_s, solve_s, options)


def to_pulp(model: MatrixModel) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    """Translate a :class:`MatrixModel` into a PuLP problem (one row at a time)."""
    sense = pulp.LpMaximize if model.sense == "max" else pulp.LpMinimize
    lp = pulp.LpProblem("siting", sense)
    xs = [
        pulp.LpVariable(
            f"x{k}",
            lowBound=None if np.isinf(model.lb[k]) else float(model.lb[k]),
            upBound=None if np.isinf(model.ub[k]) else float(model.ub[k]),
            cat=pulp.LpInteger if model.integer[k] else pulp.LpContinuous,
        )
        for k in range(model.num_vars)
    ]
    nz = np.flatnonzero(model.c)
    lp += pulp.LpAffineExpression([(xs[k], float(model.c[k])) for k in nz]) + model.offset
    a = model.A
    for r in range(model.num_rows):
        lo_idx, hi_idx = a.indptr[r], a.indptr[r + 1]
        expr = pulp.LpAffineExpression(
            [(xs[k], float(v)) for k, v in zip(a.indices[lo_idx:hi_idx], a.data[lo_idx:hi_idx], strict=True)]
        )
        lo, hi = model.row_lo[r], model.row_hi[r]
        if lo == hi:
            lp += expr == float(lo)
        else:
            if np.isfinite(lo):
                lp += expr >= float(lo)
            if np.isfinite(hi):
                lp += expr <= float(hi)
    return lp, xs


def interpret(
    problem: Problem,
    model: MatrixModel,
    name: str,
    version: str,
    lp: pulp.LpProblem,
    values: np.ndarray,
    build_s: float,
    solve_s: float,
    options: SolveOptions,
) -> Result:
    """Map PuLP's status to ours; bound from the solver if proven, else from the LP relaxation."""
    base = Result(model=problem.kind, status=Status.ERROR, solver=name, solver_version=version,
                  build_s=build_s, solve_s=solve_s, wall_s=build_s + solve_s)
    if lp.status == pulp.LpStatusInfeasible or lp.sol_status == pulp.LpSolutionInfeasible:
        return base.with_(status=Status.INFEASIBLE, message="the solver proved the model infeasible")
    has_solution = lp.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible) and not np.any(
        np.isnan(values[model.site_vars])
    )
    if not has_solution:
        if options.time_limit_s is not None and solve_s >= 0.9 * options.time_limit_s:
            bound = lp_relaxation_bound(model)
            return base.with_(status=Status.TIME_LIMIT, bound=bound, message="time limit reached before any solution")
        return base.with_(message=f"PuLP status {pulp.LpStatus[lp.status]}, solution status {lp.sol_status}")
    selected = tuple(int(j) for j in np.flatnonzero(values[model.site_vars] > 0.5))
    objective = float(pulp.value(lp.objective) or 0.0)
    details: dict[str, object] = {"values": values}
    if lp.sol_status == pulp.LpSolutionOptimal and options.gap_rel == 0:
        return base.with_(status=Status.OPTIMAL, selected=selected, objective=objective, bound=objective,
                          gap=0.0, details=details, message="proven optimal")
    bound = lp_relaxation_bound(model)
    status = Status.TIME_LIMIT if lp.sol_status == pulp.LpSolutionIntegerFeasible else Status.FEASIBLE
    if lp.sol_status == pulp.LpSolutionOptimal:
        status = Status.OPTIMAL  # proven within the requested gap
    return base.with_(status=status, selected=selected, objective=objective, bound=bound,
                      gap=relative_gap(objective, bound), details=details,
                      message="bound from the LP relaxation" if status is not Status.OPTIMAL else "optimal within gap")
