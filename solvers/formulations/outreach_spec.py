"""The outreach model's data (:class:`OutreachSpec`), allocations, and the quantities every stage shares.

See :mod:`solvers.formulations.outreach` for the model (LaTeX) and the MIP.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from solvers.problem import BoolArray, FloatArray, IntArray, ModelKind, Problem, ProblemError

OutreachObjective = Literal["hours", "share", "spare", "access"]
OBJECTIVES: tuple[str, ...] = ("hours", "share", "spare", "access")
X_TOL = 1e-9
"""Allocation fractions at or below this are treated as zero."""


@dataclass(frozen=True, kw_only=True)
class OutreachSpec:
    """The outreach model's data, passed as ``Problem.extra`` (see the module docstring for symbols).

    Attributes:
        need_hours: :math:`h_i`, contact hours a year each area needs, shape ``(n,)``.
        hour_weight: :math:`v_i`, need weight of one contact hour in each area, shape ``(n,)``.
        rural: rural areas, shape ``(n,)``.
        area_group: group (district) index of each area for the reach floors, ``-1`` for none.
        group_floor: :math:`\\delta_g`, least served share of each group's need (0: no rule).
        rural_floor: :math:`\\rho`, least served share of rural need (0: no rule).
        building_cost_gbp: :math:`b_j`, building cost a year of keeping site ``j`` as a base.
        management_cost_gbp: :math:`g_j`, management cost a year of keeping site ``j``.
        central_building_gbp: :math:`B_0`, buildings and infrastructure not tied to a base.
        central_management_gbp: :math:`M_0`, management and admin not tied to a base.
        budget_gbp: :math:`B`, the annual budget.
        family_support_gbp: :math:`F`, the family support fund (not staff).
        contingency_gbp: :math:`C`, contingency and reserves.
        cost_per_post_gbp: :math:`c_\\text{post}`, cost a year of one full-time frontline post.
        productive_hours_per_post: :math:`H_\\text{post}`, hours a post spends in sessions and travel.
        session_minutes: :math:`s`, the length of a session (one round trip each).
        max_drive_minutes: :math:`T`, the longest one-way drive from a base to an area it serves.
        frontline_floor: :math:`\\varphi`, least share of the budget spent on frontline staff.
        exact_bases: ``Problem.p`` is the exact number of bases (else a cap).
        objective: ``hours``, ``share`` or ``spare`` (see the module docstring).
        min_weighted_hours: :math:`C_\\text{min}`, least need-weighted contact hours (``spare``, ``access``).
        access_minutes: :math:`X`, the families' travel threshold: an area is within reach of a base
            at most :math:`X` minutes away (``access`` objective and ``min_access_share``).
        min_access_share: :math:`A_\\text{min}`, least need-weighted share of areas within :math:`X`
            minutes of a kept base (0: no rule).
    """

    need_hours: FloatArray
    hour_weight: FloatArray
    rural: BoolArray
    building_cost_gbp: FloatArray
    management_cost_gbp: FloatArray
    budget_gbp: float
    cost_per_post_gbp: float
    productive_hours_per_post: float
    session_minutes: float
    max_drive_minutes: float
    area_group: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    group_floor: FloatArray = field(default_factory=lambda: np.zeros(0))
    rural_floor: float = 0.0
    central_building_gbp: float = 0.0
    central_management_gbp: float = 0.0
    family_support_gbp: float = 0.0
    contingency_gbp: float = 0.0
    frontline_floor: float = 0.0
    exact_bases: bool = False
    objective: OutreachObjective = "hours"
    min_weighted_hours: float = 0.0
    access_minutes: float = math.inf
    min_access_share: float = 0.0

    @property
    def uses_access(self) -> bool:
        """The model has the families' access variables (objective ``access`` or an access floor)."""
        return self.objective == "access" or self.min_access_share > 0

    @property
    def base_cost_gbp(self) -> FloatArray:
        """:math:`o_j = b_j + g_j`, the overhead of keeping each site as a base."""
        return np.asarray(self.building_cost_gbp, dtype=np.float64) + np.asarray(self.management_cost_gbp,
                                                                                 dtype=np.float64)

    @property
    def fixed_gbp(self) -> float:
        """:math:`F + C + M_0 + B_0`, spending that does not depend on the bases."""
        return float(self.family_support_gbp + self.contingency_gbp + self.central_management_gbp
                     + self.central_building_gbp)

    @property
    def frontline_without_bases_gbp(self) -> float:
        """:math:`B - F - C - M_0 - B_0`, frontline money before any base is paid for."""
        return float(self.budget_gbp - self.fixed_gbp)

    @property
    def overhead_allowance_gbp(self) -> float:
        """The most the bases may cost together and keep the frontline floor.

        :math:`(1 - \\varphi) B - F - C - M_0 - B_0`.
        """
        return float((1.0 - self.frontline_floor) * self.budget_gbp - self.fixed_gbp)

    @property
    def staff_hours_per_gbp(self) -> float:
        """:math:`\\kappa`, frontline staff hours a pound buys."""
        return float(self.productive_hours_per_post / self.cost_per_post_gbp)

    def groups(self, n: int) -> IntArray:
        """The area groups, ``-1`` everywhere when none were given."""
        g = np.asarray(self.area_group, dtype=np.int64)
        return g if g.shape == (n,) else np.full(n, -1, dtype=np.int64)

    def staff_factor(self, minutes: NDArray[np.floating]) -> FloatArray:
        """:math:`1 + 2 t / s`: staff hours per contact hour at a one-way drive of ``minutes``."""
        return 1.0 + 2.0 * np.asarray(minutes, dtype=np.float64) / float(self.session_minutes)

    def check(self, n: int, m: int) -> None:
        """Raise :class:`ProblemError` naming the first malformed field."""
        for name, shape in (("need_hours", (n,)), ("hour_weight", (n,)), ("rural", (n,)),
                            ("building_cost_gbp", (m,)), ("management_cost_gbp", (m,))):
            arr = np.asarray(getattr(self, name))
            if arr.shape != shape:
                raise ProblemError(f"outreach {name} has shape {arr.shape}, expected {shape}")
        for name in ("need_hours", "hour_weight", "building_cost_gbp", "management_cost_gbp"):
            arr = np.asarray(getattr(self, name), dtype=np.float64)
            if not np.all(np.isfinite(arr)) or np.any(arr < 0):
                raise ProblemError(f"outreach {name} must be finite and non-negative")
        g = np.asarray(self.area_group, dtype=np.int64)
        if g.size and g.shape != (n,):
            raise ProblemError(f"outreach area_group has shape {g.shape}, expected ({n},)")
        floors = np.asarray(self.group_floor, dtype=np.float64)
        if g.size and g.max(initial=-1) >= floors.shape[0]:
            raise ProblemError("outreach area_group refers to a group without a floor")
        if np.any(~np.isfinite(floors)) or np.any((floors < 0) | (floors > 1)):
            raise ProblemError("outreach group_floor must lie in [0, 1]")
        for name in ("budget_gbp", "cost_per_post_gbp", "productive_hours_per_post", "session_minutes",
                     "max_drive_minutes"):
            value = float(getattr(self, name))
            if not math.isfinite(value) or value <= 0:
                raise ProblemError(f"outreach {name} must be positive, got {value}")
        for name in ("central_building_gbp", "central_management_gbp", "family_support_gbp", "contingency_gbp",
                     "min_weighted_hours"):
            value = float(getattr(self, name))
            if not math.isfinite(value) or value < 0:
                raise ProblemError(f"outreach {name} must be non-negative, got {value}")
        if self.uses_access and not float(self.access_minutes) >= 0:
            raise ProblemError(f"outreach access_minutes must be non-negative, got {self.access_minutes}")
        for name in ("frontline_floor", "rural_floor", "min_access_share"):
            value = float(getattr(self, name))
            if not 0.0 <= value <= 1.0:
                raise ProblemError(f"outreach {name} must lie in [0, 1], got {value}")
        if self.objective not in OBJECTIVES:
            raise ProblemError(f"outreach objective must be one of {', '.join(OBJECTIVES)}, got {self.objective!r}")


