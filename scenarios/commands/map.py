"""``siting map SOURCE -o map.html``: a self-contained coverage map of a result, scenario or case.

SOURCE is a result folder (``siting solve --out DIR``, ``siting run``, a sweep's ``jobs/<id>/``),
a scenario file (YAML/TOML: solved first, see :mod:`scenarios.scenario_run`) or an embedded case
name (``norfolk``, solved with ``--bases``/``--minutes``/``--model``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
import geopandas as gpd

from maps.coverage_map import MODES, TILES, coverage_map_html
from maps.results import Solution, read_result
from scenarios.boundaries import boundaries_for, read_boundaries
from scenarios.cases import CASES, load_case
from scenarios.cli import user_errors
from scenarios.output import check_out_file
from scenarios.pages import size_text, write_text_file
from scenarios.scenario_file import Minutes, Scenario, check_value
from scenarios.solve import Outcome, SolveRequest, refuse_without_solution, run, write_outcome
from siting.errors import InputError
from siting.io import GEO_SUFFIXES

SCENARIO_SUFFIXES = (".yaml", ".yml", ".toml")


def _via_folder(outcome: Outcome) -> Solution:
    """Write ``outcome`` to a temporary result folder and read it back as maps read any result."""
    if "areas.csv" not in outcome.tables:
        raise InputError(f"no solution to map: {outcome.summary.get('status')} "
                         f"({outcome.summary.get('message', '')})", source="SOURCE")
    with tempfile.TemporaryDirectory(prefix="siting-map-") as tmp:
        folder = Path(tmp) / "result"
        write_outcome(outcome, folder)
        return read_result(folder)


def load_source(source: str, *, bases: int | None, minutes: float | None, model: str,
                need: str) -> tuple[Solution, gpd.GeoDataFrame | None]:
    """The solution to map from a result folder, a scenario file or an embedded case name.

    Also returns the boundaries the source itself brings (a scenario whose demand areas are a
    polygon file), else ``None``.
    """
    path = Path(source)
    solve_options = bases is not None or minutes is not None
    if path.is_dir():
        if (path / "results.csv").is_file() and not (path / "summary.json").is_file():
            raise InputError("this is a sweep folder: use 'siting report' (or map one of its jobs/<id>/ folders)",
                             source=source)
        if solve_options:
            raise InputError("--bases and --minutes apply to an embedded case, not to a result folder",
                             source="--bases" if bases is not None else "--minutes")
        return read_result(path), None
    if path.suffix.lower() in SCENARIO_SUFFIXES:
        if solve_options:
            raise InputError("--bases and --minutes apply to an embedded case; a scenario file states its own",
                             source="--bases" if bases is not None else "--minutes")
        from scenarios.scenario_run import solve_scenario

        result = solve_scenario(path)
        refuse_without_solution(result.outcome, source=source)
        return _via_folder(result.outcome), _scenario_polygons(result.scenario)
    if source in CASES:
        case, matrix = load_case(source, need=need)
        request = SolveRequest(model=model, bases=None if model == "lscp" else (15 if bases is None else bases),
                               minutes=20.0 if minutes is None else minutes, need=need)
        outcome = run(case, matrix, request)
        refuse_without_solution(outcome, source=source)
        return _via_folder(outcome), None
    raise InputError(f"not a result folder, a scenario file ({', '.join(SCENARIO_SUFFIXES)}) or an embedded case "
                     f"({', '.join(sorted(CASES))})", source=source)


def _scenario_polygons(scenario: Scenario) -> gpd.GeoDataFrame | None:
    """The scenario's demand file as boundaries, if it is a vector file of polygons."""
    d = scenario.spec.demand
    if d.file is None or Path(d.file).suffix.lower() not in GEO_SUFFIXES:
        return None
    try:
        return read_boundaries(scenario.resolve(d.file, ("demand", "file")), id_column=d.columns.get("id", "id"))
    except InputError:  # points, or no id column: areas are drawn from their points
        return None


def boundaries_option(path: Path | None, id_column: str, solution: Solution,
                      hint: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame | None:
    """The boundaries to draw: the user's file, the source's own, else packaged ones holding the areas."""
    if path is not None:
        return read_boundaries(path, id_column=id_column)
    if hint is not None:
        return hint
    return boundaries_for(solution.areas["id"].tolist(), case=solution.case or None)


@click.command("map")
@click.argument("source")
@click.option("-o", "--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("map.html"),
              show_default=True, help="The HTML file to write.")
@click.option("--tiles", type=click.Choice(sorted(TILES)), default=None,
              help="Add an online background map (off by default: the page works offline).")
@click.option("--mode", type=click.Choice(list(MODES)), default="need", show_default=True,
              help="Colouring shown first (need, catchment or minutes; switchable in the page).")
@click.option("--title", default=None, help="Title shown in the legend (default: case, model, bases).")
@click.option("--bases", type=int, default=None, help="Embedded case only: number of bases [15].")
@click.option("--minutes", type=float, default=None, help="Embedded case only: travel-time limit [20].")
@click.option("--model", default="mclp", show_default=True, help="Embedded case only: the model.")
@click.option("--need", default="children", show_default=True, help="Embedded case only: need weighting.")
@click.option("--boundaries", "boundaries_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Area polygons (GeoJSON, GeoPackage, shapefile) if not the packaged ones.")
@click.option("--boundary-id", default="id", show_default=True, help="Column of --boundaries holding area ids.")
@user_errors
def command(source: str, out_path: Path, tiles: str | None, mode: str, title: str | None, bases: int | None,
            minutes: float | None, model: str, need: str, boundaries_path: Path | None, boundary_id: str) -> None:
    """Write a self-contained coverage map (one HTML file, no CDN) of SOURCE.

    SOURCE is a result folder, a scenario file, or an embedded case name (solved with --bases/--minutes).
    """
    check_out_file(out_path)
    if minutes is not None:
        minutes = check_value(Minutes, minutes, source="--minutes")
    solution, hint = load_source(source, bases=bases, minutes=minutes, model=model, need=need)
    boundaries = boundaries_option(boundaries_path, boundary_id, solution, hint)
    page = coverage_map_html(solution, boundaries, tiles=tiles, title=title, mode=mode)
    write_text_file(out_path, page)
    closed = int((~solution.sites["kept"]).sum())
    drawn = "polygons" if boundaries is not None else "points (no boundaries found)"
    click.echo(f"written {out_path} ({size_text(len(page.encode('utf-8')))}): {len(solution.areas)} areas as "
               f"{drawn}, {solution.n_bases} bases, {closed} closed sites")
