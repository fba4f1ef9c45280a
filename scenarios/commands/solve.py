"""``siting solve CASE``: solve one model on an embedded case and write the results."""

from __future__ import annotations

from pathlib import Path

import click

from scenarios import norfolk
from scenarios.cases import load_case
from scenarios.cli import user_errors
from scenarios.limits import MINUTES, RELATIVE_GAP, SEED, THREADS, TIME_LIMIT_S, check_value
from scenarios.output import check_out_dir
from scenarios.solve import SolveRequest, refuse_without_solution, run, write_outcome
from siting.errors import InputError
from siting.facility import FacilityOptions, check_options
from siting.problems import ALL_DISTRICTS, DistrictLimit, check_base_count
from siting.validation import bases_count
from solvers import SolveOptions
from solvers.models import MODEL_NAMES, CountRule, choosing_count, definition

MODELS = MODEL_NAMES
"""The ``--model`` choices: every model's definition (:mod:`solvers.models`)."""


def parse_bases(value: str | None) -> int | str | None:
    if value is None:
        return None
    if value == "auto":
        return "auto"
    try:
        return int(value)
    except ValueError:
        raise InputError(f"expected a whole number or 'auto', got {value!r}", source="--bases") from None


def parse_district_limits(values: tuple[str, ...], *, source: str) -> DistrictLimit | None:
    """``("2", "Norwich=3")`` -> ``{"*": 2, "Norwich": 3}``; nothing given -> ``None`` (the rule set's)."""
    if not values:
        return None
    out: dict[str, int] = {}
    for text in values:
        district, sep, number = text.rpartition("=")
        key = district.strip() if sep else ALL_DISTRICTS
        if sep and not key:
            raise InputError(f"expected N or DISTRICT=N, got {text!r}", source=source)
        try:
            n = int(number)
        except ValueError:
            raise InputError(f"expected N or DISTRICT=N with N a whole number, got {text!r}", source=source) from None
        if n < 0:
            raise InputError(f"must be at least 0, got {text!r}", source=source)
        if key in out:
            raise InputError(f"{'every district' if key == ALL_DISTRICTS else key!r} given twice", source=source)
        out[key] = n
    return out


@click.command("solve")
@click.argument("case", required=False)
@click.option("--demand", "demand_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Own data instead of CASE: demand areas (CSV/Parquet with lon,lat; GeoPackage/GeoJSON in any CRS).")
@click.option("--sites", "sites_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Own data: candidate sites (points).")
@click.option("--column", "columns", multiple=True,
              help="Own data: demand column mapping KEY=NAME[,KEY=NAME...], e.g. id=lsoa11cd (repeatable; "
                   "docs/python.md lists the keys).")
@click.option("--site-column", "site_columns", multiple=True, help="Own data: site column mapping KEY=NAME.")
@click.option("--matrix", "matrix_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Own data: travel minutes (long or wide table) instead of the England estimate.")
@click.option("--network", "network_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Own data: a road network file (OSM or GraphML) instead of the England estimate.")
@click.option("--bases", "bases_text", default=None,
              help="Number of bases to keep [15], or 'auto' (outreach model: the best number); cflp: at most this "
                   "many [no limit].")
@click.option("--minutes", type=float, default=20.0, show_default=True, help="Travel-time limit for coverage.")
@click.option("--model", type=click.Choice(MODELS), default="mclp", show_default=True)
@click.option("--solver", default="auto", show_default=True, help="cbc, highs, cpsat, scip, heuristic, auto, ...")
@click.option("--need", default="children", show_default=True, help="Need weighting: children, idaci, deprived.")
@click.option("--keep", multiple=True, help="Site id that must be kept (repeatable).")
@click.option("--close", multiple=True, help="Site id that must be closed (repeatable).")
@click.option("--rules", "rule_set", type=click.Choice(norfolk.RULE_SETS), default=None,
              help="Rule set: council (the default for norfolk: suitable buildings only, 2 bases per district, "
                   "3 in Norwich) or none (any building; the summary then shows nothing of the council's rules).")
@click.option("--allow-limited", is_flag=True, default=False,
              help="Council rules: also allow buildings the report calls limited (flagged in the output).")
@click.option("--min-per-district", multiple=True,
              help="At least N bases per district: N (every district) or DISTRICT=N (repeatable; replaces the "
                   "rule set's minimums).")
@click.option("--max-per-district", multiple=True, help="At most N bases per district: N or DISTRICT=N (repeatable).")
@click.option("--plan", default=None, help="Plan in hand to compare with (default: the case's).")
@click.option("--closures/--no-closures", default=True, show_default=True,
              help="MCLP/p-median: re-optimised closure values of the optimum and the plan (closures.csv).")
