"""``siting alternatives SCENARIO --within 1% --count 3``: distinct near-optimal plans to choose between."""

from __future__ import annotations

from pathlib import Path

import click

from scenarios import alternatives, provenance
from scenarios.cli import user_errors
from scenarios.output import atomic_dir, check_out_dir
from scenarios.scenario_file import load_scenario
from scenarios.scenario_run import prepare_one
from scenarios.solve import write_outcome
from siting.errors import InputError
from siting.tables import for_people


@click.command("alternatives")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--within", "within_text", default="1%", show_default=True,
              help="How far from the optimum an alternative may be (1% or 0.01).")
@click.option("--count", type=int, default=3, show_default=True, help="Alternatives to find besides the optimum.")
@click.option("--min-diff", type=int, default=1, show_default=True,
              help="Each plan differs from every other in at least this many sites.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write alternatives.csv and one result folder per plan here.")
@click.option("--allow-changed-data", is_flag=True, help="Go ahead if a resolved scenario's data changed.")
@user_errors
def command(scenario: Path, within_text: str, count: int, min_diff: int, out_dir: Path | None,
            allow_changed_data: bool) -> None:
    """Find the optimum of SCENARIO and up to --count distinct plans within --within of it.

    Each new plan must differ from every earlier one in at least --min-diff sites (no-good cuts);
    the search stops early when the best remaining plan is outside the tolerance. Every plan's
    objective is recomputed independently.
    """
    if out_dir is not None:
        check_out_dir(out_dir)
    within = alternatives.parse_tolerance(within_text)
    if count < 1:
        raise InputError(f"must be at least 1, got {count}", source="--count")
    sc = load_scenario(scenario)
    prep, _ = prepare_one(sc, allow_changed_data=allow_changed_data)
    report = alternatives.near_optimal_plans(prep.case, prep.matrix, prep.request, within=within, count=count,
                                             min_diff=min_diff)
    click.echo(alternatives.text(report))
    if out_dir is None:
        return
    data = provenance.resolved_data(sc, [prep], out_dir=out_dir, command=provenance.command_line())
    with atomic_dir(out_dir) as tmp:
        for_people(alternatives.table(report)).to_csv(tmp / "alternatives.csv", index=False)
        (tmp / "alternatives.txt").write_text(alternatives.text(report) + "\n", encoding="utf-8")
        (tmp / "scenario.resolved.yaml").write_text(provenance.dump_resolved(data), encoding="utf-8")
        for plan in report.plans:
            name = "optimum" if plan.rank == 0 else f"alternative_{plan.rank}"
            write_outcome(plan.outcome, tmp / name)
    click.echo(f"\nwritten to {out_dir}/")
