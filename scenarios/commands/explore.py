"""``siting explore SOURCE -o explorer.html``: the offline plan explorer (definitions: ``docs/explorer.md``)."""

from __future__ import annotations

from pathlib import Path

import click

from maps.explorer import explorer_html
from maps.explorer_data import DEFAULT_CUTOFF_MINUTES
from scenarios.cli import user_errors
from scenarios.explore_source import boundaries_of, load_source, optima_for, page_data
from scenarios.pages import size_text, write_text_file
from siting.errors import InputError


def parse_limits(text: str | None) -> tuple[float, ...]:
    """``"15,20,30"`` as minutes (one-line error naming ``--limits``)."""
    if not text:
        return ()
    out = []
    for part in text.split(","):
        try:
            value = float(part)
        except ValueError:
            raise InputError(f"expected minutes separated by commas, got {part.strip()!r}", source="--limits") from None
        if not value > 0:
            raise InputError(f"a limit must be positive, got {part.strip()!r}", source="--limits")
        out.append(value)
    return tuple(out)


@click.command("explore")
@click.argument("source")
@click.option("-o", "--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("explorer.html"), show_default=True, help="The HTML file to write.")
@click.option("--minutes", type=float, default=None, help="Travel-time limit shown first (default: the source's).")
@click.option("--limits", default=None, help="More limits with precomputed optima, e.g. 15,30.")
@click.option("--max-bases", type=click.IntRange(0, None), default=60, show_default=True,
              help="Optima are computed for 1 to this many bases (0: none).")
@click.option("--cutoff-minutes", type=float, default=DEFAULT_CUTOFF_MINUTES, show_default=True,
              help="Travel times above this count as unreachable (keeps the page small).")
@click.option("--case", "case_filter", default=None, help="For a sweep over several cases: the one to explore.")
@click.option("--title", default=None, help="Page title.")
@click.option("--boundaries", "boundaries_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Area polygons (GeoJSON, GeoPackage, shapefile) if not the packaged ones.")
@click.option("--boundary-id", default="id", show_default=True, help="Column of --boundaries holding area ids.")
@click.option("--allow-changed-data", is_flag=True, default=False,
              help="Go ahead (with a warning) when a resolved scenario's data files changed since it was solved.")
@user_errors
def command(source: str, out_path: Path, minutes: float | None, limits: str | None, max_bases: int,
            cutoff_minutes: float, case_filter: str | None, title: str | None, boundaries_path: Path | None,
            boundary_id: str, allow_changed_data: bool) -> None:
    """Write the plan explorer of SOURCE (a scenario file, a result or sweep folder, an embedded case) as one HTML file.

    A scenario file is solved first (as ``siting run``, nothing written) and the page opens on its
    solution; a folder written from a scenario is rebuilt from its scenario.resolved.yaml.

    Click a site to keep or close it, change the travel-time limit, and see need covered, travel,
    districts, equity, the budget split and the distance to the optimum at once. Works offline.
    """
    if minutes is not None and not minutes > 0:
        raise InputError(f"the travel-time limit must be positive, got {minutes:g}", source="--minutes")
    if not 0 < cutoff_minutes < float("inf"):  # checked before the optima are solved, not after
        raise InputError(f"the cut-off must be a positive number of minutes, got {cutoff_minutes:g}",
                         source="--cutoff-minutes")
    src = load_source(source, minutes=minutes, case_filter=case_filter, allow_changed_data=allow_changed_data)
    every = tuple(sorted({*src.limits, src.minutes, *parse_limits(limits)}))
    over = [m for m in every if m > cutoff_minutes]
    if over:
        raise InputError(f"limit {over[0]:g} is above the cut-off {cutoff_minutes:g}", source="--cutoff-minutes")
    boundaries = boundaries_of(src, boundaries_path, boundary_id)
    optima = optima_for(src, limits=every, max_bases=max_bases)
    data = page_data(src, optima=optima, limits=every, cutoff_minutes=cutoff_minutes, title=title)
    page = explorer_html(data, boundaries, src.case.demand.frame)
    write_text_file(out_path, page)
    click.echo(f"written {out_path} ({size_text(len(page.encode('utf-8')))}): {len(src.case.demand)} areas, "
               f"{len(src.case.sites)} sites, {data['pairs']['count']:,} travel times within {cutoff_minutes:g} min, "
               f"{len(optima)} optima")
