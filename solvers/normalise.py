r"""Data scale normalised before a backend sees the problem, so solver tolerances mean the same everywhere.

Solvers work with absolute tolerances (HiGHS's ``mip_abs_gap`` of :math:`10^{-6}`, CBC's allowable
gap, CP-SAT's rounding to integers). On data whose objective is of order :math:`10^{-11}` (weights
of :math:`10^{-12}`) every solution is "optimal" to them, and CBC returns a wrong one; on data of
order :math:`10^{15}` they demand more digits than float64 holds. :func:`solve_scaled` multiplies
weights (and capacities) by :math:`2^a` and costs (and the radius) by :math:`2^b` so that the largest
weight and the largest finite cost lie in :math:`[1, 2)` whenever they are far from 1. Powers of two
are exact in binary floating point: every comparison (``cost <= radius``, load against capacity)
is unchanged, and so is every solution's feasibility. The result is scaled back (objective and
bound times :math:`2^{a}`, :math:`2^{b}` or both, by the model's objective) and
``details["data_scale"]`` records the factors.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from solvers.models import definition
from solvers.problem import Problem
from solvers.result import Result

LOW = 2.0**-10
"""Data whose largest value is below this are scaled up."""
HIGH = 2.0**30
"""Data whose largest value is above this are scaled down."""



@dataclass(frozen=True)
class DataScale:
    """Powers of two applied to the data: ``weight`` to weights and capacities, ``cost`` to costs and radius."""

    weight: float = 1.0
    cost: float = 1.0

    def objective_factor(self, problem: Problem) -> float:
        """What the model's objective was multiplied by."""
        f = 1.0
        model = definition(problem.kind)
        if model.objective_weight or (model.objective_cost and problem.weighted_center):
            f *= self.weight
        if model.objective_cost:
            f *= self.cost
        return f

    @property
    def identity(self) -> bool:
        return self.weight == 1.0 and self.cost == 1.0


def _power(largest: float) -> float:
    """The power of two taking ``largest`` into [1, 2), or 1 when it is already within [LOW, HIGH]."""
    if not math.isfinite(largest) or largest <= 0 or LOW <= largest <= HIGH:
        return 1.0
    return 2.0 ** (-math.floor(math.log2(largest)))


def data_scale(problem: Problem) -> DataScale:
    """The factors for ``problem`` (identity for OUTREACH, whose data live in its spec)."""
    if not definition(problem.kind).scalable:
        return DataScale()
    w = problem.weights
    weight = _power(float(w.max(initial=0.0)))
    cost = 1.0
    if definition(problem.kind).objective_cost:
        c = np.asarray(problem.cost)
        finite = c[np.isfinite(c)]
        cost = _power(float(finite.max(initial=0.0)))
        if cost != 1.0 and c.dtype == np.float32:
            big = float(finite.max(initial=0.0)) * cost
            if not math.isfinite(big) or float(finite[finite > 0].min(initial=1.0)) * cost < 2.0**-120:
                cost = 1.0  # scaling would leave float32's range: leave the costs alone
    return DataScale(weight=weight, cost=cost)


def apply(problem: Problem, scale: DataScale) -> Problem:
    """``problem`` with its data scaled (the same problem when ``scale`` is the identity)."""
    if scale.identity:
        return problem
    cost = problem.cost if scale.cost == 1.0 else np.asarray(problem.cost) * problem.cost.dtype.type(scale.cost)
    return replace(
        problem,
        weights=problem.weights * scale.weight,
        cost=cost,
        radius=None if problem.radius is None else problem.radius * scale.cost,
        capacity=None if problem.capacity is None else problem.capacity * scale.weight,
    )


def solve_scaled(problem: Problem, run: Callable[[Problem], Result]) -> Result:
    """``run`` on the normalised problem, with the result in the original units."""
    scale = data_scale(problem)
    if scale.identity:
        return run(problem)
    result = run(apply(problem, scale))
    f = scale.objective_factor(problem)
    return result.with_(objective=result.objective / f, bound=result.bound / f,
                        details={**result.details, "data_scale": {"weights": scale.weight, "costs": scale.cost}})
