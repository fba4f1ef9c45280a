r"""Honest closure analysis: what closing bases of a plan costs, with and without re-optimising.

"Need only this base reaches" is the loss of closing one base *alone with every other base fixed*.
Such values do not add up (closing two bases that cover each other's areas loses more than the two
single values) and they ignore that the other bases can move. For a plan :math:`P` of :math:`p`
bases, a group :math:`G \subseteq P` of its bases (one base, a district's, a town's) and a value
:math:`v` (need covered within :math:`r` minutes for the MCLP, need-weighted mean minutes for the
p-median) this module computes, exactly:

.. math::

    \text{alone} &= v(P \setminus G)                                  \quad\text{(others fixed)}\\
    \text{replaced} &= \operatorname{opt}\{v(S) : |S| = p,\ P \setminus G \subseteq S,\ S \cap G = \emptyset\}
        \quad\text{(others fixed, } |G| \text{ best replacements)}\\
    \text{reoptimised} &= \operatorname{opt}\{v(S) : |S| = p,\ S \cap G = \emptyset\}
        \quad\text{(every base free)}\\
    \text{fewer} &= \operatorname{opt}\{v(S) : |S| = p - |G|,\ S \cap G = \emptyset\}

each subject to the site rules in force (must keep / close, per-district limits, unsuitable
buildings closed). The loss of each is :math:`v(P) - \cdot` for coverage and :math:`\cdot - v(P)`
for travel time, so a positive loss is always worse. ``alone`` is an upper bound on the loss of
``fewer`` whenever :math:`P \setminus G` obeys the rules; ``reoptimised`` may be *better* than
:math:`P` (a negative loss) when :math:`P` is not optimal.

The optimised values are solved by :func:`solvers.solve` through :func:`siting.problems.build_problem`
with must-open / must-close rules; each carries the solver's status (``optimal`` is proven, anything
else says the run stopped short). Incremental decisions (close or add :math:`k` bases, the rest fixed)
are in :mod:`siting.change`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from tqdm import tqdm

from siting.domain import Case, TravelMatrix
from siting.errors import InputError
from siting.problems import SiteRules, allowed_sites, build_problem, count_range, district_groups
from siting.replacement import MAX_SETS, best_replacement
from siting.replacement import SOLVER as ENUMERATION
from solvers import ModelKind, SolveOptions, Status, solve
from solvers.registry import names as solver_names

#: Mean absolute error of the calibrated travel-time estimator on held-out routed pairs (Norfolk), minutes.
TRAVEL_ERROR_MINUTES = 2.8
#: Measures closure values can be computed in.
MEASURES = (ModelKind.MCLP, ModelKind.PMEDIAN)
MEASURED = "measured"
"""Status of a plan measured as given (not optimised): exact by construction."""


@dataclass(frozen=True, kw_only=True)
class Measure:
    """How a plan is valued.

    Attributes:
        model: ``mclp`` (need covered within ``minutes``, more is better) or ``pmedian``
            (need-weighted mean minutes to the nearest base, less is better).
        minutes: the coverage threshold (the MCLP's radius; for the p-median, coverage is reported at it).
        error_minutes: the travel-time estimator's mean absolute error, for the significance rule.
    """

    model: ModelKind = ModelKind.MCLP
    minutes: float = 20.0
    error_minutes: float = TRAVEL_ERROR_MINUTES

    def __post_init__(self) -> None:
        if ModelKind(self.model) not in MEASURES:
            raise InputError(f"closure values are computed for mclp or pmedian, not {self.model}", source="--model")
        if not 0 < self.minutes < math.inf:
            raise InputError(f"the travel-time limit must be a positive number of minutes, got {self.minutes}",
                             source="--minutes")
        if not 0 <= self.error_minutes < math.inf:
            raise InputError(f"the travel-time error must be a number of minutes, got {self.error_minutes}",
                             source="error_minutes")

    @property
    def loss_name(self) -> str:
        """Column prefix of a loss in this measure."""
        return "need_lost" if self.model is ModelKind.MCLP else "mean_minutes_added"

    @property
    def unit(self) -> str:
        return "need within the limit" if self.model is ModelKind.MCLP else "need-weighted mean minutes"

    def score(self, value: PlanValue) -> float:
        return value.need_covered if self.model is ModelKind.MCLP else value.mean_minutes

    def loss(self, before: PlanValue, after: PlanValue) -> float:
        """How much worse ``after`` is than ``before`` (positive: worse)."""
        d = self.score(after) - self.score(before)
        return (-d if self.model is ModelKind.MCLP else d) + 0.0  # + 0.0: no negative zero


@dataclass(frozen=True, kw_only=True)
class PlanValue:
    """A set of bases and what it achieves.

    Attributes:
        bases: site ids kept.
        need_covered: need within the measure's minutes of a base.
        mean_minutes: need-weighted mean minutes to the nearest base (areas no base reaches left out).
        status: ``measured`` (a plan as given) or the solver's status (``optimal`` is proven).
        solver, bound, gap, message: from the solver when optimised (``bound`` in the model's objective:
            need covered for the MCLP, need-weighted total minutes for the p-median).
    """

    bases: tuple[str, ...]
    need_covered: float = math.nan
    mean_minutes: float = math.nan
    status: str = MEASURED
    solver: str = ""
    bound: float = math.nan
    gap: float = math.nan
    message: str = ""

    @property
    def exact(self) -> bool:
        """Measured as given, or proven optimal by the solver."""
        return self.status in (MEASURED, Status.OPTIMAL.value)

    @property
    def has_plan(self) -> bool:
        return not math.isnan(self.need_covered)


def measure_plan(case: Case, matrix: TravelMatrix, bases: Sequence[str], *, minutes: float,
                 status: str = MEASURED, **solver_fields: object) -> PlanValue:
    """Measure ``bases`` (site ids) directly from the travel matrix."""
    pos = _positions(case, bases, what="plan")
    t = np.asarray(matrix.minutes, dtype=np.float64)
    w = case.demand.weight
    best = t[:, pos].min(axis=1) if pos else np.full(len(w), np.inf)
    covered = float(w[best <= minutes].sum())
    ok = np.isfinite(best) & (w > 0)
    mean = float(np.average(best[ok], weights=w[ok])) if ok.any() else math.nan
    return PlanValue(bases=tuple(bases), need_covered=covered, mean_minutes=mean, status=status,
                     **solver_fields)  # type: ignore[arg-type]


def best_plan(case: Case, matrix: TravelMatrix, *, measure: Measure, bases: int, rules: SiteRules,
              solver: str = "auto", options: SolveOptions | None = None) -> PlanValue:
    """The best ``bases`` bases under ``rules`` in ``measure`` (solved; the status says if it is proven)."""
    check_solver(solver)
    problem = build_problem(case, matrix, model=measure.model, bases=bases, minutes=measure.minutes, rules=rules)
    try:
        result = solve(problem, solver=solver, options=options)
    except ValueError as exc:  # a solver that cannot solve the model
        raise InputError(str(exc), source="--solver") from None
    fields: dict[str, object] = {"solver": result.solver, "bound": result.bound, "gap": result.gap,
                                 "message": result.message}
    if not result.has_solution:
        return PlanValue(bases=(), status=result.status.value, **fields)  # type: ignore[arg-type]
    ids = tuple(case.sites.ids[j] for j in result.selected)
    return measure_plan(case, matrix, ids, minutes=measure.minutes, status=result.status.value, **fields)


def check_solver(solver: str) -> None:
    """Refuse an unknown solver name with one line naming ``--solver`` (before any work is done)."""
    if solver != "auto" and solver not in solver_names():
        raise InputError(f"unknown solver {solver!r}; choose from: auto, {', '.join(solver_names())}",
                         source="--solver")


def significant(case: Case, matrix: TravelMatrix, before: Sequence[str], after: Sequence[str], *,
                measure: Measure) -> bool:
    r"""Whether the change from ``before`` to ``after`` exceeds the travel-time estimator's error.

    Coverage (MCLP): the difference in need covered must keep one sign, and not vanish, when both plans
    are measured with the limit moved by :math:`\pm e` (:math:`e` the estimator's mean absolute error):
    :math:`\operatorname{sign}\Delta(r - e) = \operatorname{sign}\Delta(r) = \operatorname{sign}\Delta(r + e) \neq 0`.
    Travel time (p-median): the need-weighted mean must change by at least :math:`e` minutes.
    """
    e = measure.error_minutes
    if measure.model is ModelKind.PMEDIAN:
        a = measure_plan(case, matrix, before, minutes=measure.minutes)
        b = measure_plan(case, matrix, after, minutes=measure.minutes)
        return abs(b.mean_minutes - a.mean_minutes) >= e
    signs = set()
    for r in (measure.minutes - e, measure.minutes, measure.minutes + e):
        d = (measure_plan(case, matrix, after, minutes=r).need_covered
             - measure_plan(case, matrix, before, minutes=r).need_covered)
        signs.add(0 if abs(d) < 1e-9 else (1 if d > 0 else -1))
    return len(signs) == 1 and 0 not in signs


@dataclass(frozen=True)
class SiteGroup:
    """Bases considered together: ``scope`` is ``base``, ``district``, ``town`` or ``no_loss_alone``."""

    scope: str
    name: str
    site_ids: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Closure:
    """What closing ``group``'s bases of a plan costs (see the module docstring for the four values)."""

    plan_name: str
    group: SiteGroup
    measure: Measure
    plan: PlanValue
    alone: PlanValue
    replaced: PlanValue
    reoptimised: PlanValue
    fewer: PlanValue | None
    significant_alone: bool = False

    @property
    def closed(self) -> tuple[str, ...]:
        return self.group.site_ids

    def loss(self, value: PlanValue | None) -> float:
        if value is None or not value.has_plan:
            return math.nan
        return self.measure.loss(self.plan, value)

    @property
    def exact(self) -> bool:
        values = [self.alone, self.replaced, self.reoptimised] + ([self.fewer] if self.fewer else [])
        return all(v.exact for v in values)


@dataclass
class ClosureCache:
    """Proven optima already found, reused when a more constrained question has the same answer.

    Valid for one measure, one set of site rules and one solver (:meth:`check`): the re-optimised
    questions (:math:`p` or :math:`p - |G|` bases, :math:`G` closed) do not depend on the plan, so one
    cache serves every plan analysed under the same rules (the optimum and the plan in hand share most
    of their bases), and the solve that found the optimum can seed it (:meth:`add` with nothing closed).
    """

    by_count: dict[int, list[tuple[frozenset[str], PlanValue]]] = field(default_factory=dict)
    key: tuple[object, ...] | None = None
    solves: int = 0
    """Solver calls made for the questions this cache answers (for benchmarks and tests)."""
    reused: int = 0
    """Questions answered from a proven optimum or a bound instead of a solve."""

    def check(self, measure: Measure, rules: SiteRules, solver: str) -> None:
        """Bind the cache to one measure, rule set and solver (a second binding must be the same)."""
        key = (measure, rules, solver)
        if self.key is None:
            self.key = key
        elif self.key != key:
            raise ValueError("a closure cache answers the questions of one measure, rule set and solver only")

    def lookup(self, count: int, closed: frozenset[str]) -> PlanValue | None:
        # an optimum with fewer sites closed that avoids ``closed`` is optimal with them closed too
        for done, value in self.by_count.get(count, []):
            if done <= closed and not closed.intersection(value.bases):
                return value
        return None

    def bound(self, count: int, closed: frozenset[str], *, measure: Measure,
              must_keep: Sequence[str]) -> PlanValue | None:
        """The tightest proven optimum of a relaxation: ``count`` bases with a subset of ``closed`` closed.

        Closing fewer sites only widens the choice (unless a must-keep site is among those not closed),
        so no plan with all of ``closed`` closed beats it.
        """
        keep = frozenset(must_keep)
        best = None
        for done, value in self.by_count.get(count, []):
            relaxes = done <= closed and not keep & (closed - done) and value.has_plan
            if relaxes and (best is None or measure.loss(best, value) > 0):  # ``value``: a tighter (worse) bound
                best = value
        return best

    def add(self, count: int, closed: frozenset[str], value: PlanValue) -> None:
        if value.status == Status.OPTIMAL.value:
            self.by_count.setdefault(count, []).append((closed, value))


def _ties(measure: Measure, value: PlanValue, bound: PlanValue) -> bool:
    """``value`` (feasible) reaches ``bound`` (of a relaxation) within rounding: it is optimal."""
    a, b = measure.score(value), measure.score(bound)
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def analyse(case: Case, matrix: TravelMatrix, plan: Sequence[str], groups: Iterable[SiteGroup], *,
            measure: Measure, rules: SiteRules | None = None, plan_name: str = "plan", solver: str = "auto",
            options: SolveOptions | None = None, progress: bool = False, cache: ClosureCache | None = None,
            max_enumerated: int = MAX_SETS) -> list[Closure]:
    """Closure values of each group of ``plan``'s bases (site ids), in the order given.

    ``rules`` are the site rules every re-optimised plan obeys (the plan's own bases are not forced:
    a rule to keep a base in a group is dropped when the group closes). ``cache`` (:class:`ClosureCache`)
    carries proven optima between calls with the same measure, rules and solver.

    Every value is exact or says why not; four ways avoid a solve without giving that up:

    * an optimum already proven with fewer sites closed that avoids the group is optimal with it closed;
    * with ``solver="auto"``, the best replacement is found by evaluating every set of candidate sites
      when there are at most ``max_enumerated`` of them (:mod:`siting.replacement`);
    * the best replacement is also a plan for the re-optimised question; when it reaches the value of a
      proven optimum with fewer sites closed (a relaxation, so a bound), it is that question's optimum;
    * a number of bases outside what the per-district minimums and the allowed sites permit is infeasible.
    """
    rules = rules or SiteRules()
    plan = tuple(plan)
    _positions(case, plan, what=plan_name)
    p = len(plan)
    whole = measure_plan(case, matrix, plan, minutes=measure.minutes)
    solved = cache if cache is not None else ClosureCache()
    solved.check(measure, rules, solver)
    for count in sorted({p, p - 1} - {0}):  # the optima without closures answer many questions below
        if solved.lookup(count, frozenset()) is None:
            solved.solves += 1
            solved.add(count, frozenset(), best_plan(case, matrix, measure=measure, bases=count, rules=rules,
                                                     solver=solver, options=_warm(case, options, plan[:count],
                                                                                  count)))
    groups = list(groups)
    out = []
    for g in tqdm(groups, desc=f"closures of {plan_name}", unit="group", disable=not progress):
        closed = tuple(b for b in g.site_ids if b in plan)
        if not closed:
            raise InputError(f"group {g.name!r} has no base of the plan", source=plan_name)
        shut = frozenset(closed)
        rest = tuple(b for b in plan if b not in shut)
        keep = tuple(b for b in rules.must_keep if b not in shut)
        free = replace(rules, must_keep=keep, must_close=tuple(dict.fromkeys((*rules.must_close, *closed))))
        alone = measure_plan(case, matrix, rest, minutes=measure.minutes)

        def optimum(count: int, sub: SiteRules, warm: Sequence[str], *, cache: bool,
                    shut: frozenset[str] = shut) -> PlanValue:
            if cache and (hit := solved.lookup(count, shut)) is not None:
                solved.reused += 1
                return hit
            if (why := _count_infeasible(case, sub, count)) is not None:
                return PlanValue(bases=(), status=Status.INFEASIBLE.value, solver=solver, message=why)
            opts = _warm(case, options, warm, count)
            solved.solves += 1
            v = best_plan(case, matrix, measure=measure, bases=count, rules=sub, solver=solver, options=opts)
            if cache:
                solved.add(count, shut, v)
            return v

        fixed = replace(free, must_keep=tuple(dict.fromkeys((*keep, *rest))))
        replaced = (_enumerated(case, matrix, measure, rest, len(closed), fixed, max_enumerated)
                    if solver == "auto" else None) or optimum(p, fixed, rest, cache=False)
        bound = solved.bound(p, shut, measure=measure, must_keep=keep)
        if (replaced.exact and replaced.has_plan and bound is not None and _ties(measure, replaced, bound)
                and solved.lookup(p, shut) is None):
            reopt = replace(replaced, message="optimal: the best replacement reaches the optimum with fewer "
                                              "sites closed, a bound")
            solved.reused += 1
            solved.add(p, shut, reopt)
        else:
            reopt = optimum(p, free, replaced.bases or rest, cache=True)
        fewer = optimum(p - len(closed), free, rest, cache=True) if p - len(closed) >= 1 else None
        out.append(Closure(plan_name=plan_name, group=replace(g, site_ids=closed), measure=measure, plan=whole,
                           alone=alone, replaced=replaced, reoptimised=reopt, fewer=fewer,
                           significant_alone=significant(case, matrix, plan, rest, measure=measure)))
    return out


def _enumerated(case: Case, matrix: TravelMatrix, measure: Measure, rest: Sequence[str], count: int,
                rules: SiteRules, max_sets: int) -> PlanValue | None:
    """The best replacement by enumeration (:mod:`siting.replacement`), or ``None`` when not enumerated."""
    found = best_replacement(case, matrix, model=measure.model, minutes=measure.minutes, fixed=rest, count=count,
                             rules=rules, max_sets=max_sets)
    if found is None:
        return None
    how = f"every one of {found.sets:,} sets of {count} site(s) evaluated"
    if not found.feasible:
        return PlanValue(bases=(), status=Status.INFEASIBLE.value, solver=ENUMERATION,
                         message=f"no replacement obeys the site rules ({how})")
    ids = sorted(case.sites.index_of(list(rest)) + list(found.added))
    v = measure_plan(case, matrix, [case.sites.ids[j] for j in ids], minutes=measure.minutes,
                     status=Status.OPTIMAL.value, solver=ENUMERATION, message=f"optimal: {how}")
    return replace(v, bound=_objective(measure, v, case), gap=0.0)


def _objective(measure: Measure, v: PlanValue, case: Case) -> float:
    """The model's objective of a measured plan (need covered, or need-weighted total minutes)."""
    if measure.model is ModelKind.MCLP:
        return v.need_covered
    w = np.asarray(case.demand.weight, dtype=np.float64)
    return float(v.mean_minutes * w[w > 0].sum())


def _count_infeasible(case: Case, rules: SiteRules, count: int) -> str | None:
    """Why no ``count`` sites can obey ``rules`` (group minimums, sites allowed), or ``None``.

    Exact for what it reports; questions it cannot rule out go to the solver.
    """
    allowed = allowed_sites(case, rules)
    for g in district_groups(case, rules):
        able = int(allowed[list(g.members)].sum())
        if able < g.min_open:
            return f"{g.name} needs at least {g.min_open} bases and the site rules allow {able} site(s) there"
    lo, hi = count_range(case, rules)
    if count < lo:
        return f"the site rules need at least {lo} bases; the question has {count}"
    if count > hi:
        return f"the site rules allow at most {hi} bases; the question has {count}"
    return None


def _warm(case: Case, options: SolveOptions | None, warm: Sequence[str], count: int) -> SolveOptions:
    base = options or SolveOptions()
    if len(warm) != count or base.warm_start is not None:
        return base
    return replace(base, warm_start=tuple(case.sites.index_of(list(warm))))


def _positions(case: Case, ids: Sequence[str], *, what: str) -> list[int]:
    try:
        return case.sites.index_of(list(ids))
    except KeyError as exc:
        raise InputError(f"unknown site id {exc.args[0]!r}", source=what) from None


# --- groups ---------------------------------------------------------------------------------------------

_PREFIX_STOP = re.compile(r"[\s(,&-]+")


def town_by_name_prefix(name: str) -> str:
    """The first word of a site's name (``Thetford Kingsway`` -> ``Thetford``): the default town of a site."""
    head = _PREFIX_STOP.split(name.strip(), maxsplit=1)[0]
    return head or name


def site_groups(case: Case, plan: Sequence[str], *, towns: Mapping[str, str] | None = None,
                min_size: int = 2) -> list[SiteGroup]:
    """Each base of ``plan`` alone, then every district and town with at least ``min_size`` of its bases.

    ``towns`` maps site id -> town; sites it leaves out (or all, when it is ``None``) get
    :func:`town_by_name_prefix` of their name. A town group identical to a district group is left out.
    """
    frame = case.sites.frame.set_index("id")
    plan = list(plan)
    out = [SiteGroup("base", b, (b,)) for b in plan]
    districts: dict[str, list[str]] = {}
    town_sites: dict[str, list[str]] = {}
    for b in plan:
        districts.setdefault(str(frame.loc[b, "district"]), []).append(b)
        town = (towns or {}).get(b) or town_by_name_prefix(str(frame.loc[b, "name"]))
        town_sites.setdefault(town, []).append(b)
    seen = set()
    for name, ids in sorted(districts.items()):
        if len(ids) >= min_size:
            out.append(SiteGroup("district", name, tuple(ids)))
            seen.add(frozenset(ids))
    for name, ids in sorted(town_sites.items()):
        if len(ids) >= min_size and frozenset(ids) not in seen:
            out.append(SiteGroup("town", name, tuple(ids)))
    return out


def no_loss_group(case: Case, matrix: TravelMatrix, plan: Sequence[str], *, measure: Measure) -> SiteGroup | None:
    """The plan's bases whose closure alone (others fixed) loses nothing, as one group (``None`` if fewer than 2)."""
    whole = measure_plan(case, matrix, plan, minutes=measure.minutes)
    ids = tuple(b for b in plan
                if abs(measure.loss(whole, measure_plan(case, matrix, [s for s in plan if s != b],
                                                        minutes=measure.minutes))) < 1e-9)
    return SiteGroup("no_loss_alone", "bases losing nothing when closed alone", ids) if len(ids) >= 2 else None


# --- tables and findings --------------------------------------------------------------------------------

def closure_table(closures: Sequence[Closure]) -> pd.DataFrame:
    """One row per closure: the four values, their losses, the bases chosen and the solver statuses."""
    rows = []
    for c in closures:
        lname = c.measure.loss_name
        score = c.measure.score
        row: dict[str, object] = {
            "plan": c.plan_name, "scope": c.group.scope, "group": c.group.name, "closed": " ".join(c.closed),
            "n_closed": len(c.closed), "plan_bases": len(c.plan.bases), "measure": c.measure.model.value,
            "minutes": c.measure.minutes, "plan_value": score(c.plan),
            f"{lname}_if_closed_alone_others_fixed": c.loss(c.alone),
            f"{lname}_best_replacement_others_fixed": c.loss(c.replaced),
            f"{lname}_reoptimised_same_count": c.loss(c.reoptimised),
            f"{lname}_reoptimised_fewer_bases": c.loss(c.fewer),
            "significant_if_closed_alone": c.significant_alone,
            "replacement_bases": " ".join(b for b in c.replaced.bases if b not in c.plan.bases),
            "reoptimised_bases": " ".join(c.reoptimised.bases),
            "fewer_bases": " ".join(c.fewer.bases) if c.fewer else "",
            "status_replacement": c.replaced.status, "status_reoptimised": c.reoptimised.status,
            "status_fewer": c.fewer.status if c.fewer else "",
            "exact": c.exact,
        }
        rows.append(row)
    return pd.DataFrame(rows)


def base_columns(closures: Sequence[Closure]) -> pd.DataFrame:
    """Per single base (``scope == 'base'``): id and the loss columns, for ``bases.csv``."""
    t = closure_table([c for c in closures if c.group.scope == "base"])
    if t.empty:
        return pd.DataFrame({"id": []})
    keep = [c for c in t.columns if c.startswith(("need_lost", "mean_minutes_added"))]
    t = t.rename(columns={"closed": "id", "status_reoptimised": "closure_status"})
    t["closure_status"] = np.where(t["exact"], "optimal", "stopped short: " + t["closure_status"].astype(str))
    return t[["id", *keep, "closure_status"]]


def _n(x: float, measure: Measure) -> str:
    return f"{x:,.0f}" if measure.model is ModelKind.MCLP else f"{x:.1f} min"


def _loss_words(x: float, measure: Measure) -> str:
    """``loses 1,211 need within 20 min`` / ``gains 135 ...`` / ``adds 1.2 min to need-weighted mean travel``."""
    if measure.model is ModelKind.MCLP:
        verb = "loses" if x >= 0 else "gains"
        return f"{verb} {_n(abs(x), measure)} need within {measure.minutes:g} min"
    verb = "adds" if x >= 0 else "saves"
    return f"{verb} {_n(abs(x), measure)} {'to' if x >= 0 else 'on'} need-weighted mean travel"


def findings(closures: Sequence[Closure], *, names: Mapping[str, str] | None = None, top: int = 3) -> list[str]:
    """The most important findings, one line each: groups whose closure costs more than its bases' single
    values add up to (largest excess first), then what re-optimising recovers for the costliest single base."""
    lines: list[str] = []
    if not closures:
        return lines
    m = closures[0].measure
    singles = {c.closed[0]: c for c in closures if c.group.scope == "base"}
    excess = []
    for c in closures:
        if c.group.scope == "base" or not all(b in singles for b in c.closed):
            continue
        parts = [singles[b].loss(singles[b].alone) for b in c.closed]
        gap = c.loss(c.alone) - sum(parts)
        if gap > 1e-9:
            excess.append((gap, c, parts))
    excess.sort(key=lambda t: -t[0])
    for _, c, parts in excess[:top]:
        label = (f"the {len(c.closed)} bases that each lose nothing alone" if c.group.scope == "no_loss_alone"
                 else f"{c.group.name}'s {len(c.closed)} bases")
        lines.append(f"{c.plan_name}: closing {label} together {_loss_words(c.loss(c.alone), m)}; closed alone "
                     f"(others fixed), each {_loss_words(max(parts), m).split(' ', 1)[0]} at most "
                     f"{_n(max(parts), m)}"
                     f"{'' if c.significant_alone else ' (together: not significant against the travel-time error)'}"
                     ".")
    worst = max(singles.values(), key=lambda c: c.loss(c.alone), default=None)
    if worst is not None and worst.loss(worst.alone) > 0:
        b = worst.closed[0]
        label = f"{names[b]} ({b})" if names and b in names else b
        lines.append(f"{worst.plan_name}: closing {label} alone {_loss_words(worst.loss(worst.alone), m)}; with "
                     f"the best replacement (others fixed) the plan {_loss_words(worst.loss(worst.replaced), m)}, "
                     f"re-optimising all {len(worst.plan.bases)} bases without it "
                     f"{_loss_words(worst.loss(worst.reoptimised), m)}.")
    values = [v for c in closures for v in (c.replaced, c.reoptimised, c.fewer) if v is not None]
    infeasible = sum(v.status == Status.INFEASIBLE.value for v in values)
    short = sum(not v.exact and v.status != Status.INFEASIBLE.value for v in values)
    if infeasible:
        lines.append(f"{closures[0].plan_name}: {infeasible} re-optimised closure values have no plan obeying the "
                     f"site rules (infeasible); see the status columns of closures.csv.")
    if short:
        lines.append(f"{closures[0].plan_name}: {short} re-optimised closure values are not proven optimal "
                     f"(the solver stopped short); see the status columns of closures.csv.")
    return lines
