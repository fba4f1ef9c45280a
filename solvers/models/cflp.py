r"""Capacitated facility location (CFLP): opening costs plus weighted travel, a free or capped number of sites.

.. math::

    \min \sum_j f_j y_j + \sum_{ij} w_i d_{ij} x_{ij} \quad\text{s.t.}\quad \sum_j x_{ij} = 1,\quad
    \sum_i w_i x_{ij} \le Q_j y_j,\quad x_{ij} \le y_j,\quad \sum_j y_j \le p \text{ (if given)},\quad
    y_j \in \{0, 1\}

with :math:`0 \le x_{ij} \le 1` (split sourcing, the convention of OR-Library's ``capopt`` optima) or
:math:`x_{ij} \in \{0, 1\}` (``single_source``); without capacities the capacity rows are left out.
Formulation :mod:`solvers.formulations.cflp` (its docstring has the details); the checker re-solves
the split flows of the open sites as a transportation LP (:func:`solvers.check.evaluate_cflp`).
"""

from __future__ import annotations

from solvers.models.base import CountRule, ModelDefinition, ModelKind

DEFINITION = ModelDefinition(
    kind=ModelKind.CFLP,
    summary="open any number of sites (or at most p) to minimise opening costs plus weighted travel, "
            "within capacities; demand split or single-sourced",
    maximise=False,
    count=CountRule.AT_MOST,
    needs_opening_cost=True,
    # the assignment is a decision only when single-sourced: the formulation then sets MatrixModel.assign_vars
    # and the checker checks the assignment it carries; split flows are re-solved by the checker
    assignment_decision=False,
    serves_all_demand=True,
    formulation="solvers.formulations.cflp:build",
    evaluator="solvers.check_facility:evaluate_cflp",
    objective_scale="solvers.check_facility:scale_cflp",
    cpsat="solvers.backends.cpsat_facility:cflp",
    presolve="solvers.presolve:facility_capacity_shortfall",
    infeasible=("the solver proved that no choice of {count} within the {rules} can serve every demand point "
                "with positive weight within the site capacities"),
)
