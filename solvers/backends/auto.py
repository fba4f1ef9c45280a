"""``auto``: the heuristic's solution as the warm start of the first capable exact backend.

The heuristic gets a small share of the time limit (:data:`HEURISTIC_SHARE`, at most
:data:`HEURISTIC_MAX_S`); the exact backend gets the rest. If the exact backend stops on its time
limit with no solution, or a worse one, the heuristic's solution is returned with the exact
backend's bound, so ``auto`` never returns less than the heuristic found. The result's solver is
``auto:<exact backend>`` and ``details["auto"]`` records both steps. An exact backend that declares
``own_heuristic`` (it constructs and improves its own starting solutions) gets no heuristic stage.
When the heuristic's solution meets a bound the heuristic proves itself, it is returned at once.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

from solvers.backends.base import Backend
from solvers.problem import Problem, SolveOptions
from solvers.result import Result, Status, relative_gap

HEURISTIC_SHARE = 0.1
HEURISTIC_MAX_S = 30.0


class AutoBackend(Backend):
    """An exact backend warm-started by a heuristic backend."""

    def __init__(self, exact: Backend, heuristic: Backend | None) -> None:
        self.exact = exact
        self.heuristic = heuristic
        self.name = f"auto:{exact.name}"
        self.description = f"{exact.name} warm-started by {heuristic.name if heuristic else 'nothing'}"
        self.capabilities = exact.capabilities

    def version(self) -> str:
        return self.exact.version()

    def available(self) -> bool:
        return self.exact.available()

    def solve(self, problem: Problem, options: SolveOptions) -> Result:
        t0 = time.perf_counter()
        warm: Result | None = None
        info: dict[str, object] = {"exact": self.exact.name}
        use_heuristic = (
            self.heuristic is not None
            and options.warm_start is None
            and self.exact.capabilities.warm_start
            and not self.exact.capabilities.own_heuristic
            and self.heuristic.capabilities.supports(problem.kind)
        )
        exact_options = options
        if use_heuristic and self.heuristic is not None:
            limit = options.time_limit_s
            h_limit = HEURISTIC_MAX_S if limit is None else min(HEURISTIC_MAX_S, HEURISTIC_SHARE * limit)
            h_options = SolveOptions(time_limit_s=h_limit, extra={"heuristic_bound": False})
            warm = self.heuristic.solve(problem, h_options)
            info |= {"heuristic": self.heuristic.name, "heuristic_objective": warm.objective,
                     "heuristic_s": warm.solve_s, "heuristic_selected": warm.selected}
            if warm.status is Status.OPTIMAL:
                # the heuristic's own bound proves its solution: no exact solve is needed
                info["returned"] = "heuristic solution (proven optimal by its bound)"
                return warm.with_(solver=self.name, details={**warm.details, "auto": info})
            if warm.has_solution:
                extra = dict(options.extra)
                if warm.assignment.size:
                    extra["warm_start_assignment"] = warm.assignment
                left = None if limit is None else max(0.1, limit - (time.perf_counter() - t0))
                exact_options = replace(options, warm_start=warm.selected, time_limit_s=left, extra=extra)
            else:
                warm = None
        result = self.exact.solve(problem, exact_options)
        result = result.with_(solver=self.name, details={**result.details, "auto": info})
        if warm is not None and result.status is Status.TIME_LIMIT and _better(problem.maximise, warm, result):
            info["returned"] = "heuristic solution (the exact solver's incumbent was not better)"
            bound = result.bound
            return result.with_(selected=warm.selected, assignment=warm.assignment, objective=warm.objective,
                                gap=relative_gap(warm.objective, bound),
                                message=f"{result.message}; heuristic solution kept")
        return result


def _better(maximise: bool, warm: Result, result: Result) -> bool:
    if math.isnan(result.objective):
        return True
    return warm.objective > result.objective if maximise else warm.objective < result.objective
