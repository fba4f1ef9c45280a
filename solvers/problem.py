"""Problem statements for the location models: plain arrays, no geography.

A :class:`Problem` holds everything a backend needs: demand weights, a demand x site cost
matrix (travel minutes or distance, ``inf`` where a site cannot serve a demand point), the
model kind and its parameters, and the side constraints shared by every model (must-open and
must-close sites, per-group minimum and maximum numbers of open sites, capacities).

Site and demand identity is positional: index ``j`` is column ``j`` of ``cost``. The domain
layer (``siting``) keeps the mapping to real identifiers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from solvers.models import MAXIMISE_MODELS, CountRule, ModelKind, definition

if TYPE_CHECKING:  # the outreach data refer to the array types below: typed here, imported where used
    from solvers.formulations.outreach_spec import OutreachSpec

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


class ProblemError(ValueError):
    """A problem statement is malformed (wrong shapes, negative weights, bad indices)."""


@dataclass(frozen=True)
class GroupLimit:
    """At least ``min_open`` and at most ``max_open`` of the sites ``members`` are open."""

    name: str
    members: tuple[int, ...]
    min_open: int = 0
    max_open: int | None = None


@dataclass(frozen=True, kw_only=True)
class Problem:
    """A location problem over arrays.

    Attributes:
        kind: which model.
        weights: demand weights, shape ``(n,)``, non-negative.
        cost: demand x site costs, shape ``(n, m)``; ``inf`` where site ``j`` cannot serve ``i``.
        p: number of sites to open (required by every model but LSCP; for OUTREACH optional).
        radius: coverage threshold in the units of ``cost`` (MCLP, CMCLP, LSCP): a demand point is
            covered by a site when their cost is finite and at most ``radius``. Stored as
            :func:`comparison_radius` makes it, so ``cost <= radius`` gives that answer whatever the
            cost's dtype (and an infinite radius still leaves infinite costs uncovered).
        must_open: site indices that must be open.
        must_close: site indices that must stay closed (also used for unsuitable sites).
        groups: per-group limits on the number of open sites.
        capacity: per-site capacity in units of ``weights`` (CPMEDIAN, CMCLP); ``inf`` is no limit
            (stored as the total weight, which no site can exceed).
        opening_cost: per-site cost of opening the site, in the objective's units (models whose
            definition ``needs_opening_cost``: CFLP).
        single_source: CFLP: every demand point is served whole by one site (else its weight may be
            split between open sites).
        require_cover: BCLP: every demand point some allowed site covers must be covered at least once.

    The arrays are normalised on construction (weights and capacity float64; cost float32 or
    float64, other dtypes cast to float64) and the problem is validated there, once: a malformed
    field (a NaN anywhere, a negative weight, a wrong shape) raises :class:`ProblemError` naming it,
    before any backend sees the problem.
        weighted_center: p-center minimises ``max_i w_i d_ij`` instead of ``max_i d_ij``.
        extra: the model's own data, checked by its definition's ``check_data``: for OUTREACH its
            :class:`~solvers.formulations.outreach_spec.OutreachSpec` (no other model has data of its own).
    """

    kind: ModelKind
    weights: FloatArray
    cost: NDArray[np.floating]
    p: int | None = None
    radius: float | None = None
    must_open: frozenset[int] = frozenset()
    must_close: frozenset[int] = frozenset()
    groups: tuple[GroupLimit, ...] = ()
    capacity: FloatArray | None = None
    weighted_center: bool = False
    extra: OutreachSpec | None = None
    opening_cost: FloatArray | None = None
    single_source: bool = False
    require_cover: bool = True

    def __post_init__(self) -> None:
        """Normalise the arrays (one dtype, one comparison rule), then validate: once, here."""
        cost = np.asarray(self.cost)
        if cost.dtype not in (np.float32, np.float64):
            cost = cost.astype(np.float64)
        object.__setattr__(self, "cost", cost)
        object.__setattr__(self, "weights", np.asarray(self.weights, dtype=np.float64))
        if self.capacity is not None:
            object.__setattr__(self, "capacity", np.asarray(self.capacity, dtype=np.float64))
        if self.opening_cost is not None:
            object.__setattr__(self, "opening_cost", np.asarray(self.opening_cost, dtype=np.float64))
        self.validate()
        if self.radius is not None:
            object.__setattr__(self, "radius", comparison_radius(float(self.radius), cost.dtype))
        if self.capacity is not None and np.any(np.isinf(self.capacity)):
            # infinite capacity is no limit: no site can serve more than the whole demand
            total = math.fsum(float(x) for x in self.weights[self.weights > 0])
            cap = np.where(np.isinf(self.capacity), total * (1.0 + 1e-9), self.capacity)
            object.__setattr__(self, "capacity", cap)

    @property
    def n(self) -> int:
        """Number of demand points."""
        return int(self.cost.shape[0])

    @property
    def m(self) -> int:
        """Number of candidate sites."""
        return int(self.cost.shape[1])

    @property
    def maximise(self) -> bool:
        """Whether the model's objective is maximised (its definition says so)."""
        return self.kind in MAXIMISE_MODELS

    def open_allowed(self) -> BoolArray:
        """Mask of sites that may be opened (not must-close)."""
        mask = np.ones(self.m, dtype=bool)
        if self.must_close:
            mask[list(self.must_close)] = False
        return mask

    def covers(self) -> BoolArray:
        """Dense boolean coverage ``cost <= radius`` (coverage models only; see :func:`comparison_radius`)."""
        if self.radius is None:
            raise ProblemError(f"model {self.kind} has no radius")
        return np.asarray(self.cost <= self.radius)

    def validate(self) -> None:
        """Check shapes and values; raise :class:`ProblemError` naming the field."""
        w = np.asarray(self.weights)
        c = np.asarray(self.cost)
        if c.ndim != 2:
            raise ProblemError(f"cost must be 2-D (demand x sites), got shape {c.shape}")
        if w.shape != (c.shape[0],):
            raise ProblemError(f"weights has shape {w.shape}, expected ({c.shape[0]},) to match cost")
        if np.any(np.isnan(w)):
            raise ProblemError(f"weights has NaN (demand point {int(np.flatnonzero(np.isnan(w))[0])})")
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ProblemError("weights must be finite and non-negative")
        if np.any(np.isnan(c)):
            i, j = (int(k[0]) for k in np.nonzero(np.isnan(c)))
            raise ProblemError(f"cost has NaN (demand point {i}, site {j}); use inf for unreachable")
        if np.any(c < 0):
            raise ProblemError("cost must be non-negative (inf for unreachable)")
        if self.radius is not None:
            r = float(self.radius)
            if math.isnan(r):
                raise ProblemError("radius is NaN")
            if r < 0:
                raise ProblemError(f"radius must be non-negative, got {r:g}")
        for label, idx in (("must_open", self.must_open), ("must_close", self.must_close)):
            bad = [j for j in idx if not 0 <= j < c.shape[1]]
            if bad:
                raise ProblemError(f"{label} has site indices out of range: {sorted(bad)[:5]}")
        for g in self.groups:
            bad = [j for j in g.members if not 0 <= j < c.shape[1]]
            if bad:
                raise ProblemError(f"group {g.name!r} has site indices out of range: {bad[:5]}")
            if g.min_open < 0 or (g.max_open is not None and g.max_open < 0):
                raise ProblemError(f"group {g.name!r} has a negative limit")
        model = definition(self.kind)
        if model.count is CountRule.EXACT and self.p is None:
            raise ProblemError(f"model {self.kind} needs p")
        if self.p is not None and self.p < 1:
            raise ProblemError(f"p must be at least 1, got {self.p}")
        if model.needs_radius and self.radius is None:
            raise ProblemError(f"model {self.kind} needs radius")
        if model.needs_capacity and (self.capacity is None or np.asarray(self.capacity).shape != (c.shape[1],)):
            raise ProblemError(f"model {self.kind} needs capacity of shape ({c.shape[1]},)")
        if model.needs_opening_cost and (
            self.opening_cost is None or np.asarray(self.opening_cost).shape != (c.shape[1],)
        ):
            raise ProblemError(f"model {self.kind} needs opening_cost of shape ({c.shape[1]},)")
        if self.capacity is not None:
            cap = np.asarray(self.capacity, dtype=np.float64)
            if cap.shape != (c.shape[1],):
                raise ProblemError(f"capacity has shape {cap.shape}, expected ({c.shape[1]},)")
            if np.any(np.isnan(cap)):
                raise ProblemError(f"capacity has NaN (site {int(np.flatnonzero(np.isnan(cap))[0])})")
            if np.any(cap < 0):
                raise ProblemError("capacity must be non-negative (inf for no limit)")
        if self.opening_cost is not None:
            cost = np.asarray(self.opening_cost, dtype=np.float64)
            if cost.shape != (c.shape[1],):
                raise ProblemError(f"opening_cost has shape {cost.shape}, expected ({c.shape[1]},)")
            wrong = np.flatnonzero(~np.isfinite(cost) | (cost < 0))
            if wrong.size:
                j = int(wrong[0])
                raise ProblemError(f"opening_cost must be finite and non-negative (site {j}: {cost[j]:g})")
        model.check_problem_data(self)