class Allocation(NamedTuple):
    """A fractional allocation as sparse triplets.

    Area ``area[k]`` gets ``fraction[k]`` of its need from site ``site[k]``.
    """

    area: IntArray
    site: IntArray
    fraction: FloatArray


def spec_of(problem: Problem) -> OutreachSpec:
    """The :class:`OutreachSpec` of an outreach problem, checked against its shapes."""
    spec = problem.extra
    if problem.kind is not ModelKind.OUTREACH or not isinstance(spec, OutreachSpec):
        raise ProblemError("an outreach problem needs an OutreachSpec in Problem.extra")
    _check_once(spec, problem.n, problem.m)
    return spec


#: ``id(spec) -> (n, m)`` of the specs already checked (an entry leaves when its spec is collected).
_CHECKED: dict[int, tuple[int, int]] = {}


def _check_once(spec: OutreachSpec, n: int, m: int) -> None:
    """``spec.check(n, m)``, once per spec and shape: the heuristics call :func:`spec_of` thousands of times."""
    key = id(spec)
    if _CHECKED.get(key) == (n, m):
        return
    spec.check(n, m)
    if key not in _CHECKED:
        weakref.finalize(spec, _CHECKED.pop, key, None)
    _CHECKED[key] = (n, m)


def servable_pairs(problem: Problem) -> tuple[IntArray, IntArray]:
    """Row-major ``(area, site)`` pairs of :math:`P`: need > 0, site may open, drive within the maximum."""
    spec = spec_of(problem)
    cost = np.asarray(problem.cost, dtype=np.float64)
    ok = (cost <= spec.max_drive_minutes) & (np.asarray(spec.need_hours) > 0)[:, None]
    ok &= problem.open_allowed()[None, :]
    rows, cols = np.nonzero(ok)
    return rows.astype(np.int64), cols.astype(np.int64)


