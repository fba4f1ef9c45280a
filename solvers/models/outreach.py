r"""The outreach model: which bases to keep and how staff hours reach families, frontline versus overhead.

The formulation (in LaTeX) is in :mod:`solvers.formulations.outreach`; its data are an
:class:`~solvers.formulations.outreach_spec.OutreachSpec` (``Problem.extra``); its checker is
:mod:`solvers.outreach_check`.
"""

from __future__ import annotations

from solvers.models.base import CountRule, ModelDefinition, ModelKind

DEFINITION = ModelDefinition(
    kind=ModelKind.OUTREACH,
    summary="keep bases and allocate outreach hours to maximise need reached within the frontline budget",
    maximise=True,
    count=CountRule.AT_MOST,
    scalable=False,
    formulation="solvers.formulations.outreach:build",
    evaluator="solvers.outreach_check:evaluate_outreach",
    objective_scale="solvers.outreach_check:objective_noise_scale",
    heuristic="solvers.heuristics:outreach_heuristic",
    presolve="solvers.presolve:outreach_budget",
    check_data="solvers.formulations.outreach_spec:check_problem_data",
    infeasible=("the solver proved that no choice of bases (p = {p}) within the {rules} keeps the "
                "frontline floor and the reach floors within the budget"),
)