def comparison_radius(radius: float, dtype: np.dtype[np.floating] | type) -> float:
    """The radius as every comparison ``cost <= radius`` uses it: one rule whatever the cost dtype.

    A cost :math:`c` is within the radius :math:`r` when it is finite and :math:`c \\le r` as exact
    numbers (the float64 value of a float32 cost). The radius returned is the largest value of the
    cost's dtype not above ``radius`` (and below infinity), so the plain comparison ``cost <= radius``
    gives that answer in float32 or float64 alike, and never counts an infinite (unreachable) cost as
    covered, even for an infinite radius.
    """
    dt = np.dtype(dtype)
    if not np.issubdtype(dt, np.floating):
        dt = np.dtype(np.float64)
    big = dt.type(np.finfo(dt).max)
    if math.isinf(radius):
        return float(big)
    r = dt.type(radius)
    if float(r) > radius:
        r = np.nextafter(r, dt.type(-np.inf))
    return float(min(r, big))


def make_problem(
    kind: ModelKind | str,
    weights: Sequence[float] | NDArray[np.floating],
    cost: NDArray[np.floating],
    *,
    p: int | None = None,
    radius: float | None = None,
    must_open: Iterable[int] = (),
    must_close: Iterable[int] = (),
    groups: Iterable[GroupLimit] = (),
    capacity: Sequence[float] | NDArray[np.floating] | None = None,
    weighted_center: bool = False,
    extra: OutreachSpec | None = None,
    opening_cost: Sequence[float] | NDArray[np.floating] | None = None,
    single_source: bool = False,
    require_cover: bool = True,
) -> Problem:
    """Build a :class:`Problem` from array-likes (validated on construction)."""
    return Problem(
        kind=ModelKind(kind),
        weights=np.asarray(weights, dtype=np.float64),
        cost=np.asarray(cost),
        p=p,
        radius=radius,
        must_open=frozenset(int(j) for j in must_open),
        must_close=frozenset(int(j) for j in must_close),
        groups=tuple(groups),
        capacity=None if capacity is None else np.asarray(capacity, dtype=np.float64),
        weighted_center=weighted_center,
        extra=extra,
        opening_cost=None if opening_cost is None else np.asarray(opening_cost, dtype=np.float64),
        single_source=single_source,
        require_cover=require_cover,
    )


@dataclass(frozen=True, kw_only=True)
class SolveOptions:
    """Options every backend understands (those it cannot honour are reported in the result).

    Attributes:
        time_limit_s: wall-clock limit for the solve, in seconds.
        gap_rel: relative optimality gap at which to stop (0 proves optimality).
        threads: solver threads (``None``: the backend's default, capped at the machine's cores).
        seed: random seed for reproducible runs.
        warm_start: site indices of a known solution to start from.
        verbose: let the solver print its log.
        extra: backend-specific settings. Keys understood by the shipped backends:
            ``"warm_start_assignment"`` (int array, demand -> site) completes a warm start of a
            capacitated model; ``"heuristic_bound"`` (bool, default True) lets the heuristic
            backend compute the LP relaxation bound.
    """

    time_limit_s: float | None = None
    gap_rel: float = 0.0
    threads: int | None = None
    seed: int = 0
    warm_start: tuple[int, ...] | None = None
    verbose: bool = False
    extra: dict[str, object] = field(default_factory=dict)
