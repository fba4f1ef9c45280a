r"""Best replacements for a few closed bases, by complete enumeration (exact, no solver).

The "best replacement, others fixed" value of a closure (:mod:`siting.closure`) asks for the best
:math:`k = |G|` sites :math:`A` to add to the bases kept, :math:`F = P \setminus G`:

.. math::

    \operatorname{opt}\{v(F \cup A) : |A| = k,\ A \subseteq C,\ \ell_g \le |(F \cup A) \cap M_g| \le u_g\ \forall g\}

with :math:`C` the sites the rules allow that are not in :math:`F` (the closed group is among the
must-close sites), :math:`M_g` the members of group limit :math:`g` (a district's minimum, ...). For
the MCLP :math:`v` is the need within :math:`r` minutes (maximised), for the p-median the need-weighted
total minutes (minimised). With :math:`k \le 3` and a few dozen candidates there are at most a few
thousand sets: evaluating every one of them in numpy is a proof of optimality and takes about a
millisecond, where a solve of the same question takes tens of milliseconds. Larger questions return
``None`` and go to the solver.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from siting.domain import Case, TravelMatrix
from siting.problems import SiteRules, allowed_sites, district_groups
from solvers import ModelKind

#: Enumerate at most this many sets (more go to the solver).
MAX_SETS = 20_000
#: Sets evaluated at once (bounds the memory: areas x CHUNK values).
CHUNK = 2_048
SOLVER = "enumeration"


@dataclass(frozen=True)
class Replacement:
    """The best sites to add (positions, ascending), or none when no set obeys the rules (``feasible`` False)."""

    added: tuple[int, ...]
    feasible: bool
    sets: int


def best_replacement(case: Case, matrix: TravelMatrix, *, model: ModelKind, minutes: float, fixed: Sequence[str],
                     count: int, rules: SiteRules, max_sets: int = MAX_SETS) -> Replacement | None:
    """The best ``count`` sites to add to ``fixed`` (site ids) under ``rules``, or ``None`` if not enumerated.

    ``None`` (the caller solves instead) when the question is outside what is enumerated here: more
    than ``max_sets`` sets, a fixed site the rules do not allow, a must-keep site outside ``fixed``,
    extra group limits. Ties go to the first set in the order of the sites.
    """
    if count < 1 or rules.extra_groups:
        return None
    pos = case.sites.index_of(list(fixed))
    allowed = allowed_sites(case, rules)
    keep = set(case.sites.index_of(list(rules.must_keep)))
    if not all(allowed[j] for j in pos) or not keep <= set(pos):
        return None
    fixed_mask = np.zeros(allowed.size, dtype=bool)
    fixed_mask[pos] = True
    cand = np.flatnonzero(allowed & ~fixed_mask)
    if cand.size < count:
        return Replacement((), False, 0)
    sets = math.comb(int(cand.size), count)
    if sets > max_sets:
        return None
    combos = np.array(list(itertools.combinations(range(cand.size), count)), dtype=np.int64).reshape(-1, count)
    ok = _obeys_limits(case, rules, fixed_mask, cand, combos)
    if not ok.any():
        return Replacement((), False, sets)
    combos = combos[ok]
    t = np.asarray(matrix.minutes, dtype=np.float64)
    w = np.asarray(case.demand.weight, dtype=np.float64)
    scores = _scores(t, w, model=model, minutes=minutes, fixed=np.asarray(pos, dtype=np.int64), cand=cand,
                     combos=combos)
    k = int(np.argmax(scores) if model is ModelKind.MCLP else np.argmin(scores))
    if not math.isfinite(float(scores[k])):
        return Replacement((), False, sets)  # p-median: some need reaches no base of any allowed set
    return Replacement(tuple(sorted(int(j) for j in cand[combos[k]])), True, sets)


def _obeys_limits(case: Case, rules: SiteRules, fixed_mask: NDArray[np.bool_], cand: NDArray[np.int64],
                  combos: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Which sets keep every district's (and group's) minimum and maximum."""
    ok = np.ones(len(combos), dtype=bool)
    for g in district_groups(case, rules):
        member = np.zeros(fixed_mask.size, dtype=bool)
        member[list(g.members)] = True
        have = int((member & fixed_mask).sum()) + member[cand][combos].sum(axis=1)
        ok &= have >= g.min_open
        if g.max_open is not None:
            ok &= have <= g.max_open
    return ok


def _scores(t: NDArray[np.float64], w: NDArray[np.float64], *, model: ModelKind, minutes: float,
            fixed: NDArray[np.int64], cand: NDArray[np.int64], combos: NDArray[np.int64]) -> NDArray[np.float64]:
    """Need covered (MCLP) or need-weighted total minutes (p-median) of each set added to ``fixed``."""
    pos = w > 0
    t, w = t[pos], w[pos]
    out = np.empty(len(combos), dtype=np.float64)
    if model is ModelKind.MCLP:
        base = np.zeros(len(w), dtype=bool)
        if fixed.size:
            base = np.asarray((t[:, fixed] <= minutes).any(axis=1), dtype=bool)
        reach: NDArray[np.bool_] = (t[:, cand] <= minutes) & ~base[:, None]
        already = float(w[base].sum())
        for s in range(0, len(combos), CHUNK):
            part = combos[s:s + CHUNK]
            gained = reach[:, part].any(axis=2)
            out[s:s + CHUNK] = already + w @ gained
        return out
    base_d = t[:, fixed].min(axis=1) if fixed.size else np.full(len(w), np.inf)
    d = t[:, cand]
    for s in range(0, len(combos), CHUNK):
        part = combos[s:s + CHUNK]
        best = np.minimum(base_d[:, None], d[:, part].min(axis=2))
        with np.errstate(invalid="ignore"):
            out[s:s + CHUNK] = w @ best
    return out
