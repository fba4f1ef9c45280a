r"""Location set covering (LSCP): the fewest sites covering every coverable demand point.

.. math::

    \min \sum_j y_j \quad\text{s.t.}\quad \sum_{j: d_{ij} \le r} y_j \ge 1 \;\; \forall i \text{ coverable},
    \quad y_j \in \{0, 1\}

(``p``, if given, caps the count). Formulation :mod:`solvers.formulations.lscp`.
"""

from __future__ import annotations

from solvers.models.base import CountRule, ModelDefinition, ModelKind

DEFINITION = ModelDefinition(
    kind=ModelKind.LSCP,
    summary="the fewest sites covering every coverable demand point within the radius",
    maximise=False,
    count=CountRule.MINIMISED,
    needs_radius=True,
    mip_start_completion=True,
    formulation="solvers.formulations.lscp:build",
    evaluator="solvers.check:evaluate_lscp",
    objective_scale="solvers.check:scale_site_count",
    heuristic="solvers.heuristics:lscp_heuristic",
    cpsat="solvers.backends.cpsat_models:lscp_model",
    presolve="solvers.presolve:cover_within_cap",
    infeasible="the solver proved that {count} within the {rules} cannot cover every coverable demand point",
)
