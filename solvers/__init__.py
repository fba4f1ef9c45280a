"""Pure optimisation for location models over numpy arrays: no geography, no pandas.

Models (:class:`ModelKind`): one definition each in :mod:`solvers.models` (``solvers.models.MODEL_NAMES``
lists them; formulations in :mod:`solvers.formulations`). Backends by name: ``highs``
(HiGHS, direct), ``pulp-highs`` and ``cbc`` (through PuLP), ``scip`` (OR-Tools), ``cpsat``
(OR-Tools CP-SAT), ``heuristic`` (greedy + interchange) and ``auto`` (an exact backend
warm-started by the heuristic); :func:`solvers.registry.names` lists what is registered.

>>> import numpy as np
>>> from solvers import make_problem, solve
>>> cost = np.array([[0.0, 4.0], [4.0, 0.0], [1.0, 3.0]])
>>> solve(make_problem("mclp", [1.0, 1.0, 1.0], cost, p=1, radius=1.5), solver="cbc").objective
2.0
"""

from __future__ import annotations

from solvers.api import presolve_infeasibility, solve
from solvers.check import evaluate, verify
from solvers.problem import GroupLimit, ModelKind, Problem, ProblemError, SolveOptions, make_problem
from solvers.result import Result, Status

__all__ = [
    "GroupLimit",
    "ModelKind",
    "Problem",
    "ProblemError",
    "Result",
    "SolveOptions",
    "Status",
    "evaluate",
    "make_problem",
    "presolve_infeasibility",
    "solve",
    "verify",
]
