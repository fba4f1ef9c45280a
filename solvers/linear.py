"""A solver-neutral mixed-integer linear model in matrix form.

Formulations (:mod:`solvers.formulations`) build a :class:`MatrixModel`; MIP backends
translate it to their own API. Keeping the model as sparse arrays makes building vectorised
and lets every backend solve exactly the same model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True, kw_only=True)
class MatrixModel:
    """``opt c.x + offset  s.t.  row_lo <= A x <= row_hi,  lb <= x <= ub,  x_k integer where integer[k]``.

    Attributes:
        sense: ``"max"`` or ``"min"``.
        site_vars: for each candidate site ``j``, the index of its open/closed variable ``y_j``.
        assign_vars: optional ``(k, 3)`` array of ``(demand i, site j, variable index)`` for
            models whose assignment is a decision (capacitated models, outreach).
        objective_integral: the objective takes integer values at every integer solution (LSCP
            counts sites), so a bound may be rounded to an integer.
        names: named groups of variable (or row) indices, see :mod:`solvers.formulations.common`.
    """

    sense: Literal["max", "min"]
    c: NDArray[np.float64]
    A: sp.csr_matrix
    row_lo: NDArray[np.float64]
    row_hi: NDArray[np.float64]
    lb: NDArray[np.float64]
    ub: NDArray[np.float64]
    integer: NDArray[np.bool_]
    site_vars: NDArray[np.int64]
    offset: float = 0.0
    assign_vars: NDArray[np.int64] | None = None
    objective_integral: bool = False
    names: dict[str, NDArray[np.int64]] = field(default_factory=dict)

    @property
    def num_vars(self) -> int:
        return int(self.c.shape[0])

    @property
    def num_rows(self) -> int:
        return int(self.A.shape[0])


class RowBuilder:
    """Collects sparse rows ``lo <= sum a_k x_k <= hi`` as COO triplets, vectorised."""

    def __init__(self, num_vars: int) -> None:
        self.num_vars = num_vars
        self._rows: list[NDArray[np.int64]] = []
        self._cols: list[NDArray[np.int64]] = []
        self._vals: list[NDArray[np.float64]] = []
        self._lo: list[NDArray[np.float64]] = []
        self._hi: list[NDArray[np.float64]] = []
        self.num_rows = 0

    def add(
        self,
        rows: ArrayLike,
        cols: ArrayLike,
        vals: ArrayLike,
        lo: ArrayLike,
        hi: ArrayLike,
        count: int,
    ) -> NDArray[np.int64]:
        """Add ``count`` rows; ``rows`` are local (0..count-1). Returns their global indices."""
        r = np.asarray(rows, dtype=np.int64)
        self._rows.append(r + self.num_rows)
        self._cols.append(np.asarray(cols, dtype=np.int64))
        self._vals.append(np.broadcast_to(np.asarray(vals, dtype=np.float64), r.shape).copy())
        self._lo.append(np.broadcast_to(np.asarray(lo, dtype=np.float64), (count,)).copy())
        self._hi.append(np.broadcast_to(np.asarray(hi, dtype=np.float64), (count,)).copy())
        idx = np.arange(self.num_rows, self.num_rows + count, dtype=np.int64)
        self.num_rows += count
        return idx

    def build(self) -> tuple[sp.csr_matrix, NDArray[np.float64], NDArray[np.float64]]:
        if not self._rows:
            empty = np.zeros(0)
            return sp.csr_matrix((0, self.num_vars)), empty, empty
        a = sp.csr_matrix(
            (np.concatenate(self._vals), (np.concatenate(self._rows), np.concatenate(self._cols))),
            shape=(self.num_rows, self.num_vars),
        )
        a.sum_duplicates()
        return a, np.concatenate(self._lo), np.concatenate(self._hi)
