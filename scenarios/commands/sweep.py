"""``siting sweep SCENARIO --bases 5:30``: every combination of bases, minutes and models as one job."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scenarios.cli import user_errors
from scenarios.provenance import command_line
from scenarios.scenario_file import Scenario, load_scenario
from scenarios.sweep import SweepReport, SweepSettings, run_sweep
from scenarios.sweep_jobs import parse_bases, parse_minutes
from siting.errors import InputError

EXIT_INTERRUPTED = 130


def sweep_options(func: click.decorators.FC) -> click.decorators.FC:
    """The options ``sweep`` and ``sweep-england`` share."""
    for option in reversed([
        click.option("--bases", "bases_text", default=None,
                     help="Base counts: 5:30 (inclusive), 5:30:5, or 7,12,15 (default: the scenario's sweep.bases)."),
        click.option("--minutes", "minutes_text", default=None,
                     help="Travel-time limits, e.g. 15,20,30 (default: sweep.minutes, else model.minutes)."),
        click.option("--model", "models_text", default=None,
                     help="Model(s), comma-separated (default: the scenario's sweep.models or model.name)."),
        click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Sweep folder (default: the scenario's outputs.folder, else ./siting-out/NAME-sweep)."),
        click.option("--scheduler", default="local", show_default=True,
                     help="local (a Dask LocalCluster), none (in-process), or tcp://HOST:8786 (a running cluster)."),
        click.option("--workers", type=click.IntRange(min=1), default=None,
                     help="LocalCluster workers (default: one per core)."),
        click.option("--retry-failed", is_flag=True, help="Run jobs that failed in an earlier run again."),
        click.option("--allow-changed-data", is_flag=True,
                     help="Resume or reproduce even if a data file or travel matrix changed (warn instead of fail)."),
        click.option("--no-progress", is_flag=True, help="No progress bar."),
    ]):
        func = option(func)
    return func


def settings_for(scenario: Scenario, *, bases_text: str | None, minutes_text: str | None, models_text: str | None,
                 out_dir: Path | None, scheduler: str, workers: int | None, retry_failed: bool,
                 allow_changed_data: bool, no_progress: bool) -> SweepSettings:
    """Sweep settings from the command line, falling back on the scenario's ``sweep`` section."""
    sw = scenario.spec.sweep
    if bases_text is None:
        if sw is None or sw.bases is None:
            raise InputError("give --bases (e.g. 5:30) or sweep.bases in the scenario", source="--bases")
        bases_text = sw.bases if isinstance(sw.bases, str) else ",".join(str(b) for b in sw.bases)
    if minutes_text is None:
        values = sw.minutes if sw is not None and sw.minutes else [scenario.spec.model.minutes]
        minutes_text = ",".join(f"{m:g}" for m in values)
    if models_text is None:
        models = sw.models if sw is not None and sw.models else [scenario.spec.model.name]
    else:
        models = [m.strip() for m in models_text.split(",") if m.strip()]
    if out_dir is None:
        out_dir = (scenario.output_folder() if scenario.spec.outputs.folder is not None
                   else Path.cwd() / "siting-out" / f"{scenario.name}-sweep")
    return SweepSettings(bases=parse_bases(bases_text), minutes=parse_minutes(minutes_text), models=models,
                         out_dir=out_dir, scheduler=scheduler, workers=workers, retry_failed=retry_failed,
                         allow_changed_data=allow_changed_data, progress=not no_progress)


def finish(report: SweepReport) -> None:
    """Print the report; exit 130 if interrupted."""
    if report.interrupted:
        click.echo(f"\ninterrupted after {report.ran} job(s) this run; results so far in {report.out_dir}/. "
                   "Run the same command again to resume.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    click.echo(report.text())


@click.command("sweep")
@click.argument("scenario", type=click.Path(path_type=Path))
@sweep_options
@user_errors
def command(scenario: Path, **options: object) -> None:
    """Solve SCENARIO for every combination of --bases, --minutes and --model, resumably.

    Writes DIR/results.csv and .parquet (one row per job), DIR/jobs/JOB_ID/ (each job's results),
    DIR/journal.jsonl, DIR/scenario.resolved.yaml and DIR/tradeoff.png. Interrupted (Ctrl-C, kill),
    the same command resumes: finished jobs are skipped, failed ones too unless --retry-failed.
    """
    sc = load_scenario(scenario)
    settings = settings_for(sc, **options)  # type: ignore[arg-type]
    finish(run_sweep(sc, settings, command=command_line(), echo=lambda m: click.echo(m, err=True)))
