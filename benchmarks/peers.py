"""Peer solvers measured alongside ours: spopt (PySAL) with PuLP's CBC or HiGHS.

spopt is an optional dependency (the ``bench`` extra); it is imported lazily and a missing install
is reported as a skipped job, not an error. spopt builds the compact p-median / MCLP model in PuLP
(:meth:`spopt.locate.PMedian.from_cost_matrix`) and solves it with the given PuLP solver and time
limit; the selected sites it returns are re-evaluated by :func:`solvers.evaluate`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from solvers import ModelKind, Problem, evaluate

PEERS = ("spopt-cbc", "spopt-highs")


class PeerUnavailable(RuntimeError):
    """The peer's package is not installed."""


@dataclass(frozen=True)
class PeerResult:
    status: str
    objective: float
    bound: float
    build_s: float
    solve_s: float
    selected: tuple[int, ...]
    message: str = ""


def preload() -> None:
    """Import spopt and PuLP (outside the measured time); raises :class:`PeerUnavailable`."""
    try:
        import pulp  # noqa: F401
        import spopt.locate  # noqa: F401
    except ImportError as exc:
        raise PeerUnavailable(f"spopt is not installed (pip install '.[bench]'): {exc}") from exc


def _pulp_solver(name: str, time_limit_s: float | None, threads: int | None, gap_rel: float) -> object:
    import pulp

    gap = gap_rel if gap_rel > 0 else None
    if name == "spopt-cbc":
        return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, threads=threads, gapRel=gap)
    return pulp.HiGHS(msg=False, timeLimit=time_limit_s, threads=threads, gapRel=gap)


def solve_peer(
    name: str, problem: Problem, time_limit_s: float | None, threads: int | None = None, gap_rel: float = 0.0
) -> PeerResult:
    """Solve ``problem`` with spopt (``name`` is ``spopt-cbc`` or ``spopt-highs``)."""
    if name not in PEERS:
        raise KeyError(f"unknown peer {name!r}")
    try:
        import pulp
        from spopt.locate import MCLP, PMedian
    except ImportError as exc:  # the optional bench extra
        raise PeerUnavailable(f"spopt is not installed (pip install '.[bench]'): {exc}") from exc
    if problem.must_open or problem.must_close or problem.groups:
        raise ValueError("the spopt peers are run on plain instances only (no side constraints)")
    cost = np.asarray(problem.cost, dtype=np.float64)
    w = np.asarray(problem.weights, dtype=np.float64)
    assert problem.p is not None
    t0 = time.perf_counter()
    if problem.kind is ModelKind.PMEDIAN:
        model = PMedian.from_cost_matrix(cost, w, p_facilities=problem.p, name="pmedian")
    elif problem.kind is ModelKind.MCLP:
        assert problem.radius is not None
        model = MCLP.from_cost_matrix(cost, w, service_radius=problem.radius, p_facilities=problem.p, name="mclp")
    else:
        raise ValueError(f"no spopt peer for model {problem.kind}")
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    message = ""
    try:
        model.solve(_pulp_solver(name, time_limit_s, threads, gap_rel), results=False)
    except RuntimeError as exc:  # spopt raises when PuLP's status is not 'Optimal'
        message = str(exc)
    solve_s = time.perf_counter() - t1
    lp = model.problem
    fac = model.fac_vars
    values = [v.value() for v in fac]
    if any(v is None for v in values):
        status = "time_limit" if time_limit_s is not None and solve_s >= 0.9 * time_limit_s else "error"
        return PeerResult(status, math.nan, math.nan, build_s, solve_s, (), message or "no solution")
    selected = tuple(j for j, v in enumerate(values) if v is not None and v > 0.5)
    objective = evaluate(problem, selected).objective
    proven = lp.status == pulp.LpStatusOptimal and lp.sol_status == pulp.LpSolutionOptimal
    timed_out = time_limit_s is not None and solve_s >= 0.98 * time_limit_s
    if proven and not timed_out:
        status = "optimal"
    elif timed_out or lp.sol_status == pulp.LpSolutionIntegerFeasible:
        status = "time_limit"  # CBC may report 'Not Solved' with its incumbent when stopped by the limit
    elif lp.sol_status == pulp.LpSolutionOptimal:
        status = "feasible"
    else:
        status = "error"
    return PeerResult(status, objective, objective if status == "optimal" else math.nan, build_s, solve_s, selected,
                      message or f"PuLP status {pulp.LpStatus[lp.status]}, solution status {lp.sol_status}")
