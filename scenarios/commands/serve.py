"""``siting serve SOURCE``: the plan explorer on a local server with exact re-optimisation (:mod:`scenarios.server`)."""

from __future__ import annotations

from pathlib import Path

import click

from maps.explorer import explorer_html
from maps.explorer_data import DEFAULT_CUTOFF_MINUTES
from scenarios.cli import user_errors
from scenarios.explore_source import boundaries_of, fingerprint, load_source, page_data
from scenarios.server import LOCAL_NAMES, Explorer, create_app
from scenarios.server_state import ServeState, check_source, saved_optima
from siting.errors import InputError
from siting.problems import count_range

LOCAL_HOSTS = LOCAL_NAMES


def build_explorer(source: str, *, folder: Path, minutes: float | None = None,
                   cutoff_minutes: float = DEFAULT_CUTOFF_MINUTES, boundaries_path: Path | None = None,
                   boundary_id: str = "id", case_filter: str | None = None,
                   allow_changed_data: bool = False) -> Explorer:
    """Load ``source`` and build the served page; the optima found in earlier sessions come from ``folder``."""
    src = load_source(source, minutes=minutes, case_filter=case_filter, allow_changed_data=allow_changed_data)
    if src.minutes > cutoff_minutes:
        raise InputError(f"limit {src.minutes:g} is above the cut-off {cutoff_minutes:g}", source="--cutoff-minutes")
    digest = fingerprint(src)
    check_source(folder, digest=digest, label=source)  # optima of another case or rules would mislead
    data = page_data(src, optima=[], limits=src.limits, cutoff_minutes=cutoff_minutes)
    data["optima"] = saved_optima(folder)
    page = explorer_html(data, boundaries_of(src, boundaries_path, boundary_id), src.case.demand.frame, server=True)
    # the folder is created only once the page is built: bad input leaves nothing behind
    try:
        state = ServeState(folder)
        state.record_source(digest=digest, label=source)
    except OSError as exc:
        raise InputError(f"cannot keep the explorer's state here: {exc.strerror or exc}", source=str(folder)) from None
    return Explorer(src.case, src.matrix, page, state, cutoff_minutes, src.rules)


def src_minutes(ex: Explorer) -> float:
    return min(20.0, ex.cutoff_minutes)


@click.command("serve")
@click.argument("source")
@click.option("--folder", type=click.Path(file_okay=False, path_type=Path), default=Path("siting-serve"),
              show_default=True, help="Where the plan, locks, optima and sweeps are kept between sessions.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind (only this computer by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port (0: any free).")
@click.option("--minutes", type=float, default=None, help="Travel-time limit shown first.")
@click.option("--cutoff-minutes", type=float, default=DEFAULT_CUTOFF_MINUTES, show_default=True,
              help="Travel times above this count as unreachable in the page.")
@click.option("--boundaries", "boundaries_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Area polygons if not the packaged ones.")
@click.option("--boundary-id", default="id", show_default=True, help="Column of --boundaries holding area ids.")
@click.option("--case", "case_filter", default=None, help="For a sweep over several cases: the one to serve.")
@click.option("--allow-changed-data", is_flag=True, default=False,
              help="Go ahead (with a warning) when a resolved scenario's data files changed since it was solved.")
@user_errors
def command(source: str, folder: Path, host: str, port: int, minutes: float | None, cutoff_minutes: float,
            boundaries_path: Path | None, boundary_id: str, case_filter: str | None, allow_changed_data: bool) -> None:
    """Serve the plan explorer of SOURCE (scenario file, result or sweep folder, embedded case) on this computer.

    A scenario file is solved first (as ``siting run``, nothing written); its rules hold for every
    re-optimisation.

    Adds exact re-optimisation with locked sites and background sweeps to the offline page.
    State is kept in --folder, so closing the browser or stopping the server loses nothing.
    """
    import uvicorn

    if minutes is not None and not minutes > 0:
        raise InputError(f"the travel-time limit must be positive, got {minutes:g}", source="--minutes")
    ex = build_explorer(source, folder=folder, minutes=minutes, cutoff_minutes=cutoff_minutes,
                        boundaries_path=boundaries_path, boundary_id=boundary_id, case_filter=case_filter,
                        allow_changed_data=allow_changed_data)
    # warm the solver (the first click is quick) with the fewest bases the rules allow
    ex.optimise(bases=max(1, count_range(ex.case, ex.rules)[0]), minutes=src_minutes(ex), keep=[], close=[])
    if host not in LOCAL_HOSTS:
        click.echo(f"siting: warning: serving on {host}: other computers on the network can reach the server",
                   err=True)
    click.echo(f"serving {source} on http://{host}:{port}/ (state in {folder}); Ctrl+C stops", err=True)
    uvicorn.run(create_app(ex, local_only=host in LOCAL_HOSTS), host=host, port=port, log_level="warning")
