r"""Outreach parameters, costs per site, and the solver problems built from a case.

**Need.** Area :math:`i` with :math:`c_i` children aged 0-4 and IDACI score :math:`s_i` (the share of
children in income-deprived families) needs

.. math::

    h_i = c_i \, (u + t \, s_i)

staff contact hours a year: :math:`u` universal hours per child (drop-ins, stay and play, groups;
default 1.0) and :math:`t` targeted hours per child in an income-deprived family (one-to-one and
targeted group work; default 8.0). The default :math:`t` follows the council's report (2.6.1):
about 800 families in targeted support at any one time, at about 1.5 staff contact hours a week
for 46 working weeks, is 55,200 hours a year, or 8.0 hours for each of Norfolk's 6,940 children
aged 0-4 in income-deprived families. Norfolk then needs about 99,700 contact hours a year.

Each contact hour in area :math:`i` weighs :math:`v_i = w_i / c_i` (the case's need weighting per
child: 1 for ``children``, :math:`1 + s_i` for ``idaci``, :math:`s_i` for ``deprived``).

**Costs.** Per-base building and management costs and the central parts come from
:func:`siting.budget.calibrate_overheads` on the case's two budgets, unless given; a site's known
``running_cost_gbp`` replaces the building cost, and ``site_costs_gbp`` overrides both per site.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace

import numpy as np
from numpy.typing import NDArray

from siting.budget import (
    DEFAULT_COST_PER_POST_GBP,
    DEFAULT_PRODUCTIVE_HOURS_PER_POST,
    OverheadCalibration,
    OverheadCosts,
    calibrate_overheads,
    check_positive,
    check_share,
)
from siting.domain import Budget, Case, DemandAreas, TravelMatrix
from siting.errors import InputError
from siting.problems import SiteRules, build_problem
from solvers import Problem, make_problem
from solvers.formulations.outreach import OutreachSpec, spec_of

DEFAULT_UNIVERSAL_HOURS_PER_CHILD = 1.0
DEFAULT_TARGETED_HOURS_PER_CHILD = 8.0
DEFAULT_SESSION_MINUTES = 90.0
DEFAULT_MAX_DRIVE_MINUTES = 30.0
DEFAULT_FRONTLINE_FLOOR = 0.60
TIE_REL = 1e-6
"""Numbers of bases whose contact hours are within this relative distance of the best are tied."""
POLISH_REL = 1e-9
"""The second stage keeps the contact hours of the first to within this relative distance."""
SOURCE = "outreach parameters"


@dataclass(frozen=True, kw_only=True)
class OutreachParams:
    """Parameters of the outreach model (defaults documented in the module docstring and ``docs/outreach.md``).

    Attributes:
        budget_gbp: annual budget (default: the case's planned budget, its last).
        frontline_floor: least share of the budget spent on frontline staff.
        rural_floor: least served share of rural need (0: no rule).
        district_floor: least served share of every district's need (0: no rule).
        session_minutes: length of a session; each costs one round trip.
        max_drive_minutes: longest one-way drive from a base to an area it serves.
        cost_per_post_gbp: annual cost of a full-time frontline post with on-costs.
        productive_hours_per_post: hours a post spends in sessions and travel a year.
        universal_hours_per_child: contact hours a year per child aged 0-4.
        targeted_hours_per_child: extra contact hours a year per child in an income-deprived family.
        overheads: per-base and central costs (default: calibrated on the case's budgets).
        family_support_share: family support fund as a share of the budget (default: calibrated).
        contingency_share: contingency as a share of the budget (default: calibrated).
        site_costs_gbp: per-site ``(building, management)`` costs overriding the defaults, by site id.
        objective: ``hours`` (need-weighted contact hours) or ``share`` (need-weighted share of areas served).
    """

    budget_gbp: float | None = None
    frontline_floor: float = DEFAULT_FRONTLINE_FLOOR
    rural_floor: float = 0.0
    district_floor: float = 0.0
    session_minutes: float = DEFAULT_SESSION_MINUTES
    max_drive_minutes: float = DEFAULT_MAX_DRIVE_MINUTES
    cost_per_post_gbp: float = DEFAULT_COST_PER_POST_GBP
    productive_hours_per_post: float = DEFAULT_PRODUCTIVE_HOURS_PER_POST
    universal_hours_per_child: float = DEFAULT_UNIVERSAL_HOURS_PER_CHILD
    targeted_hours_per_child: float = DEFAULT_TARGETED_HOURS_PER_CHILD
    overheads: OverheadCosts | None = None
    family_support_share: float | None = None
    contingency_share: float | None = None
    site_costs_gbp: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    objective: str = "hours"

    @classmethod
    def names(cls) -> frozenset[str]:
        """The parameter names :meth:`from_mapping` accepts."""
        return frozenset({f.name for f in fields(cls)} | {"building_per_base_gbp", "management_per_base_gbp",
                                                          "building_central_gbp", "management_central_gbp"})

    @classmethod
    def from_mapping(cls, values: Mapping[str, object], *, source: str = SOURCE) -> OutreachParams:
        """Parameters from a mapping of names to values (scenario files, the command line); checked."""
        known = cls.names()
        unknown = [k for k in values if k not in known]
        if unknown:
            raise InputError(f"unknown outreach parameter (known: {', '.join(sorted(known))})", source=source,
                             field=unknown[0])
        kwargs: dict[str, object] = {}
        overhead_keys = ("building_per_base_gbp", "management_per_base_gbp", "building_central_gbp",
                         "management_central_gbp")
        for k, v in values.items():
            if v is None or k in overhead_keys:
                continue
            if k == "objective":
                kwargs[k] = str(v)
            elif k == "site_costs_gbp":
                kwargs[k] = _site_costs(v, source)
            elif k == "overheads":
                if not isinstance(v, OverheadCosts):
                    raise InputError("give the overheads as building_per_base_gbp, management_per_base_gbp, ...",
                                     source=source, field=k)
                kwargs[k] = v
            else:
                kwargs[k] = _number(v, k, source)
        given = {k: values[k] for k in overhead_keys if values.get(k) is not None}
        if given:
            base = kwargs.get("overheads")
            if not isinstance(base, OverheadCosts):
                missing = [k for k in ("building_per_base_gbp", "management_per_base_gbp") if k not in given]
                if missing:
                    raise InputError("per-base overheads need both building_per_base_gbp and "
                                     "management_per_base_gbp", source=source, field=missing[0])
                base = OverheadCosts(building_per_base_gbp=0.0, management_per_base_gbp=0.0)
            kwargs["overheads"] = replace(base, **{k: _number(v, k, source) for k, v in given.items()})
        return cls(**kwargs).validated(source=source)  # type: ignore[arg-type]

    def validated(self, *, source: str = SOURCE) -> OutreachParams:
        """These parameters, or an :class:`InputError` naming the first bad one."""
        try:
            if self.budget_gbp is not None:
                check_positive(self.budget_gbp, "budget_gbp")
            for name in ("frontline_floor", "rural_floor", "district_floor"):
                check_share(getattr(self, name), name)
            for name in ("session_minutes", "max_drive_minutes", "cost_per_post_gbp", "productive_hours_per_post"):
                check_positive(getattr(self, name), name)
            for name in ("universal_hours_per_child", "targeted_hours_per_child"):
                check_positive(getattr(self, name), name, allow_zero=True)
            if self.universal_hours_per_child + self.targeted_hours_per_child <= 0:
                raise InputError("universal and targeted hours per child cannot both be zero",
                                 field="universal_hours_per_child")
            if self.overheads is not None:
                check_positive(self.overheads.building_per_base_gbp, "building_per_base_gbp")
                # zero: all management central (the central-management calibration)
                check_positive(self.overheads.management_per_base_gbp, "management_per_base_gbp", allow_zero=True)
                check_positive(self.overheads.building_central_gbp, "building_central_gbp", allow_zero=True)
                check_positive(self.overheads.management_central_gbp, "management_central_gbp", allow_zero=True)
            for name in ("family_support_share", "contingency_share"):
                value = getattr(self, name)
                if value is not None:
                    check_share(value, name)
            for site, (b, m) in self.site_costs_gbp.items():
                check_positive(b, f"site_costs_gbp[{site}] building")
                check_positive(m, f"site_costs_gbp[{site}] management")
            if self.objective not in ("hours", "share"):
                raise InputError(f"must be one of hours, share; got {self.objective!r}", field="objective")
        except InputError as exc:
            raise InputError(exc.detail, source=source, field=exc.field) from None
        return self


def _number(value: object, name: str, source: str) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"not a number: {value!r}", source=source, field=name) from None


def _site_costs(value: object, source: str) -> dict[str, tuple[float, float]]:
    if not isinstance(value, Mapping):
        raise InputError("expected a mapping of site id to [building, management] GBP", source=source,
                         field="site_costs_gbp")
    out = {}
    for site, pair in value.items():
        if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
            raise InputError(f"site {site!r}: expected [building_gbp, management_gbp]", source=source,
                             field="site_costs_gbp")
        out[str(site)] = (_number(pair[0], f"site_costs_gbp[{site}]", source),
                          _number(pair[1], f"site_costs_gbp[{site}]", source))
    return out


def need_hours(demand: DemandAreas, *, universal_hours_per_child: float = DEFAULT_UNIVERSAL_HOURS_PER_CHILD,
               targeted_hours_per_child: float = DEFAULT_TARGETED_HOURS_PER_CHILD) -> NDArray[np.float64]:
    """:math:`h_i = c_i (u + t s_i)`, contact hours a year each area needs (module docstring)."""
    idaci = demand.frame["idaci"].to_numpy(dtype=np.float64)
    return demand.children * (universal_hours_per_child + targeted_hours_per_child * idaci)


def hour_weights(demand: DemandAreas) -> NDArray[np.float64]:
    """:math:`v_i = w_i / c_i`, the case's need weight per child (1 where an area has no children)."""
    c = demand.children
    w = demand.weight
    return np.where(c > 0, w / np.where(c > 0, c, 1.0), 1.0)


def case_calibration(case: Case) -> OverheadCalibration:
    """Overheads calibrated on the case's first and last budgets (the last is the planned service)."""
    budgets = [b for b in case.budgets.values() if b.number_of_bases]
    if len(budgets) < 2:
        raise InputError(f"case {case.name!r} has no pair of budgets to calibrate overheads on; give the "
                         "per-base costs (building_per_base_gbp, management_per_base_gbp) and budget_gbp",
                         source=SOURCE, field="overheads")
    return calibrate_overheads(budgets[0], budgets[-1])


def planned_budget(case: Case) -> Budget | None:
    """The case's planned budget (its last), if any."""
    return list(case.budgets.values())[-1] if case.budgets else None


@dataclass(frozen=True)
class Costs:
    """Resolved money parameters for one budget."""

    budget_gbp: float
    building_gbp: NDArray[np.float64]
    management_gbp: NDArray[np.float64]
    overheads: OverheadCosts
    family_support_share: float
    contingency_share: float


def resolve_costs(case: Case, params: OutreachParams, *, budget: Budget | None = None) -> Costs:
    """Per-site costs and the budget for ``params`` (``budget`` overrides the budget and its fixed shares)."""
    cal: OverheadCalibration | None = None
    if params.overheads is None or params.family_support_share is None or params.contingency_share is None:
        cal = case_calibration(case)
    overheads = params.overheads or (cal.costs if cal else None)
    assert overheads is not None
    if budget is not None:
        total = budget.total_gbp
        fund = budget.categories_gbp.get("family_support_fund", 0.0) / total
        cont = budget.categories_gbp.get("contingency_and_reserves", 0.0) / total
    else:
        planned = planned_budget(case)
        if params.budget_gbp is None and planned is None:
            raise InputError(f"case {case.name!r} has no budget: give budget_gbp", source=SOURCE, field="budget_gbp")
        total = float(params.budget_gbp if params.budget_gbp is not None else planned.total_gbp)  # type: ignore[union-attr]
        fund = params.family_support_share if params.family_support_share is not None else cal.family_support_share  # type: ignore[union-attr]
        cont = params.contingency_share if params.contingency_share is not None else cal.contingency_share  # type: ignore[union-attr]
    m = len(case.sites)
    building = np.full(m, overheads.building_per_base_gbp)
    known = case.sites.frame["running_cost_gbp"].to_numpy(dtype=np.float64)
    building = np.where(np.isfinite(known) & (known > 0), known, building)
    management = np.full(m, overheads.management_per_base_gbp)
    ids = case.sites.ids
    for site, (b, g) in params.site_costs_gbp.items():
        if site not in ids:
            raise InputError(f"unknown site id {site!r}", source=SOURCE, field="site_costs_gbp")
        k = ids.index(site)
        building[k], management[k] = b, g
    return Costs(total, building, management, overheads, float(fund), float(cont))


def make_spec(case: Case, params: OutreachParams, *, exact_bases: bool = True, budget: Budget | None = None,
              model_floors: bool = True) -> OutreachSpec:
    """The :class:`OutreachSpec` of ``case`` under ``params`` (``model_floors=False`` drops every floor)."""
    costs = resolve_costs(case, params, budget=budget)
    demand = case.demand
    districts = sorted(demand.frame["district"].unique())
    group = demand.frame["district"].map({d: k for k, d in enumerate(districts)}).to_numpy(dtype=np.int64)
    floor = params.district_floor if model_floors else 0.0
    return OutreachSpec(
        need_hours=need_hours(demand, universal_hours_per_child=params.universal_hours_per_child,
                              targeted_hours_per_child=params.targeted_hours_per_child),
        hour_weight=hour_weights(demand),
        rural=demand.rural,
        area_group=group,
        group_floor=np.full(len(districts), floor),
        rural_floor=params.rural_floor if model_floors else 0.0,
        building_cost_gbp=costs.building_gbp,
        management_cost_gbp=costs.management_gbp,
        central_building_gbp=costs.overheads.building_central_gbp,
        central_management_gbp=costs.overheads.management_central_gbp,
        budget_gbp=costs.budget_gbp,
        family_support_gbp=costs.family_support_share * costs.budget_gbp,
        contingency_gbp=costs.contingency_share * costs.budget_gbp,
        cost_per_post_gbp=params.cost_per_post_gbp,
        productive_hours_per_post=params.productive_hours_per_post,
        session_minutes=params.session_minutes,
        max_drive_minutes=params.max_drive_minutes,
        frontline_floor=params.frontline_floor if model_floors else 0.0,
        exact_bases=exact_bases,
        objective="share" if params.objective == "share" else "hours",
    )


def outreach_problem(case: Case, matrix: TravelMatrix, params: OutreachParams, *, bases: int | None,
                     exact: bool = True, rules: SiteRules | None = None) -> Problem:
    """The solver problem: ``bases`` sites (exactly, or at most), the site rules, the outreach spec."""
    spec = make_spec(case, params, exact_bases=exact and bases is not None)
    return build_problem(case, matrix, model="outreach", bases=bases, rules=rules, extra=spec)


def plan_problem(case: Case, matrix: TravelMatrix, params: OutreachParams, *, budget: Budget | None = None,
                 model_floors: bool = True) -> Problem:
    """A problem for measuring given plans: no site rules (any site may be evaluated), the model's floors."""
    spec = make_spec(case, params, exact_bases=False, budget=budget, model_floors=model_floors)
    return make_problem("outreach", case.demand.weight, matrix.minutes, extra=spec)


def with_spec(problem: Problem, **changes: object) -> Problem:
    """``problem`` with some fields of its outreach spec changed."""
    spec = spec_of(problem)
    return replace(problem, extra=replace(spec, **changes))  # type: ignore[arg-type]


__all__ = [
    "DEFAULT_FRONTLINE_FLOOR",
    "DEFAULT_MAX_DRIVE_MINUTES",
    "DEFAULT_SESSION_MINUTES",
    "DEFAULT_TARGETED_HOURS_PER_CHILD",
    "DEFAULT_UNIVERSAL_HOURS_PER_CHILD",
    "POLISH_REL",
    "SOURCE",
    "TIE_REL",
    "Costs",
    "OutreachParams",
    "case_calibration",
    "hour_weights",
    "make_spec",
    "need_hours",
    "outreach_problem",
    "plan_problem",
    "planned_budget",
    "resolve_costs",
    "with_spec",
]
