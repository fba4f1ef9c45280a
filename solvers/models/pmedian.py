r"""p-median: open :math:`p` sites to minimise the weighted cost to the nearest open site.

.. math::

    \min \sum_i \sum_j w_i d_{ij} x_{ij} \quad\text{s.t.}\quad \sum_j x_{ij} = 1,\quad x_{ij} \le y_j,\quad
    \sum_j y_j = p,\quad x_{ij}, y_j \in \{0, 1\}

Formulation :mod:`solvers.formulations.pmedian`; exact solver :mod:`solvers.pmedian.exact`.
"""

from __future__ import annotations

from solvers.models.base import CountRule, ModelDefinition, ModelKind

DEFINITION = ModelDefinition(
    kind=ModelKind.PMEDIAN,
    summary="open p sites to minimise the weighted cost to the nearest open site",
    maximise=False,
    count=CountRule.EXACT,
    serves_all_demand=True,
    brute_force_check=True,
    mip_start_completion=True,
    objective_weight=True,
    objective_cost=True,
    formulation="solvers.formulations.pmedian:build",
    evaluator="solvers.check:evaluate_pmedian",
    objective_scale="solvers.check:scale_weight_times_cost",
    heuristic="solvers.heuristics:pmedian_heuristic",
    cpsat="solvers.backends.cpsat_models:pmedian_model",
    infeasible=("the solver proved that no choice of p = {p} sites within the {rules} "
                "lets every demand point with positive weight reach an open site"),
)
