r"""The outreach model, domain side: need in contact hours, costs per site, solving, and what a plan delivers.

The mathematics is in :mod:`solvers.formulations.outreach` (LaTeX there and in ``docs/outreach.md``);
this module turns a :class:`~siting.domain.Case` into that model and its answers into tables.

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

**Choosing the number of bases.** :func:`curve` solves the model for every number of bases in a
range; the best number delivers the most need-weighted contact hours with the frontline floor met.
Numbers tied at the top (within :data:`TIE_REL`; typically a plateau where all need is served) get
a second stage (:func:`tie_break`): among the plans with the most contact hours, the one that
leaves the most staff hours spare (least driving and overhead); the tie goes to the most spare
hours, then to the fewest bases. A single solve (:func:`solve_outreach`) runs both stages.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from siting.budget import (
    CATEGORIES,
    DEFAULT_COST_PER_POST_GBP,
    DEFAULT_PRODUCTIVE_HOURS_PER_POST,
    FRONTLINE,
    OverheadCalibration,
    OverheadCosts,
    calibrate_overheads,
    check_positive,
    check_share,
)
from siting.domain import Budget, Case, DemandAreas, TravelMatrix
from siting.errors import InputError
from siting.problems import SiteRules, build_problem
from solvers import Problem, Result, SolveOptions, Status, make_problem, solve
from solvers.check import evaluate
from solvers.formulations.outreach import (
    OBJECTIVES,
    Allocation,
    OutreachMeasures,
    OutreachSpec,
    allocate_for_bases,
    budget_shortfall_gbp,
    cheapest_overhead_gbp,
    greedy_start,
    measure,
    spare_upper_bound,
)
from solvers.outreach_check import verify_allocation
from solvers.result import relative_gap

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
    def from_mapping(cls, values: Mapping[str, object], *, source: str = SOURCE) -> OutreachParams:
        """Parameters from a mapping of names to values (scenario files, the command line); checked."""
        known = {f.name for f in fields(cls)} | {"building_per_base_gbp", "management_per_base_gbp",
                                                 "building_central_gbp", "management_central_gbp"}
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
                check_positive(self.overheads.management_per_base_gbp, "management_per_base_gbp")
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
    spec = problem.extra
    assert isinstance(spec, OutreachSpec)
    return replace(problem, extra=replace(spec, **changes))  # type: ignore[arg-type]


# --- solving ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutreachSolve:
    """One solve of the outreach model.

    Attributes:
        problem: the problem solved (first stage: contact hours).
        result: the first stage's result (its status, objective, bound and gap are the answer's);
            ``details["allocation"]`` holds its verified allocation.
        selected: the bases of the plan reported (the second stage's when it ran).
        allocation: that plan's verified allocation (``None`` without a solution).
        measures: what that plan delivers.
        tie_break: the second stage's result (most spare staff hours among the best plans), if run.
        shortfall_gbp: for an infeasible budget, how much more money a year would make it feasible
            (``None`` when money cannot help or the model is feasible).
    """

    problem: Problem
    result: Result
    selected: tuple[int, ...] = ()
    allocation: Allocation | None = None
    measures: OutreachMeasures | None = None
    tie_break: Result | None = None
    shortfall_gbp: float | None = None

    @property
    def has_solution(self) -> bool:
        return self.result.has_solution and self.allocation is not None


def attach_allocation(problem: Problem, result: Result) -> tuple[Result, Allocation | None]:
    """``result`` with the optimal allocation of its bases verified and in ``details["allocation"]``.

    Backends report the bases; for fixed bases the best allocation is an LP
    (:func:`~solvers.formulations.outreach.allocate_for_bases`), checked independently by
    :func:`solvers.outreach_check.verify_allocation`. A time-limited incumbent whose own allocation was
    worse than the best for its bases is reported with the better allocation (its objective rises,
    the bound is unchanged).
    """
    if not result.selected:
        return result, None
    fa = allocate_for_bases(problem, result.selected)
    if fa.allocation is None:
        if result.has_solution:
            return result.with_(status=Status.ERROR, verified=False,
                                message=f"no allocation for the solver's bases: {fa.reason}"), None
        return result, None
    if result.status is Status.ERROR and result.message.startswith("independent check: objective"):
        # an incumbent whose allocation was not the best for its bases: re-checked with the best one
        ev = evaluate(problem, result.selected)
        bound_ok = math.isnan(result.bound) or ev.objective <= result.bound * (1 + 1e-6) + 1e-6
        if ev.feasible and bound_ok and math.isclose(ev.objective, fa.objective, rel_tol=1e-6):
            result = result.with_(status=Status.FEASIBLE, objective=fa.objective, verified=True,
                                  gap=relative_gap(fa.objective, result.bound),
                                  message="incumbent's allocation re-optimised for its bases")
    if not result.has_solution:
        return result, None
    result = result.with_(objective=fa.objective) if math.isclose(fa.objective, result.objective, rel_tol=1e-6,
                                                                   abs_tol=1e-6) else result
    checked = verify_allocation(problem, result, fa.allocation)
    return checked, fa.allocation if checked.has_solution else None


def solve_outreach(problem: Problem, *, solver: str = "auto", options: SolveOptions | None = None,
                   polish: bool = True, start: Sequence[int] | None = None) -> OutreachSolve:
    """Solve ``problem`` (from :func:`outreach_problem`), then break ties by spare staff hours.

    ``start`` (site indices) seeds the warm start, fitted to the problem's number of bases by
    :func:`~solvers.formulations.outreach.greedy_start`. An infeasible model gets the budget
    shortfall (:func:`~solvers.formulations.outreach.budget_shortfall_gbp`) in its message.
    """
    options = options or SolveOptions()
    spec = problem.extra
    assert isinstance(spec, OutreachSpec)
    count = problem.p if problem.p is not None else max(1, len(problem.must_open))
    if options.warm_start is None:
        options = replace(options, warm_start=greedy_start(problem, count, start=start or ()))
    try:
        first = solve(problem, solver=solver, options=options)
    except ValueError as exc:
        raise InputError(str(exc), source="--solver") from None
    first, allocation = attach_allocation(problem, first)
    if first.status is Status.INFEASIBLE:
        shortfall = budget_shortfall_gbp(problem)
        return OutreachSolve(problem, first.with_(message=_infeasible_message(problem, first.message, shortfall)),
                             shortfall_gbp=shortfall if shortfall and shortfall > 0 else None)
    if not first.has_solution or allocation is None:
        return OutreachSolve(problem, first)
    out = OutreachSolve(problem, first, first.selected, allocation, measure(problem, first.selected, allocation))
    return tie_break(out, solver=solver, options=options) if polish else out


def tie_break(out: OutreachSolve, *, solver: str = "auto", options: SolveOptions | None = None) -> OutreachSolve:
    r"""The second stage: among the plans with ``out``'s contact hours, the one leaving the most staff hours spare.

    Maximises :math:`\kappa f(y) - \sum a_{ij} x_{ij}` subject to the need-weighted contact hours
    of the first stage (to within :data:`POLISH_REL`), with the same number of bases and rules.
    Only for the ``hours`` objective; ``out`` unchanged otherwise or if the stage finds nothing.
    """
    spec = out.problem.extra
    assert isinstance(spec, OutreachSpec)
    if spec.objective != "hours" or not out.has_solution or out.tie_break is not None:
        return out
    options = options or SolveOptions()
    second_problem = with_spec(out.problem, objective="spare",
                               min_weighted_hours=max(0.0, out.result.objective * (1 - POLISH_REL)))
    # cold: a warm start does not speed this stage up, and CBC mishandles a MIP start on a
    # maximisation whose objective is negative (it declares the start optimal)
    second = solve(second_problem, solver=solver, options=replace(options, warm_start=None))
    second, alloc2 = attach_allocation(second_problem, second)
    if not second.has_solution or alloc2 is None:
        return replace(out, tie_break=second)
    return replace(out, selected=second.selected, allocation=alloc2,
                   measures=measure(out.problem, second.selected, alloc2), tie_break=second)


def _infeasible_message(problem: Problem, reason: str, shortfall: float | None) -> str:
    spec = problem.extra
    assert isinstance(spec, OutreachSpec)
    if shortfall is not None and shortfall > 0:
        return (f"the budget of {spec.budget_gbp:,.0f} GBP cannot pay for the required bases and reach: it falls short "
                f"by {shortfall:,.0f} GBP a year (with {spec.frontline_floor:.0%} of the budget on frontline staff, "
                f"after the family support fund, contingency and central costs); {reason}")
    if shortfall is None:
        return f"{reason} (more money would not help: the site rules or the reach floors cannot be met)"
    return reason


# --- measuring plans -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanEvaluation:
    """A given set of bases measured under the model.

    Attributes:
        name: the plan's name.
        site_ids: its bases.
        problem: the measuring problem (:func:`plan_problem`).
        allocation, measures: its best allocation and what it delivers (``None`` if it cannot run:
            its bases cost more than the budget leaves).
        meets_model: it satisfies the model's floors (frontline, rural, district) as well.
        reason: why not ('' if it does).
        shortfall_gbp: extra money a year its budget needs to keep the frontline floor (0 if none).
    """

    name: str
    site_ids: tuple[str, ...]
    selected: tuple[int, ...]
    problem: Problem
    allocation: Allocation | None
    measures: OutreachMeasures | None
    meets_model: bool
    reason: str = ""
    shortfall_gbp: float = 0.0


def evaluate_plan(case: Case, matrix: TravelMatrix, params: OutreachParams, site_ids: Sequence[str], *,
                  name: str = "plan", budget: Budget | None = None) -> PlanEvaluation:
    """Measure the bases ``site_ids`` under the model (their best allocation), checked independently.

    With the model's floors if the plan meets them, else without (``meets_model`` False and the
    reason). ``budget`` replaces the planned budget (for the old 53-centre model on its own budget).
    """
    try:
        selected = case.sites.index_of(list(site_ids))
    except KeyError as exc:
        raise InputError(f"unknown site id {exc.args[0]!r}", source=f"plan {name}") from None
    problem = plan_problem(case, matrix, params, budget=budget)
    spec = problem.extra
    assert isinstance(spec, OutreachSpec)
    overhead = float(spec.base_cost_gbp[selected].sum())
    frontline = spec.frontline_without_bases_gbp - overhead
    shortfall = max(0.0, (spec.frontline_floor * spec.budget_gbp - frontline) / (1 - spec.frontline_floor)) \
        if spec.frontline_floor < 1 else 0.0
    fa = allocate_for_bases(problem, selected)
    meets, reason = fa.allocation is not None, fa.reason
    if fa.allocation is None:
        problem = plan_problem(case, matrix, params, budget=budget, model_floors=False)
        fa = allocate_for_bases(problem, selected)
    if fa.allocation is None:
        return PlanEvaluation(name, tuple(site_ids), tuple(sorted(selected)), problem, None, None, False,
                              fa.reason or reason, shortfall)
    check = evaluate(problem, selected)
    if not check.feasible or not math.isclose(check.objective, fa.objective, rel_tol=1e-6, abs_tol=1e-6):
        raise RuntimeError(f"independent check disagrees on plan {name}: {check.reason or check.objective}")
    return PlanEvaluation(name, tuple(site_ids), tuple(sorted(selected)), problem, fa.allocation,
                          measure(problem, selected, fa.allocation), meets, reason, shortfall)


# --- the curve over the number of bases ------------------------------------------------------------


@dataclass(frozen=True)
class CurvePoint:
    """The best plan with a given number of bases.

    Attributes:
        bases: number of bases.
        status: the solve's status (for the frontline-floor model, or the relaxed one if that failed).
        meets_frontline_floor: the plan keeps the frontline floor (else it is the best plan without it).
        objective: need-weighted contact hours (the model's objective), NaN without a plan.
        contact_hours, need_served_share, frontline_share, staff_hours_available, driving_hours, spare_staff_hours:
            what the plan found delivers.
        site_ids: its bases.
        seconds: time spent on this number of bases.
        note: why the frontline floor fails, when it does.
        tie_broken: the plan is the second stage's (most spare staff hours among the best).
        solved: the solve behind the point (not written out).
    """

    bases: int
    status: str
    meets_frontline_floor: bool
    objective: float = math.nan
    bound: float = math.nan
    contact_hours: float = math.nan
    need_served_share: float = math.nan
    frontline_share: float = math.nan
    staff_hours_available: float = math.nan
    driving_hours: float = math.nan
    spare_staff_hours: float = math.nan
    site_ids: tuple[str, ...] = ()
    seconds: float = 0.0
    note: str = ""
    tie_broken: bool = False
    solved: OutreachSolve | None = field(default=None, repr=False, compare=False)


def curve(case: Case, matrix: TravelMatrix, params: OutreachParams, *, counts: Iterable[int],
          rules: SiteRules | None = None, solver: str = "auto", options: SolveOptions | None = None,
          progress: Callable[[Iterable[int]], Iterable[int]] | None = None,
          start: Sequence[int] | None = None) -> list[CurvePoint]:
    """The best plan for each number of bases in ``counts`` (ascending is fastest: warm starts chain).

    Where the frontline floor cannot be kept with that many bases, the point is the best plan
    without the floor, marked ``meets_frontline_floor=False`` (so the curve shows the whole
    trade-off). No tie-break stage here: the spare hours are those of the plan found.
    """
    options = options or SolveOptions()
    relaxed = replace(params, frontline_floor=0.0)
    points = []
    previous: tuple[int, ...] = tuple(start or ())
    counts = list(counts)
    for p in (progress(counts) if progress else counts):
        t0 = time.perf_counter()
        problem = outreach_problem(case, matrix, params, bases=p, rules=rules)
        spec = problem.extra
        assert isinstance(spec, OutreachSpec)
        note = ""
        if cheapest_overhead_gbp(problem, p) > spec.overhead_allowance_gbp:
            out: OutreachSolve | None = None
            note = (f"{p} bases cost at least {cheapest_overhead_gbp(problem, p):,.0f} GBP: more than the "
                    f"{spec.overhead_allowance_gbp:,.0f} GBP the {spec.frontline_floor:.0%} frontline floor allows")
        else:
            out = solve_outreach(problem, solver=solver, options=options, polish=False, start=previous)
            if out.result.status is Status.INFEASIBLE:
                note, out = out.result.message, None
        meets = out is not None
        if out is None:
            problem = outreach_problem(case, matrix, relaxed, bases=p, rules=rules)
            out = solve_outreach(problem, solver=solver, options=options, polish=False, start=previous)
        point = CurvePoint(p, out.result.status.value, meets and out.has_solution, seconds=time.perf_counter() - t0,
                           note=note if not meets else "")
        if out.has_solution and out.measures is not None:
            previous = out.selected
            point = _with_solve(case, point, out)
        elif not note:
            point = replace(point, note=out.result.message)
        points.append(point)
    return points


def _with_solve(case: Case, point: CurvePoint, out: OutreachSolve) -> CurvePoint:
    ms = out.measures
    assert ms is not None
    return replace(point, objective=out.result.objective, bound=out.result.bound,
                   contact_hours=ms.contact_hours, need_served_share=ms.contact_hours / ms.need_hours,
                   frontline_share=ms.frontline_share, staff_hours_available=ms.staff_hours_available,
                   driving_hours=ms.driving_hours, spare_staff_hours=ms.spare_staff_hours,
                   site_ids=tuple(case.sites.ids[j] for j in out.selected),
                   tie_broken=out.tie_break is not None and out.tie_break.has_solution, solved=out)


def tied_points(points: Sequence[CurvePoint]) -> list[CurvePoint]:
    """The points that keep the frontline floor with the most contact hours (within :data:`TIE_REL`)."""
    ok = [pt for pt in points if pt.meets_frontline_floor and math.isfinite(pt.objective)]
    if not ok:
        return []
    top = max(pt.objective for pt in ok)
    return [pt for pt in ok if pt.objective >= top - TIE_REL * max(1.0, abs(top))]


def break_ties(case: Case, points: Sequence[CurvePoint], *, solver: str = "auto",
               options: SolveOptions | None = None,
               progress: Callable[[Iterable[int]], Iterable[int]] | None = None) -> list[CurvePoint]:
    """``points`` with the tied best ones (:func:`tied_points`) replaced by their second-stage plans.

    A tied point whose spare hours cannot beat the best found so far (by
    :func:`~solvers.formulations.outreach.spare_upper_bound`) is skipped: it keeps its first-stage
    plan (``tie_broken`` False) and cannot be the best. Points are taken in decreasing order of
    their first-stage spare hours, so a strong best is found early.
    """
    tied = {pt.bases for pt in tied_points(points) if pt.solved is not None and not pt.tie_broken}
    out = list(points)
    todo = sorted((k for k, pt in enumerate(out) if pt.bases in tied),
                  key=lambda k: (-out[k].spare_staff_hours, out[k].bases))
    best = max((pt.spare_staff_hours for pt in out if pt.tie_broken), default=-math.inf)
    for k in (progress(todo) if progress else todo):
        pt = out[k]
        assert pt.solved is not None
        target = max(0.0, pt.solved.result.objective * (1 - POLISH_REL))
        if spare_upper_bound(pt.solved.problem, target) < best - 1.0:
            continue
        t0 = time.perf_counter()
        polished = tie_break(pt.solved, solver=solver, options=options)
        out[k] = replace(_with_solve(case, pt, polished), seconds=pt.seconds + time.perf_counter() - t0)
        best = max(best, out[k].spare_staff_hours)
    return out


def best_point(points: Sequence[CurvePoint]) -> CurvePoint | None:
    """The number of bases with the most contact hours keeping the frontline floor.

    Ties (:func:`tied_points`) go to the most spare staff hours (to the hour; exact after
    :func:`break_ties`), then to the fewest bases.
    """
    tied = tied_points(points)
    if not tied:
        return None
    return max(tied, key=lambda pt: (round(pt.spare_staff_hours) if math.isfinite(pt.spare_staff_hours) else -math.inf,
                                     -pt.bases))


def curve_frame(points: Sequence[CurvePoint]) -> pd.DataFrame:
    """The curve as a table (``curve.csv``)."""
    rows = []
    for pt in points:
        rows.append({
            "bases": pt.bases, "status": pt.status, "meets_frontline_floor": pt.meets_frontline_floor,
            "objective": pt.objective, "bound": pt.bound, "contact_hours": pt.contact_hours,
            "need_served_share": pt.need_served_share, "frontline_share": pt.frontline_share,
            "staff_hours_available": pt.staff_hours_available, "driving_hours": pt.driving_hours,
            "spare_staff_hours": pt.spare_staff_hours, "tie_broken": pt.tie_broken, "site_ids": " ".join(pt.site_ids),
            "seconds": pt.seconds, "note": pt.note,
        })
    return pd.DataFrame(rows)


# --- comparing plans -------------------------------------------------------------------------------


def site_differences(case: Case, matrix: TravelMatrix, params: OutreachParams, *, optimal_ids: Sequence[str],
                     plan_ids: Sequence[str], plan_name: str = "plan") -> pd.DataFrame:
    """What each site kept by one plan but not the other costs or gains.

    For every site in exactly one of the two plans: the change in contact hours and spare staff
    hours of the plan in hand if that one choice were reversed (the site added or dropped), and
    likewise for the optimal plan, with the site's overhead (staff hours it costs a year).
    """
    problem = plan_problem(case, matrix, params, model_floors=False)
    spec = problem.extra
    assert isinstance(spec, OutreachSpec)
    ids = case.sites.ids
    frame = case.sites.frame

    def run(sel: Iterable[str]) -> tuple[float, float]:
        idx = sorted(ids.index(s) for s in sel)
        fa = allocate_for_bases(problem, idx)
        if fa.allocation is None:
            return math.nan, math.nan
        ms = measure(problem, idx, fa.allocation)
        return ms.contact_hours, ms.spare_staff_hours

    opt, plan = set(optimal_ids), set(plan_ids)
    base_opt, base_plan = run(opt), run(plan)
    rows = []
    for s in sorted(opt ^ plan, key=ids.index):
        j = ids.index(s)
        in_opt = s in opt
        plan_toggled = run(plan - {s} if s in plan else plan | {s})
        opt_toggled = run(opt - {s} if in_opt else opt | {s})
        rows.append({
            "id": s, "name": frame["name"].iloc[j], "district": frame["district"].iloc[j],
            "in_optimal": in_opt, f"in_{plan_name}": s in plan,
            "overhead_gbp": float(spec.base_cost_gbp[j]),
            "overhead_staff_hours": float(spec.base_cost_gbp[j] * spec.staff_hours_per_gbp),
            f"{plan_name}_delta_contact_hours": plan_toggled[0] - base_plan[0],
            f"{plan_name}_delta_spare_staff_hours": plan_toggled[1] - base_plan[1],
            "optimal_delta_contact_hours": opt_toggled[0] - base_opt[0],
            "optimal_delta_spare_staff_hours": opt_toggled[1] - base_opt[1],
        })
    return pd.DataFrame(rows)


# --- tables ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutreachTables:
    """A plan's outputs as tables.

    Attributes:
        bases: per kept base: staff, driving and contact hours, areas served, costs.
        areas: per area: need hours, served share, contact hours, serving base and drive.
        by_district: per district: bases, need and contact hours, served share.
        by_class: per rural/urban class: need and contact hours, served share.
        worst_served: the areas with the lowest served share (then the most unmet need).
        budget: the budget split: category, amount, share.
    """

    bases: pd.DataFrame
    areas: pd.DataFrame
    by_district: pd.DataFrame
    by_class: pd.DataFrame
    worst_served: pd.DataFrame
    budget: pd.DataFrame


def tables(case: Case, problem: Problem, selected: Sequence[int], allocation: Allocation,
           measures: OutreachMeasures, *, worst: int = 10) -> OutreachTables:
    """Interpret ``allocation`` for ``case`` as tables."""
    spec = problem.extra
    assert isinstance(spec, OutreachSpec)
    sites = case.sites.frame
    sel = sorted(int(j) for j in selected)
    bases = pd.DataFrame({
        "id": sites["id"].iloc[sel].to_numpy(), "name": sites["name"].iloc[sel].to_numpy(),
        "district": sites["district"].iloc[sel].to_numpy(), "kind": sites["kind"].iloc[sel].to_numpy(),
        "lon": sites["lon"].iloc[sel].to_numpy(), "lat": sites["lat"].iloc[sel].to_numpy(),
        "staff_hours": measures.base_staff_hours[sel], "driving_hours": measures.base_driving_hours[sel],
        "contact_hours": measures.base_contact_hours[sel], "areas_served": measures.base_areas[sel],
        "staff_posts": measures.base_staff_hours[sel] / spec.productive_hours_per_post,
        "building_cost_gbp": np.asarray(spec.building_cost_gbp)[sel],
        "management_cost_gbp": np.asarray(spec.management_cost_gbp)[sel],
    })
    demand = case.demand.frame
    h = np.asarray(spec.need_hours, dtype=np.float64)
    a, j, x = allocation
    n = len(demand)
    main = np.full(n, -1, dtype=np.int64)
    if a.size:
        order = np.lexsort((-x, a))
        first = np.ones(order.size, dtype=bool)
        first[1:] = a[order][1:] != a[order][:-1]
        main[a[order[first]]] = j[order[first]]
    cost = np.asarray(problem.cost, dtype=np.float64)
    drive = np.where(main >= 0, cost[np.arange(n), np.clip(main, 0, None)], np.nan)
    ids = np.asarray(case.sites.ids, dtype=object)
    areas = pd.DataFrame({
        "id": demand["id"], "name": demand["name"], "district": demand["district"], "rural": demand["rural"],
        "children_0_4": demand["children_0_4"], "idaci": demand["idaci"], "weight": demand["weight"],
        "need_hours": h, "served_share": measures.served, "contact_hours": h * measures.served,
        "unmet_hours": h * (1 - measures.served),
        "serving_base": [ids[k] if k >= 0 else None for k in main.tolist()],
        "drive_minutes": drive,
    })
    counts = pd.Series(sites["district"].iloc[sel].to_numpy()).value_counts()
    by_district = areas.groupby("district", as_index=False)[["need_hours", "contact_hours"]].sum()
    by_district["served_share"] = by_district["contact_hours"] / by_district["need_hours"].where(
        by_district["need_hours"] > 0)
    by_district.insert(1, "bases", by_district["district"].map(counts).fillna(0).astype(int))
    by_class = (areas.assign(area_class=np.where(areas["rural"], "rural", "urban"))
                .groupby("area_class", as_index=False)[["need_hours", "contact_hours"]].sum())
    by_class["served_share"] = by_class["contact_hours"] / by_class["need_hours"].where(by_class["need_hours"] > 0)
    worst_served = (areas[areas["need_hours"] > 0]
                    .sort_values(["served_share", "unmet_hours"], ascending=[True, False])
                    .head(worst)[["id", "name", "district", "rural", "need_hours", "served_share", "unmet_hours",
                                  "serving_base", "drive_minutes"]])
    total = sum(measures.budget_gbp.values())
    budget = pd.DataFrame({"category": list(CATEGORIES),
                           "amount_gbp": [measures.budget_gbp[k] for k in CATEGORIES],
                           "share": [measures.budget_gbp[k] / total for k in CATEGORIES]})
    return OutreachTables(bases, areas, by_district, by_class, worst_served, budget)


def budget_dict(measures: OutreachMeasures) -> dict[str, object]:
    """The budget split for a summary: total, amounts and shares by category, frontline share."""
    total = sum(measures.budget_gbp.values())
    return {"total_gbp": total, "amounts_gbp": dict(measures.budget_gbp),
            "shares": {k: v / total for k, v in measures.budget_gbp.items()},
            "frontline_share": measures.budget_gbp[FRONTLINE] / total,
            "staff_hours_available": measures.staff_hours_available}


__all__ = [
    "OBJECTIVES",
    "CurvePoint",
    "OutreachParams",
    "OutreachSolve",
    "OutreachTables",
    "PlanEvaluation",
    "attach_allocation",
    "best_point",
    "break_ties",
    "budget_dict",
    "case_calibration",
    "curve",
    "curve_frame",
    "evaluate_plan",
    "hour_weights",
    "make_spec",
    "need_hours",
    "outreach_problem",
    "plan_problem",
    "site_differences",
    "solve_outreach",
    "tables",
    "tie_break",
    "tied_points",
]
