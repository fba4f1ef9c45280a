r"""Warm starts between neighbouring jobs of a sweep: the previous job's bases fitted to the new count.

Going from :math:`p'` to :math:`p` bases, the previous set :math:`S'` is fixed up greedily with the
model's own objective :math:`f` (recomputed by :func:`solvers.check.evaluate`):

* :math:`p > p'`: repeatedly add :math:`\arg\max_{j \notin S} f(S \cup \{j\})` (best next site);
* :math:`p < p'`: repeatedly drop :math:`\arg\max_{j \in S \setminus K} f(S \setminus \{j\})` (the least
  valuable base), never a must-keep site :math:`K`

(for minimised models, :math:`\arg\min`). Must-keep sites are added first and must-close ones
removed. A start that breaks a site rule (a district limit) is not offered: the solver starts cold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from solvers import Problem
from solvers.check import VerificationError, evaluate, site_rule_violation
from solvers.models import CountRule, definition


def _maximise(problem: Problem) -> bool:
    return problem.maximise


def _score(problem: Problem, selected: Sequence[int]) -> float:
    """The objective of ``selected`` ignoring p (``-inf`` is worst for both senses after the sign flip)."""
    try:
        ev = evaluate(problem, sorted(selected))
    except VerificationError:
        return math.nan
    value = ev.objective
    if math.isnan(value) or (not math.isfinite(value) and not _maximise(problem)):
        return -math.inf
    return value if _maximise(problem) else -value


def fit_start(problem: Problem, previous: Sequence[int]) -> tuple[int, ...] | None:
    """The previous bases (site indices) fitted to ``problem.p`` as above, or ``None`` if none fits."""
    p = problem.p
    if p is None or definition(problem.kind).count is CountRule.MINIMISED:
        return None
    allowed = problem.open_allowed()
    sel = [int(j) for j in dict.fromkeys(previous) if 0 <= int(j) < problem.m and allowed[int(j)]]
    sel += [j for j in sorted(problem.must_open) if j not in sel]
    keep = set(problem.must_open)
    candidates = [j for j in np.flatnonzero(allowed).tolist() if j not in sel]
    while len(sel) < p and candidates:
        scores = [_score(problem, [*sel, j]) for j in candidates]
        if all(math.isnan(s) for s in scores):
            return None
        best = candidates[int(np.nanargmax(scores))]
        sel.append(best)
        candidates.remove(best)
    while len(sel) > p:
        removable = [j for j in sel if j not in keep]
        if not removable:
            return None
        scores = [_score(problem, [k for k in sel if k != j]) for j in removable]
        if all(math.isnan(s) for s in scores):
            return None
        sel.remove(removable[int(np.nanargmax(scores))])
    if len(sel) != p or site_rule_violation(problem, sel):
        return None
    return tuple(sorted(sel))
