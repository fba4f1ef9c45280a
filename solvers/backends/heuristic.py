"""The ``heuristic`` backend: greedy plus vertex substitution (:mod:`solvers.heuristics`).

Status ``feasible`` with the LP relaxation bound (``details["bound_source"]``), computed unless
``SolveOptions.extra["heuristic_bound"]`` is False; ``optimal`` only when that bound meets the
objective within the optimality tolerance (a real proof), ``within_gap`` when it is within the
requested gap (the rule of :class:`~solvers.result.Status`). With no solution found the status is
``error`` and the message says why: a heuristic cannot prove infeasibility. Honours the time
limit and the warm start (as the starting point of the local search) and the seed (of the
iterated local search's random kicks); it is single-threaded and has no gap target.
"""

from __future__ import annotations

import math
import time

import numpy as np

from solvers.backends.base import Backend, Capabilities
from solvers.formulations import build_model
from solvers.heuristics import HeuristicFailure, run_heuristic
from solvers.lp_bound import lp_relaxation_bound
from solvers.models import models_with
from solvers.problem import Problem, SolveOptions
from solvers.result import Result, Status, relative_gap, settle_status, status_message

HEURISTIC_MODELS = models_with("heuristic")
"""The models whose definition names a heuristic."""
BOUND_TIME_S = 30.0
"""Most time spent on the LP bound (less if the time limit leaves less)."""


class HeuristicBackend(Backend):
    """Greedy construction and fast interchange, numpy-vectorised."""

    name = "heuristic"
    description = "greedy + vertex substitution (fast interchange); LP relaxation bound"

    def __init__(self) -> None:
        self.capabilities = Capabilities(
            models=HEURISTIC_MODELS, proves_optimality=False, warm_start=True, time_limit=True,
            threads=False, gap=False, seed=True,
        )

    def version(self) -> str:
        return f"siting heuristics (numpy {np.__version__})"

    def solve(self, problem: Problem, options: SolveOptions) -> Result:
        t0 = time.perf_counter()
        base = Result(model=problem.kind, status=Status.ERROR, solver=self.name, solver_version=self.version())
        found = run_heuristic(problem, time_limit_s=options.time_limit_s, warm_start=options.warm_start,
                              seed=options.seed)
        search_s = time.perf_counter() - t0
        if isinstance(found, HeuristicFailure):
            return base.with_(solve_s=search_s, wall_s=search_s,
                              message=f"the heuristic found no solution: {found.message} "
                                      "(this does not prove infeasibility)")
        bound = math.nan
        details: dict[str, object] = {"search_s": search_s}
        if options.extra.get("heuristic_bound", True) is not False:
            left = BOUND_TIME_S if options.time_limit_s is None else max(0.1, options.time_limit_s - search_s)
            tb = time.perf_counter()
            bound = lp_relaxation_bound(build_model(problem), time_limit_s=min(BOUND_TIME_S, left))
            details["bound_s"] = time.perf_counter() - tb
            if not math.isnan(bound):
                details["bound_source"] = "LP relaxation"
        if math.isfinite(found.bound):
            own = found.bound
            tighter = math.isnan(bound) or (own < bound if problem.maximise else own > bound)
            if tighter:
                bound = own
                details["bound_source"] = "heuristic's relaxation"
        gap = relative_gap(found.objective, bound)
        status = settle_status(found.objective, bound, gap_rel=options.gap_rel, time_limited=False)
        solve_s = time.perf_counter() - t0
        assignment = found.assignment if found.assignment is not None else np.zeros(0, dtype=np.int64)
        return base.with_(
            status=status,
            selected=found.selected,
            assignment=assignment,
            objective=found.objective,
            bound=bound,
            gap=gap,
            solve_s=solve_s,
            wall_s=solve_s,
            message=f"the {details['bound_source']} bound proves the heuristic solution optimal"
            if status is Status.OPTIMAL else f"heuristic solution ({status_message(status, options.gap_rel)})",
            details=details,
        )
