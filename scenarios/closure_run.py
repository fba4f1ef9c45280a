"""Closure analysis of a solve: re-optimised columns for ``bases.csv``, ``closures.csv`` and the findings.

Glue between :mod:`siting.closure` and a solve (:mod:`scenarios.solve`): the towns of an embedded case,
the travel-time error of its estimator, and the tables written. Groups: every base alone, every district
with two or more of the plan's bases, every town with two or more (towns of Norfolk's centres:
``data/norfolk/centre_towns.csv``, the report's Table 1 localities; other cases: the first word of the
site's name), and the bases that each lose nothing when closed alone, together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from scenarios import norfolk
from siting.closure import (
    TRAVEL_ERROR_MINUTES,
    Closure,
    ClosureCache,
    Measure,
    analyse,
    base_columns,
    closure_table,
    findings,
    measure_plan,
    no_loss_group,
    site_groups,
)
from siting.domain import Case, Plan, TravelMatrix
from siting.errors import InputError
from siting.problems import SiteRules
from siting.validation import read_table
from solvers import ModelKind, SolveOptions, Status

if TYPE_CHECKING:
    from scenarios.solve import Outcome, SolveRequest

#: Models whose runs get re-optimised closure values (in their own measure).
CLOSURE_MODELS = frozenset({ModelKind.MCLP, ModelKind.PMEDIAN})


def towns_for(case: Case) -> dict[str, str]:
    """Site id -> town for an embedded case (empty: every site falls back to its name's first word)."""
    if case.name != norfolk.NAME:
        return {}
    table = read_table(norfolk.data_dir() / "centre_towns.csv")
    return dict(zip(table["centre_id"].astype(str), table["town"].astype(str), strict=True))


def error_minutes(case: Case) -> float:
    """The travel-time estimator's held-out mean absolute error for ``case`` (2.8 min if unknown)."""
    if case.name == norfolk.NAME:
        return norfolk.error_minutes()
    return TRAVEL_ERROR_MINUTES


@dataclass
class ClosureReport:
    """Closure values of one or more plans: per-base columns of the first, all rows, and one-line findings."""

    base_columns: pd.DataFrame
    table: pd.DataFrame
    findings: list[str] = field(default_factory=list)
    closures: list[Closure] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        exact = bool(self.table["exact"].all()) if len(self.table) else True
        return {"findings": self.findings, "exact": exact, "rows": len(self.table)}


def analyse_plans(case: Case, matrix: TravelMatrix, plans: Sequence[tuple[str, Sequence[str]]], *,
                  model: ModelKind, minutes: float, rules: SiteRules | None = None, solver: str = "auto",
                  options: SolveOptions | None = None, progress: bool = True,
                  cache: ClosureCache | None = None) -> ClosureReport:
    """Closure values of every plan in ``plans`` (name, base ids); ``base_columns`` are the first plan's.

    One :class:`~siting.closure.ClosureCache` (``cache``, or a new one) serves every plan: the re-optimised
    questions depend on the bases closed, not on the plan.
    """
    cache = cache if cache is not None else ClosureCache()
    measure = Measure(model=model, minutes=minutes, error_minutes=error_minutes(case))
    towns = towns_for(case)
    names = dict(zip(case.sites.ids, case.sites.frame["name"].astype(str), strict=True))
    everything: list[Closure] = []
    lines: list[str] = []
    first = pd.DataFrame({"id": []})
    for k, (name, bases) in enumerate(plans):
        kw = {"measure": measure, "rules": rules, "plan_name": name, "solver": solver, "options": options,
              "progress": progress, "cache": cache}
        groups = site_groups(case, bases, towns=towns)
        if (extra := no_loss_group(case, matrix, bases, measure=measure)) is not None:
            groups.append(extra)
        closures = analyse(case, matrix, bases, groups, **kw)  # type: ignore[arg-type]
        if k == 0:
            first = base_columns(closures)
        everything += closures
        lines += findings(closures, names=names)
    return ClosureReport(first, closure_table(everything), lines, everything)


def add_to_outcome(outcome: Outcome, case: Case, matrix: TravelMatrix, *, request: SolveRequest,
                   plan: Plan | None) -> None:
    """Closure values of the optimum (columns of ``bases.csv``) and of the plan in hand (``closures.csv``).

    Only for the MCLP and p-median (in the run's own measure); the summary gets ``closures`` and the
    terminal text one line per important finding.
    """
    kind = ModelKind(request.model)
    if kind not in CLOSURE_MODELS or outcome.coverage is None or not outcome.coverage.bases:
        return
    options = SolveOptions(time_limit_s=request.options.time_limit_s, gap_rel=request.options.gap_rel,
                           threads=request.options.threads, seed=request.options.seed)
    kw = {"model": kind, "minutes": request.minutes, "rules": request.rules, "solver": request.solver,
          "options": options}
    cache = ClosureCache()
    result = outcome.result
    if result is not None and result.status is Status.OPTIMAL:
        # the solve just made is the optimum with nothing closed: no need to find it again
        cache.add(len(outcome.coverage.bases), frozenset(), measure_plan(
            case, matrix, outcome.coverage.bases, minutes=request.minutes, status=result.status.value,
            solver=result.solver, bound=result.bound, gap=result.gap, message=result.message))
    kw["cache"] = cache
    report = analyse_plans(case, matrix, [("optimum", outcome.coverage.bases)], **kw)  # type: ignore[arg-type]
    notes: list[str] = []
    if plan is not None:
        try:
            in_hand = analyse_plans(case, matrix, [(plan.name, plan.site_ids)], **kw)  # type: ignore[arg-type]
        except InputError as exc:  # e.g. the plan keeps a building the rules rule out
            notes.append(f"{plan.name}: closure values not computed: {exc}")
        else:
            report = ClosureReport(report.base_columns, pd.concat([report.table, in_hand.table], ignore_index=True),
                                   in_hand.findings + report.findings, report.closures + in_hand.closures)
    bases = outcome.tables["bases.csv"]
    extra = report.base_columns[[c for c in report.base_columns.columns if c == "id" or c not in bases.columns]]
    outcome.tables["bases.csv"] = bases.merge(extra, on="id", how="left")
    outcome.tables["closures.csv"] = report.table
    if len(report.table):
        from maps.closure_plot import closures_png

        outcome.files["closures.png"] = closures_png(report.table, title=f"{case.name}: {request.minutes:g}-minute "
                                                     f"reach, model {kind.value}")
    lines = report.findings + notes
    outcome.summary["closures"] = {**report.summary(), "findings": lines}
    if lines:
        outcome.text += ("\n\nclosing bases (closures.csv: alone = others fixed; re-optimised values exact unless "
                         "stated):\n" + "\n".join(f"  {line}" for line in lines))
