"""PuLP backends: CBC (bundled with PuLP) as ``cbc``, and HiGHS through PuLP as ``pulp-highs``.

The :class:`~solvers.linear.MatrixModel` is translated row by row (the model itself is built
vectorised). Bounds reported are the solvers' own MIP dual bounds: HiGHS's ``mip_dual_bound`` read
from the PuLP-held ``Highs`` object, and CBC's best possible objective parsed from its log. When a
solver gives none, the LP relaxation bound is used instead (``details["bound_source"]``).

Warm starts: CBC reads them through PuLP's ``warmStart`` (an MIP start file); for HiGHS the start is
passed with ``setSolution`` just before the solve. Threads: CBC honours them; HiGHS keeps a
process-wide thread pool (see :mod:`solvers.backends.highs_backend`), so ``pulp-highs`` does not.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import time
from typing import Any

import numpy as np
import pulp

from solvers.backends.base import Backend, Capabilities, default_threads
from solvers.backends.outcome import Outcome, decode, make_result
from solvers.formulations import build_model
from solvers.formulations.registry import mip_models
from solvers.formulations.start import mip_start, start_assignment
from solvers.linear import MatrixModel
from solvers.lp_bound import lp_relaxation_bound
from solvers.problem import Problem, SolveOptions
from solvers.result import Result


class _HighsWithStart(pulp.HiGHS):
    """PuLP's HiGHS interface, plus a MIP start set right before ``run()``."""

    def __init__(self, start: dict[int, float] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start = start or {}

    def callSolver(self, lp: pulp.LpProblem) -> None:
        if self.start:
            by_name = {v.name: v for v in lp.variables()}
            idx, vals = [], []
            for k, value in self.start.items():
                var = by_name.get(f"x{k}")
                if var is not None:
                    idx.append(var.index)
                    vals.append(value)
            lp.solverModel.setSolution(len(idx), np.asarray(idx, dtype=np.int32), np.asarray(vals, dtype=np.float64))
        lp.solverModel.run()


class PulpBackend(Backend):
    """The compact MIP solved through PuLP with CBC or HiGHS."""

    def __init__(self, engine: str) -> None:
        if engine not in ("cbc", "highs"):
            raise ValueError(f"unknown PuLP engine {engine!r}")
        self.engine = engine
        self.name = "cbc" if engine == "cbc" else "pulp-highs"
        self.description = f"compact MIP through PuLP with {engine.upper()}"
        # CBC's MIP start is not used: with a start, CBC has declared a non-optimal start "optimal" on a
        # maximisation with negative objective values (root cut off at once), a wrong proof we cannot detect.
        self.capabilities = Capabilities(
            models=mip_models(), proves_optimality=True, warm_start=engine != "cbc", threads=engine == "cbc",
            gap=True, seed=False,
        )

    def version(self) -> str:
        return f"pulp {pulp.__version__} ({self.engine.upper()})"

    def available(self) -> bool:
        return bool(self._solver(SolveOptions(), None, None).available())  # PuLP 3 returns the path

    def _solver(self, options: SolveOptions, log_path: str | None, start: dict[int, float] | None) -> pulp.LpSolver:
        common: dict[str, Any] = {
            "msg": options.verbose,
            "timeLimit": options.time_limit_s,
            "gapRel": options.gap_rel,
        }
        if self.engine == "cbc":
            return pulp.PULP_CBC_CMD(warmStart=start is not None, threads=default_threads(options),
                                     logPath=log_path, **common)
        return _HighsWithStart(start=start, **common)

    def solve(self, problem: Problem, options: SolveOptions) -> Result:
        t0 = time.perf_counter()
        model = build_model(problem)
        lp, xs = to_pulp(model)
        start: dict[int, float] | None = None
        if options.warm_start is not None and self.capabilities.warm_start:
            idx, vals = mip_start(problem, model, options.warm_start, start_assignment(options))
            start = {int(k): float(v) for k, v in zip(idx, vals, strict=True)}
            for k, v in start.items():
                xs[k].setInitialValue(v)
        build_s = time.perf_counter() - t0
        with tempfile.TemporaryDirectory(prefix="siting-cbc-") as tmp:
            log_path = os.path.join(tmp, "cbc.log") if self.engine == "cbc" else None
            t1 = time.perf_counter()
            lp.solve(self._solver(options, log_path, start))
            solve_s = time.perf_counter() - t1
            log = _read(log_path)
        values = np.array([x.varValue if x.varValue is not None else math.nan for x in xs], dtype=float)
        # PuLP leaves out a variable in no row and not in the objective (no value comes back): any value
        # within its bounds is optimal, so take the one nearest zero
        unused = np.isnan(values) & (model.c == 0) & (np.diff(model.A.tocsc().indptr) == 0)
        values[unused] = np.clip(0.0, model.lb[unused], model.ub[unused])
        if self.engine == "cbc":
            outcome = _cbc_outcome(problem, model, lp, values, log, options.gap_rel)
        else:
            outcome = _highs_outcome(problem, model, lp, values)
        return make_result(problem, outcome, solver=self.name, version=self.version(), build_s=build_s,
                           solve_s=solve_s, gap_rel=options.gap_rel, model=model,
                           fallback_bound=lambda: lp_relaxation_bound(model))


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


def _read(path: str | None) -> str:
    if path is None or not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8", errors="replace") as fh:
        return fh.read()


_CBC_BEST_POSSIBLE = re.compile(r"best possible (-?[0-9.eE+-]+)")
_CBC_STOPPED_TIME = re.compile(r"Result - Stopped on time", re.IGNORECASE)
_CBC_OPTIMAL = re.compile(r"Result - Optimal solution found")
_CBC_INFEASIBLE = re.compile(r"Result - (Problem proven infeasible|Linear relaxation infeasible)")
_CBC_GAP_EXIT = re.compile(r"Exiting as integer gap of (-?[0-9.eE+-]+)")


def cbc_bound_from_log(log: str, sense: str) -> float:
    """CBC's best possible objective (its MIP dual bound) in the model's sense, NaN if not logged.

    CBC minimises internally (a maximisation is logged negated): its ``best possible`` value is
    the last one in the log.
    """
    found = _CBC_BEST_POSSIBLE.findall(log)
    if not found:
        return math.nan
    value = float(found[-1])
    if abs(value) >= 1e49:
        return math.nan
    return -value if sense == "max" else value


def _cbc_outcome(
    problem: Problem, model: MatrixModel, lp: pulp.LpProblem, values: np.ndarray, log: str, gap_rel: float
) -> Outcome:
    # PuLP may call a run that CBC stopped on time before any solution "Infeasible": believe that only
    # without the time stop, or when the log shows the proof
    said_infeasible = lp.status == pulp.LpStatusInfeasible or lp.sol_status == pulp.LpSolutionInfeasible
    infeasible = bool(_CBC_INFEASIBLE.search(log)) or (said_infeasible and not _CBC_STOPPED_TIME.search(log))
    has_solution = lp.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible) and not np.any(
        np.isnan(values[model.site_vars])
    )
    optimal = lp.sol_status == pulp.LpSolutionOptimal and not _CBC_STOPPED_TIME.search(log)
    selected, assignment = decode(model, values, problem.n) if has_solution and not infeasible else (None, None)
    objective = float(pulp.value(lp.objective) or 0.0) if selected is not None else math.nan
    bound = cbc_bound_from_log(log, model.sense)
    if optimal and selected is not None:
        # the last "best possible" in the log may predate the end of the search: at a proven
        # optimum the bound lies the logged final gap away from the objective. Without that line
        # the objective itself is the bound only for a proof at gap 0 (CBC's own tolerance); a run
        # stopped at a requested gap keeps the logged bound (valid, if weaker), never the plan's value.
        gap = _CBC_GAP_EXIT.findall(log)
        if gap:
            slack = abs(float(gap[-1]))
            bound = objective + slack if model.sense == "max" else objective - slack
        elif gap_rel <= 0.0:
            bound = objective
    time_limited = bool(_CBC_STOPPED_TIME.search(log)) or (lp.sol_status == pulp.LpSolutionIntegerFeasible)
    return Outcome(
        selected=selected,
        assignment=assignment,
        objective=objective,
        bound=bound,
        optimal=optimal,
        infeasible=infeasible,
        time_limited=time_limited and not optimal,
        message=f"CBC: {pulp.LpStatus[lp.status]}",
    )


def _highs_outcome(problem: Problem, model: MatrixModel, lp: pulp.LpProblem, values: np.ndarray) -> Outcome:
    import highspy

    h = lp.solverModel
    ms = h.getModelStatus()
    s = highspy.HighsModelStatus
    info = h.getInfo()
    infeasible = ms in (s.kInfeasible, s.kUnboundedOrInfeasible)
    has_solution = int(info.primal_solution_status) == 2 and not np.any(np.isnan(values[model.site_vars]))
    selected, assignment = decode(model, values, problem.n) if has_solution and not infeasible else (None, None)
    # PuLP hands HiGHS the objective negated for a maximisation, without the constant term
    mult = -1.0 if model.sense == "max" else 1.0
    bound = mult * float(info.mip_dual_bound) + model.offset
    return Outcome(
        selected=selected,
        assignment=assignment,
        objective=float(pulp.value(lp.objective) or 0.0) if selected is not None else math.nan,
        bound=bound if math.isfinite(bound) else math.nan,
        optimal=ms == s.kOptimal,
        infeasible=infeasible,
        time_limited=ms == s.kTimeLimit,
        message=f"HiGHS: {h.modelStatusToString(ms)}",
    )
