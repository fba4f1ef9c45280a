"""Scaling real coefficients to integers for integer-only solvers (CP-SAT).

:func:`integer_scale` looks for the smallest power of ten that makes every value an integer
(exactly, up to floating-point noise) while keeping sums safely inside 64-bit integers. If there
is none (for example weights like 1/3), it rounds at the finest safe power of ten and says so:
``exact`` is False and ``max_error`` bounds the rounding error of one value, in original units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

SUM_LIMIT = float(2**53)
"""Sums of scaled values stay below this, so they are exact in float64 and far from int64 overflow."""
EXACT_TOL = 1e-12
"""Relative difference up to which a scaled value counts as exactly an integer (float noise)."""
ROUNDED_TARGET = 1e9
"""When rounding is unavoidable, the largest value maps to at most about this integer."""


@dataclass(frozen=True)
class IntegerScale:
    """Values multiplied by ``scale`` and rounded.

    Attributes:
        scale: the factor (a power of ten).
        values: the scaled integers.
        exact: every value times ``scale`` was already an integer.
        errors: ``|value - scaled / scale|`` per value, in original units (all 0 when exact).
    """

    scale: float
    values: NDArray[np.int64]
    exact: bool
    errors: NDArray[np.float64]

    @property
    def max_error(self) -> float:
        return float(self.errors.max(initial=0.0))


def integer_scale(values: NDArray[np.floating], *, terms: int | None = None, max_power: int = 9) -> IntegerScale:
    """Scale ``values`` to integers; ``terms`` is how many of them may add up in one sum."""
    v = np.asarray(values, dtype=np.float64)
    count = max(1, terms if terms is not None else v.size)
    vmax = float(np.abs(v).max(initial=0.0)) or 1.0
    limit = SUM_LIMIT / count
    best_power = 0
    for k in range(max_power + 1):
        s = 10.0**k
        if vmax * s > limit:
            break
        r = np.round(v * s)
        # exact up to floating-point noise in the original units (not in the scaled ones, whose
        # tolerance would grow with the scale)
        if np.all(np.abs(v - r / s) <= EXACT_TOL * np.maximum(1.0, np.abs(v))):
            return IntegerScale(s, r.astype(np.int64), True, np.zeros(v.shape))
        if vmax * s <= ROUNDED_TARGET:
            best_power = k
    s = 10.0**best_power
    r = np.round(v * s)
    return IntegerScale(s, r.astype(np.int64), False, np.abs(v - r / s))


def conservative_capacity_scale(
    weights: NDArray[np.floating], capacity: NDArray[np.floating], *, terms: int
) -> tuple[float, NDArray[np.int64], NDArray[np.int64], bool]:
    """One scale for weights and capacities; weights rounded up and capacities down if inexact.

    Returns ``(scale, scaled weights, scaled capacities, exact)``. When inexact, every integer
    solution of the scaled model is feasible for the real one (never the other way round).
    """
    w = np.asarray(weights, dtype=np.float64)
    c = np.asarray(capacity, dtype=np.float64)
    both = integer_scale(np.concatenate([w, c]), terms=terms)
    if both.exact:
        return both.scale, both.values[: w.size], both.values[w.size:], True
    s = both.scale
    return s, np.ceil(w * s - 1e-9).astype(np.int64), np.floor(c * s + 1e-9).astype(np.int64), False
