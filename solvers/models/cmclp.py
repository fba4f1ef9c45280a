r"""Capacitated maximal covering: the covered weight assigned to open sites within their capacities.

.. math::

    \max \sum_{ij: d_{ij} \le r} w_i x_{ij} \quad\text{s.t.}\quad \sum_j x_{ij} \le 1,\quad
    \sum_i w_i x_{ij} \le Q_j y_j,\quad \sum_j y_j = p,\quad x_{ij}, y_j \in \{0, 1\}

Formulation :mod:`solvers.formulations.capacitated`.
"""

from __future__ import annotations

from solvers.models.base import CountRule, ModelDefinition, ModelKind

DEFINITION = ModelDefinition(
    kind=ModelKind.CMCLP,
    summary="open p sites to maximise the demand weight covered within the radius and the site capacities",
    maximise=True,
    count=CountRule.EXACT,
    needs_radius=True,
    needs_capacity=True,
    assignment_decision=True,
    mip_start_completion=True,
    objective_weight=True,
    formulation="solvers.formulations.capacitated:build",
    evaluator="solvers.check:evaluate_capacitated",
    objective_scale="solvers.check:scale_total_weight",
    heuristic="solvers.heuristics:capacitated_heuristic",
    cpsat="solvers.backends.cpsat_models:capacitated_model",
)
