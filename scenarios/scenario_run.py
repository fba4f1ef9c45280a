"""One scenario, one solve: what ``siting run`` does, also used by ``compare`` and ``alternatives``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from scenarios import compare, provenance
from scenarios.output import check_out_dir
from scenarios.scenario_file import Scenario, load_scenario
from scenarios.scenario_inputs import Prepared, authorities_of, prepare
from scenarios.solve import Outcome, run, write_outcome
from siting.problems import allowed_sites


@dataclass(frozen=True)
class ScenarioResult:
    """A solved scenario: its case and request, the outcome, and the resolved copy (YAML text)."""

    scenario: Scenario
    prepared: Prepared
    outcome: Outcome
    resolved_yaml: str
    out_dir: Path
    warnings: tuple[str, ...] = ()


def prepare_one(scenario: Scenario, *, allow_changed_data: bool = False,
                warn: Callable[[str], None] | None = None) -> tuple[Prepared, list[str]]:
    """Check recorded checksums (resolved copies), then build the scenario's one case."""
    auths = authorities_of(scenario)
    if auths is not None and len(auths) != 1:
        raise scenario.error(("demand", "england", "authority"),
                             f"{len(auths)} authorities: 'siting run' solves one (use 'siting sweep')")
    warnings = provenance.enforce(provenance.check_files(scenario), allow_changed=allow_changed_data)
    prepared = prepare(scenario, authority=auths[0] if auths else None)
    warnings += [n if n.startswith("warning") else f"warning: {n}" for n in prepared.notes]
    warnings += provenance.enforce(provenance.check_matrices(scenario, [prepared]), allow_changed=allow_changed_data)
    for w in warnings:
        (warn or (lambda m: click.echo(m, err=True)))(w)
    return prepared, warnings


def solve_scenario(path: Path | str, *, out_dir: Path | None = None, allow_changed_data: bool = False,
                   command: str | None = None, check_out: bool = False) -> ScenarioResult:
    """Load, check and solve the scenario at ``path`` (nothing is written).

    ``check_out``: check first that the results folder may be written (missing, empty or siting's).
    """
    scenario = load_scenario(path)
    if check_out:
        check_out_dir(scenario.output_folder(out_dir),
                      source=str(out_dir) if out_dir is not None else str(scenario.output_folder()))
    prepared, warnings = prepare_one(scenario, allow_changed_data=allow_changed_data)
    outcome = run(prepared.case, prepared.matrix, prepared.request)
    if warnings:
        outcome.summary["input_warnings"] = list(warnings)
    folder = scenario.output_folder(out_dir)
    solver = outcome.summary.get("solver")
    versions = {str(solver): str(outcome.summary.get("solver_version", ""))} if solver else {}
    data = provenance.resolved_data(scenario, [prepared], out_dir=folder, command=command or provenance.command_line(),
                                    solver_versions=versions)
    return ScenarioResult(scenario, prepared, outcome, provenance.dump_resolved(data), folder, tuple(warnings))


def comparison_text(result: ScenarioResult) -> str | None:
    """The plan in hand against the optimum (``None`` without a plan in hand)."""
    summary = result.outcome.summary
    names = dict(zip(result.prepared.case.sites.ids, result.prepared.case.sites.frame["name"].astype(str),
                     strict=True))
    allowed = allowed_sites(result.prepared.case, result.prepared.request.rules)
    candidates = tuple(s for s, ok in zip(result.prepared.case.sites.ids, allowed, strict=True) if ok)
    plan = compare.plan_side(summary, names=names, candidates=candidates)
    if plan is None or not summary.get("bases"):
        return None
    best = compare.side_from_summary(summary, label=f"optimum ({summary.get('model')}, {summary.get('status')})",
                                     names=names, candidates=candidates)
    return compare.text(plan, best) + "\n"


def write_result(result: ScenarioResult) -> None:
    """Write the outcome, the resolved copy and (with a plan in hand) the comparison, atomically."""
    extra = {"scenario.resolved.yaml": result.resolved_yaml}
    if (cmp := comparison_text(result)) is not None:
        extra["comparison.txt"] = cmp
    write_outcome(result.outcome, result.out_dir, extra_files=extra)