@click.option("--time-limit", "time_limit_s", type=float, default=None, help="Solver time limit, seconds.")
@click.option("--gap", "gap_rel", type=float, default=0.0, show_default=True, help="Relative gap to stop at.")
@click.option("--threads", type=int, default=None)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for bases.csv, areas.csv, solution.gpkg and summary.json.")
@click.option("--capacity", type=float, default=None,
              help="cpmedian, cmclp, cflp: every site's capacity in units of need (children), instead of a "
                   "capacity column in the sites file; inf for no limit.")
@click.option("--opening-cost-gbp", type=float, default=None,
              help="cflp: every site's annual cost as a base, instead of an opening_cost_gbp column.")
@click.option("--travel-gbp-per-minute", type=float, default=None,
              help="cflp: annual cost in GBP of one unit of need (one child) being one minute from its base.")
@click.option("--single-source/--split", default=False, show_default=True,
              help="cflp: each area served whole by one base, or its need split between bases.")
@click.option("--require-cover/--backup-only", default=True, show_default=True,
              help="bclp: every area a base can reach is covered once (then most need covered twice), or "
                   "only the need covered twice counts.")
@click.option("--budget-gbp", type=float, default=None, help="Outreach: annual budget (default: the case's).")
@click.option("--frontline-floor", type=float, default=None, help="Outreach: least frontline share [0.60].")
@click.option("--rural-floor", type=float, default=None, help="Outreach: least served share of rural need [0].")
@click.option("--district-floor", type=float, default=None,
              help="Outreach: least served share of every district's need [0].")
@click.option("--session-minutes", type=float, default=None, help="Outreach: session length, minutes [90].")
@click.option("--max-drive-minutes", type=float, default=None,
              help="Outreach: longest one-way drive from a base to an area it serves [30].")
@click.option("--cost-per-post-gbp", type=float, default=None,
              help="Outreach: annual cost of a frontline post with on-costs [35000].")
@click.option("--productive-hours", "productive_hours_per_post", type=float, default=None,
              help="Outreach: productive hours a year per post [1500].")
@click.option("--universal-hours", "universal_hours_per_child", type=float, default=None,
              help="Outreach: contact hours a year per child aged 0-4 [1.0].")
@click.option("--targeted-hours", "targeted_hours_per_child", type=float, default=None,
              help="Outreach: extra contact hours a year per child in an income-deprived family [8.0].")
@click.option("--objective", "outreach_objective", type=click.Choice(["hours", "share"]), default=None,
              help="Outreach: maximise need-weighted contact hours, or the need-weighted share of areas served.")
@click.option("--min-spare-posts", type=float, default=None,
              help="Outreach, --bases auto: recommend only counts leaving at least this many spare posts [0].")
@click.option("--travel-error-minutes", type=float, default=None,
              help="Outreach, --bases auto: travel-time error below which families' access is not compared [2.8].")
@click.option("--robustness", "robustness_samples", type=click.IntRange(min=0), default=None,
              help="Outreach, --bases auto: tornado (±25%% of each parameter), both overhead calibrations and N "
                   "sampled parameter sets for the recommendation (slow: minutes per run; 0 skips the sampling).")
