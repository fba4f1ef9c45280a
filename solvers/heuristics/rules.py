"""The site rules (p, must-open, must-close, group limits) as arrays, for vectorised moves."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solvers.problem import BoolArray, IntArray, Problem

_NO_MAX = np.iinfo(np.int64).max // 4


@dataclass(frozen=True)
class SiteRules:
    """Which sites may open, which must, and the group limits as a membership matrix.

    Attributes:
        allowed: sites that may open.
        forced: must-open sites.
        member: ``(groups, m)`` membership matrix.
        gmin, gmax: per-group minimum and maximum number of open sites.
    """

    allowed: BoolArray
    forced: BoolArray
    member: BoolArray
    gmin: IntArray
    gmax: IntArray

    @classmethod
    def of(cls, problem: Problem) -> SiteRules:
        m = problem.m
        forced = np.zeros(m, dtype=bool)
        forced[list(problem.must_open)] = True
        member = np.zeros((len(problem.groups), m), dtype=bool)
        for k, g in enumerate(problem.groups):
            member[k, list(g.members)] = True
        gmin = np.array([g.min_open for g in problem.groups], dtype=np.int64)
        gmax = np.array([_NO_MAX if g.max_open is None else g.max_open for g in problem.groups], dtype=np.int64)
        return cls(problem.open_allowed(), forced, member, gmin, gmax)

    def counts(self, open_mask: BoolArray) -> IntArray:
        """Open sites per group."""
        return np.asarray(self.member[:, open_mask].sum(axis=1), dtype=np.int64)

    def feasible(self, open_mask: BoolArray) -> bool:
        """The open set keeps must-open, must-close and every group limit (not p)."""
        if np.any(self.forced & ~open_mask) or np.any(open_mask & ~self.allowed):
            return False
        c = self.counts(open_mask)
        return bool(np.all((c >= self.gmin) & (c <= self.gmax)))

    def can_add(self, open_mask: BoolArray) -> BoolArray:
        """Closed sites that may open without passing a group maximum."""
        ok = self.allowed & ~open_mask
        if self.member.shape[0]:
            full = self.counts(open_mask) >= self.gmax
            ok &= ~self.member[full].any(axis=0)
        return ok

    def deficit_sites(self, open_mask: BoolArray) -> BoolArray:
        """Sites in a group still below its minimum (all False when every minimum is met)."""
        if not self.member.shape[0]:
            return np.zeros(self.allowed.shape, dtype=bool)
        short = self.counts(open_mask) < self.gmin
        return np.asarray(self.member[short].any(axis=0))

    def swap_ok(self, open_mask: BoolArray, out_sites: IntArray, in_sites: IntArray) -> BoolArray:
        """``(len(out), len(in))`` mask of swaps (close ``out``, open ``in``) keeping every rule."""
        ok = np.ones((out_sites.size, in_sites.size), dtype=bool)
        ok &= ~self.forced[out_sites][:, None]
        ok &= (self.allowed[in_sites] & ~open_mask[in_sites])[None, :]
        if self.member.shape[0]:
            c = self.counts(open_mask)
            mo = self.member[:, out_sites].astype(np.int64)
            mi = self.member[:, in_sites].astype(np.int64)
            new = c[:, None, None] - mo[:, :, None] + mi[:, None, :]
            ok &= np.all((new >= self.gmin[:, None, None]) & (new <= self.gmax[:, None, None]), axis=0)
        return ok


def perturb(rules: SiteRules, mask: BoolArray, rng: np.random.Generator, swaps: int) -> BoolArray:
    """``mask`` after up to ``swaps`` random swaps that each keep every site rule."""
    out = mask.copy()
    for _ in range(swaps):
        sel = np.flatnonzero(out)
        cand = np.flatnonzero(rules.allowed & ~out)
        if sel.size == 0 or cand.size == 0:
            break
        ok = rules.swap_ok(out, sel, cand)
        r, a = np.nonzero(ok)
        if r.size == 0:
            break
        k = int(rng.integers(r.size))
        out[sel[r[k]]] = False
        out[cand[a[k]]] = True
    return out
