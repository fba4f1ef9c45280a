r"""Two-phase Benders decomposition of Elloumi's radius formulation, after Durán-Mateluna, Alès and Elloumi.

After the Lagrangian phase (:mod:`~solvers.pmedian.lagrangian`) the sites split into open
:math:`O` (must-open and fixed open), closed, and free :math:`F`, with :math:`q = p - |O|` free
sites still to open. For a demand point :math:`i` let :math:`f_i = \min_{j \in O} d_{ij}`
(:math:`\infty` if :math:`O = \emptyset`) and :math:`F_i = \{ j \in F : d_{ij} < f_i \}`; points with
:math:`F_i = \emptyset` pay :math:`f_i` whatever the free sites do and leave the model.

**Elloumi's formulation and its projection.** With :math:`D_i^1 < \dots < D_i^{K_i}` the distinct
costs of :math:`F_i` and :math:`D_i^{K_i+1} = f_i`, Elloumi's model charges a point
:math:`D_i^1 + \sum_k (D_i^{k+1} - D_i^k) z_i^k` with
:math:`z_i^k \ge 1 - \sum_{j \in F_i : d_{ij} \le D_i^k} y_j`, :math:`z \ge 0`. For fixed :math:`y` the
subproblem of point :math:`i` is solved in closed form: with :math:`k^*` the first level at which the
open mass :math:`\sum_{d_{ij} \le D_i^k} y_j` reaches 1 (:math:`D_i^{k^*} = f_i` if none),

.. math::

    \varphi_i(y) = D_i^{k^*} - \sum_{j \in F_i:\ d_{ij} < D_i^{k^*}} (D_i^{k^*} - d_{ij})\, y_j
                 = \max_{r \in \{D_i^k\}} \Bigl( r - \sum_{j \in F_i} (r - d_{ij})^+ y_j \Bigr),

so every level :math:`r` gives a valid *Benders cut*, separated in time linear in :math:`|F_i|`:

.. math::

    \theta_i + \sum_{j \in F_i:\ d_{ij} < r} (r - d_{ij})\, y_j \ \ge\ r .

The master problem over the free sites is

.. math::

    \min\ C + \sum_{i} w_i \theta_i
    \quad\text{s.t.}\quad \sum_{j \in F} y_j = q,\quad \text{group limits},\quad
    D_i^1 \le \theta_i \le f_i,\quad \text{the cuts found so far},\quad y \in \{0,1\}^F,

with :math:`C = \sum_{i: F_i = \emptyset} w_i f_i`. Points that no open site reaches
(:math:`f_i = \infty`) get the row :math:`\sum_{j \in F_i} y_j \ge 1` and their largest free cost as
the top level.

**Phase 1** solves the master's LP relaxation (equal to the LP relaxation of the compact model) by
a cut loop in HiGHS. The first cuts come from the Lagrangian phase: the level :math:`r_i = v_i / w_i`
of each point's best multiplier :math:`v_i` (any :math:`r` gives a valid cut), and with one such cut
per point the master LP is exactly :math:`L(v)`, the Lagrangian bound
(:mod:`~solvers.pmedian.lagrangian`), so the loop starts where the subgradient stopped. It then
separates at the LP point and at an in-out stabilised point
:math:`\tfrac12(y^{\mathrm{core}} + y^{\mathrm{LP}})` (the core point starts at the Lagrangian average
:math:`\bar y`). Its optimum, and every intermediate master LP value, is a lower bound. The LP's
reduced costs then fix more sites: a site at 0 with reduced cost :math:`c_j` has
:math:`z_{LP} + c_j \ge \bar z` closed, and symmetrically for sites at 1.

**Phase 2** makes :math:`y` integer and solves the master by HiGHS's branch and cut, started from the
incumbent (with :math:`\theta_i` its true costs, which satisfy every cut). HiGHS has no lazy-constraint
callback, so the loop is our own: the master's solution is evaluated exactly, points whose
:math:`\theta_i` undercharges them get the cut at their true cost, and the master is solved again.
Each master (a relaxation of the problem restricted by the fixings) gives a valid lower bound; the
loop ends when the bound meets the incumbent.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import highspy
import numpy as np
from numpy.typing import NDArray

from solvers.pmedian.data import Neighbours, SiteRules
from solvers.pmedian.heuristic import swap_search
from solvers.pmedian.lagrangian import fixing_target, proven

log = logging.getLogger(__name__)
BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Most (point, free site) pairs taken from full cost rows (points whose list ends before ``f_i``).
MAX_FULL_PAIRS = 30_000_000
#: Largest number of phase-1 LP rounds.
MAX_LP_ROUNDS = 400
#: Masters with at least this many points solve their first LP by the interior point method.
IPM_POINTS = 5_000
#: Relative gap at which the closer calls the incumbent proven (ten times tighter than the status rule's 1e-6).
TOLERANCE_REL = 1e-7


@dataclass
class BendersOutcome:
    """What the Benders closer proved.

    Attributes:
        status: ``"optimal"`` (the bound meets the incumbent within the gap), ``"time_limit"``,
            ``"too_large"`` (the model was not built) or ``"error"``.
        open_mask: the best solution the master found (``None`` if none).
        objective: its true objective (``inf`` if none).
        bound: a lower bound valid for every solution consistent with the fixings.
        lp_bound: the phase-1 bound; ``lp_rounds``, ``mip_rounds``: loop counts; ``cuts``: cuts added.
        fixed_by_lp: sites fixed by the LP reduced costs; ``purged``: cuts slack at the LP optimum, dropped
            before phase 2; ``master_points``: points in the master;
            ``free_sites``: free sites entering phase 2; ``seconds``: time spent.
    """

    status: str
    open_mask: BoolArray | None
    objective: float
    bound: float
    lp_bound: float = -math.inf
    lp_rounds: int = 0
    mip_rounds: int = 0
    cuts: int = 0
    fixed_by_lp: int = 0
    purged: int = 0
    master_points: int = 0
    free_sites: int = 0
    seconds: float = 0.0
    message: str = ""


@dataclass
class Points:
    r"""The master's points: each one's free sites :math:`F_i` in cost order (CSR), top level and weight.

    ``ptr`` delimits each point's entries in ``site`` (positions in the free-site array) and ``dist``.
    ``top`` is the last level: :math:`f_i`; the largest free cost when no open site reaches the point
    (``need_row``: the row :math:`\sum_{j \in F_i} y_j \ge 1` applies); or, for a *truncated* point
    whose neighbour list ends before :math:`f_i`, the list's cap (every site left out costs at least
    that much, so the cuts stay valid; :meth:`extend` replaces the list by the full cost row when a
    master solution needs a level beyond it). ``f`` is :math:`f_i`, an upper bound on :math:`\theta_i`.
    """

    rows: IntArray
    w: FloatArray
    f: FloatArray
    ptr: IntArray
    site: IntArray
    dist: FloatArray
    top: FloatArray
    need_row: BoolArray
    truncated: BoolArray
    constant: float

    @property
    def count(self) -> int:
        return int(self.rows.size)

    def entry_row(self) -> IntArray:
        return np.repeat(np.arange(self.count, dtype=np.int64), np.diff(self.ptr))

    def lowest(self) -> FloatArray:
        """Each point's cheapest free cost (its top level if it has none): a lower bound on theta."""
        has = np.diff(self.ptr) > 0
        out = self.top.copy()
        out[has] = self.dist[self.ptr[:-1][has]]
        return np.minimum(out, self.top)

    def separate(self, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        r""":math:`\varphi_i(y)` and the level :math:`r_i` of its cut, at any ``y`` over the free sites."""
        er = self.entry_row()
        ye = y[self.site]
        cs = np.cumsum(ye)
        start_cs = np.concatenate([[0.0], cs])[self.ptr[:-1]]
        cum = cs - start_cs[er]
        pos = np.where(cum >= 1.0 - 1e-9, np.arange(er.size), np.iinfo(np.int64).max)
        first = np.full(self.count, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first, er, pos)
        hit = first < np.iinfo(np.int64).max
        level = self.top.copy()
        level[hit] = self.dist[first[hit]]
        contrib = np.maximum(level[er] - self.dist, 0.0) * ye
        phi = level - np.bincount(er, weights=contrib, minlength=self.count)
        return phi, level

    def cuts(self, which: IntArray, level: FloatArray, theta_col0: int) -> tuple[IntArray, IntArray, FloatArray,
                                                                                   FloatArray]:
        r"""Rows :math:`\theta_i + \sum_{d_{ij} < r_i} (r_i - d_{ij}) y_j \ge r_i` for the points ``which`` (CSR)."""
        starts = [0]
        cols: list[IntArray] = []
        vals: list[FloatArray] = []
        for t in which.tolist():
            a, b = int(self.ptr[t]), int(self.ptr[t + 1])
            r = float(level[t])
            d = self.dist[a:b]
            k = int(np.searchsorted(d, r, side="left"))
            cols.append(np.concatenate([[theta_col0 + t], self.site[a:a + k]]).astype(np.int64))
            vals.append(np.concatenate([[1.0], r - d[:k]]))
            starts.append(starts[-1] + k + 1)
        return (np.asarray(starts[:-1], dtype=np.int64), np.concatenate(cols) if cols else np.zeros(0, np.int64),
                np.concatenate(vals) if vals else np.zeros(0), level[which])

    def extend(self, ts: IntArray, nb: Neighbours, free: IntArray) -> None:
        """Replace the truncated lists of the points ``ts`` by their full cost rows (levels up to ``f_i``)."""
        er = self.entry_row()
        drop = np.isin(er, ts)
        nr, ns, nd = _full_entries(nb, self.rows[ts], free, self.f[ts])
        pos_of = np.full(nb.n, -1, dtype=np.int64)
        pos_of[self.rows] = np.arange(self.count)
        er2 = np.concatenate([er[~drop], pos_of[nr]])
        es2 = np.concatenate([self.site[~drop], ns])
        ed2 = np.concatenate([self.dist[~drop], nd])
        order = np.lexsort((ed2, er2))
        self.site, self.dist = es2[order], ed2[order]
        self.ptr = np.concatenate([[0], np.cumsum(np.bincount(er2, minlength=self.count))]).astype(np.int64)
        self.truncated[ts] = False
        self.top[ts] = self.f[ts]
        open_ended = ts[np.isinf(self.f[ts])]
        self.need_row[open_ended] = True
        counts = np.diff(self.ptr)
        if open_ended.size and np.any(counts[open_ended] == 0):
            raise ValueError("a demand point can reach no site that may open")
        self.top[open_ended] = self.dist[self.ptr[open_ended + 1] - 1]


def _full_entries(nb: Neighbours, rows: IntArray, free: IntArray, f: FloatArray) -> tuple[IntArray, IntArray,
                                                                                          FloatArray]:
    """(point, free-site position, cost) of every free site cheaper than ``f`` for the points ``rows``."""
    parts_r, parts_s, parts_d = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
    step = max(1, 4_000_000 // max(1, free.size))
    for s in range(0, rows.size, step):
        rr = rows[s:s + step]
        sub = nb.full_rows(rr, free)
        rl, cl = np.nonzero(sub < f[s:s + step, None])
        parts_r.append(rr[rl])
        parts_s.append(cl.astype(np.int64))
        parts_d.append(sub[rl, cl])
    return np.concatenate(parts_r), np.concatenate(parts_s), np.concatenate(parts_d)


def build_points(nb: Neighbours, free: IntArray, forced: IntArray) -> Points | None:
    """The master's points (see :class:`Points`); ``None`` if full cost rows would exceed :data:`MAX_FULL_PAIRS`.

    A point whose neighbour list ends before :math:`f_i` takes its full cost row when all such rows
    fit in :data:`MAX_FULL_PAIRS` pairs; otherwise it keeps its list and is truncated at the cap.
    """
    n = nb.n
    f = np.full(n, np.inf)
    if forced.size:
        om = np.zeros(nb.m, dtype=bool)
        om[forced] = True
        f = nb.nearest_two(om)[1]
    pos = np.full(nb.m + 1, -1, dtype=np.int64)
    pos[free] = np.arange(free.size)
    top = np.minimum(f, nb.cap)
    fp = pos[nb.idx]
    keep = (fp >= 0) & (nb.dist < top[:, None])
    long_rows = np.flatnonzero(nb.cap < f)  # the list may miss free sites cheaper than f_i
    if long_rows.size * free.size > MAX_FULL_PAIRS:
        long_rows = long_rows[~keep[long_rows].any(axis=1)]  # only those with no free site in their list
        if long_rows.size * free.size > MAX_FULL_PAIRS:
            return None
    truncated = nb.cap < f
    truncated[long_rows] = False
    top[long_rows] = f[long_rows]
    keep[long_rows] = False
    r_l, c_l = np.nonzero(keep)
    fr, fs, fd = _full_entries(nb, long_rows, free, f[long_rows])
    er = np.concatenate([r_l.astype(np.int64), fr])
    es = np.concatenate([fp[r_l, c_l], fs])
    ed = np.concatenate([nb.dist[r_l, c_l], fd])
    order = np.lexsort((ed, er))
    er, es, ed = er[order], es[order], ed[order]
    counts = np.bincount(er, minlength=n)
    in_master = (counts > 0) | truncated
    if np.any(~in_master & np.isinf(f)):
        raise ValueError("a demand point can reach no site that may open")
    constant = float(nb.w[~in_master] @ f[~in_master])
    rows = np.flatnonzero(in_master).astype(np.int64)
    ptr = np.concatenate([[0], np.cumsum(counts[rows])]).astype(np.int64)
    top = top[rows]
    need_row = np.isinf(top)
    top[need_row] = ed[ptr[1:][need_row] - 1]
    return Points(rows=rows, w=nb.w[rows].copy(), f=f[rows].copy(), ptr=ptr, site=es.astype(np.int64), dist=ed,
                  top=top, need_row=need_row, truncated=truncated[rows].copy(), constant=constant)


class Master:
    """The Benders master in HiGHS: columns ``y`` (free sites) then ``theta`` (points)."""

    def __init__(self, pts: Points, free: IntArray, forced_mask: BoolArray, rules: SiteRules, verbose: bool) -> None:
        self.pts = pts
        self.free = free
        self.nf = int(free.size)
        h = highspy.Highs()
        h.setOptionValue("output_flag", bool(verbose))
        h.setOptionValue("threads", 1)
        h.setOptionValue("presolve", "off")
        inf = highspy.kHighsInf
        hi_theta = np.where(np.isfinite(pts.f), pts.f, inf)
        h.addVars(self.nf, np.zeros(self.nf), np.ones(self.nf))
        h.addVars(pts.count, pts.lowest(), hi_theta)
        h.changeColsCost(pts.count, np.arange(self.nf, self.nf + pts.count, dtype=np.int32), pts.w)
        q = rules.p - int(forced_mask.sum())
        h.addRow(float(q), float(q), self.nf, np.arange(self.nf, dtype=np.int32), np.ones(self.nf))
        for g in range(rules.member.shape[0]):
            mem = np.flatnonzero(rules.member[g, free]).astype(np.int32)
            already = int((rules.member[g] & forced_mask).sum())
            lo = float(max(0, rules.gmin[g] - already))
            hi = float(rules.gmax[g] - already)
            h.addRow(lo, hi, mem.size, mem, np.ones(mem.size))
        self.h = h
        self.cuts = 0
        self.cover_rows(np.flatnonzero(pts.need_row).astype(np.int64))
        self.base_rows = int(h.getNumRow())

    def purge(self) -> int:
        """Delete the cuts slack at the current LP optimum (keeps the master small for phase 2); returns the count."""
        h = self.h
        sol = h.getSolution()
        lp = h.getLp()
        lo = np.asarray(lp.row_lower_)[self.base_rows:]
        act = np.asarray(sol.row_value)[self.base_rows:]
        dual = np.asarray(sol.row_dual)[self.base_rows:]
        slack = (act - lo > 1e-7 * np.maximum(1.0, np.abs(lo))) & (np.abs(dual) <= 1e-12)
        drop = (np.flatnonzero(slack) + self.base_rows).astype(np.int32)
        if drop.size:
            h.deleteRows(int(drop.size), drop)
        return int(drop.size)

    def cover_rows(self, ts: IntArray) -> None:
        r"""Rows :math:`\sum_{j \in F_i} y_j \ge 1` for points no open site reaches."""
        for t in ts.tolist():
            a, b = int(self.pts.ptr[t]), int(self.pts.ptr[t + 1])
            self.h.addRow(1.0, highspy.kHighsInf, b - a, self.pts.site[a:b].astype(np.int32), np.ones(b - a))

    def extend(self, ts: IntArray, nb: Neighbours) -> None:
        """Full cost rows for the truncated points ``ts`` (see :meth:`Points.extend`)."""
        before = self.pts.need_row.copy()
        self.pts.extend(ts, nb, self.free)
        self.cover_rows(np.flatnonzero(self.pts.need_row & ~before).astype(np.int64))

    def add_cuts(self, which: IntArray, level: FloatArray) -> int:
        if which.size == 0:
            return 0
        starts, cols, vals, rhs = self.pts.cuts(which, level, self.nf)
        self.h.addRows(int(which.size), rhs, np.full(which.size, highspy.kHighsInf), int(cols.size),
                       starts.astype(np.int32), cols.astype(np.int32), vals)
        self.cuts += int(which.size)
        return int(which.size)

    def values(self) -> tuple[FloatArray, FloatArray]:
        x = np.asarray(self.h.getSolution().col_value)
        return x[:self.nf], x[self.nf:]

    def violated(self, y: FloatArray, theta: FloatArray, rel: float) -> tuple[IntArray, FloatArray, FloatArray]:
        """Points whose cut at ``y`` is violated by ``theta`` (beyond ``rel`` relative), their levels and phi."""
        phi, level = self.pts.separate(y)
        viol = phi - theta > rel * np.maximum(1.0, np.abs(phi))
        return np.flatnonzero(viol).astype(np.int64), level, phi


def solve_benders(
    nb: Neighbours,
    rules: SiteRules,
    fixed_open: BoolArray,
    fixed_closed: BoolArray,
    incumbent: BoolArray | None,
    incumbent_obj: float,
    *,
    ybar: FloatArray | None,
    v: FloatArray | None = None,
    deadline: float,
    gap_rel: float = 0.0,
    verbose: bool = False,
) -> BendersOutcome:
    """Close the gap left by the Lagrangian phase by the two-phase Benders method (module docstring).

    ``v``: the Lagrangian's best multipliers (weighted units, one per point of ``nb``), whose levels
    :math:`v_i / w_i` give the first cuts; ``ybar``: its average open sites, the first core point.
    """
    t0 = time.perf_counter()
    forced_mask = rules.must_open | fixed_open
    free = np.flatnonzero(rules.allowed & ~forced_mask & ~fixed_closed).astype(np.int64)
    forced = np.flatnonzero(forced_mask).astype(np.int64)
    best_mask = None if incumbent is None else incumbent.copy()
    best = incumbent_obj if incumbent is not None else math.inf
    q = rules.p - int(forced.size)
    if q <= 0 or q >= free.size:  # a single choice is left (or none)
        only = forced_mask.copy()
        if q > 0 and q == free.size:
            only[free] = True
        if q < 0 or not rules.feasible(only):
            return BendersOutcome("optimal", best_mask, best, math.inf, seconds=time.perf_counter() - t0,
                                  message="no choice of the free sites satisfies the rules")
        obj = nb.objective(only)
        if obj < best:
            best, best_mask = obj, only
        return BendersOutcome("optimal", best_mask, best, obj, seconds=time.perf_counter() - t0)
    pts = build_points(nb, free, forced)
    if pts is None:
        return BendersOutcome("too_large", best_mask, best, -math.inf, seconds=time.perf_counter() - t0,
                              message="full cost rows too large for the master")
    master = Master(pts, free, forced_mask, rules, verbose)
    h = master.h
    target = fixing_target(best, nb.integral)

    def done(lb: float) -> bool:
        return proven(lb, best, nb.integral, gap_rel) or (
            math.isfinite(best) and best - lb <= max(gap_rel, TOLERANCE_REL) * abs(best))

    # --- phase 1: the LP relaxation by a stabilised cut loop --------------------------------------
    core = None if ybar is None else np.clip(ybar[free], 0.0, 1.0)
    if v is not None:
        # the Lagrangian's cuts: level v_i / w_i for every point (their master LP is at least L(v))
        level = np.minimum(v[pts.rows] / pts.w, pts.top)
        master.add_cuts(np.flatnonzero(level > pts.lowest()).astype(np.int64), level)
    else:
        for y0 in ([] if incumbent is None else [incumbent[free].astype(np.float64)]) + (
                [] if core is None else [core]):
            master.add_cuts(np.arange(pts.count, dtype=np.int64), pts.separate(y0)[1])
    if core is None:
        core = incumbent[free].astype(np.float64) if incumbent is not None else np.full(free.size, q / free.size)
    log.debug("Benders: %d points, %d free sites, %d initial cuts, %.1f s", pts.count, free.size, master.cuts,
              time.perf_counter() - t0)
    lp_bound = -math.inf
    lp_rounds = 0
    status = "time_limit"
    # a large first LP goes to the interior point method (with crossover, so later rounds warm-start simplex)
    large = pts.count >= IPM_POINTS
    ipm_s = math.inf
    while time.perf_counter() < deadline and lp_rounds < MAX_LP_ROUNDS:
        if large and not math.isfinite(ipm_s):
            t_ipm = time.perf_counter()
            _run(h, deadline, solver="ipm")
            ipm_s = time.perf_counter() - t_ipm
        else:
            # a warm-started simplex round that takes longer than the interior point method is redone by it
            _run(h, min(deadline, time.perf_counter() + (2.0 * ipm_s if large else math.inf)), solver="simplex")
            if large and h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit and time.perf_counter() < deadline:
                _run(h, deadline, solver="ipm")
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        lp_rounds += 1
        lp_val = pts.constant + float(h.getInfo().objective_function_value)
        lp_bound = max(lp_bound, lp_val)
        y, theta = master.values()
        which, level, phi = master.violated(y, theta, 1e-9)
        upper_lp = pts.constant + float(pts.w @ phi)
        if done(lp_bound):
            status = "optimal"
            break
        if which.size == 0 or upper_lp - lp_val <= 1e-9 * max(1.0, abs(upper_lp)):
            break
        sep = 0.5 * (core + y)
        w2, lv2, _ = master.violated(sep, theta, 1e-9)
        # a stabilised cut is kept when it cuts off the LP point too
        phi2_at_lp = lv2[w2] - _cut_lhs(pts, w2, lv2, y)
        keep2 = w2[phi2_at_lp > theta[w2] + 1e-9 * np.maximum(1.0, np.abs(phi2_at_lp))]
        master.add_cuts(which, level)
        master.add_cuts(keep2, lv2)
        core = 0.5 * (core + y)
        log.debug("Benders LP round %d: bound %.6f, upper %.6f, %d + %d cuts, %.1f s", lp_rounds, lp_val, upper_lp,
                  which.size, keep2.size, time.perf_counter() - t0)
    if h.getModelStatus() == highspy.HighsModelStatus.kOptimal and not done(lp_bound):
        # LP rounding: the q free sites of largest y, then swap search; a better incumbent fixes more sites
        y, _ = master.values()
        start = forced_mask.copy()
        start[free[np.argsort(-y, kind="stable")[:q]]] = True
        if rules.feasible(start):
            mask2, obj2 = swap_search(nb, rules, start, forced_open=fixed_open, forced_closed=fixed_closed,
                                      deadline=deadline)
            if obj2 < best and rules.feasible(mask2):
                best, best_mask = obj2, mask2
                target = fixing_target(best, nb.integral)
            log.debug("Benders LP rounding + swap: %.6f (incumbent %.6f)", obj2, best)
        if done(lp_bound):
            status = "optimal"
    fixed_lp = 0
    purged = 0
    if status != "optimal" and math.isfinite(lp_bound) and h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        fixed_lp = _reduced_cost_fixing(master, lp_bound, target)
        purged = master.purge()
        log.debug("Benders: LP bound %.6f, incumbent %.6f, %d sites fixed by reduced cost, %d cuts purged",
                  lp_bound, best, fixed_lp, purged)
    out = BendersOutcome(status, best_mask, best, lp_bound, lp_bound=lp_bound, lp_rounds=lp_rounds,
                         fixed_by_lp=fixed_lp, purged=purged, master_points=pts.count, free_sites=int(free.size))
    if status == "optimal" or time.perf_counter() >= deadline:
        out.cuts, out.seconds = master.cuts, time.perf_counter() - t0
        return out
    # --- phase 2: the integer master, our own cut loop ---------------------------------------------
    h.changeColsIntegrality(master.nf, np.arange(master.nf, dtype=np.int32),
                            np.full(master.nf, highspy.HighsVarType.kInteger))
    h.setOptionValue("presolve", "on")
    h.setOptionValue("solver", "choose")
    h.setOptionValue("mip_rel_gap", 0.0)
    bound = lp_bound
    while time.perf_counter() < deadline:
        out.mip_rounds += 1
        abs_gap = max(gap_rel, TOLERANCE_REL) * 0.5 * abs(best) if math.isfinite(best) else 0.0
        h.setOptionValue("mip_abs_gap", abs_gap)
        # a MIP run counts its time limit from its own start (an LP run counts HiGHS's cumulative run time,
        # see _run): the remaining seconds, not getRunTime() + them, or each round overruns by the time before it
        h.setOptionValue("time_limit", max(1e-3, deadline - time.perf_counter()))
        if best_mask is not None:
            _set_start(master, free, best_mask, nb)
        h.run()
        info = h.getInfo()
        log.debug("Benders MIP round %d: status %s, dual bound %.6f, %.1f s", out.mip_rounds,
                  h.modelStatusToString(h.getModelStatus()), pts.constant + info.mip_dual_bound,
                  time.perf_counter() - t0)
        ms = h.getModelStatus()
        if ms == highspy.HighsModelStatus.kInfeasible:
            # no master solution below the incumbent's cutoff: nothing consistent with the fixings is better
            bound = max(bound, best)
            status = "optimal"
            break
        if math.isfinite(info.mip_dual_bound):
            bound = max(bound, pts.constant + float(info.mip_dual_bound))
        if info.primal_solution_status != 2:  # kSolutionStatusFeasible
            break
        y, theta = master.values()
        chosen = forced_mask.copy()
        chosen[free[y > 0.5]] = True
        if rules.feasible(chosen):
            obj = nb.objective(chosen)
            if obj < best and (not math.isfinite(best) or obj < best - 1e-12 * abs(best)):
                best, best_mask = obj, chosen
        if done(bound):
            status = "optimal"
            break
        if ms != highspy.HighsModelStatus.kOptimal:
            break  # time limit inside HiGHS
        yi = (y > 0.5).astype(np.float64)
        true = np.minimum(nb.nearest_two(chosen)[1][pts.rows], pts.f)
        beyond = np.flatnonzero(pts.truncated & (true > pts.top) & (true > theta + 1e-9 * np.maximum(1.0, true)))
        if beyond.size:
            master.extend(beyond.astype(np.int64), nb)
        which, level, _ = master.violated(yi, theta, 1e-9)
        if which.size == 0:
            break  # the master's optimum is charged exactly: no cut to add, its bound is final
        master.add_cuts(which, level)
    out.status, out.open_mask, out.objective = status, best_mask, best
    out.bound = min(best, bound) if math.isfinite(best) else bound
    out.cuts, out.seconds = master.cuts, time.perf_counter() - t0
    return out


def _run(h: highspy.Highs, until: float, *, solver: str) -> None:
    """Solve the LP with ``solver`` until ``until`` (for an LP, HiGHS's time limit counts its cumulative run time)."""
    h.setOptionValue("solver", solver)
    h.setOptionValue("time_limit", h.getRunTime() + max(1e-3, until - time.perf_counter()))
    h.run()


def _cut_lhs(pts: Points, which: IntArray, level: FloatArray, y: FloatArray) -> FloatArray:
    r""":math:`\sum_{d_{ij} < r_i} (r_i - d_{ij}) y_j` for the points ``which`` at their levels."""
    er = pts.entry_row()
    contrib = np.maximum(level[er] - pts.dist, 0.0) * y[pts.site]
    return np.asarray(np.bincount(er, weights=contrib, minlength=pts.count)[which], dtype=np.float64)


def _reduced_cost_fixing(master: Master, lp_bound: float, target: float) -> int:
    """Fix free sites by the LP reduced costs (bounds the incumbent cannot be beaten past); returns the count."""
    if not math.isfinite(target):
        return 0
    h = master.h
    sol = h.getSolution()
    x = np.asarray(sol.col_value)[:master.nf]
    rc = np.asarray(sol.col_dual)[:master.nf]
    close = (x < 1e-9) & (lp_bound + rc >= target)
    open_ = (x > 1.0 - 1e-9) & (lp_bound - rc >= target)
    for j in np.flatnonzero(close).tolist():
        h.changeColBounds(int(j), 0.0, 0.0)
    for j in np.flatnonzero(open_).tolist():
        h.changeColBounds(int(j), 1.0, 1.0)
    return int(close.sum() + open_.sum())


def _set_start(master: Master, free: IntArray, mask: BoolArray, nb: Neighbours) -> None:
    """Give HiGHS the incumbent with every theta at its true cost (it satisfies every cut)."""
    pts = master.pts
    _, d1, _, _ = nb.nearest_two(mask)
    theta = np.minimum(d1[pts.rows], pts.f)
    sol = highspy.HighsSolution()
    sol.col_value = np.concatenate([mask[free].astype(np.float64), theta]).tolist()
    sol.value_valid = True
    master.h.setSolution(sol)
