r"""The service budget: categories, the cost of keeping bases, and how money becomes staff hours.

Categories (as in the council's table, report of 22 January 2019, 2.6.11):
``frontline_delivery``, ``management_and_admin``, ``buildings_and_infrastructure``,
``family_support_fund``, ``contingency_and_reserves``.

**Overheads.** Keeping :math:`p` bases costs, per category :math:`k` (management, buildings),
a central part and a part per base:

.. math::

    \text{cost}_k(p) = c_k + p \, u_k .

:func:`calibrate_overheads` fits :math:`(c_k, u_k)` to two published configurations (53 centres
on the old budget, 15 bases on the new) by least squares on their *shares* of each budget, with
:math:`c_k, u_k \ge 0`. When the exact solution of the 2x2 system is non-negative it is returned
(zero residual); otherwise the constrained fit spreads the error over both rows. On Norfolk's
table the buildings solve exactly (central £341,224, £13,918 per base); the management system's
exact solution has a negative central part (the old contracts' 12 lead providers duplicated
management, so each old centre carried more management than a base of one provider will), so the
fit is £0 central and £79,248 per base, about 0.4-0.7 points of share from both published rows.

The family support fund and contingency are shares of the budget (by default the new service's:
4.8% and 0.6%).

**Staff hours.** Frontline money buys :math:`\kappa = H_\text{post} / c_\text{post}` staff hours per
pound: by default :math:`c_\text{post}` = £35,000 a year for a family support worker with on-costs
(a salary of about £26,000 plus employer's National Insurance and pension, roughly 35%) and
:math:`H_\text{post}` = 1,500 productive hours a year (37 hours a week for 52 weeks, 1,924 hours,
less about 210 hours of annual leave and bank holidays, 60 of sickness and 150 of training,
supervision and team meetings), the hours available for sessions and the travel to them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from siting.domain import Budget
from siting.errors import InputError

FRONTLINE = "frontline_delivery"
MANAGEMENT = "management_and_admin"
BUILDINGS = "buildings_and_infrastructure"
FAMILY_SUPPORT = "family_support_fund"
CONTINGENCY = "contingency_and_reserves"
CATEGORIES: tuple[str, ...] = (FRONTLINE, MANAGEMENT, BUILDINGS, FAMILY_SUPPORT, CONTINGENCY)
"""Budget categories, in the council's order."""

DEFAULT_COST_PER_POST_GBP = 35_000.0
"""Cost a year of one full-time frontline post with on-costs (see the module docstring)."""
DEFAULT_PRODUCTIVE_HOURS_PER_POST = 1_500.0
"""Productive hours a year of one full-time post (see the module docstring)."""


@dataclass(frozen=True, kw_only=True)
class OverheadCosts:
    """Annual overhead of keeping bases: a central part and a part per base, per category.

    Attributes:
        building_per_base_gbp: buildings and infrastructure of one kept base.
        management_per_base_gbp: management and admin attributable to one kept base.
        building_central_gbp: buildings and infrastructure not tied to a base (outreach venue hire, ...).
        management_central_gbp: management and admin not tied to a base.
    """

    building_per_base_gbp: float
    management_per_base_gbp: float
    building_central_gbp: float = 0.0
    management_central_gbp: float = 0.0

    @property
    def per_base_gbp(self) -> float:
        return self.building_per_base_gbp + self.management_per_base_gbp

    @property
    def central_gbp(self) -> float:
        return self.building_central_gbp + self.management_central_gbp

    def management_gbp(self, bases: int) -> float:
        return self.management_central_gbp + bases * self.management_per_base_gbp

    def building_gbp(self, bases: int) -> float:
        return self.building_central_gbp + bases * self.building_per_base_gbp


@dataclass(frozen=True, kw_only=True)
class StaffCosts:
    """How frontline money becomes staff hours.

    Attributes:
        cost_per_post_gbp: cost a year of one full-time frontline post, with on-costs.
        productive_hours_per_post: hours a year a post spends in sessions and travelling to them.
    """

    cost_per_post_gbp: float = DEFAULT_COST_PER_POST_GBP
    productive_hours_per_post: float = DEFAULT_PRODUCTIVE_HOURS_PER_POST

    @property
    def hours_per_gbp(self) -> float:
        return self.productive_hours_per_post / self.cost_per_post_gbp

    def hours(self, frontline_gbp: float) -> float:
        """Staff hours a year that ``frontline_gbp`` buys."""
        return frontline_gbp * self.hours_per_gbp


@dataclass(frozen=True)
class ShareCheck:
    """A published configuration beside the model's reproduction of it (shares of its budget)."""

    name: str
    bases: int
    budget_gbp: float
    published: dict[str, float]
    modelled: dict[str, float]

    @property
    def max_error(self) -> float:
        """Largest absolute difference in share (0.01 is one percentage point)."""
        return max(abs(self.modelled[k] - self.published[k]) for k in CATEGORIES)


@dataclass(frozen=True)
class OverheadCalibration:
    """Overheads fitted to two budgets, the fixed shares, and how well they reproduce both."""

    costs: OverheadCosts
    family_support_share: float
    contingency_share: float
    checks: tuple[ShareCheck, ...] = field(default=())

    @property
    def max_error(self) -> float:
        return max((c.max_error for c in self.checks), default=0.0)


