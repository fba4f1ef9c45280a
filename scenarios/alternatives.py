r"""Distinct near-optimal plans: options to choose between, each within a tolerance of the optimum.

With :math:`p` bases and plans :math:`S_0` (the optimum), ..., :math:`S_{k-1}` found, plan :math:`k`
solves the same model with the no-good cuts

.. math::

    \sum_{j \in S_i} y_j \le p - d \qquad i = 0, \dots, k-1,

so it keeps at most :math:`p - d` sites of every earlier plan, i.e. differs from each in at least
:math:`d` sites (``min_diff``). Each cut is a :class:`solvers.GroupLimit` (``max_open = p - d`` over
:math:`S_i`) added through :attr:`siting.problems.SiteRules.extra_groups`, so no solver changes are
needed. Solving the restricted model to optimality gives the best remaining plan; if it is outside
the tolerance (:math:`f_k < (1 - \varepsilon) f^*` when maximising, :math:`f_k > (1 + \varepsilon) f^*`
when minimising), no further plan is within it and the search stops. Every plan's objective is
recomputed independently (:func:`solvers.check.evaluate`) under the original rules, without the cuts.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import pandas as pd

from scenarios.compare import bases_of
from scenarios.solve import Outcome, SolveRequest, refuse_without_solution, run
from siting.domain import Case, TravelMatrix
from siting.errors import InputError
from siting.facility import facility_problem
from solvers.check import evaluate

SOLVED = ("optimal", "within_gap", "feasible", "time_limit")


@dataclass(frozen=True)
class Alternative:
    """One plan: rank 0 is the optimum.

    Attributes:
        rank: 0 for the optimum, then 1, 2, ...
        bases: the site ids kept.
        objective: the solver's objective; ``checked_objective`` recomputed independently.
        relative: objective relative to the optimum's (1.0 for the optimum).
        min_difference: fewest sites by which it differs from any earlier plan (``None`` for the optimum).
        outcome: the full outcome (coverage, plan in hand, tables).
    """

    rank: int
    bases: tuple[str, ...]
    objective: float
    checked_objective: float
    relative: float
    min_difference: int | None
    outcome: Outcome


@dataclass(frozen=True)
class AlternativesReport:
    """The plans found and why the search stopped."""

    plans: tuple[Alternative, ...]
    stopped: str
    maximise: bool
    within: float
    min_diff: int


def parse_tolerance(text: str) -> float:
    """``1%`` -> 0.01; a plain fraction such as ``0.01`` is accepted too."""
    t = text.strip()
    try:
        value = float(t[:-1]) / 100.0 if t.endswith("%") else float(t)
    except ValueError:
        raise InputError(f"expected a tolerance like 1% or 0.01, got {text!r}", source="--within") from None
    if not t.endswith("%") and value >= 1:
        raise InputError(f"a fraction must be below 1 (write {text}% for percent)", source="--within")
    if not 0 <= value < 1 or math.isnan(value):
        raise InputError(f"the tolerance must be between 0% and 100%, got {text!r}", source="--within")
    return value


def near_optimal_plans(case: Case, matrix: TravelMatrix, request: SolveRequest, *, within: float, count: int,
                       min_diff: int = 1) -> AlternativesReport:
    """The optimum and up to ``count`` further plans within ``within`` of it, differing in ``min_diff`` sites."""
    if request.bases is None or isinstance(request.bases, str):
        raise InputError(f"alternatives need a fixed number of bases (model {request.model})", source="model.bases")
    p = int(request.bases)
    if not 1 <= min_diff <= p:
        raise InputError(f"must be between 1 and the number of bases ({p}), got {min_diff}", source="--min-diff")
    if count < 1:
        raise InputError(f"must be at least 1, got {count}", source="--count")
    problem = facility_problem(case, matrix, model=request.model, bases=p, minutes=request.minutes, rules=request.rules,
                               options=request.facility, require_cover=request.require_cover)
    maximise = problem.maximise
    index = {s: k for k, s in enumerate(case.sites.ids)}
    plans: list[Alternative] = []
    best = math.nan
    stopped = f"found the {count} alternative(s) asked for"
    for rank in range(count + 1):
        cuts = tuple((f"differ-from-plan-{i}", plan.bases, 0, p - min_diff) for i, plan in enumerate(plans))
        rules = dataclasses.replace(request.rules, extra_groups=request.rules.extra_groups + cuts)
        outcome = run(case, matrix, dataclasses.replace(request, rules=rules))
        status = str(outcome.summary.get("status"))
        solved = outcome.result.has_solution if outcome.result is not None else status in SOLVED
        if not solved:
            if rank == 0:
                refuse_without_solution(outcome, source="scenario")
                raise InputError(f"the scenario has no solution ({status}: {outcome.summary.get('message')})",
                                 source="scenario")
            stopped = (f"no further plan differs from every earlier one in at least {min_diff} sites "
                       f"under the rules ({status})")
            break
        bases = bases_of(outcome.summary)
        objective = float(outcome.summary["objective"])  # type: ignore[arg-type]
        ev = evaluate(problem, sorted(index[b] for b in bases))
        if not ev.feasible or not math.isclose(ev.objective, objective, rel_tol=1e-6, abs_tol=1e-6):
            raise RuntimeError(f"plan {rank} failed the independent check: {ev.reason or ev.objective}")
        if rank == 0:
            best = objective
        relative = objective / best if best else (1.0 if objective == best else math.inf)
        tolerance = within * abs(best)
        inside = objective >= best - tolerance if maximise else objective <= best + tolerance
        if not inside:
            proof = "proven" if status == "optimal" else f"not proven: solver status {status}"
            stopped = (f"the best plan differing in at least {min_diff} sites from every earlier one has objective "
                       f"{objective:.6g} ({100 * (relative - 1):+.2f}% of the optimum), outside {100 * within:g}% "
                       f"({proof})")
            break
        diffs = [len(set(bases) - set(q.bases)) for q in plans]
        if diffs and min(diffs) < min_diff:
            raise RuntimeError(f"plan {rank} differs from an earlier plan in only {min(diffs)} sites")
        plans.append(Alternative(rank, bases, objective, ev.objective, relative, min(diffs) if diffs else None,
                                 outcome))
    return AlternativesReport(tuple(plans), stopped, maximise, within, min_diff)


def table(report: AlternativesReport) -> pd.DataFrame:
    """One row per plan: rank, objective, relative to the optimum, coverage, and sites in/out vs the optimum."""
    base = set(report.plans[0].bases) if report.plans else set()
    rows = []
    for a in report.plans:
        s = a.outcome.summary
        rows.append({
            "plan": "optimum" if a.rank == 0 else f"alternative {a.rank}", "objective": a.objective,
            "checked_objective": a.checked_objective, "vs_optimum_pct": 100 * (a.relative - 1),
            "need_covered_share": s.get("need_covered_share"), "worst_minutes": s.get("worst_minutes"),
            "worst_rural_minutes": s.get("worst_rural_minutes"), "min_sites_different": a.min_difference,
            "opens_vs_optimum": " ".join(sorted(set(a.bases) - base)),
            "closes_vs_optimum": " ".join(sorted(base - set(a.bases))), "bases": " ".join(a.bases),
        })
    frame = pd.DataFrame(rows)
    if len(frame):
        frame["min_sites_different"] = frame["min_sites_different"].astype("Int64")
    return frame


def text(report: AlternativesReport) -> str:
    """A readable account for the terminal."""
    lines = [f"{len(report.plans) - 1} alternative(s) within {100 * report.within:g}% of the optimum, each differing "
             f"from every other in at least {report.min_diff} site(s):", ""]
    for _, r in table(report).iterrows():
        share = r["need_covered_share"]
        cover = f"need covered {100 * share:.1f}%" if isinstance(share, float) else ""
        lines.append(f"{r['plan']:14s} objective {r['objective']:.6g} ({r['vs_optimum_pct']:+.2f}%), {cover}, "
                     f"worst {r['worst_minutes']:.1f} min")
        if r["plan"] != "optimum":
            lines.append(f"{'':14s} opens {r['opens_vs_optimum'] or '-'}; closes {r['closes_vs_optimum'] or '-'}")
        else:
            lines.append(f"{'':14s} bases {r['bases']}")
    lines += ["", f"stopped: {report.stopped}"]
    return "\n".join(lines)
