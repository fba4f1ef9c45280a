"""Which formulation builds which model: each model's definition names it (:mod:`solvers.models`)."""

from __future__ import annotations

from solvers.linear import MatrixModel
from solvers.models import definition, models_with
from solvers.problem import ModelKind, Problem, ProblemError


def mip_models() -> frozenset[ModelKind]:
    """The models with a MIP formulation."""
    return models_with("formulation")


def build_model(problem: Problem) -> MatrixModel:
    """Build the compact MIP of ``problem``."""
    model = definition(problem.kind)
    if model.formulation is None:
        raise ProblemError(f"no MIP formulation for model {problem.kind}")
    return model.build_mip(problem)
