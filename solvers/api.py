"""The entry point: :func:`solve` picks a backend, runs it and verifies the answer."""

from __future__ import annotations

import time

from solvers.check import verify
from solvers.normalise import solve_scaled
from solvers.presolve import presolve_infeasibility
from solvers.problem import ModelKind, Problem, ProblemError, SolveOptions
from solvers.registry import choose
from solvers.result import Result, Status, settle_status, status_message

__all__ = ["presolve_infeasibility", "solve"]


def solve(problem: Problem, *, solver: str = "auto", options: SolveOptions | None = None) -> Result:
    """Solve ``problem`` with the named backend (or ``auto``) and verify the result independently.

    The backend sees the problem with its data scale normalised (:mod:`solvers.normalise`: weights
    and costs times powers of two, so solver tolerances work on any units); the result is in the
    original units, and the status follows the one rule of :class:`~solvers.result.Status`.

    Contradictory side constraints (more must-open sites than p, group minimums that cannot be
    met, a capacity shortfall, ...) are detected before solving and give status ``infeasible``
    with the reason. Every result with a solution is checked by :func:`solvers.check.verify`; a
    mismatch is status ``error``.

    ``Result.details`` may hold, whatever the backend:

    * ``"uncoverable"`` (LSCP): int64 array of the demand points of positive weight that no site
      that may open covers; they are left out of the model and named in the message.
    * ``"ignored_options"``: the options set in ``options`` that the backend does not honour.
    """
    options = options or SolveOptions()
    t0 = time.perf_counter()
    details: dict[str, object] = {}
    note = ""
    if problem.kind is ModelKind.LSCP:
        from solvers.formulations.lscp import uncoverable

        lost = uncoverable(problem)
        details["uncoverable"] = lost
        if lost.size:
            note = (f"{lost.size} demand points (weight {float(problem.weights[lost].sum()):.6g}) cannot be "
                    f"covered by any site that may open and are left out (e.g. {lost[:5].tolist()})")
    reason = presolve_infeasibility(problem)
    if reason:
        return Result(model=problem.kind, status=Status.INFEASIBLE, solver=solver, message=_join(reason, note),
                      verified=True, wall_s=time.perf_counter() - t0, details=details)
    backend = choose(problem, solver)
    ignored = backend.capabilities.ignored_options(options)
    if ignored:
        details["ignored_options"] = ignored
    try:
        result = solve_scaled(problem, lambda work: backend.solve(work, options))
    except ProblemError:
        raise
    except Exception as exc:  # a solver crash is reported, not raised
        return Result(model=problem.kind, status=Status.ERROR, solver=backend.name,
                      message=f"{type(exc).__name__}: {exc}", wall_s=time.perf_counter() - t0, details=details)
    result = verify(problem, result, alternatives=_alternatives(options, result))
    if result.has_solution and result.verified:
        # one status rule for every backend, on the verified objective and the proven bound
        status = settle_status(result.objective, result.bound, gap_rel=options.gap_rel,
                               time_limited=result.status is Status.TIME_LIMIT)
        if status is not result.status:
            result = result.with_(status=status, message=_join(status_message(status, options.gap_rel), result.message))
    return result.with_(wall_s=time.perf_counter() - t0, message=_join(result.message, note),
                        details={**result.details, **details})


def _alternatives(options: SolveOptions, result: Result) -> list[tuple[int, ...]]:
    """Choices of sites known besides the result (the warm start, ``auto``'s heuristic answer)."""
    found: list[tuple[int, ...]] = []
    if options.warm_start is not None:
        found.append(tuple(options.warm_start))
    auto = result.details.get("auto")
    if isinstance(auto, dict) and isinstance(auto.get("heuristic_selected"), tuple):
        found.append(auto["heuristic_selected"])
    return found


def _join(first: str, second: str) -> str:
    return f"{first}; {second}" if first and second else first or second