@click.option("--scheduler", default="none", show_default=True,
              help="--robustness runs: none (in-process), local (a Dask LocalCluster) or tcp://HOST:8786.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="--robustness: LocalCluster workers.")
@user_errors
def command(case: str | None, demand_path: Path | None, sites_path: Path | None, columns: tuple[str, ...],
            site_columns: tuple[str, ...], matrix_path: Path | None, network_path: Path | None, bases_text: str | None,
            minutes: float, model: str, solver: str, need: str,
            keep: tuple[str, ...], close: tuple[str, ...], rule_set: str | None, allow_limited: bool,
            min_per_district: tuple[str, ...], max_per_district: tuple[str, ...],
            plan: str | None, closures: bool, time_limit_s: float | None, gap_rel: float, threads: int | None,
            seed: int, out_dir: Path | None, outreach_objective: str | None, robustness_samples: int | None,
            scheduler: str, workers: int | None, capacity: float | None, opening_cost_gbp: float | None,
            travel_gbp_per_minute: float | None, single_source: bool, require_cover: bool,
            **outreach: float | None) -> None:
    """Solve MODEL on the embedded CASE (e.g. norfolk) and compare with the plan in hand; or on your own files
    (--demand FILE --sites FILE, no CASE; --plan then takes site ids separated by commas)."""
    own = demand_path is not None or sites_path is not None
    if own and case is not None:
        raise InputError(f"give CASE ({case}) or --demand/--sites, not both", source="--demand")
    if not own and case is None:
        raise InputError("give a CASE (e.g. norfolk) or your own files with --demand FILE --sites FILE", source="CASE")
    if own and (demand_path is None or sites_path is None):
        raise InputError("own data needs both --demand FILE and --sites FILE",
                         source="--sites" if sites_path is None else "--demand")
    if not own and (columns or site_columns or matrix_path or network_path):
        raise InputError("is for own data (--demand/--sites)", source="--column" if columns else (
            "--site-column" if site_columns else ("--matrix" if matrix_path else "--network")))
    if out_dir is not None:
        check_out_dir(out_dir)
    minutes = check_value(MINUTES, minutes, source="--minutes")
    if time_limit_s is not None:
        time_limit_s = check_value(TIME_LIMIT_S, time_limit_s, source="--time-limit")
    gap_rel = check_value(RELATIVE_GAP, gap_rel, source="--gap")
    if threads is not None:
        threads = check_value(THREADS, threads, source="--threads")
    seed = check_value(SEED, seed, source="--seed")
    bases = parse_bases(bases_text)
    if bases is None and model != "cflp":
        bases = 15
    facility = FacilityOptions(capacity=capacity, opening_cost_gbp=opening_cost_gbp,
                               travel_gbp_per_minute=travel_gbp_per_minute, single_source=single_source)
    check_options(model, facility, require_cover=require_cover)
    definition_ = definition(model)
    if bases == "auto" and definition_.count is not CountRule.AT_MOST:
        raise InputError(f"--bases auto is for {choosing_count()}", source="--bases")
    params: dict[str, object] = {k: v for k, v in outreach.items() if v is not None}
    if outreach_objective is not None:
        params["objective"] = outreach_objective
    if robustness_samples is not None:
        params["robustness"] = {"samples": robustness_samples, "scheduler": scheduler, "workers": workers,
                                "seed": seed}
    elif scheduler != "none" or workers is not None:
        raise InputError("is for the robustness runs: add --robustness N", source="--scheduler")
    if params and model != "outreach":
        raise InputError(f"is an option of the outreach model (--model outreach), not of {model}",
                         source=f"--{next(iter(params)).replace('_', '-')}")
    lo = parse_district_limits(min_per_district, source="--min-per-district")
    hi = parse_district_limits(max_per_district, source="--max-per-district")
    if both := sorted(set(keep) & set(close)):
        raise InputError(f"site {both[0]!r} is given to both --keep and --close", source="--close")
    if own:
        if rule_set == "council" or allow_limited:
            raise InputError("the council rule set belongs to the norfolk case", source="--rules")
        from scenarios.own_data import solve_files

        assert demand_path is not None and sites_path is not None
        click.echo(solve_files(
            demand_path=demand_path, sites_path=sites_path, columns=columns, site_columns=site_columns,
            matrix=matrix_path, network=network_path, model=model, bases=bases, minutes=minutes, solver=solver,
            need=need, plan=plan, keep=keep, close=close, min_per_district=lo, max_per_district=hi,
            options=SolveOptions(time_limit_s=time_limit_s, gap_rel=gap_rel, threads=threads, seed=seed),
            facility=facility, require_cover=require_cover, out_dir=out_dir))
        if out_dir is not None:
            click.echo(f"\nwritten to {out_dir}/")
        return
    assert case is not None
    c, matrix = load_case(case, need=need)
    name = rule_set or ("council" if case == norfolk.NAME else "none")
    if name == "council" and case != norfolk.NAME:
        raise InputError(f"the council rule set belongs to the norfolk case, not {case!r}", source="--rules")
    request = SolveRequest(
        model=model, bases=None if definition_.count is CountRule.MINIMISED else bases,  # type: ignore[arg-type]
        minutes=minutes, solver=solver, need=need, plan=plan,
        rules=norfolk.rules(name, c, allow_limited=allow_limited, min_per_district=lo, max_per_district=hi,
                            must_keep=keep, must_close=close),
        options=SolveOptions(time_limit_s=time_limit_s, gap_rel=gap_rel, threads=threads, seed=seed),
        params=params, closures=closures, facility=facility, require_cover=require_cover,
    )
    if isinstance(request.bases, int):
        bases_count(request.bases, c.sites)
        check_base_count(c, request.rules, request.bases)
    outcome = run(c, matrix, request)
    refuse_without_solution(outcome, source=f"siting solve {case} --model {model}")
    if out_dir is not None:
        write_outcome(outcome, out_dir)
    click.echo(outcome.text)
    if out_dir is not None:
        click.echo(f"\nwritten to {out_dir}/")
