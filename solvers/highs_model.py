"""A :class:`~solvers.linear.MatrixModel` handed to HiGHS as arrays, in one ``passModel`` call."""

from __future__ import annotations

import highspy
import numpy as np

from solvers.linear import MatrixModel

_COLWISE = 1  # HiGHS MatrixFormat::kColwise


def highs_from_model(model: MatrixModel, *, relax: bool = False) -> highspy.Highs:
    """A silent ``Highs`` instance holding ``model`` (its LP relaxation with ``relax``).

    No Python loop over rows or nonzeros: the CSC arrays go to HiGHS as they are.
    """
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    inf = highspy.kHighsInf
    csc = model.A.tocsc()
    csc.sort_indices()
    integrality = np.zeros(model.num_vars, dtype=np.int32) if relax else model.integer.astype(np.int32)
    status = h.passModel(
        model.num_vars,
        model.num_rows,
        int(csc.nnz),
        _COLWISE,
        -1 if model.sense == "max" else 1,
        float(model.offset),
        np.ascontiguousarray(model.c, dtype=np.float64),
        np.where(np.isinf(model.lb), -inf, model.lb).astype(np.float64),
        np.where(np.isinf(model.ub), inf, model.ub).astype(np.float64),
        np.where(np.isinf(model.row_lo), -inf, model.row_lo).astype(np.float64),
        np.where(np.isinf(model.row_hi), inf, model.row_hi).astype(np.float64),
        csc.indptr[:-1].astype(np.int32),
        csc.indices.astype(np.int32),
        csc.data.astype(np.float64),
        integrality,
    )
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model (passModel)")
    return h
