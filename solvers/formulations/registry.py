"""Which formulation builds which model."""

from __future__ import annotations

from collections.abc import Callable

from solvers.formulations import mclp
from solvers.linear import MatrixModel
from solvers.problem import ModelKind, Problem, ProblemError

FORMULATIONS: dict[ModelKind, Callable[[Problem], MatrixModel]] = {
    ModelKind.MCLP: mclp.build,
}


def build_model(problem: Problem) -> MatrixModel:
    """Build the compact MIP of ``problem``."""
    try:
        builder = FORMULATIONS[problem.kind]
    except KeyError:
        raise ProblemError(f"no MIP formulation for model {problem.kind}") from None
    return builder(problem)
