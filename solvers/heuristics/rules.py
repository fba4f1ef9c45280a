"""Random moves that keep the site rules (:class:`solvers.site_rules.SiteRules`), for iterated local search."""

from __future__ import annotations

import numpy as np

from solvers.problem import BoolArray
from solvers.site_rules import SiteRules


def perturb(rules: SiteRules, mask: BoolArray, rng: np.random.Generator, swaps: int) -> BoolArray:
    """``mask`` after up to ``swaps`` random swaps that each keep every site rule."""
    out = mask.copy()
    for _ in range(swaps):
        sel = np.flatnonzero(out)
        cand = np.flatnonzero(rules.allowed & ~out)
        if sel.size == 0 or cand.size == 0:
            break
        ok = rules.swaps_keeping_rules(out, sel, cand)
        r, a = np.nonzero(ok)
        if r.size == 0:
            break
        k = int(rng.integers(r.size))
        out[sel[r[k]]] = False
        out[cand[a[k]]] = True
    return out
