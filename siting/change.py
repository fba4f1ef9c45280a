r"""Incremental decisions from the plan in hand: the best :math:`k` bases to close, or to add, the rest fixed.

For a plan :math:`P` and a value :math:`v` (:class:`siting.closure.Measure`):

.. math::

    \text{close } k:&\quad \operatorname{opt}\{v(S) : S \subseteq P,\ |S| = |P| - k,\ K \subseteq S\}\\
    \text{add } k:&\quad \operatorname{opt}\{v(S) : P \subseteq S,\ |S| = |P| + k,\
        S \setminus P \subseteq D\}

where :math:`K` are bases that must stay (``keep``, and with ``district`` the plan's bases outside it)
and :math:`D` the sites that may be added (suitable buildings, optionally within one district). Both are
the MCLP or p-median with must-open and must-close rules (:func:`siting.problems.build_problem`), solved
exactly by :func:`solvers.solve`; the result's status says whether it is proven. Whether the change is
larger than the travel-time estimator's error is :func:`siting.closure.significant`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from siting.closure import Measure, PlanValue, best_plan, check_solver, measure_plan, significant
from siting.domain import Case, TravelMatrix
from siting.errors import InputError
from siting.problems import SiteRules
from solvers import ModelKind, SolveOptions


@dataclass(frozen=True, kw_only=True)
class Change:
    """The best change of ``count`` bases (``action`` ``close`` or ``add``) and what it does."""

    action: str
    count: int
    district: str | None
    measure: Measure
    before: PlanValue
    after: PlanValue
    significant: bool

    @property
    def closed(self) -> tuple[str, ...]:
        return tuple(b for b in self.before.bases if b not in self.after.bases)

    @property
    def added(self) -> tuple[str, ...]:
        return tuple(b for b in self.after.bases if b not in self.before.bases)

    @property
    def need_covered_change(self) -> float:
        return self.after.need_covered - self.before.need_covered

    @property
    def mean_minutes_change(self) -> float:
        return self.after.mean_minutes - self.before.mean_minutes

    @property
    def exact(self) -> bool:
        return self.after.exact

    def as_dict(self) -> dict[str, object]:
        return {
            "action": self.action, "count": self.count, "district": self.district,
            "measure": self.measure.model.value, "minutes": self.measure.minutes,
            "error_minutes": self.measure.error_minutes,
            "status": self.after.status, "exact": self.exact, "solver": self.after.solver,
            "bound": self.after.bound, "gap": self.after.gap, "message": self.after.message,
            "closed": list(self.closed), "added": list(self.added),
            "before": _value(self.before), "after": _value(self.after),
            "need_covered_change": self.need_covered_change, "mean_minutes_change": self.mean_minutes_change,
            "significant": self.significant, "significance_rule": significance_rule(self.measure),
        }


def _value(v: PlanValue) -> dict[str, object]:
    return {"bases": list(v.bases), "need_covered": v.need_covered, "mean_minutes": v.mean_minutes}


def significance_rule(measure: Measure) -> str:
    """The rule :func:`siting.closure.significant` applies, in words."""
    e = measure.error_minutes
    if measure.model is ModelKind.MCLP:
        return (f"a change in need covered is significant only if it keeps its sign (and is not zero) with the "
                f"limit moved by ±{e:.1f} min, the travel-time estimator's mean absolute error")
    return f"a change in need-weighted mean travel is significant only if it is at least {e:.1f} min"


def best_change(case: Case, matrix: TravelMatrix, *, plan: Sequence[str], measure: Measure, close: int = 0,
                add: int = 0, district: str | None = None, keep: Sequence[str] = (),
                rules: SiteRules | None = None, solver: str = "auto",
                options: SolveOptions | None = None) -> Change:
    """The best ``close`` bases to close, or ``add`` sites to add (exactly one of them positive), the rest fixed.

    ``district`` limits the bases that may close (or the sites that may be added) to one district;
    ``keep`` names bases that must not close; ``rules`` (per-district limits) hold for the new plan.
    """
    rules = rules or SiteRules()
    check_solver(solver)
    plan = tuple(dict.fromkeys(plan))
    if not plan:
        raise InputError("the plan has no bases", source="--plan")
    frame = case.sites.frame.set_index("id")
    unknown = [b for b in (*plan, *keep) if b not in frame.index]
    if unknown:
        raise InputError(f"unknown site id {unknown[0]!r}", source="--plan" if unknown[0] in plan else "--keep")
    able = dict(zip(case.sites.ids, case.sites.can_be_base, strict=True))
    if bad := [b for b in plan if not able[b]]:
        raise InputError(f"plan base {bad[0]!r} cannot be a base (outreach-only or unsuitable)", source="--plan")
    if district is not None and district not in set(frame["district"]):
        raise InputError(f"unknown district {district!r} (known: {', '.join(sorted(set(frame['district'])))})",
                         source="--district")
    if (close > 0) == (add > 0) or close < 0 or add < 0:
        raise InputError("give exactly one of --close K or --add K, with K at least 1", source="--close/--add")
    in_district = {b for b in frame.index if district is None or frame.loc[b, "district"] == district}
    others = [s for s in case.sites.ids if s not in plan]
    if close:
        if bad := [b for b in keep if b not in plan]:
            raise InputError(f"site {bad[0]!r} is not a base of the plan", source="--keep")
        closable = [b for b in plan if b in in_district and b not in keep]
        if close > len(closable) or close >= len(plan):
            raise InputError(f"cannot close {close} of the plan's {len(plan)} bases: {len(closable)} may close"
                             + (f" in {district}" if district else ""), source="--close")
        fixed = tuple(b for b in plan if b not in closable)
        sub = replace(rules, must_keep=tuple(dict.fromkeys((*rules.must_keep, *fixed))),
                      must_close=tuple(dict.fromkeys((*rules.must_close, *others))))
        count, warm = len(plan) - close, plan[: len(plan) - close]
    else:
        addable = [s for s in others if able[s] and s in in_district and s not in rules.must_close]
        if add > len(addable):
            raise InputError(f"cannot add {add} bases: {len(addable)} suitable sites outside the plan"
                             + (f" in {district}" if district else ""), source="--add")
        sub = replace(rules, must_keep=tuple(dict.fromkeys((*rules.must_keep, *plan))),
                      must_close=tuple(dict.fromkeys((*rules.must_close, *(s for s in others if s not in addable)))))
        count, warm = len(plan) + add, (*plan, *addable[:add])
    opts = options or SolveOptions()
    if opts.warm_start is None:
        opts = replace(opts, warm_start=tuple(case.sites.index_of(list(warm))))
    before = measure_plan(case, matrix, plan, minutes=measure.minutes)
    after = best_plan(case, matrix, measure=measure, bases=count, rules=sub, solver=solver, options=opts)
    sig = after.has_plan and significant(case, matrix, plan, after.bases, measure=measure)
    return Change(action="close" if close else "add", count=close or add, district=district, measure=measure,
                  before=before, after=after, significant=bool(sig))


def change_table(case: Case, matrix: TravelMatrix, change: Change) -> pd.DataFrame:
    """``changes.csv``: one row per site closed or added, with what it alone does in the plan it leaves or joins.

    ``need_only_it_reaches`` is the need no other base of the larger of the two plans reaches within the
    limit (what that site alone contributes there; the sites' contributions do not add up).
    """
    frame = case.sites.frame.set_index("id")
    larger = change.before if change.action == "close" else change.after
    full = measure_plan(case, matrix, larger.bases, minutes=change.measure.minutes)
    rows = []
    for action, ids in (("close", change.closed), ("add", change.added)):
        for b in ids:
            rest = measure_plan(case, matrix, [s for s in larger.bases if s != b], minutes=change.measure.minutes)
            rows.append({"id": b, "name": frame.loc[b, "name"], "district": frame.loc[b, "district"],
                         "action": action, "need_only_it_reaches": full.need_covered - rest.need_covered,
                         "mean_minutes_without_it": rest.mean_minutes})
    return pd.DataFrame(rows, columns=["id", "name", "district", "action", "need_only_it_reaches",
                                       "mean_minutes_without_it"])
