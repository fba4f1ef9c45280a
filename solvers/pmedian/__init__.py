r"""Exact p-median machinery: Lagrangian bounds, fast heuristics and a reduced radius model.

The uncapacitated p-median problem over demand points :math:`I` (weights :math:`w_i \ge 0`)
and candidate sites :math:`J` (costs :math:`d_{ij}`) is

.. math::

    \min \sum_{i \in I} \sum_{j \in J} w_i d_{ij} x_{ij}
    \quad\text{s.t.}\quad
    \sum_{j} x_{ij} = 1 \;\forall i, \qquad
    x_{ij} \le y_j \;\forall i, j, \qquad
    \sum_j y_j = p, \qquad
    y \in Y, \; x \ge 0,

where :math:`Y \subseteq \{0,1\}^J` holds the site rules (must-open, must-close, group limits).

The exact path (:mod:`solvers.backends.pmedian_exact`) combines

* :mod:`~solvers.pmedian.data`: the demand points' sorted neighbour lists, the one data
  structure every other step reads;
* :mod:`~solvers.pmedian.heuristic`: greedy construction and a vectorised fast-swap local search
  (upper bounds);
* :mod:`~solvers.pmedian.lagrangian`: the Lagrangian dual of the assignment constraints solved
  by subgradient optimisation (lower bounds), Lagrangian heuristics and reduced-cost fixing;
* :mod:`~solvers.pmedian.reduced`: the radius (covering) formulation restricted to the sites left
  free by the fixing, solved exactly by HiGHS with an iterative radius check;
* :mod:`~solvers.pmedian.benders`: the two-phase Benders decomposition of that formulation
  (``pmedian-benders``): an LP cut loop started from the Lagrangian multipliers, reduced-cost
  fixing at the LP, then the integer master in HiGHS with cuts separated in closed form.
"""

from __future__ import annotations

from solvers.pmedian.data import Neighbours, SiteRules, build_neighbours

__all__ = ["Neighbours", "SiteRules", "build_neighbours"]
