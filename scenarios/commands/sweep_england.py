"""``siting sweep-england --bases 5:30 --out DIR``: every English upper-tier authority swept over base counts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from scenarios.cli import user_errors
from scenarios.commands.sweep import finish, settings_for, sweep_options
from scenarios.provenance import command_line
from scenarios.scenario_file import DemandSpec, EnglandSpec, load_scenario
from scenarios.sweep import run_sweep
from siting.errors import InputError

ENGLAND_SCENARIO = Path(__file__).resolve().parent.parent / "england_all.yaml"


@click.command("sweep-england")
@click.option("--authorities", default=None,
              help="Only these authorities (names or codes, comma-separated), e.g. 'Norfolk,Suffolk'.")
@click.option("--scenario", "scenario_path", type=click.Path(path_type=Path), default=ENGLAND_SCENARIO,
              show_default="the packaged england_all.yaml", help="The scenario to sweep (its demand: england).")
@sweep_options
@user_errors
def command(authorities: str | None, scenario_path: Path, **options: object) -> None:
    """Sweep every English upper-tier authority (LSOAs as demand, public libraries as sites).

    One job per authority x base count (x minutes x model); authorities with fewer libraries than a
    base count skip that count. Same folder contract as `siting sweep`, with a `case` column holding
    the authority code; resumable the same way.
    """
    sc = load_scenario(scenario_path)
    if sc.spec.demand.england is None:
        raise sc.error(("demand",), "sweep-england needs a scenario with demand: {england: ...}")
    if authorities is not None:
        names = [a.strip() for a in authorities.split(",") if a.strip()]
        if not names:
            raise InputError("give at least one authority", source="--authorities")
        from scenarios import england

        for n in names:
            try:
                england.find_authority(n)
            except InputError as exc:
                raise InputError(exc.detail, source="--authorities") from None
        spec = sc.spec.model_copy(update={"demand": DemandSpec(england=EnglandSpec(authority=names))})
        sc = dataclasses.replace(sc, spec=spec)
    if options.get("out_dir") is None:
        options["out_dir"] = Path.cwd() / "siting-out" / "england-sweep"
    settings = settings_for(sc, **options)  # type: ignore[arg-type]
    finish(run_sweep(sc, settings, command=command_line(), echo=lambda m: click.echo(m, err=True)))
