"""The entry point: :func:`solve` picks a backend, runs it and verifies the answer."""

from __future__ import annotations

import time

from solvers.check import verify
from solvers.problem import Problem, ProblemError, SolveOptions
from solvers.registry import choose
from solvers.result import Result, Status


def solve(problem: Problem, *, solver: str = "auto", options: SolveOptions | None = None) -> Result:
    """Solve ``problem`` with the named backend (or ``auto``) and verify the result independently.

    Contradictory side constraints (more must-open sites than p, group minimums that cannot be
    met) are detected before solving and give status ``infeasible`` with the reason.
    """
    options = options or SolveOptions()
    t0 = time.perf_counter()
    problem.validate()
    reason = presolve_infeasibility(problem)
    if reason:
        return Result(model=problem.kind, status=Status.INFEASIBLE, solver=solver, message=reason,
                      verified=True, wall_s=time.perf_counter() - t0)
    backend = choose(problem, solver)
    try:
        result = backend.solve(problem, options)
    except ProblemError:
        raise
    except Exception as exc:  # a solver crash is reported, not raised
        return Result(model=problem.kind, status=Status.ERROR, solver=backend.name,
                      message=f"{type(exc).__name__}: {exc}", wall_s=time.perf_counter() - t0)
    result = verify(problem, result)
    return result.with_(wall_s=time.perf_counter() - t0)


def presolve_infeasibility(problem: Problem) -> str:
    """A readable reason why the site rules cannot all hold, or '' (a quick, incomplete check)."""
    if problem.must_open & problem.must_close:
        both = sorted(problem.must_open & problem.must_close)
        return f"sites {both[:5]} are both must-open and must-close"
    allowed = problem.open_allowed()
    n_allowed = int(allowed.sum())
    if problem.p is not None:
        if len(problem.must_open) > problem.p:
            return f"{len(problem.must_open)} must-open sites but only p = {problem.p} bases"
        if problem.kind.value not in ("outreach",) and problem.p > n_allowed:
            return f"p = {problem.p} but only {n_allowed} sites may be opened"
    need = 0
    for g in problem.groups:
        members = set(g.members)
        can = sum(1 for j in members if allowed[j])
        forced = len(members & problem.must_open)
        if g.min_open > can:
            return f"group {g.name!r} needs at least {g.min_open} open sites but only {can} may open"
        if g.max_open is not None and forced > g.max_open:
            return f"group {g.name!r} allows at most {g.max_open} open sites but {forced} are must-open"
        if g.max_open is not None and g.min_open > g.max_open:
            return f"group {g.name!r} has minimum {g.min_open} above maximum {g.max_open}"
        need += g.min_open
    if problem.p is not None and problem.groups:
        # disjoint groups: their minimums add up
        all_members = [j for g in problem.groups for j in g.members]
        if len(all_members) == len(set(all_members)) and need > problem.p:
            return f"group minimums add up to {need} open sites but p = {problem.p}"
    return ""
