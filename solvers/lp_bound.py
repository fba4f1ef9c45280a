"""A valid bound on any :class:`~solvers.linear.MatrixModel` from its LP relaxation, solved by HiGHS."""

from __future__ import annotations

import math

import highspy

from solvers.highs_model import highs_from_model
from solvers.linear import MatrixModel


def lp_relaxation_bound(model: MatrixModel, *, time_limit_s: float = 60.0) -> float:
    """Optimal value of the LP relaxation (an upper bound for max, lower for min); NaN if not solved.

    For a model whose objective takes integer values only (LSCP: a count of sites) the bound is
    rounded to the next integer in the right direction.
    """
    h = highs_from_model(model, relax=True)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return math.nan
    value = float(h.getInfo().objective_function_value)
    if model.objective_integral:
        value = math.floor(value + 1e-6) if model.sense == "max" else math.ceil(value - 1e-6)
    return value
