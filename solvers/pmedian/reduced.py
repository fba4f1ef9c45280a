r"""The reduced radius formulation of the p-median problem, solved exactly by HiGHS.

After reduced-cost fixing (:mod:`solvers.pmedian.lagrangian`) the sites split into fixed-open
:math:`O`, fixed-closed and free :math:`F`. For a demand point :math:`i` let
:math:`f_i = \min_{j \in O} d_{ij}` (:math:`\infty` if :math:`O` is empty) and let
:math:`D_i^0 < D_i^1 < \dots < D_i^{L_i-1}` be the distinct costs :math:`d_{ij} < f_i` of free
sites :math:`j` within the point's radius :math:`R_i`. With :math:`T_i` the cost the point pays when
none of those sites is open (:math:`f_i`, or the next free cost beyond :math:`R_i` when the radius
truncates the list) the model, after Elloumi (2010) and García, Labbé and Marín (2011), is

.. math::

    \min \sum_i w_i \Bigl( D_i^0 + \sum_{k=0}^{L_i-2} (D_i^{k+1} - D_i^k)\, z_i^k
        + (T_i - D_i^{L_i-1})\, z_i^{L_i-1} \Bigr)

.. math::

    z_i^0 + \sum_{j \in F: d_{ij} = D_i^0} y_j \ge 1, \qquad
    z_i^k - z_i^{k-1} + \sum_{j \in F: d_{ij} = D_i^k} y_j \ge 0 \quad (k \ge 1),

.. math::

    \sum_{j \in F} y_j = p - |O|, \qquad
    \text{group limits on } y, \qquad y_j \in \{0, 1\}, \; z \ge 0,

where :math:`z_i^k` is 1 exactly when no open site lies within :math:`D_i^k` (the chained rows are
the cumulative covering rows :math:`z_i^k + \sum_{j: d_{ij} \le D_i^k} y_j \ge 1` written with
:math:`O(1)` extra non-zeros per level, so the model has as many non-zeros as pairs; its LP
relaxation equals the compact model's). When :math:`T_i = \infty` the last :math:`z` is fixed to 0
(the point must be served by a free site).

With :math:`T_i = f_i` the model is exact. A finite radius :math:`R_i` makes it a relaxation (a
point is charged at least the next cost past the radius); after each solve the true objective of
the solution is compared with the model's, and points charged less than their true cost get
their radius enlarged to the cost of their open site; a solve whose solution is charged exactly
is optimal for the reduced problem.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from solvers.pmedian.data import Neighbours, SiteRules

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]

#: Largest number of (point, free site) pairs the reduced model may have before radii truncate it.
MAX_PAIRS = 4_000_000


@dataclass
class ReducedOutcome:
    """What the reduced model proved.

    Attributes:
        status: ``"optimal"`` (the reduced problem solved to the requested gap; ``bound`` is HiGHS's
            proof: its dual bound, or at gap 0 the optimum), ``"time_limit"`` or ``"error"``.
        open_mask: the best solution found (``None`` if the model found none better than the cutoff).
        objective: its true objective.
        bound: a lower bound valid for every solution consistent with the fixings.
        rounds: number of radius rounds; ``pairs``: pairs in the last model; ``seconds``: time.
    """

    status: str
    open_mask: BoolArray | None
    objective: float
    bound: float
    rounds: int = 0
    pairs: int = 0
    seconds: float = 0.0
    message: str = ""


@dataclass
class _Model:
    lp: highspy.HighsLp
    offset: float
    free: NDArray[np.int64]
    z_rows: NDArray[np.int64]  # client row of each level (z variable)
    last: NDArray[np.int64]  # z index of each client's last level (-1 when it has none)
    trunc: BoolArray  # whether the client's last level is a truncation
    pairs: int
    e_lvl: NDArray[np.int64]  # level of each pair
    e_site: NDArray[np.int64]  # free-site position of each pair


def _pairs(
    nb: Neighbours, free: NDArray[np.int64], forced: NDArray[np.int64], radius: FloatArray
) -> tuple[NDArray[np.int64], NDArray[np.int64], FloatArray, FloatArray, FloatArray]:
    """(point, free-site position, cost) of the pairs in the model; each point's ``f_i`` and ``T_i``."""
    n = nb.n
    f = np.full(n, np.inf)
    if forced.size:
        for start in range(0, n, 4096):
            rows = np.arange(start, min(n, start + 4096))
            f[rows] = nb.full_rows(rows, forced).min(axis=1, initial=np.inf)
    rows_out: list[NDArray[np.int64]] = []
    cols_out: list[NDArray[np.int64]] = []
    d_out: list[FloatArray] = []
    nxt = np.full(n, np.inf)
    step = max(1, MAX_PAIRS // max(1, free.size))
    for start in range(0, n, step):
        rows = np.arange(start, min(n, start + step))
        sub = nb.full_rows(rows, free)
        lim = np.minimum(f[rows], np.inf)
        keep_le = sub <= radius[rows, None]
        usable = sub < lim[:, None]
        inside = usable & keep_le
        beyond = np.where(usable & ~keep_le, sub, np.inf).min(axis=1, initial=np.inf)
        nxt[rows] = beyond
        r, c = np.nonzero(inside)
        rows_out.append(rows[r])
        cols_out.append(c.astype(np.int64))
        d_out.append(sub[r, c])
    term = np.minimum(f, nxt)
    return (np.concatenate(rows_out), np.concatenate(cols_out), np.concatenate(d_out), f, term)


def build_model(
    nb: Neighbours, rules: SiteRules, fixed_open: BoolArray, fixed_closed: BoolArray, radius: FloatArray
) -> _Model:
    """Build the radius formulation over the free sites (see the module docstring)."""
    forced_mask = rules.must_open | fixed_open
    free = np.flatnonzero(rules.allowed & ~forced_mask & ~fixed_closed)
    forced = np.flatnonzero(forced_mask)
    ei, ej, ed, f, term = _pairs(nb, free, forced, radius)
    order = np.lexsort((ed, ei))
    ei, ej, ed = ei[order], ej[order], ed[order]
    n = nb.n
    # distinct levels: a new level where the client changes or the cost rises
    new_lvl = np.ones(ei.size, dtype=bool)
    if ei.size > 1:
        new_lvl[1:] = (ei[1:] != ei[:-1]) | (ed[1:] != ed[:-1])
    lvl = np.cumsum(new_lvl) - 1
    nz = int(new_lvl.sum())
    z_rows = ei[new_lvl]
    z_d = ed[new_lvl]
    first_of_client = np.ones(nz, dtype=bool)
    if nz > 1:
        first_of_client[1:] = z_rows[1:] != z_rows[:-1]
    last_of_client = np.ones(nz, dtype=bool)
    if nz > 1:
        last_of_client[:-1] = z_rows[1:] != z_rows[:-1]
    w = nb.w
    cost_z = np.zeros(nz)
    inner = ~last_of_client
    cost_z[inner] = w[z_rows[inner]] * (z_d[1:][inner[:-1]] - z_d[:-1][inner[:-1]]) if nz > 1 else 0.0
    lastpos = np.flatnonzero(last_of_client)
    t_last = term[z_rows[lastpos]]
    zub = np.ones(nz)
    finite_t = np.isfinite(t_last)
    cost_z[lastpos[finite_t]] = w[z_rows[lastpos[finite_t]]] * (t_last[finite_t] - z_d[lastpos[finite_t]])
    zub[lastpos[~finite_t]] = 0.0
    has_level = np.zeros(n, dtype=bool)
    has_level[z_rows] = True
    d0 = np.zeros(n)
    d0[z_rows[first_of_client]] = z_d[first_of_client]
    offset = float(w[has_level] @ d0[has_level])
    const = ~has_level
    if np.any(np.isinf(term[const])):
        raise ValueError("a demand point can reach no site that may open")
    offset += float(w[const] @ term[const])
    last = np.full(n, -1, dtype=np.int64)
    last[z_rows[lastpos]] = lastpos
    trunc = np.zeros(n, dtype=bool)
    trunc[z_rows[lastpos]] = term[z_rows[lastpos]] < f[z_rows[lastpos]]
    nf = free.size
    ncol = nf + nz
    # rows: one per level, then p, then groups
    r_parts = [lvl, np.arange(nz)]
    c_parts = [ej, nf + np.arange(nz)]
    v_parts = [np.ones(ei.size), np.ones(nz)]
    chain = np.flatnonzero(~first_of_client)
    r_parts.append(chain)
    c_parts.append(nf + chain - 1)
    v_parts.append(-np.ones(chain.size))
    row_lo = [np.where(first_of_client, 1.0, 0.0)]
    row_hi = [np.full(nz, np.inf)]
    nrow = nz
    q = rules.p - forced.size
    r_parts.append(np.full(nf, nrow))
    c_parts.append(np.arange(nf))
    v_parts.append(np.ones(nf))
    row_lo.append(np.array([float(q)]))
    row_hi.append(np.array([float(q)]))
    nrow += 1
    for g in range(rules.member.shape[0]):
        mem = np.flatnonzero(rules.member[g, free])
        already = int((rules.member[g] & forced_mask).sum())
        r_parts.append(np.full(mem.size, nrow))
        c_parts.append(mem)
        v_parts.append(np.ones(mem.size))
        row_lo.append(np.array([float(max(0, rules.gmin[g] - already))]))
        row_hi.append(np.array([float(rules.gmax[g] - already)]))
        nrow += 1
    a = sp.csc_matrix(
        (np.concatenate(v_parts), (np.concatenate(r_parts), np.concatenate(c_parts))), shape=(nrow, ncol)
    )
    lp = highspy.HighsLp()
    lp.num_col_ = ncol
    lp.num_row_ = nrow
    lp.col_cost_ = np.concatenate([np.zeros(nf), cost_z])
    lp.col_lower_ = np.zeros(ncol)
    lp.col_upper_ = np.concatenate([np.ones(nf), zub])
    inf = highspy.kHighsInf
    lo = np.concatenate(row_lo)
    hi = np.concatenate(row_hi)
    lp.row_lower_ = np.where(np.isinf(lo), -inf, lo)
    lp.row_upper_ = np.where(np.isinf(hi), inf, hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    lp.offset_ = offset
    lp.integrality_ = [highspy.HighsVarType.kInteger] * nf + [highspy.HighsVarType.kContinuous] * nz
    return _Model(lp=lp, offset=offset, free=free, z_rows=z_rows, last=last, trunc=trunc, pairs=int(ei.size),
                  e_lvl=lvl, e_site=ej)


def _start_values(model: _Model, open_mask: BoolArray) -> FloatArray:
    """Column values of ``open_mask`` in ``model`` (``z`` at its least feasible value)."""
    nf = model.free.size
    y = open_mask[model.free].astype(np.float64)
    nz = model.z_rows.size
    opened = np.bincount(model.e_lvl, y[model.e_site], minlength=nz)
    # cumulative number of open sites up to each level, per client
    cum = np.cumsum(opened)
    first = np.ones(nz, dtype=bool)
    if nz > 1:
        first[1:] = model.z_rows[1:] != model.z_rows[:-1]
    base = np.maximum.accumulate(np.where(first, np.arange(nz), 0))
    before = np.where(base > 0, cum[np.maximum(base - 1, 0)], 0.0)
    within = cum - before
    z = (within == 0).astype(np.float64)
    out = np.zeros(nf + nz)
    out[:nf] = y
    out[nf:] = z
    return out


def solve_reduced(
    nb: Neighbours,
    rules: SiteRules,
    fixed_open: BoolArray,
    fixed_closed: BoolArray,
    incumbent: BoolArray | None,
    ub: float,
    *,
    deadline: float,
    gap_rel: float = 0.0,
    radius: FloatArray | None = None,
    verbose: bool = False,
    max_rounds: int = 20,
) -> ReducedOutcome:
    """Solve the p-median over the free sites exactly (within ``gap_rel``) or until ``deadline``.

    ``radius`` per point (``inf``: no truncation); by default none, unless the model would exceed
    :data:`MAX_PAIRS` pairs, in which case each point starts from the cost of its site in
    ``incumbent``. Returns the best solution found and a bound valid for every solution that
    respects the fixings (the caller takes the minimum with the incumbent's objective).
    """
    t0 = time.perf_counter()
    forced_mask = rules.must_open | fixed_open
    free = rules.allowed & ~forced_mask & ~fixed_closed
    if radius is None:
        radius = np.full(nb.n, np.inf)
        if nb.n * int(free.sum()) > MAX_PAIRS and incumbent is not None:
            _, d1, _, _ = nb.nearest_two(incumbent)
            radius = d1.copy()
    radius = radius.copy()
    best_mask = incumbent.copy() if incumbent is not None else None
    best_obj = ub
    q = rules.p - int(forced_mask.sum())
    nfree = int(free.sum())
    if q <= 0 or q >= nfree:
        # the fixings leave at most one solution
        only = forced_mask | (free if q == nfree else np.zeros_like(free))
        if q >= 0 and rules.feasible(only):
            obj = nb.objective(only)
            if obj < best_obj:
                best_mask, best_obj = only, obj
        return ReducedOutcome("optimal", best_mask, best_obj, best_obj, 0, 0, time.perf_counter() - t0,
                              "the fixings leave a single choice")
    consistent = incumbent is not None and not np.any(incumbent & fixed_closed) and not np.any(forced_mask & ~incumbent)
    bound = -math.inf
    rounds = 0
    pairs = 0
    while rounds < max_rounds:
        rounds += 1
        remaining = deadline - time.perf_counter()
        if remaining <= 0.5:
            return ReducedOutcome("time_limit", best_mask, best_obj, bound, rounds - 1, pairs, time.perf_counter() - t0,
                                  "no time left for the reduced model")
        model = build_model(nb, rules, fixed_open, fixed_closed, radius)
        pairs = model.pairs
        h = highspy.Highs()
        h.setOptionValue("output_flag", bool(verbose))
        h.setOptionValue("time_limit", float(remaining))
        h.setOptionValue("mip_rel_gap", float(gap_rel))
        h.setOptionValue("mip_abs_gap", 1.0 - 1e-6 if nb.integral else 1e-9)
        h.setOptionValue("random_seed", 0)
        h.passModel(model.lp)
        if best_mask is not None and consistent:
            sol = highspy.HighsSolution()
            sol.col_value = list(_start_values(model, best_mask))
            sol.value_valid = True
            h.setSolution(sol)
        elif math.isfinite(best_obj):
            h.setOptionValue("objective_bound", float(best_obj))
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        has_sol = int(info.primal_solution_status) == int(highspy.SolutionStatus.kSolutionStatusFeasible)
        dual = float(info.mip_dual_bound)
        if status == highspy.HighsModelStatus.kInfeasible:
            # nothing consistent with the fixings beats the cutoff (by more than the requested gap)
            if math.isfinite(best_obj):
                return ReducedOutcome("optimal", best_mask, best_obj, _cutoff_bound(best_obj, gap_rel), rounds, pairs,
                                      time.perf_counter() - t0, "no solution better than the incumbent")
            return ReducedOutcome("infeasible", None, math.inf, math.inf, rounds, pairs, time.perf_counter() - t0,
                                  "the reduced model is infeasible")
        if status == highspy.HighsModelStatus.kObjectiveBound:
            return ReducedOutcome("optimal", best_mask, best_obj, _cutoff_bound(best_obj, gap_rel), rounds, pairs,
                                  time.perf_counter() - t0, "no solution better than the incumbent")
        mask = None
        model_obj = math.inf
        if has_sol:
            vals = np.asarray(h.getSolution().col_value)
            mask = forced_mask.copy()
            mask[model.free[vals[: model.free.size] > 0.5]] = True
            model_obj = float(info.objective_function_value)
            true_obj = nb.objective(mask)
            better = true_obj < best_obj - 1e-9 * max(1.0, abs(best_obj)) or best_mask is None
            if better and rules.feasible(mask):
                best_mask, best_obj = mask, true_obj
                consistent = True
        if status == highspy.HighsModelStatus.kOptimal:
            # HiGHS stops at the requested gap with status optimal: its bound is then its MIP dual
            # bound, never the solution's value; at gap 0 the solution's value is HiGHS's proof (within
            # its tolerance: an absolute gap under 1 on integral data, 1e-9 otherwise). Every round's
            # model is a relaxation of the reduced problem, so every round's bound stays valid.
            proof = model_obj if gap_rel <= 0.0 else dual
            if math.isfinite(proof):
                bound = max(bound, proof)
            if mask is None:
                return ReducedOutcome("error", best_mask, best_obj, bound, rounds, pairs, time.perf_counter() - t0,
                                      "HiGHS reported optimal without a solution")
            true_obj = nb.objective(mask)
            tol = 1e-9 * max(1.0, abs(true_obj))
            if true_obj <= model_obj + max(tol, 1e-6 * abs(model_obj)):
                return ReducedOutcome("optimal", best_mask, best_obj, min(bound, best_obj), rounds, pairs,
                                      time.perf_counter() - t0, "reduced model solved")
            # some points pay more than the truncated model charged: widen their radius
            _, d1, _, _ = nb.nearest_two(mask)
            grow = d1 > radius
            radius[grow] = d1[grow]
            continue
        # time limit (or another stop): report the dual bound
        bound = max(bound, dual) if math.isfinite(dual) else bound
        msg = f"HiGHS stopped: {h.modelStatusToString(status)}"
        stopped = (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kInterrupt)
        st = "time_limit" if status in stopped else "error"
        return ReducedOutcome(st, best_mask, best_obj, bound, rounds, pairs, time.perf_counter() - t0, msg)
    return ReducedOutcome("time_limit", best_mask, best_obj, bound, rounds, pairs, time.perf_counter() - t0,
                          "radius rounds exhausted")


def _cutoff_bound(cutoff: float, gap_rel: float) -> float:
    """The bound HiGHS proves when it finds nothing below ``cutoff``: the cutoff itself at gap 0,
    else the cutoff less the requested gap (HiGHS prunes nodes within that gap of it)."""
    return cutoff if gap_rel <= 0.0 else cutoff - gap_rel * abs(cutoff)