def split(total_gbp: float, bases: int, costs: OverheadCosts, *, family_support_share: float,
          contingency_share: float) -> dict[str, float]:
    """The budget split of ``total_gbp`` with ``bases`` kept (frontline is what remains)."""
    mgmt = costs.management_gbp(bases)
    bldg = costs.building_gbp(bases)
    fund = family_support_share * total_gbp
    cont = contingency_share * total_gbp
    return {FRONTLINE: total_gbp - mgmt - bldg - fund - cont, MANAGEMENT: mgmt, BUILDINGS: bldg,
            FAMILY_SUPPORT: fund, CONTINGENCY: cont}


def shares(amounts_gbp: Mapping[str, float]) -> dict[str, float]:
    """Each category's share of the total."""
    total = sum(amounts_gbp.values())
    return {k: (float(amounts_gbp.get(k, 0.0)) / total if total else math.nan) for k in CATEGORIES}


def _bases_of(b: Budget) -> int:
    if b.number_of_bases is None or b.number_of_bases < 1:
        raise InputError(f"budget {b.name!r} does not say how many bases it pays for", source="budget",
                         field="number_of_bases")
    return int(b.number_of_bases)


def _fit_category(rows: list[tuple[int, float, float]]) -> tuple[float, float]:
    """``(central, per_base) >= 0`` minimising the squared share errors of ``(bases, total, amount)`` rows."""
    a = np.array([[1.0 / total, bases / total] for bases, total, _ in rows])
    b = np.array([amount / total for _, total, amount in rows])
    x = nnls_two(a, b)
    return float(x[0]), float(x[1])


def nnls_two(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    r"""Non-negative least squares with two unknowns: :math:`\min \lVert a x - b \rVert^2` s.t. :math:`x \ge 0`.

    Exact by enumeration of the supports: the optimum is the unconstrained least-squares solution
    on its own support (both unknowns, one, or none), and every candidate that is non-negative is
    feasible, so the feasible candidate of least residual is the optimum. (``scipy.optimize.nnls``
    gives the same answer; importing ``scipy.optimize`` costs about half a second of start-up.)
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    candidates = [np.zeros(2)]
    for j in (0, 1):
        col = a[:, j]
        norm = float(col @ col)
        if norm > 0:
            x = np.zeros(2)
            x[j] = max(0.0, float(col @ b) / norm)
            candidates.append(x)
    both, *_ = np.linalg.lstsq(a, b, rcond=None)
    if np.all(both >= 0):
        candidates.append(np.asarray(both, dtype=np.float64))
    return min(candidates, key=lambda x: float(np.sum((a @ x - b) ** 2)))


def calibrate_overheads(old: Budget, new: Budget, *, reference: Budget | None = None) -> OverheadCalibration:
    """Fit central and per-base overheads to two budgets (see the module docstring).

    ``old`` and ``new`` must state their number of bases. The family support and contingency
    shares are those of ``reference`` (default ``new``, the service being planned).
    """
    for b in (old, new):
        missing = [k for k in CATEGORIES if k not in b.categories_gbp]
        if missing:
            raise InputError(f"budget {b.name!r} has no category {missing[0]!r}", source="budget", field="category")
        if b.total_gbp <= 0:
            raise InputError(f"budget {b.name!r} totals {b.total_gbp:g}", source="budget", field="amount_gbp")
    n_old, n_new = _bases_of(old), _bases_of(new)
    if n_old == n_new:
        raise InputError("the two budgets need different numbers of bases to separate central and per-base costs",
                         source="budget", field="number_of_bases")
    fits = {}
    for k in (MANAGEMENT, BUILDINGS):
        fits[k] = _fit_category([(n_old, old.total_gbp, old.categories_gbp[k]),
                                 (n_new, new.total_gbp, new.categories_gbp[k])])
    costs = OverheadCosts(
        management_central_gbp=fits[MANAGEMENT][0], management_per_base_gbp=fits[MANAGEMENT][1],
        building_central_gbp=fits[BUILDINGS][0], building_per_base_gbp=fits[BUILDINGS][1],
    )
    ref = reference or new
    fund_share = ref.categories_gbp[FAMILY_SUPPORT] / ref.total_gbp
    cont_share = ref.categories_gbp[CONTINGENCY] / ref.total_gbp
    checks = []
    for b, n in ((old, n_old), (new, n_new)):
        # each configuration keeps its own fund and contingency: the check is of the overhead model
        own = split(b.total_gbp, n, costs, family_support_share=b.categories_gbp[FAMILY_SUPPORT] / b.total_gbp,
                    contingency_share=b.categories_gbp[CONTINGENCY] / b.total_gbp)
        checks.append(ShareCheck(b.name, n, b.total_gbp, shares(b.categories_gbp), shares(own)))
    return OverheadCalibration(costs, fund_share, cont_share, tuple(checks))


def check_positive(value: float, name: str, *, allow_zero: bool = False) -> float:
    """``value`` as a float, or an :class:`InputError` naming ``name`` if it is not positive (or is not finite)."""
    v = float(value)
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        need = "non-negative" if allow_zero else "positive"
        raise InputError(f"must be {need}, got {value!r}", field=name)
    return v


def check_share(value: float, name: str) -> float:
    """``value`` as a float in [0, 1], or an :class:`InputError` naming ``name``."""
    v = float(value)
    if not math.isfinite(v) or not 0.0 <= v <= 1.0:
        raise InputError(f"must be a share between 0 and 1, got {value!r}", field=name)
    return v
