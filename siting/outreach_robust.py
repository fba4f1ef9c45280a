"""How far the outreach recommendation depends on its parameters: tornado, sampled sites, overhead calibrations.

* **Tornado** (:func:`tornado_tasks`): each parameter of :data:`PARAMETERS` in turn at 75% and 125%
  of its value, the others unchanged; for each, the whole frontier
  (:func:`siting.outreach_frontier.frontier`) and its recommendation: the recommended number of
  bases, the range of counts equally good for families, the families' access and the spare posts.
* **Site frequency** (:func:`sample_tasks`): parameter sets drawn independently and uniformly
  within ±25% of every parameter (seeded); for each, the frontier plan with the recommended number
  of bases; how often each site is in it.
* **Overhead calibrations** (:func:`calibration_params`): the per-base calibration (management
  and buildings fitted as a central part plus a part per base, see :mod:`siting.budget`) and the
  central-management one (all of the planned budget's management is central, none varies with the
  number of bases), each with its frontier and recommendation.

A task (:class:`RobustTask`) runs anywhere with :func:`run_task` (the command runs them through
Dask, see :mod:`scenarios.outreach_robust`); this module only defines and tabulates them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from siting.budget import MANAGEMENT
from siting.domain import Case, TravelMatrix
from siting.outreach import OutreachParams, planned_budget, resolve_costs
from siting.outreach_frontier import (
    TRAVEL_ERROR_MINUTES,
    frame_gains,
    frontier,
    frontier_frame,
    frontier_point,
    recommend,
)
from siting.problems import SiteRules
from solvers import SolveOptions

SPREAD = 0.25
"""Relative change of each parameter (tornado) and half-width of the sampling range."""
ACCESS = "access_minutes"
#: Parameters varied: name -> readable label (``access_minutes`` is the families' threshold X).
PARAMETERS: dict[str, str] = {
    "budget_gbp": "annual budget",
    "cost_per_post_gbp": "cost of a post",
    "productive_hours_per_post": "productive hours per post",
    "session_minutes": "session length",
    "max_drive_minutes": "longest staff drive",
    "universal_hours_per_child": "universal hours per child",
    "targeted_hours_per_child": "targeted hours per child",
    "building_per_base_gbp": "building cost per base",
    "management_per_base_gbp": "management cost per base",
    ACCESS: "families' travel threshold",
}
_OVERHEAD = ("building_per_base_gbp", "management_per_base_gbp")


def resolved(case: Case, params: OutreachParams) -> OutreachParams:
    """``params`` with the budget, overheads and fixed shares the case implies written out (so they can vary)."""
    costs = resolve_costs(case, params)
    return replace(params, budget_gbp=costs.budget_gbp, overheads=costs.overheads,
                   family_support_share=costs.family_support_share, contingency_share=costs.contingency_share)


def value_of(params: OutreachParams, name: str, access_minutes: float) -> float:
    """The value of parameter ``name`` in ``params`` (resolved: see :func:`resolved`)."""
    if name == ACCESS:
        return float(access_minutes)
    if name in _OVERHEAD:
        assert params.overheads is not None
        return float(getattr(params.overheads, name))
    return float(getattr(params, name))


def scaled(params: OutreachParams, changes: dict[str, float]) -> OutreachParams:
    """``params`` (resolved) with each named parameter multiplied by its factor (``access_minutes`` ignored)."""
    out = params
    for name, factor in changes.items():
        if name == ACCESS:
            continue
        if name in _OVERHEAD:
            assert out.overheads is not None
            out = replace(out, overheads=replace(out.overheads, **{name: getattr(out.overheads, name) * factor}))
        else:
            out = replace(out, **{name: getattr(out, name) * factor})
    return out.validated()


def calibration_params(case: Case, params: OutreachParams) -> dict[str, OutreachParams]:
    """The two overhead calibrations, by name: ``per_base`` (``params`` as resolved) and ``central_management``."""
    base = resolved(case, params)
    assert base.overheads is not None
    planned = planned_budget(case)
    management = planned.categories_gbp.get(MANAGEMENT) if planned is not None else None
    if management is None:  # no budget to read it from: the per-base management of the planned count
        management = base.overheads.management_per_base_gbp * (planned.number_of_bases if planned else 1) \
            if planned and planned.number_of_bases else base.overheads.management_per_base_gbp
    central = replace(base.overheads, management_per_base_gbp=0.0, management_central_gbp=float(management))
    return {"per_base": base, "central_management": replace(base, overheads=central).validated()}


@dataclass(frozen=True)
class RobustTask:
    """One robustness run.

    Attributes:
        kind: ``tornado``, ``calibration`` (a whole frontier) or ``sample`` (one number of bases).
        label: a unique label (``session_minutes x1.25``, ``sample 17``, ``central_management``).
        params: the outreach parameters.
        access_minutes: the families' threshold X.
        counts: the numbers of bases (the frontier's, or the recommended one for a sample).
        parameter, factor: what was changed (tornado).
        factors: every parameter's factor (sample).
    """

    kind: str
    label: str
    params: OutreachParams
    access_minutes: float
    counts: tuple[int, ...]
    parameter: str = ""
    factor: float = 1.0
    factors: tuple[tuple[str, float], ...] = ()


def tornado_tasks(case: Case, params: OutreachParams, *, access_minutes: float, counts: Sequence[int],
                  spread: float = SPREAD) -> list[RobustTask]:
    """Each parameter of :data:`PARAMETERS` at ``1 - spread`` and ``1 + spread`` of its value."""
    base = resolved(case, params)
    tasks = []
    for name in PARAMETERS:
        for factor in (1 - spread, 1 + spread):
            x = access_minutes * factor if name == ACCESS else access_minutes
            tasks.append(RobustTask("tornado", f"{name} x{factor:g}", scaled(base, {name: factor}), x,
                                    tuple(counts), name, factor))
    return tasks


def sample_tasks(case: Case, params: OutreachParams, *, access_minutes: float, bases: int, samples: int,
                 seed: int = 0, spread: float = SPREAD) -> list[RobustTask]:
    """``samples`` parameter sets, every parameter uniform in ``[1 - spread, 1 + spread]`` times its value."""
    base = resolved(case, params)
    rng = np.random.default_rng(seed)
    tasks = []
    for k in range(samples):
        factors = {name: float(f) for name, f in zip(PARAMETERS, rng.uniform(1 - spread, 1 + spread, len(PARAMETERS)),
                                                      strict=True)}
        tasks.append(RobustTask("sample", f"sample {k + 1}", scaled(base, factors), access_minutes * factors[ACCESS],
                                (int(bases),), factors=tuple(factors.items())))
    return tasks


def calibration_tasks(case: Case, params: OutreachParams, *, access_minutes: float,
                      counts: Sequence[int]) -> list[RobustTask]:
    """One frontier per overhead calibration (:func:`calibration_params`)."""
    return [RobustTask("calibration", name, p, access_minutes, tuple(counts))
            for name, p in calibration_params(case, params).items()]


@dataclass(frozen=True)
class TaskOutput:
    """What a task produced: the frontier table (whole-frontier tasks) and the plan's bases (samples)."""

    task: RobustTask
    frame: pd.DataFrame
    site_ids: tuple[str, ...] = ()
    status: str = ""
    error: str = ""
    gains: dict[tuple[int, int], float] = field(default_factory=dict)
    """Worst-case access gains between the frontier's counts (:func:`~siting.outreach_frontier.frame_gains`)."""


def run_task(case: Case, matrix: TravelMatrix, task: RobustTask, *, rules: SiteRules | None = None,
             solver: str = "auto", options: SolveOptions | None = None,
             error_minutes: float = TRAVEL_ERROR_MINUTES) -> TaskOutput:
    """Run ``task``; a failure is returned in ``error``, never raised (a worker's job must not vanish)."""
    try:
        if task.kind == "sample":
            pt = frontier_point(case, matrix, task.params, task.counts[0], access_minutes=task.access_minutes,
                                error_minutes=error_minutes, rules=rules, solver=solver, options=options)
            return TaskOutput(task, frontier_frame([pt]), pt.site_ids if pt.has_plan else (), pt.status,
                              "" if pt.has_plan else pt.note)
        points = frontier(case, matrix, task.params, counts=task.counts, access_minutes=task.access_minutes,
                          error_minutes=error_minutes, rules=rules, solver=solver, options=options)
        frame = frontier_frame(points)
        worst = next((s for s in frame["status"] if s not in ("optimal", "infeasible")), "optimal")
        gains = frame_gains(case.demand.weight, matrix.minutes, case.sites.ids, frame,
                            access_minutes=task.access_minutes, error_minutes=error_minutes)
        return TaskOutput(task, frame, status=worst, gains=gains)
    except Exception as exc:
        return TaskOutput(task, pd.DataFrame(), status="error", error=" ".join(f"{type(exc).__name__}: {exc}".split()))


def tornado_frame(outputs: Sequence[TaskOutput], baseline: pd.DataFrame, *,
                  baseline_gains: dict[tuple[int, int], float],
                  access_minutes: float, error_minutes: float = TRAVEL_ERROR_MINUTES, base_params: OutreachParams,
                  min_spare_posts: float = 0.0) -> pd.DataFrame:
    """``tornado.csv``: per parameter and factor, the recommended count, its range, access and spare posts.

    ``bases`` is empty where the equally good counts leave the same spare posts (only the range stands).
    """
    ref = recommend(baseline, gains=baseline_gains, access_minutes=access_minutes, error_minutes=error_minutes,
                    min_spare_posts=min_spare_posts)
    ref_row = baseline.set_index("bases").loc[ref.bases] if ref.bases is not None else None
    rows = []
    for out in sorted(outputs, key=lambda o: (list(PARAMETERS).index(o.task.parameter), o.task.factor)):
        t = out.task
        row: dict[str, object] = {
            "parameter": t.parameter, "label": PARAMETERS[t.parameter], "factor": t.factor,
            "value": value_of(base_params, t.parameter, access_minutes) * t.factor,
            "baseline_bases": ref.bases, "equally_good": "",
            "baseline_access_share": _num(ref_row["access_share"]) if ref_row is not None else math.nan,
            "baseline_spare_posts": _num(ref_row["spare_posts"]) if ref_row is not None else math.nan,
            "status": out.status, "error": out.error,
        }
        if not out.frame.empty:
            rec = recommend(out.frame, gains=out.gains, access_minutes=t.access_minutes, error_minutes=error_minutes,
                            min_spare_posts=min_spare_posts)
            shown = rec.bases if rec.bases is not None else rec.low  # a range: its fewest bases
            pick = out.frame.set_index("bases").loc[shown] if shown is not None else None
            smallest = int(out.frame["bases"].min())
            note = (f"the counts equally good for families reach {smallest}, the smallest computed: fewer bases "
                    "were not computed" if rec.low == smallest and smallest > 1 else "")
            row.update({"bases": rec.bases, "low": rec.low, "high": rec.high, "note": note,
                        "equally_good": " ".join(str(q) for q in rec.equally_good),
                        "best_access_bases": rec.best_access_bases,
                        "access_share": _num(pick["access_share"]) if pick is not None else math.nan,
                        "spare_posts": _num(pick["spare_posts"]) if pick is not None else math.nan,
                        "site_ids": str(pick["site_ids"]) if pick is not None else ""})
        rows.append(row)
    cols = ["parameter", "label", "factor", "value", "bases", "low", "high", "equally_good", "best_access_bases",
            "access_share",
            "spare_posts", "baseline_bases", "baseline_access_share", "baseline_spare_posts", "status", "site_ids",
            "note", "error"]
    frame = pd.DataFrame(rows)
    for c in cols:
        if c not in frame:
            frame[c] = pd.NA
    return frame[cols]


def _num(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def frequency_frame(case: Case, outputs: Sequence[TaskOutput], *, recommended: Sequence[str]) -> pd.DataFrame:
    """``site_frequency.csv``: per site that may be a base, how often the sampled plans keep it."""
    ok = [o for o in outputs if o.site_ids]
    counts: dict[str, int] = {}
    for o in ok:
        for s in o.site_ids:
            counts[s] = counts.get(s, 0) + 1
    f = case.sites.frame
    able = case.sites.can_be_base
    rows = [{"id": s, "name": f["name"].iloc[j], "district": f["district"].iloc[j], "chosen": counts.get(s, 0),
             "samples": len(ok), "share": counts.get(s, 0) / len(ok) if ok else math.nan,
             "in_recommendation": s in set(recommended)}
            for j, s in enumerate(case.sites.ids) if bool(able[j]) or s in counts]
    out = pd.DataFrame(rows)
    return out.sort_values(["share", "in_recommendation", "id"], ascending=[False, False, True]).reset_index(drop=True)


__all__ = [
    "PARAMETERS",
    "SPREAD",
    "RobustTask",
    "TaskOutput",
    "calibration_params",
    "calibration_tasks",
    "frequency_frame",
    "resolved",
    "run_task",
    "sample_tasks",
    "scaled",
    "tornado_frame",
    "tornado_tasks",
    "value_of",
]
