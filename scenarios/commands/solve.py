"""``siting solve CASE``: solve one model on an embedded case and write the results."""

from __future__ import annotations

from pathlib import Path

import click

from scenarios.cases import load_case
from scenarios.cli import user_errors
from scenarios.solve import SolveRequest, run, write_outcome
from siting.errors import InputError
from siting.problems import SiteRules
from solvers import SolveOptions

MODELS = ("mclp", "pmedian", "lscp", "pcenter", "cpmedian", "cmclp", "outreach")


def parse_bases(value: str | None) -> int | str | None:
    if value is None:
        return None
    if value == "auto":
        return "auto"
    try:
        return int(value)
    except ValueError:
        raise InputError(f"expected a whole number or 'auto', got {value!r}", source="--bases") from None


@click.command("solve")
@click.argument("case")
@click.option("--bases", "bases_text", default="15", show_default=True,
              help="Number of bases to keep, or 'auto' (outreach model: the best number).")
@click.option("--minutes", type=float, default=20.0, show_default=True, help="Travel-time limit for coverage.")
@click.option("--model", type=click.Choice(MODELS), default="mclp", show_default=True)
@click.option("--solver", default="auto", show_default=True, help="cbc, highs, cpsat, scip, heuristic, auto, ...")
@click.option("--need", default="children", show_default=True, help="Need weighting: children, idaci, deprived.")
@click.option("--keep", multiple=True, help="Site id that must be kept (repeatable).")
@click.option("--close", multiple=True, help="Site id that must be closed (repeatable).")
@click.option("--min-per-district", type=int, default=0, show_default=True)
@click.option("--max-per-district", type=int, default=None)
@click.option("--plan", default=None, help="Plan in hand to compare with (default: the case's).")
@click.option("--time-limit", "time_limit_s", type=float, default=None, help="Solver time limit, seconds.")
@click.option("--gap", "gap_rel", type=float, default=0.0, show_default=True, help="Relative gap to stop at.")
@click.option("--threads", type=int, default=None)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for bases.csv, areas.csv, solution.gpkg and summary.json.")
@user_errors
def command(case: str, bases_text: str, minutes: float, model: str, solver: str, need: str,
            keep: tuple[str, ...], close: tuple[str, ...], min_per_district: int, max_per_district: int | None,
            plan: str | None, time_limit_s: float | None, gap_rel: float, threads: int | None, seed: int,
            out_dir: Path | None) -> None:
    """Solve MODEL on the embedded CASE (e.g. norfolk) and compare with the plan in hand."""
    bases = parse_bases(bases_text)
    if bases == "auto" and model != "outreach":
        raise InputError("--bases auto is for the outreach model", source="--bases")
    if min_per_district < 0:
        raise InputError("must be at least 0", source="--min-per-district")
    c, matrix = load_case(case, need=need)
    request = SolveRequest(
        model=model, bases=None if model == "lscp" else bases,  # type: ignore[arg-type]
        minutes=minutes, solver=solver, need=need, plan=plan,
        rules=SiteRules(must_keep=keep, must_close=close, min_per_district=min_per_district,
                        max_per_district=max_per_district),
        options=SolveOptions(time_limit_s=time_limit_s, gap_rel=gap_rel, threads=threads, seed=seed),
    )
    outcome = run(c, matrix, request)
    if out_dir is not None:
        write_outcome(outcome, out_dir)
    click.echo(outcome.text)
    if out_dir is not None:
        click.echo(f"\nwritten to {out_dir}/")
