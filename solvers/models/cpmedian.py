r"""Capacitated p-median: the p-median with each site serving at most its capacity (single sourcing).

.. math::

    \min \sum_{ij} w_i d_{ij} x_{ij} \quad\text{s.t.}\quad \sum_j x_{ij} = 1,\quad
    \sum_i w_i x_{ij} \le Q_j y_j,\quad \sum_j y_j = p,\quad x_{ij}, y_j \in \{0, 1\}

Formulation :mod:`solvers.formulations.capacitated`.
"""

from __future__ import annotations

from solvers.models.base import CountRule, ModelDefinition, ModelKind

DEFINITION = ModelDefinition(
    kind=ModelKind.CPMEDIAN,
    summary="p-median with each site serving at most its capacity (each demand point served whole)",
    maximise=False,
    count=CountRule.EXACT,
    needs_capacity=True,
    assignment_decision=True,
    serves_all_demand=True,
    mip_start_completion=True,
    objective_weight=True,
    objective_cost=True,
    formulation="solvers.formulations.capacitated:build",
    evaluator="solvers.check:evaluate_capacitated",
    objective_scale="solvers.check:scale_weight_times_cost",
    heuristic="solvers.heuristics:capacitated_heuristic",
    cpsat="solvers.backends.cpsat_models:capacitated_model",
    presolve="solvers.presolve:capacity_shortfall",
    infeasible=("the solver proved that no choice of p = {p} sites within the {rules} can serve "
                "every demand point with positive weight within the site capacities (each point served whole)"),
)
