"""Greedy set covering with redundancy removal (Chvátal 1979), under the site rules.

Start from the must-open sites; open sites in groups still below their minimum; then repeatedly
open the site covering the most still-uncovered demand points (ties: the lowest index); finally
close, newest first, every site whose demand points are all covered twice (and whose group
minimum allows it). Coverage counts are kept as arrays, one sparse product per step.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from solvers.problem import BoolArray
from solvers.site_rules import SiteRules


def greedy_cover(cover: sp.csr_matrix, rules: SiteRules, start: BoolArray, *, deadline: float) -> BoolArray | None:
    """Open sites until every row of ``cover`` (coverable demand x sites, 0/1) is covered."""
    mask = start.copy()
    csc = cover.tocsc()
    count = np.asarray(cover[:, mask].sum(axis=1)).ravel()
    order: list[int] = []
    while True:
        uncovered = count == 0
        need = rules.deficit_sites(mask)
        if not uncovered.any() and not need.any():
            break
        if time.perf_counter() > deadline:
            return None
        cand = rules.can_add(mask)
        if need.any():
            cand &= need
        if not cand.any():
            return None
        gain = np.asarray(csc.T @ uncovered.astype(np.float64)).ravel()
        gain = np.where(cand, gain, -1.0)
        j = int(np.argmax(gain))
        if gain[j] <= 0 and not need.any():
            return None  # nothing left that covers the rest
        mask[j] = True
        order.append(j)
        count += np.asarray(csc[:, j].todense()).ravel().astype(count.dtype)
    for j in reversed(order):
        col = np.asarray(csc[:, j].todense()).ravel() > 0
        if np.all(count[col] >= 2):
            trial = mask.copy()
            trial[j] = False
            if rules.keeps_rules(trial):
                mask = trial
                count -= col.astype(count.dtype)
    return mask
