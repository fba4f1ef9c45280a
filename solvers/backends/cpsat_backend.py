"""OR-Tools CP-SAT, named ``cpsat``: the models of :mod:`solvers.backends.cpsat_models`.

The objective is integer-scaled (exactly when the data allow, which covers integer minutes and
weights with a few decimals); the solution is read back and its objective recomputed on the
unscaled data; the bound is CP-SAT's ``best_objective_bound`` divided by the scale and widened by
any rounding (``details["cpsat_scale"]``, ``details["cpsat_exact"]``). CP-SAT's own "optimal" is a
proof on the scaled model: the status follows from the bound in original units by the rule of
:class:`~solvers.result.Status`, so a solve whose data had to be rounded is ``optimal`` only if that
bound meets the objective within the optimality tolerance (else ``within_gap`` or ``feasible``).
With rounded capacities there is no valid CP-SAT bound and the LP relaxation bound is used.

Honours the time limit, relative gap, threads (``num_workers``), seed and warm start (hints). The
search uses CP-SAT's full LP relaxation (``linearization_level = 2``, and the ``max_lp`` worker
first when there are few workers): without it CP-SAT proves little on these models.
"""

from __future__ import annotations

import math
import time

import numpy as np
from ortools.sat.python import cp_model

from solvers.backends.base import Backend, Capabilities, default_threads, ortools_version
from solvers.backends.cpsat_models import CpsatModel, build_cpsat
from solvers.backends.outcome import Outcome, make_result
from solvers.check import evaluate, nearest_open
from solvers.formulations import build_model
from solvers.formulations.start import start_assignment
from solvers.lp_bound import lp_relaxation_bound
from solvers.models import models_with
from solvers.problem import BoolArray, IntArray, Problem, SolveOptions
from solvers.result import Result

CPSAT_MODELS = models_with("cpsat")
"""The models whose definition names a CP-SAT builder."""

SMALL_PORTFOLIO = ("max_lp", "quick_restart", "reduced_costs", "core", "default_lp", "pseudo_costs", "lb_tree_search")
"""CP-SAT subsolvers to run, in this order, when there are fewer than 8 workers."""


