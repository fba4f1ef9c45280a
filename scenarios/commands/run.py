"""``siting run SCENARIO``: solve one scenario file and write its results with an auditable copy."""

from __future__ import annotations

from pathlib import Path

import click

from scenarios.cli import user_errors
from scenarios.scenario_run import comparison_text, solve_scenario, write_result
from scenarios.solve import refuse_without_solution


@click.command("run")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Results folder (default: the scenario's outputs.folder, else ./siting-out/NAME).")
@click.option("--allow-changed-data", is_flag=True,
              help="Run a resolved scenario even if a data file or travel matrix changed (warn instead of fail).")
@user_errors
def command(scenario: Path, out_dir: Path | None, allow_changed_data: bool) -> None:
    """Solve the SCENARIO file (YAML or TOML) and write its results.

    The results folder gets summary.json, bases.csv, areas.csv, solution.gpkg, comparison.txt (with a
    plan in hand) and scenario.resolved.yaml: the scenario with absolute paths, versions and data
    checksums. `siting run FOLDER/scenario.resolved.yaml` reproduces the result.
    """
    result = solve_scenario(scenario, out_dir=out_dir, allow_changed_data=allow_changed_data,
                            check_out=True)
    refuse_without_solution(result.outcome, source=str(scenario))
    write_result(result)
    click.echo(result.outcome.text)
    if (cmp := comparison_text(result)) is not None:
        click.echo("\n" + cmp.rstrip())
    click.echo(f"\nwritten to {result.out_dir}/")