def hour_value(problem: Problem, spec: OutreachSpec) -> FloatArray:
    """Objective value of serving all of each area (``hours`` and ``share`` objectives)."""
    h = np.asarray(spec.need_hours, dtype=np.float64)
    if spec.objective == "share":
        total = float(np.asarray(problem.weights, dtype=np.float64).sum())
        return np.asarray(problem.weights, dtype=np.float64) / total if total > 0 else np.zeros(problem.n)
    return np.asarray(spec.hour_weight, dtype=np.float64) * h


def access_weights(problem: Problem) -> FloatArray:
    """:math:`w_i / W`, each area's share of the problem's need weights (zeros if there is none)."""
    w = np.asarray(problem.weights, dtype=np.float64)
    total = float(w.sum())
    return w / total if total > 0 else np.zeros(problem.n)


def access_cover(problem: Problem) -> BoolArray:
    """``(n, m)``: site ``j`` may be a base and is within :math:`X` minutes of area ``i`` of positive weight."""
    spec = spec_of(problem)
    cost = np.asarray(problem.cost, dtype=np.float64)
    ok = (cost <= spec.access_minutes) & (np.asarray(problem.weights) > 0)[:, None]
    return np.asarray(ok & problem.open_allowed()[None, :], dtype=bool)


def access_share(problem: Problem, selected: Sequence[int]) -> float:
    """The need-weighted share of areas within :math:`X` minutes of a base in ``selected``."""
    spec = spec_of(problem)
    sel = np.asarray(sorted(int(j) for j in selected), dtype=np.int64)
    if sel.size == 0:
        return 0.0
    near = np.asarray(problem.cost, dtype=np.float64)[:, sel].min(axis=1)
    return float(access_weights(problem)[near <= spec.access_minutes].sum())


__all__ = [
    "OBJECTIVES",
    "X_TOL",
    "Allocation",
    "OutreachObjective",
    "OutreachSpec",
    "access_cover",
    "access_share",
    "access_weights",
    "hour_value",
    "servable_pairs",
    "spec_of",
]


def check_problem_data(problem: Problem) -> None:
    """The outreach data given with ``problem`` (``Problem.extra``) fit its shapes (``ProblemError`` if not).

    Called when the problem is built (:meth:`solvers.problem.Problem.validate`); a problem without
    its spec is refused when it is solved (:func:`spec_of`).
    """
    check = getattr(problem.extra, "check", None)
    if problem.extra is not None and callable(check):
        check(problem.n, problem.m)