class CpsatBackend(Backend):
    """CP-SAT on boolean site and pair variables with integer-scaled data."""

    name = "cpsat"
    description = "OR-Tools CP-SAT, integer-scaled objective, best_objective_bound"

    def __init__(self) -> None:
        self.capabilities = Capabilities(
            models=CPSAT_MODELS, proves_optimality=True, warm_start=True, threads=True, gap=True, seed=True
        )

    def version(self) -> str:
        return f"CP-SAT (OR-Tools {ortools_version()})"

    def solve(self, problem: Problem, options: SolveOptions) -> Result:
        t0 = time.perf_counter()
        cm = build_cpsat(problem)
        if options.warm_start is not None:
            _hint(problem, cm, options.warm_start, start_assignment(options))
        solver = cp_model.CpSolver()
        prm = solver.parameters
        if options.time_limit_s is not None:
            prm.max_time_in_seconds = float(options.time_limit_s)
        workers = default_threads(options)
        prm.num_workers = workers
        # these models have strong LP relaxations: CP-SAT's small default portfolios (under 8
        # workers) run without LP and prove almost nothing, so put the full-LP worker first
        prm.linearization_level = 2
        if 1 < workers < 8:
            prm.subsolvers.extend(SMALL_PORTFOLIO[:workers])
        prm.random_seed = int(options.seed)
        prm.relative_gap_limit = float(options.gap_rel)
        prm.log_search_progress = bool(options.verbose)
        build_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        status = solver.solve(cm.model)
        solve_s = time.perf_counter() - t1
        details: dict[str, object] = {"cpsat_scale": cm.scale, "cpsat_exact": cm.objective_exact and cm.capacity_exact}
        if status == cp_model.MODEL_INVALID:
            return make_result(problem, Outcome(selected=None, message=f"CP-SAT: invalid model: {cm.model.validate()}",
                                                details=details),
                               solver=self.name, version=self.version(), build_s=build_s, solve_s=solve_s)
        has_solution = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        selected: tuple[int, ...] | None = None
        assignment: IntArray | None = None
        objective = math.nan
        if has_solution:
            values = np.asarray(solver.response_proto.solution, dtype=np.int64)
            selected = tuple(int(j) for j in np.flatnonzero(values[cm.y_index] > 0))
            if cm.assignment_decision:
                assignment = np.full(problem.n, -1, dtype=np.int64)
                on = values[cm.x_index] > 0
                assignment[cm.demand[on]] = cm.site[on]
            objective = cm.true_objective(values)
        if not has_solution and status != cp_model.INFEASIBLE and options.warm_start is not None:
            # CP-SAT may stop (in presolve) before it has used the hint: the warm start, if it
            # is feasible, is then the incumbent
            ev = evaluate(problem, options.warm_start, start_assignment(options))
            if ev.feasible:
                selected = tuple(sorted(int(j) for j in options.warm_start))
                assignment = ev.assignment if cm.assignment_decision else None
                objective = ev.objective
                details["incumbent"] = "the warm start (CP-SAT found no solution of its own)"
        bound = math.nan
        if has_solution or status == cp_model.UNKNOWN:
            bound = _real_bound(problem, cm, float(solver.best_objective_bound))
        # CP-SAT's proof is on the scaled model: only the bound in original units (above) counts,
        # and the status follows from it (settle_status in make_result), never from CP-SAT's word
        proven = status == cp_model.OPTIMAL and cm.capacity_exact
        if not cm.objective_exact or not cm.capacity_exact:
            details["rounding"] = (
                "objective coefficients rounded to integers; bound widened by the rounding"
                if cm.capacity_exact else
                "capacities rounded down and weights up to integers: solutions feasible, optimality not proven"
            )
        # CP-SAT ends FEASIBLE or UNKNOWN, short of a proof, only on a limit (here: time)
        limit_hit = options.time_limit_s is not None and status in (cp_model.FEASIBLE, cp_model.UNKNOWN)
        outcome = Outcome(
            selected=selected,
            assignment=assignment,
            objective=objective,
            bound=bound,
            optimal=proven,
            infeasible=status == cp_model.INFEASIBLE,
            time_limited=limit_hit and not proven,
            message=f"CP-SAT: {solver.status_name(status)}",
            details=details,
        )
        # an incumbent's pairs may be poorer than its sites allow: score the sites (uncapacitated)
        mip = build_model(problem) if selected is not None and not cm.assignment_decision else None
        return make_result(problem, outcome, solver=self.name, version=self.version(), build_s=build_s,
                           solve_s=solve_s, gap_rel=options.gap_rel,
                           fallback_bound=lambda: lp_relaxation_bound(build_model(problem)),
                           model=mip)


def _real_bound(problem: Problem, cm: CpsatModel, scaled_bound: float) -> float:
    """CP-SAT's bound in real units, widened by the rounding; NaN when it is not valid."""
    if not math.isfinite(scaled_bound) or not cm.capacity_exact:
        return math.nan
    bound = scaled_bound / cm.scale
    return bound + cm.objective_slack if problem.maximise else bound - cm.objective_slack


def _hint(problem: Problem, cm: CpsatModel, sites: tuple[int, ...], assignment: IntArray | None) -> None:
    """Hint the warm start: open sites, and pairs from the assignment (or to the nearest open site)."""
    model = cm.model
    proto = model.proto
    open_mask = np.zeros(problem.m, dtype=bool)
    open_mask[list(sites)] = True
    idx: list[int] = [int(v) for v in cm.y_index]
    val: list[int] = [int(v) for v in open_mask]
    if cm.x_index.size:
        if assignment is None and not cm.assignment_decision:
            assignment, _ = nearest_open(problem, sites)
        if assignment is not None:
            idx += [int(v) for v in cm.x_index]
            on: BoolArray = np.asarray(assignment[cm.demand] == cm.site, dtype=bool)
            val += [int(v) for v in on]
    if cm.z_index.size and problem.radius is not None:
        covered: BoolArray = np.asarray(np.asarray(problem.cost)[cm.z_demand][:, open_mask] <= problem.radius)
        idx += [int(v) for v in cm.z_index]
        val += [int(v) for v in np.asarray(covered.any(axis=1), dtype=np.int64)]
    proto.solution_hint.vars.extend(idx)
    proto.solution_hint.values.extend(val)
