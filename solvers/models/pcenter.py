r"""p-center: open :math:`p` sites to minimise the worst (optionally weighted) cost to the nearest one.

.. math::

    \min z \quad\text{s.t.}\quad z \ge \sum_j e_{ij} x_{ij},\quad \sum_j x_{ij} = 1,\quad x_{ij} \le y_j,\quad
    \sum_j y_j = p

with :math:`e_{ij} = d_{ij}` (or :math:`w_i d_{ij}` when ``weighted_center``). Formulation
:mod:`solvers.formulations.pcenter`; exact solver by radius search :mod:`solvers.pcenter_search`.
"""

from __future__ import annotations

from solvers.models.base import CountRule, ModelDefinition, ModelKind

DEFINITION = ModelDefinition(
    kind=ModelKind.PCENTER,
    summary="open p sites to minimise the worst (optionally weighted) cost to the nearest open site",
    maximise=False,
    count=CountRule.EXACT,
    serves_all_demand=True,
    brute_force_check=True,
    mip_start_completion=True,
    objective_cost=True,
    formulation="solvers.formulations.pcenter:build",
    evaluator="solvers.check:evaluate_pcenter",
    objective_scale="solvers.check:scale_worst_cost",
    heuristic="solvers.heuristics:pcenter_heuristic",
    cpsat="solvers.backends.cpsat_models:pcenter_model",
    infeasible=("the solver proved that no choice of p = {p} sites within the {rules} "
                "lets every demand point with positive weight reach an open site"),
)
