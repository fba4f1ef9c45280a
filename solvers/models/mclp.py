r"""Maximal covering location problem (MCLP): open :math:`p` sites to maximise the weight covered.

.. math::

    \max \sum_i w_i z_i \quad\text{s.t.}\quad z_i \le \sum_{j: d_{ij} \le r} y_j,\quad
    \sum_j y_j = p,\quad y_j, z_i \in \{0, 1\}

Formulation :mod:`solvers.formulations.mclp`; exact solver :mod:`solvers.pmedian.mclp`.
"""

from __future__ import annotations

from solvers.models.base import CountRule, ModelDefinition, ModelKind

DEFINITION = ModelDefinition(
    kind=ModelKind.MCLP,
    summary="open p sites to maximise the demand weight within the radius",
    maximise=True,
    count=CountRule.EXACT,
    needs_radius=True,
    brute_force_check=True,
    mip_start_completion=True,
    objective_weight=True,
    formulation="solvers.formulations.mclp:build",
    evaluator="solvers.check:evaluate_mclp",
    objective_scale="solvers.check:scale_total_weight",
    heuristic="solvers.heuristics:mclp_heuristic",
    cpsat="solvers.backends.cpsat_models:mclp_model",
)
