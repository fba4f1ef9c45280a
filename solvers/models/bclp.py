r"""Backup coverage (BCLP): open p sites to maximise the weight covered at least twice within the radius.

.. math::

    \max \sum_{i \in B} w_i u_i \quad\text{s.t.}\quad \sum_{j \in N_i} y_j \ge 1 + u_i \;(i \in B),\quad
    \sum_{j \in N_i} y_j \ge 1 \;(i \in C \setminus B),\quad \sum_j y_j = p

(Hogan and ReVelle's BACOP1, allagash's BCLP, spopt's LSCP-B; ``require_cover=False`` replaces the
first two rows by :math:`\sum_{j \in N_i} y_j \ge 2 u_i` with :math:`u_i` binary). Formulation
:mod:`solvers.formulations.bclp` (both variants, and which one is the default, in its docstring).
"""

from __future__ import annotations

from solvers.models.base import CountRule, ModelDefinition, ModelKind

DEFINITION = ModelDefinition(
    kind=ModelKind.BCLP,
    summary="open p sites to maximise the weight covered at least twice within the radius "
            "(every coverable point covered once)",
    maximise=True,
    count=CountRule.EXACT,
    needs_radius=True,
    brute_force_check=True,
    objective_weight=True,
    formulation="solvers.formulations.bclp:build",
    evaluator="solvers.check_facility:evaluate_bclp",
    objective_scale="solvers.check:scale_total_weight",
    cpsat="solvers.backends.cpsat_facility:bclp",
    infeasible=("the solver proved that no choice of p = {p} sites within the {rules} covers every coverable "
                "demand point once (backup coverage requires it; see require_cover)"),
)
