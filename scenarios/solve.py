"""One solve of a case: build the problem, solve, verify, measure the plan in hand the same way.

:func:`run` is what ``siting solve``, scenario files and sweeps call. It returns an
:class:`Outcome` (summary, tables, readable text); :func:`write_outcome` writes it.
"""

from __future__ import annotations

from siting.domain import Case, TravelMatrix
from siting.errors import InputError, NoSolutionError, SolveFailedError
from siting.solve_text import equity_and_rules_text, equity_from_dict, format_text, rules_text
from siting.solving import (
    Outcome,
    SolveRequest,
    add_equity,
    capacity_missing,
    equity,
    facility_summary,
    name_indices,
    plan_for,
    rules_brief,
    rules_summary,
    solve_case,
    write_outcome,
)
from solvers import ModelKind, Status

__all__ = [
    "Outcome",
    "SolveRequest",
    "add_equity",
    "capacity_missing",
    "equity",
    "equity_and_rules_text",
    "equity_from_dict",
    "facility_summary",
    "format_text",
    "name_indices",
    "refuse_infeasible",
    "refuse_without_solution",
    "rules_brief",
    "rules_summary",
    "rules_text",
    "run",
    "write_outcome",
]

# The solving core (SolveRequest, Outcome, the summary and its text) lives in siting.solving and siting.solve_text;
# this module keeps what belongs to the command package: the outreach model's run, the comparison with
# the plan in hand by travel-time draws (Norfolk's routed pairs), closure values, refusing and writing.

def run(case: Case, matrix: TravelMatrix, request: SolveRequest) -> Outcome:
    """Solve ``request`` on ``case`` and measure the result and the plan in hand."""
    if request.model == ModelKind.OUTREACH:
        from scenarios.outreach_run import run_outreach  # the outreach model's budget, frontier and robustness

        outcome = run_outreach(case, matrix, request)
        outcome.summary.setdefault("travel_times", matrix.source)
        return outcome
    out = solve_case(case, matrix, request)
    plan = plan_for(case, request)
    bases = out.coverage.bases if out.coverage is not None else ()
    if out.coverage is not None and plan is not None and request.model in (ModelKind.MCLP, ModelKind.PMEDIAN):
        from scenarios.versus_plan import versus_plan

        vs = versus_plan(case, matrix, bases, plan.site_ids, minutes=request.minutes)
        if vs is not None:
            out.summary["versus_plan_in_hand"] = vs
            out.text = format_text(out.summary)
    if request.closures:
        from scenarios.closure_run import add_to_outcome

        add_to_outcome(out, case, matrix, request=request, plan=plan)
    return out


def refuse_infeasible(outcome: Outcome, *, source: str) -> None:
    """A model the user's options make infeasible is a user mistake: one line naming why, exit 2, no output.

    (Sweeps record infeasible jobs as rows instead; only single solves refuse.)
    """
    if outcome.summary.get("status") == Status.INFEASIBLE.value:
        raise InputError(f"infeasible: {outcome.summary.get('message', '')}", source=source)


def refuse_without_solution(outcome: Outcome, *, source: str) -> None:
    """Infeasible options are a user mistake (:func:`refuse_infeasible`, exit 2); no solution within the limits
    is :class:`~siting.errors.NoSolutionError` (exit 3); a failed or unverified solve is
    :class:`~siting.errors.SolveFailedError` (exit 1). Any status with a solution passes."""
    refuse_infeasible(outcome, source=source)
    result = outcome.result
    if result is None or result.has_solution:
        return
    status, message = outcome.summary.get("status"), outcome.summary.get("message") or ""
    if status == Status.ERROR.value:
        raise SolveFailedError(f"{source}: the solver failed: {message}")
    raise NoSolutionError(f"no solution within the limits ({status}: {message or 'no solution found'})",
                          source=source)
