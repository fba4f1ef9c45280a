"""Which formulation builds which model."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from solvers.formulations import bclp, capacitated, cflp, lscp, mclp, pcenter, pmedian
from solvers.linear import MatrixModel
from solvers.problem import ModelKind, Problem, ProblemError

FORMULATIONS: dict[ModelKind, Callable[[Problem], MatrixModel]] = {
    ModelKind.MCLP: mclp.build,
    ModelKind.PMEDIAN: pmedian.build,
    ModelKind.LSCP: lscp.build,
    ModelKind.PCENTER: pcenter.build,
    ModelKind.CPMEDIAN: capacitated.build,
    ModelKind.CMCLP: capacitated.build,
    ModelKind.CFLP: cflp.build,
    ModelKind.BCLP: bclp.build,
    # ModelKind.OUTREACH is registered by solvers.formulations.outreach (another module's slot):
    # it adds ``FORMULATIONS[ModelKind.OUTREACH] = build`` when imported, see register_optional().
}


def register_formulation(kind: ModelKind, builder: Callable[[Problem], MatrixModel]) -> None:
    """Let a module outside this file add (or replace) the builder of a model."""
    FORMULATIONS[kind] = builder


def register_optional() -> None:
    """Register formulations that live in modules which may not exist yet (OUTREACH)."""
    if ModelKind.OUTREACH in FORMULATIONS:
        return
    try:
        outreach = importlib.import_module("solvers.formulations.outreach")
    except ImportError:
        return
    builder = getattr(outreach, "build", None)
    if callable(builder):
        FORMULATIONS[ModelKind.OUTREACH] = builder


def mip_models() -> frozenset[ModelKind]:
    """The models with a MIP formulation (after registering the optional ones)."""
    register_optional()
    return frozenset(FORMULATIONS)


def build_model(problem: Problem) -> MatrixModel:
    """Build the compact MIP of ``problem``."""
    if problem.kind not in FORMULATIONS:
        register_optional()
    try:
        builder = FORMULATIONS[problem.kind]
    except KeyError:
        raise ProblemError(f"no MIP formulation for model {problem.kind}") from None
    return builder(problem)
