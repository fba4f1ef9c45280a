r"""The merged MCLP over the sites left free, solved by HiGHS' branch and cut.

With the merged rows :math:`r` of the restricted coverage (:func:`~solvers.covering.coverage.restrict`),
free sites :math:`F`, :math:`q` sites still to open and the dominance pairs :math:`D`:

.. math::

    \max K + \sum_r w_r z_r \quad\text{s.t.}\quad z_r \le \sum_{j \in N_r} y_j,\;
    \sum_{j \in F} y_j = q,\; y_j \le y_k \;((j, k) \in D),\;
    g^{\min}_g - |O \cap G_g| \le \sum_{j \in F \cap G_g} y_j \le g^{\max}_g - |O \cap G_g|,\;
    y \in \{0,1\}^F,\; 0 \le z \le 1 .

This is the multi-cut Benders master with every optimality cut present (each row is the closed-form
cut of one merged point); HiGHS 1.12 offers no lazy-constraint callback, so the rows are given up front,
which merging makes affordable. HiGHS' presolve is switched off: on these models it spends minutes in
its non-zero bookkeeping (measured on the national instance) without changing the model.
The bound returned is :math:`K` plus HiGHS' dual bound, in the original units.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from solvers.covering.bound import round_bound
from solvers.covering.coverage import Coverage

BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class MasterOutcome:
    """The master MIP's plan (over all ``m`` sites, fixings included), its bound and status."""

    open_mask: BoolArray | None
    bound: float
    status: str
    seconds: float
    nodes: int


def solve_master(
    cov: Coverage,
    *,
    free: BoolArray,
    fixed_open: BoolArray,
    q: int,
    member: NDArray[np.bool_],
    gmin: NDArray[np.int64],
    gmax: NDArray[np.int64],
    pairs: list[tuple[int, int]],
    start: BoolArray | None,
    time_limit_s: float,
    gap_rel: float,
    threads: int = 1,
    verbose: bool = False,
) -> MasterOutcome:
    """Solve the master (module docstring); ``start`` is a full plan offered to HiGHS as its incumbent."""
    t0 = time.perf_counter()
    cols = np.flatnonzero(free)
    pos = np.full(cov.m, -1, dtype=np.int64)
    pos[cols] = np.arange(cols.size)
    nf, n = cols.size, cov.rows
    h = highspy.Highs()
    h.setOptionValue("output_flag", verbose)
    h.setOptionValue("presolve", "off")
    h.setOptionValue("threads", max(1, threads))
    h.setOptionValue("time_limit", max(1.0, time_limit_s))
    h.setOptionValue("mip_rel_gap", max(gap_rel, 1e-9))
    h.setOptionValue("mip_abs_gap", 0.999 if cov.integral else 0.0)
    h.addVars(nf, np.zeros(nf), np.ones(nf))
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(nf, nf + n, dtype=np.int32), cov.w)
    h.changeColsIntegrality(nf, np.arange(nf, dtype=np.int32), np.full(nf, highspy.HighsVarType.kInteger))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    a = cov.matrix.tocsc()[:, cols].tocsr()
    rows = sp.hstack([-a, sp.identity(n, format="csr")]).tocsr()
    h.addRows(n, np.full(n, -highspy.kHighsInf), np.zeros(n), rows.nnz, rows.indptr[:-1].astype(np.int32),
              rows.indices.astype(np.int32), rows.data.astype(np.float64))
    h.addRow(float(q), float(q), nf, np.arange(nf, dtype=np.int32), np.ones(nf))
    for j, k in pairs:
        h.addRow(-highspy.kHighsInf, 0.0, 2, np.array([pos[j], pos[k]], dtype=np.int32), np.array([1.0, -1.0]))
    for g in range(member.shape[0]):
        inside = member[g, cols]
        done = int(np.count_nonzero(member[g] & fixed_open))
        idx = np.flatnonzero(inside).astype(np.int32)
        lo, hi = float(gmin[g] - done), float(gmax[g] - done)
        if idx.size:
            h.addRow(lo, hi, idx.size, idx, np.ones(idx.size))
        elif lo > 0 or hi < 0:
            return MasterOutcome(None, -math.inf, "infeasible", time.perf_counter() - t0, 0)
    if start is not None:
        ys = start[cols].astype(np.float64)
        zs = (np.asarray(a @ ys).ravel() > 0).astype(np.float64)
        given = highspy.HighsSolution()
        given.col_value = np.concatenate([ys, zs]).tolist()
        h.setSolution(given)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    bound = math.inf
    if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
        bound = -math.inf
    elif math.isfinite(info.mip_dual_bound):
        bound = round_bound(cov.constant + float(info.mip_dual_bound), cov.integral)
    mask: BoolArray | None = None
    if info.primal_solution_status == 2:  # a feasible solution
        y = np.asarray(h.getSolution().col_value[:nf]) > 0.5
        mask = fixed_open.copy()
        mask[cols[y]] = True
    return MasterOutcome(mask, bound, status, time.perf_counter() - t0, int(info.mip_node_count))
