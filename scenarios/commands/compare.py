"""``siting compare A B``: two plans side by side (result folders or scenario files)."""

from __future__ import annotations

from pathlib import Path

import click

from scenarios import compare
from scenarios.cli import user_errors
from scenarios.output import atomic_file, check_out_file
from scenarios.scenario_run import solve_scenario
from scenarios.solve import refuse_without_solution
from siting.errors import InputError

SCENARIO_SUFFIXES = (".yaml", ".yml", ".toml")


def load_side(path: Path) -> compare.Side:
    """A side from a result folder (``summary.json``) or a scenario file (solved now)."""
    if path.is_dir():
        return compare.read_result_folder(path)
    if path.suffix.lower() in SCENARIO_SUFFIXES:
        result = solve_scenario(path)
        refuse_without_solution(result.outcome, source=str(path))
        case = result.prepared.case
        names = dict(zip(case.sites.ids, case.sites.frame["name"].astype(str), strict=True))
        candidates = tuple(s for s, ok in zip(case.sites.ids, case.sites.can_be_base, strict=True) if ok)
        return compare.side_from_summary(result.outcome.summary, label=f"{path} (solved now)", names=names,
                                         candidates=candidates)
    if not path.exists():
        raise InputError("not found", source=str(path))
    raise InputError("expected a result folder (with summary.json) or a scenario file (.yaml, .toml)",
                     source=str(path))


@click.command("compare")
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the sites kept and closed by each to this CSV file.")
@user_errors
def command(a: Path, b: Path, csv_path: Path | None) -> None:
    """Compare plans A and B: the sites each keeps and closes, and the measures side by side.

    A and B are result folders (from `siting solve --out`, `siting run`, or DIR/jobs/JOB_ID of a sweep)
    or scenario files, which are solved first.
    """
    if csv_path is not None:
        check_out_file(csv_path, source="--csv")
    side_a, side_b = load_side(a), load_side(b)
    click.echo(compare.text(side_a, side_b))
    if csv_path is not None:
        with atomic_file(csv_path, source="--csv") as tmp:
            compare.sites_table(side_a, side_b).to_csv(tmp, index=False)
        click.echo(f"\nsites written to {csv_path}")
