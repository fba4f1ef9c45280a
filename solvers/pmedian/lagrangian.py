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
    ybar: FloatArray | None = None
    """Exponential average of the subproblem's open sites over the iterations (an estimate of the LP's ``y``)."""


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
        self._fixed_open = np.zeros(nb.m, dtype=bool)
        self._fixed_closed = np.zeros(nb.m, dtype=bool)
        self.wd_flat = nb.wd.ravel()
        self.idx_flat = nb.idx.ravel().astype(np.int64)
        self.row_start = np.arange(nb.n, dtype=np.int64) * nb.k
        self._cache: tuple[BoolArray, NDArray[np.int64], int] | None = None

    @property
    def fixed_open(self) -> BoolArray:
        """Sites fixed open so far (beyond the must-open ones); assign to replace."""
        return self._fixed_open

    @fixed_open.setter
    def fixed_open(self, mask: BoolArray) -> None:
        self._fixed_open = mask
        self._cache = None

    @property
    def fixed_closed(self) -> BoolArray:
        """Sites fixed closed so far (beyond the must-close ones); assign to replace."""
        return self._fixed_closed

    @fixed_closed.setter
    def fixed_closed(self, mask: BoolArray) -> None:
        self._fixed_closed = mask
        self._cache = None

    def _state(self) -> tuple[BoolArray, NDArray[np.int64], int]:
        """(forced mask, free site indices, free slots ``q``), cached until the fixings change."""
        if self._cache is None:
            forced = self.rules.must_open | self._fixed_open
            free = np.flatnonzero(self.rules.allowed & ~forced & ~self._fixed_closed)
            self._cache = (forced, free, self.rules.p - int(forced.sum()))
        return self._cache

    def forced(self) -> BoolArray:
        return self._state()[0].copy()

    def free(self) -> BoolArray:
        mask = np.zeros(self.nb.m, dtype=bool)
        mask[self._state()[1]] = True
        return mask

    def project(self, v: FloatArray) -> FloatArray:
        return np.minimum(np.maximum(v, self.vmin), self.vmax)

    def _active(self, v: FloatArray) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Row and flat position of the pairs with ``w_i d_ij < v_i`` (a prefix of each sorted row)."""
        nb = self.nb
        if nb.n * nb.k <= 200_000:
            flat = np.flatnonzero(nb.wd < v[:, None])
            return flat // nb.k, flat
        counts = prefix_counts(nb.wd, v)
        return prefix_entries(counts, nb.k)

    def evaluate(self, v: FloatArray) -> tuple[float, FloatArray, BoolArray, FloatArray]:
        """``L(v)``, the reduced costs ``rho``, the subproblem's open sites and the subgradient."""
        nb = self.nb
        m = nb.m
        rows, flat = self._active(v)
        sites = self.idx_flat[flat]
        vals = self.wd_flat[flat] - v[rows]
        rho: FloatArray = np.bincount(sites, vals, minlength=m + 1)[:m].astype(np.float64)
        forced, free, q = self._state()
        chosen = forced.copy()
        total = float(v.sum()) + float(rho[forced].sum())
        if q > 0:
            if q > free.size:
                return math.inf, rho, chosen, np.zeros(nb.n)
            part = free[np.argpartition(rho[free], q - 1)[:q]] if q < free.size else free
            chosen[part] = True
            total += float(rho[part].sum())
        served = np.bincount(rows, chosen[sites], minlength=nb.n)
        g: FloatArray = (1.0 - served).astype(np.float64)
        return total, rho, chosen, g

    def fix(self, lb: float, rho: FloatArray, target: float) -> int:
        """Reduced-cost fixing at a multiplier with bound ``lb``; returns the number of new fixings."""
        if not math.isfinite(target):
            return 0
        _, free, q = self._state()
        if free.size == 0 or q <= 0 or q >= free.size:
            if q <= 0 and free.size:
                self._fixed_closed[free] = True  # every slot is forced: the rest stay closed
                self._cache = None
                return int(free.size)
            if q == free.size and free.size:
                self._fixed_open[free] = True
                self._cache = None
                return int(free.size)
            return 0
        r = rho[free]
        if lb + float(r.max() - r.min()) < target:
            return 0  # no reduced cost is large enough
        order = np.argsort(r, kind="stable")
        last_in = r[order[q - 1]]
        first_out = r[order[q]]
        chosen = np.zeros(free.size, dtype=bool)
        chosen[order[:q]] = True
        close = ~chosen & (lb + r - last_in >= target)
        open_ = chosen & (lb - r + first_out >= target)
        count = int(close.sum() + open_.sum())
        if count:
            self._fixed_closed[free[close]] = True
            self._fixed_open[free[open_]] = True
            self._cache = None
        return count

    def run(
        self,
        v0: FloatArray,
        ub: Callable[[], float],
        *,
        deadline: float,
        max_iter: int = 5000,
        lam0: float = 2.0,
        patience: int = 40,
        lam_min: float = 1e-4,
        gap_rel: float = 0.0,
        lb0: float = -math.inf,
        on_iterate: Callable[[int, float, BoolArray, FloatArray], None] | None = None,
        target_slack: float = 0.01,
        method: str = "subgradient",
        stall_window: int = 0,
        stall_frac: float = 0.01,
    ) -> DualResult:
        r"""Projected subgradient ascent from ``v0``.

        The step's target is :math:`\max(\bar z, (1 + s) L(v))` with ``s = target_slack``.
        ``ub()`` returns the current incumbent objective (heuristics run in ``on_iterate`` may
        lower it). Stops at a proof, ``max_iter``, the deadline, when the step size
        ``lam`` falls below ``lam_min``, or (with ``stall_window > 0``) when a window of that many
        iterations closed less than ``stall_frac`` of the remaining gap (or less than a millionth of
        the incumbent's objective).
        """
        if method == "volume":
            return self._volume(v0, ub, deadline=deadline, max_iter=max_iter, lam0=lam0, patience=patience,
                                lam_min=lam_min, gap_rel=gap_rel, lb0=lb0, on_iterate=on_iterate,
                                target_slack=target_slack)
        t0 = time.perf_counter()
        v = self.project(v0.copy())
        best, v_best = lb0, v.copy()
        lam, stall = lam0, 0
        history: list[float] = []
        integral = self.nb.integral
        ybar: FloatArray | None = None
        window_start = -math.inf
        it = 0
        for it in range(1, max_iter + 1):
            val, rho, chosen, g = self.evaluate(v)
            if not math.isfinite(val):
                best = math.inf
                break
            history.append(val)
            ybar = chosen.astype(np.float64) if ybar is None else 0.95 * ybar + 0.05 * chosen
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
            if stall_window and it % stall_window == 0 and math.isfinite(z):
                progress = best - window_start
                if window_start > -math.inf and progress < max(stall_frac * (z - best), 1e-6 * abs(z)):
                    break
                window_start = best
            norm = float(g @ g)
            if norm == 0.0:
                # the subproblem solution serves every point once: it is optimal for its bound
                break
            # Polyak's target: the incumbent, but never closer than target_slack above the bound
            # (a near-optimal incumbent otherwise shrinks the steps before the bound converges)
            target = max(z, val + target_slack * abs(val)) if math.isfinite(z) else val + abs(val) * 0.1 + 1.0
            step = lam * max(target - val, 1e-9 * max(1.0, abs(val))) / norm
            v = self.project(v + step * g)
        return DualResult(lb=best, v=v_best, fixed_open=self._fixed_open.copy(),
                          fixed_closed=self._fixed_closed.copy(), iterations=it,
                          seconds=time.perf_counter() - t0, history=history, ybar=ybar)

    def _volume(
        self,
        v0: FloatArray,
        ub: Callable[[], float],
        *,
        deadline: float,
        max_iter: int,
        lam0: float,
        patience: int,
        lam_min: float,
        gap_rel: float,
        lb0: float,
        on_iterate: Callable[[int, float, BoolArray, FloatArray], None] | None,
        target_slack: float,
    ) -> DualResult:
        r"""The volume algorithm (Barahona and Anbil, 2000): steps from a stability centre along an
        average of past subgradients :math:`\bar g \leftarrow \alpha g + (1 - \alpha) \bar g`, which
        converges to the violation of an averaged primal solution (``ybar`` estimates the LP's
        ``y``). The centre moves only when the bound improves; ``lam`` grows after improving steps
        along :math:`\bar g` and shrinks after ``patience`` steps without improvement.
        """
        t0 = time.perf_counter()
        integral = self.nb.integral
        vc = self.project(v0.copy())
        lc, rho, chosen, g = self.evaluate(vc)
        history = [lc]
        if not math.isfinite(lc):
            return DualResult(lb=math.inf, v=vc, fixed_open=self._fixed_open.copy(),
                              fixed_closed=self._fixed_closed.copy(), iterations=1, seconds=0.0, history=history)
        best, v_best = (lc, vc.copy()) if lc > lb0 else (lb0, vc.copy())
        gbar = g.copy()
        ybar = chosen.astype(np.float64)
        lam, red = lam0, 0
        it = 1
        if on_iterate is not None:
            on_iterate(it, lc, chosen, rho)
        while it < max_iter:
            z = ub()
            if math.isfinite(z):
                self.fix(lc, rho, fixing_target(z, integral))
            if proven(best, z, integral, gap_rel) or lam < lam_min or time.perf_counter() > deadline:
                break
            norm = float(gbar @ gbar)
            if norm == 0.0:
                break
            target = max(z, lc + target_slack * abs(lc)) if math.isfinite(z) else lc + abs(lc) * 0.1 + 1.0
            step = lam * max(target - lc, 1e-9 * max(1.0, abs(lc))) / norm
            v = self.project(vc + step * gbar)
            it += 1
            val, rho_t, chosen_t, g_t = self.evaluate(v)
            if not math.isfinite(val):
                best = math.inf
                break
            history.append(val)
            diff = gbar - g_t
            dd = float(diff @ diff)
            alpha = 0.1 if dd == 0 else min(0.1, max(0.01, float(gbar @ diff) / dd))
            gbar = alpha * g_t + (1.0 - alpha) * gbar
            ybar = alpha * chosen_t + (1.0 - alpha) * ybar
            if on_iterate is not None:
                on_iterate(it, val, chosen_t, rho_t)
            if val > lc:
                if float(g_t @ gbar) >= 0:
                    lam = min(2.0, lam * 1.1)
                vc, lc, rho = v, val, rho_t
                red = 0
                if val > best:
                    best, v_best = val, v.copy()
            else:
                red += 1
                if red >= patience:
                    lam *= 0.66
                    red = 0
        return DualResult(lb=best, v=v_best, fixed_open=self._fixed_open.copy(),
                          fixed_closed=self._fixed_closed.copy(), iterations=it,
                          seconds=time.perf_counter() - t0, history=history, ybar=ybar)
