r"""Lagrangian lower bounds for the p-median problem, with reduced-cost fixing.

Relaxing the assignment constraints :math:`\sum_j x_{ij} = 1` with multipliers :math:`v_i` (in
units of weighted cost) gives the Lagrangian function

.. math::

    L(v) = \sum_{i} v_i + \min_{y \in Y'} \sum_{j} \rho_j(v)\, y_j,
    \qquad
    \rho_j(v) = \sum_{i} \min\bigl(0,\ w_i d_{ij} - v_i\bigr),

where :math:`Y'` keeps ``p``, must-open and must-close (and the sites fixed so far) but drops the
group limits, so the inner minimum opens the forced sites and the :math:`p - |\text{forced}|` free
sites of smallest :math:`\rho_j`. Every :math:`L(v)` is a lower bound on the optimum; the
Lagrangian dual :math:`\max_v L(v)` equals the LP relaxation of the compact model (the
subproblem has the integrality property) and is approached by projected subgradient steps

.. math::

    v \leftarrow \Pi\Bigl(v + \lambda \frac{\bar z - L(v)}{\lVert g \rVert^2}\, g\Bigr),
    \qquad g_i = 1 - \sum_j [\,y_j = 1,\ w_i d_{ij} < v_i\,],

with :math:`\bar z` the best known objective and :math:`\lambda` halved when the bound stalls.
The projection :math:`\Pi` clips :math:`v_i` to :math:`[w_i d_{i,(1)},\ w_i\,\mathrm{cap}_i]`: below the
nearest site a multiplier only lowers the bound, and above the list's cap it would need pairs
outside the truncated neighbour list (with the clip those pairs have :math:`\rho` terms of zero,
so the bound is exact for the lists used).

**Reduced-cost fixing.** Let :math:`r_{(1)} \le r_{(2)} \le \dots` be the sorted :math:`\rho` of the free
sites and :math:`q` the number opened by the subproblem. Forcing a closed free site :math:`j` open
gives the bound :math:`L + \rho_j - r_{(q)}`, forcing an open one closed
:math:`L - \rho_j + r_{(q+1)}`. When that bound reaches the incumbent's objective :math:`\bar z`
no solution with the opposite value of :math:`y_j` is better than the incumbent, so :math:`y_j` is
fixed (for integral data, reaching :math:`\bar z - 1` suffices). Fixings from different multipliers
accumulate and tighten later bounds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from solvers.pmedian.data import Neighbours, SiteRules, prefix_counts, prefix_entries

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]


@dataclass
class DualResult:
    """State of the Lagrangian dual after a run."""

    lb: float
    v: FloatArray
    fixed_open: BoolArray
    fixed_closed: BoolArray
    iterations: int = 0
    seconds: float = 0.0
    history: list[float] = field(default_factory=list)


def fixing_target(ub: float, integral: bool) -> float:
    """Bound a restricted problem must reach to be discarded (below ``ub`` for integral data)."""
    if not math.isfinite(ub):
        return math.inf
    if integral:
        return ub - 1.0 + 1e-6 * max(1.0, 1e-9 * abs(ub))
    return ub + 1e-10 * abs(ub)


def proven(lb: float, ub: float, integral: bool, gap_rel: float = 0.0) -> bool:
    """Whether the lower bound ``lb`` proves ``ub`` optimal (or within ``gap_rel``)."""
    if not (math.isfinite(lb) and math.isfinite(ub)):
        return False
    eff = math.ceil(lb - 1e-6) if integral else lb
    tol = max(gap_rel * abs(ub), 1e-9 * max(1.0, abs(ub)))
    return ub - eff <= tol


class LagrangianDual:
    """The Lagrangian function of a p-median instance on its neighbour lists."""

    def __init__(self, nb: Neighbours, rules: SiteRules) -> None:
        self.nb = nb
        self.rules = rules
        self.vmin = nb.wd[:, 0].copy()
        self.vmax = nb.w * nb.cap  # inf for complete lists
        self.fixed_open = np.zeros(nb.m, dtype=bool)
        self.fixed_closed = np.zeros(nb.m, dtype=bool)
        self.wd_flat = nb.wd.ravel()
        self.idx_flat = nb.idx.ravel().astype(np.int64)

    def forced(self) -> BoolArray:
        return self.rules.must_open | self.fixed_open

    def free(self) -> BoolArray:
        return self.rules.allowed & ~self.rules.must_open & ~self.fixed_open & ~self.fixed_closed

    def project(self, v: FloatArray) -> FloatArray:
        return np.minimum(np.maximum(v, self.vmin), self.vmax)

    def evaluate(self, v: FloatArray) -> tuple[float, FloatArray, BoolArray, FloatArray]:
        """``L(v)``, the reduced costs ``rho``, the subproblem's open sites and the subgradient."""
        nb = self.nb
        m = nb.m
        counts = prefix_counts(nb.wd, v)
        rows, flat = prefix_entries(counts, nb.k)
        sites = self.idx_flat[flat]
        vals = self.wd_flat[flat] - v[rows]
        rho = np.bincount(sites, vals, minlength=m + 1)[:m]
        forced = self.forced()
        free = np.flatnonzero(self.free())
        q = self.rules.p - int(forced.sum())
        chosen = forced.copy()
        total = float(v.sum()) + float(rho[forced].sum())
        if q > 0:
            if q > free.size:
                return math.inf, rho, chosen, np.zeros(nb.n)
            part = free[np.argpartition(rho[free], q - 1)[:q]] if q < free.size else free
            chosen[part] = True
            total += float(rho[part].sum())
        served = np.bincount(rows, chosen[sites].astype(np.float64), minlength=nb.n)
        g = 1.0 - served
        return total, rho, chosen, g

    def fix(self, lb: float, rho: FloatArray, target: float) -> int:
        """Reduced-cost fixing at a multiplier with bound ``lb``; returns the number of new fixings."""
        if not math.isfinite(target):
            return 0
        free = np.flatnonzero(self.free())
        q = self.rules.p - int(self.forced().sum())
        if free.size == 0 or q <= 0 or q >= free.size:
            if q <= 0 and free.size:
                self.fixed_closed[free] = True  # every slot is forced: the rest stay closed
                return int(free.size)
            if q == free.size and free.size:
                self.fixed_open[free] = True
                return int(free.size)
            return 0
        r = rho[free]
        order = np.argsort(r, kind="stable")
        last_in = r[order[q - 1]]
        first_out = r[order[q]]
        chosen = np.zeros(free.size, dtype=bool)
        chosen[order[:q]] = True
        close = ~chosen & (lb + r - last_in >= target)
        open_ = chosen & (lb - r + first_out >= target)
        self.fixed_closed[free[close]] = True
        self.fixed_open[free[open_]] = True
        return int(close.sum() + open_.sum())

    def run(
        self,
        v0: FloatArray,
        ub: Callable[[], float],
        *,
        deadline: float,
        max_iter: int = 5000,
        lam0: float = 1.0,
        patience: int = 25,
        lam_min: float = 1e-4,
        gap_rel: float = 0.0,
        lb0: float = -math.inf,
        on_iterate: Callable[[int, float, BoolArray, FloatArray], None] | None = None,
    ) -> DualResult:
        """Projected subgradient ascent from ``v0``.

        ``ub()`` returns the current incumbent objective (heuristics run in ``on_iterate`` may
        lower it). Stops at a proof, ``max_iter``, the deadline, or when the step size
        ``lam`` falls below ``lam_min``.
        """
        t0 = time.perf_counter()
        v = self.project(v0.copy())
        best, v_best = lb0, v.copy()
        lam, stall = lam0, 0
        history: list[float] = []
        integral = self.nb.integral
        it = 0
        for it in range(1, max_iter + 1):
            val, rho, chosen, g = self.evaluate(v)
            if not math.isfinite(val):
                best = math.inf
                break
            history.append(val)
            z = ub()
            if not math.isfinite(best) or val > best + 1e-12 * max(1.0, abs(best)):
                if not math.isfinite(best) or val > best + 1e-9 * max(1.0, abs(best)):
                    stall = 0
                best, v_best = val, v.copy()
            else:
                stall += 1
            if stall >= patience:
                lam *= 0.5
                stall = 0
            if on_iterate is not None:
                on_iterate(it, val, chosen, rho)
                z = ub()
            if math.isfinite(z):
                self.fix(val, rho, fixing_target(z, integral))
            if proven(best, z, integral, gap_rel) or lam < lam_min or time.perf_counter() > deadline:
                break
            norm = float(g @ g)
            if norm == 0.0:
                # the subproblem solution serves every point once: it is optimal for its bound
                break
            target = z if math.isfinite(z) else val + abs(val) * 0.1 + 1.0
            step = lam * max(target - val, 1e-9 * max(1.0, abs(val))) / norm
            v = self.project(v + step * g)
        return DualResult(lb=best, v=v_best, fixed_open=self.fixed_open.copy(),
                          fixed_closed=self.fixed_closed.copy(), iterations=it,
                          seconds=time.perf_counter() - t0, history=history)
