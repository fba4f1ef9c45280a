r"""Coverage rows of the MCLP, merged and reduced (isomorphic aggregation, fixings, site dominance).

A demand point :math:`i` with weight :math:`w_i > 0` is covered by the allowed sites
:math:`N_i = \{j : d_{ij} \le r,\ j \text{ not must-close}\}`. Points with the same :math:`N_i`
behave as one point of weight :math:`\sum w_i` in every solution (*isomorphic aggregation*, Lv et al.
2025), so the model keeps one row per distinct coverage set. Points no allowed site covers are dropped
(no plan covers them). With sites fixed open (:math:`O`) and closed (:math:`C`), rows meeting
:math:`O` are covered whatever the plan (their weight moves to a constant), closed columns are
deleted, rows left empty are dropped and the rest merged again.

*Site dominance*: when every row site :math:`j` covers is also covered by :math:`k` (and both are free,
in the same groups), a plan opening :math:`j` but not :math:`k` covers no more than the plan swapping
them, so some optimal plan satisfies :math:`y_j \le y_k`. Identical columns are ordered by index so the
relation stays acyclic, and each swap raises the sum of the open sites' positions in a topological
order, so a plan satisfying every such inequality at once exists among the optimal ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from solvers.problem import Problem

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Rows of the cost matrix compared with the radius at a time (bounds the temporary memory).
CHUNK_ROWS = 4096


@dataclass(frozen=True)
class Coverage:
    """Merged coverage rows.

    Attributes:
        matrix: ``(rows, m)`` CSR of ones: row ``r`` holds the sites covering merged point ``r``.
        w: ``(rows,)`` merged weights (all positive).
        constant: weight covered whatever the plan (points covered by a site fixed open).
        points: number of demand points the rows stand for (after dropping the uncoverable).
        integral: every weight is an integer (so is every plan's value: bounds may be rounded down).
    """

    matrix: sp.csr_matrix
    w: FloatArray
    constant: float
    points: int
    integral: bool

    @property
    def rows(self) -> int:
        """Number of merged rows."""
        return int(self.matrix.shape[0])

    @property
    def m(self) -> int:
        """Number of sites (columns, fixed ones included)."""
        return int(self.matrix.shape[1])

    @property
    def coverable(self) -> float:
        """The most any plan covers: the constant plus every row."""
        return self.constant + math.fsum(self.w.tolist())

    def value(self, open_mask: BoolArray) -> float:
        """Covered weight of the plan ``open_mask`` (over all ``m`` sites)."""
        hit = np.asarray(self.matrix @ open_mask.astype(np.float64)).ravel() > 0
        return self.constant + math.fsum(self.w[hit].tolist())


def coverage_pairs(problem: Problem) -> tuple[IntArray, IntArray]:
    """(point, site) pairs with ``cost <= radius`` over allowed sites and positive weights, row-sorted."""
    assert problem.radius is not None
    allowed = problem.open_allowed()
    pos = np.asarray(problem.weights) > 0
    radius = float(problem.radius)
    rows_l: list[IntArray] = []
    cols_l: list[IntArray] = []
    for start in range(0, problem.n, CHUNK_ROWS):
        block = np.asarray(problem.cost[start:start + CHUNK_ROWS]) <= radius
        block &= allowed[None, :]
        block &= pos[start:start + CHUNK_ROWS, None]
        r, c = np.nonzero(block)
        rows_l.append(r.astype(np.int64) + start)
        cols_l.append(c.astype(np.int64))
    if not rows_l:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows_l), np.concatenate(cols_l)


def merge_rows(matrix: sp.csr_matrix, w: FloatArray) -> tuple[sp.csr_matrix, FloatArray]:
    """Merge rows with the same set of sites (summing weights); empty rows are dropped."""
    matrix = matrix.tocsr()
    matrix.sort_indices()
    keep = np.diff(matrix.indptr) > 0
    matrix, w = matrix[keep], w[keep]
    key_of: dict[bytes, int] = {}
    inverse = np.empty(matrix.shape[0], dtype=np.int64)
    ind, ptr = matrix.indices.astype(np.int32), matrix.indptr
    for r in range(matrix.shape[0]):
        inverse[r] = key_of.setdefault(ind[ptr[r]:ptr[r + 1]].tobytes(), len(key_of))
    first = np.unique(inverse, return_index=True)[1]
    merged = matrix[first]
    merged.data[:] = 1.0
    return merged, np.bincount(inverse, weights=w, minlength=first.size).astype(np.float64)


def build_coverage(problem: Problem) -> Coverage:
    """The merged coverage rows of an MCLP ``problem`` (see the module docstring)."""
    rows, cols = coverage_pairs(problem)
    w_all = np.asarray(problem.weights, dtype=np.float64)
    matrix = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(problem.n, problem.m))
    points = int(np.count_nonzero(np.diff(matrix.indptr)))
    merged, w = merge_rows(matrix, w_all)
    integral = bool(np.all(np.mod(w_all, 1.0) == 0))
    return Coverage(matrix=merged, w=w, constant=0.0, points=points, integral=integral)


def restrict(cov: Coverage, fixed_open: BoolArray, fixed_closed: BoolArray) -> Coverage:
    """The rows left once ``fixed_open`` sites are open and ``fixed_closed`` closed (columns kept)."""
    hit = np.asarray(cov.matrix @ fixed_open.astype(np.float64)).ravel() > 0
    constant = cov.constant + math.fsum(cov.w[hit].tolist())
    sub = cov.matrix[~hit].tocsc()
    keep_cols = sp.diags((~fixed_closed & ~fixed_open).astype(np.float64))
    sub = (sub @ keep_cols).tocsr()
    sub.eliminate_zeros()
    merged, w = merge_rows(sub, cov.w[~hit])
    return Coverage(matrix=merged, w=w, constant=constant, points=cov.points, integral=cov.integral)


def dominance_pairs(cov: Coverage, free: BoolArray, member: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Pairs ``(j, k)`` of free sites with ``y_j <= y_k`` in some optimal plan (module docstring).

    ``member`` is the groups x sites membership matrix; only sites in the same groups are compared.
    One dominating site per dominated site (the one covering the most weight) keeps the list short.
    """
    a = cov.matrix.tocsc()
    size = np.diff(a.indptr)
    cols = np.flatnonzero(free & (size > 0))
    if cols.size < 2:
        return []
    sub = a[:, cols]
    inter = (sub.T @ sub).tocoo()  # |N(j) ∩ N(k)|
    j, k = cols[inter.row], cols[inter.col]
    subset = (inter.data == size[j]) & (j != k)
    same = size[j] == size[k]
    subset &= ~same | (j > k)  # identical columns: the higher index is dominated
    if member.shape[0]:
        subset &= np.all(member[:, j] == member[:, k], axis=0)
    j, k = j[subset], k[subset]
    if j.size == 0:
        return []
    col_w = np.asarray(a.T @ cov.w).ravel()
    order = np.lexsort((-col_w[k], j))
    j, k = j[order], k[order]
    first = np.r_[True, j[1:] != j[:-1]]
    return [(int(x), int(y)) for x, y in zip(j[first], k[first], strict=True)]
