"""The site rules (p, must-open, must-close, group limits) as arrays, for vectorised moves: one definition.

Every search over sets of sites reads the rules through :class:`SiteRules`: the heuristics of every
model (:mod:`solvers.heuristics`), the p-center radius search and the exact p-median machinery
(:mod:`solvers.pmedian`). The domain's rule set over site ids and districts is
:class:`siting.problems.SiteRules`, which :func:`siting.problems.build_problem` turns into the
problem's must-open, must-close and groups that this class reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from solvers.problem import BoolArray, IntArray, Problem


@dataclass(frozen=True)
class SiteRules:
    """The site rules of a problem as arrays: ``p``, must-open, must-close (``allowed``), group limits.

    Group limits are held as a dense membership matrix ``member`` (groups x sites); a group without
    a maximum has ``gmax = m``. :meth:`feasible`, :meth:`swap_ok` and :meth:`addable` read ``p``
    (the p-median machinery); :meth:`keeps_rules`, :meth:`can_add`, :meth:`deficit_sites` and
    :meth:`swaps_keeping_rules` do not (the heuristics of every model).
    """

    p: int
    allowed: NDArray[np.bool_]
    must_open: NDArray[np.bool_]
    member: NDArray[np.bool_]
    gmin: NDArray[np.int64]
    gmax: NDArray[np.int64]

    @classmethod
    def from_problem(cls, problem: Problem, *, count: int | None = None) -> SiteRules:
        """The rules of ``problem``; ``count`` stands in for ``p`` when the problem has none (a cap, or
        the model chooses the count: the p-free methods :meth:`keeps_rules`, :meth:`can_add`,
        :meth:`swaps_keeping_rules` do not read it)."""
        m = problem.m
        must = np.zeros(m, dtype=bool)
        if problem.must_open:
            must[list(problem.must_open)] = True
        ng = len(problem.groups)
        member = np.zeros((ng, m), dtype=bool)
        gmin = np.zeros(ng, dtype=np.int64)
        gmax = np.full(ng, m, dtype=np.int64)
        for g, grp in enumerate(problem.groups):
            member[g, list(grp.members)] = True
            gmin[g] = grp.min_open
            if grp.max_open is not None:
                gmax[g] = grp.max_open
        p = problem.p if problem.p is not None else count
        if p is None:
            raise ValueError(f"model {problem.kind} has no p: give count")
        return cls(p=int(p), allowed=problem.open_allowed(), must_open=must, member=member,
                   gmin=gmin, gmax=gmax)

    @property
    def has_groups(self) -> bool:
        return bool(self.member.shape[0])

    def feasible(self, open_mask: NDArray[np.bool_]) -> bool:
        """Whether ``open_mask`` obeys every rule (called on every Lagrangian iteration: few array operations)."""
        if np.count_nonzero(open_mask) != self.p or (open_mask & self._closed).any():
            return False
        if (self.must_open & ~open_mask).any():
            return False
        if self.has_groups:
            c = self._member_counts @ open_mask
            if (c < self.gmin).any() or (c > self.gmax).any():
                return False
        return True

    @cached_property
    def _closed(self) -> NDArray[np.bool_]:
        return ~self.allowed

    @cached_property
    def _member_counts(self) -> NDArray[np.int64]:
        return self.member.astype(np.int64)

    def swap_ok(
        self, open_mask: NDArray[np.bool_], ins: NDArray[np.int64], outs: NDArray[np.int64]
    ) -> NDArray[np.bool_]:
        """``(len(ins), len(outs))``: whether opening ``ins[a]`` and closing ``outs[b]`` keeps the group limits."""
        ok = np.ones((ins.size, outs.size), dtype=bool)
        if not self.has_groups:
            return ok
        c = self.member[:, open_mask].sum(axis=1)
        for g in np.flatnonzero((c <= self.gmin) | (c >= self.gmax)):
            delta = self.member[g, ins][:, None].astype(np.int64) - self.member[g, outs][None, :]
            after = c[g] + delta
            ok &= (after >= self.gmin[g]) & (after <= self.gmax[g])
        return ok

    def addable(self, open_mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """Sites that greedy construction may add to the partial solution ``open_mask``.

        Allowed, not open, within every group maximum, and leaving enough slots for every group's
        unmet minimum (for disjoint groups, for their sum).
        """
        cand = self.allowed & ~open_mask
        if not self.has_groups:
            return cand
        slots = self.p - int(open_mask.sum()) - 1
        c = self.member[:, open_mask].sum(axis=1)
        full = c >= self.gmax
        if np.any(full):
            cand &= ~self.member[full].any(axis=0)
        # each group's unmet minimum once j is added: (groups, sites)
        after = np.maximum(self.gmin[:, None] - c[:, None] - self.member, 0)
        cand &= after.max(axis=0) <= slots
        if int(self.member.sum(axis=0).max()) <= 1:  # disjoint groups: their minimums add up
            cand &= after.sum(axis=0) <= slots
        return cand

    def counts(self, open_mask: BoolArray) -> IntArray:
        """Open sites per group."""
        return np.asarray(self.member[:, open_mask].sum(axis=1), dtype=np.int64)

    def keeps_rules(self, open_mask: BoolArray) -> bool:
        """The open set keeps must-open, must-close and every group limit (not p: see :meth:`feasible`)."""
        if np.any(self.must_open & ~open_mask) or np.any(open_mask & ~self.allowed):
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

    def swaps_keeping_rules(self, open_mask: BoolArray, out_sites: IntArray, in_sites: IntArray) -> BoolArray:
        """``(len(out), len(in))`` mask of swaps (close ``out``, open ``in``) keeping every rule but p."""
        ok = np.ones((out_sites.size, in_sites.size), dtype=bool)
        ok &= ~self.must_open[out_sites][:, None]
        ok &= (self.allowed[in_sites] & ~open_mask[in_sites])[None, :]
        if self.member.shape[0]:
            c = self.counts(open_mask)
            mo = self.member[:, out_sites].astype(np.int64)
            mi = self.member[:, in_sites].astype(np.int64)
            new = c[:, None, None] - mo[:, :, None] + mi[:, None, :]
            ok &= np.all((new >= self.gmin[:, None, None]) & (new <= self.gmax[:, None, None]), axis=0)
        return ok
