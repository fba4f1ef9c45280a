"""``siting travel-times``: drive times over an OSM road network, demand areas x sites, to a matrix file."""

from __future__ import annotations

import math
from pathlib import Path

import click
import numpy as np
import pandas as pd

from scenarios.cli import user_errors
from scenarios.limits import MINUTES, check_value
from scenarios.output import GENERATOR, atomic_file, check_out_file, generator_text, write_json
from scenarios.own_data import parse_columns, read
from siting.domain import TravelMatrix
from siting.errors import InputError
from siting.io import read_demand, read_sites
from siting.network import NetworkSettings, compare_with_estimator, network_travel_matrix
from siting.network.cache import network_cache_dir
from siting.network.online import download, parse_bbox, slug
from siting.network.options import Direction, SnapTo

OUT_SUFFIXES = (".parquet", ".pq", ".csv")
DIRECTIONS: dict[str, Direction] = {"to-site": "to_site", "from-site": "from_site"}
SNAP_TO: dict[str, SnapTo] = {"largest-component": "largest_component", "any-component": "any_component"}


def matrix_frame(matrix: TravelMatrix, *, layout: str) -> pd.DataFrame:
    """``long``: one row per reachable pair (``demand_id, site_id, minutes``; unreachable pairs are absent, which
    :func:`siting.validation.travel_matrix_file` reads back as ``inf``); ``wide``: ``demand_id`` then one column
    per site, ``inf`` where unreachable."""
    if layout == "wide":
        frame = pd.DataFrame(matrix.minutes, columns=list(matrix.site_ids))
        frame.insert(0, "demand_id", list(matrix.demand_ids))
        return frame
    i, j = np.nonzero(np.isfinite(matrix.minutes))
    return pd.DataFrame({
        "demand_id": np.asarray(matrix.demand_ids, dtype=object)[i],
        "site_id": np.asarray(matrix.site_ids, dtype=object)[j],
        "minutes": matrix.minutes[i, j],
    })


def write_matrix(matrix: TravelMatrix, path: Path, *, layout: str) -> None:
    """Write the matrix to ``path`` (Parquet or CSV by suffix), atomically."""
    frame = matrix_frame(matrix, layout=layout)
    with atomic_file(path) as tmp:
        if path.suffix.lower() == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            meta = {**(table.schema.metadata or {}), GENERATOR.encode(): generator_text().encode()}
            pq.write_table(table.replace_schema_metadata(meta), tmp)


@click.command("travel-times")
@click.option("--network", "network_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Local road network: OSM extract (.osm, .osm.pbf) or OSMnx .graphml.")
@click.option("--place", default=None, help='Download the network of a place from OpenStreetMap instead, e.g. '
              '"Norwich, UK" (needs internet).')
@click.option("--bbox", default=None, help="Download the network in west,south,east,north (degrees) instead.")
@click.option("--estimate", is_flag=True, default=False,
              help="Estimate the minutes with the England straight-line estimator instead of routing (refused "
                   "outside England; its held-out error is printed and written with --report).")
@click.option("--column", "columns", multiple=True, help="Demand column mapping KEY=NAME[,KEY=NAME...].")
@click.option("--site-column", "site_columns", multiple=True, help="Site column mapping KEY=NAME.")
@click.option("--demand", "demand_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Demand areas (CSV, Parquet, GeoPackage, GeoJSON).")
@click.option("--sites", "sites_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Candidate sites (CSV, Parquet, GeoPackage, GeoJSON).")
@click.option("-o", "--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Matrix file to write (.parquet or .csv).")
@click.option("--layout", type=click.Choice(["long", "wide"]), default="long", show_default=True,
              help="long: demand_id, site_id, minutes per reachable pair; wide: one column per site.")
@click.option("--max-minutes", type=float, default=120.0, show_default=True,
              help="Cut-off: pairs further apart are unreachable.")
@click.option("--direction", type=click.Choice(list(DIRECTIONS)), default="to-site", show_default=True,
              help="Families travelling to the sites, or staff travelling out from them.")
@click.option("--snap-to", type=click.Choice(list(SNAP_TO)), default="largest-component",
              show_default=True, help="Which roads points may join (see docs/travel-times.md).")
@click.option("--access-speed-kmh", type=float, default=15.0, show_default=True,
              help="Speed from a point to the road it joins.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Cache folder (default $SITING_CACHE_DIR, else the system user cache folder, e.g. ~/.cache/siting).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option("--compare", is_flag=True,
              help="Compare with the straight-line estimator calibrated on Norfolk's routed drive times.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the report (and comparison) as JSON.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes routing in parallel (same results).")
@click.option("--progress/--no-progress", default=False, show_default=True, help="Progress bar while routing.")
@user_errors
def command(network_path: Path | None, place: str | None, bbox: str | None, estimate: bool, columns: tuple[str, ...],
            site_columns: tuple[str, ...], demand_path: Path, sites_path: Path,
            out_path: Path, layout: str, max_minutes: float, direction: str, snap_to: str, access_speed_kmh: float,
            cache_dir: Path | None, no_cache: bool, compare: bool, report_path: Path | None, workers: int,
            progress: bool) -> None:
    """Drive minutes from every demand area to every site over a road network (or estimated: --estimate), written
    as a matrix file that scenario files and `siting.validation.travel_matrix_file` read back."""
    if sum(v is not None for v in (network_path, place, bbox)) + estimate != 1:
        raise InputError("give exactly one of --network FILE, --place NAME, --bbox W,S,E,N or --estimate",
                         source="travel-times")
    if out_path.suffix.lower() not in OUT_SUFFIXES:
        raise InputError(f"output must end in {', '.join(OUT_SUFFIXES)}", source=str(out_path))
    max_minutes = check_value(MINUTES, max_minutes, source="--max-minutes")
    if not (math.isfinite(access_speed_kmh) and access_speed_kmh > 0):
        raise InputError(f"must be a positive speed, got {access_speed_kmh:g}", source="--access-speed-kmh")
    check_out_file(out_path)
    if report_path is not None:
        check_out_file(report_path, source=str(report_path))
    settings = NetworkSettings(access_speed_kmh=access_speed_kmh, direction=DIRECTIONS[direction],
                               snap_to=SNAP_TO[snap_to])
    if estimate:
        _estimate(demand_path, sites_path, columns, site_columns, out_path, layout, report_path)
        return
    demand = read_demand(demand_path, columns=parse_columns(columns, source="--column") or None)
    sites = read_sites(sites_path, columns=parse_columns(site_columns, source="--site-column") or None)
    if network_path is None:
        box = parse_bbox(bbox) if bbox is not None else None
        name = slug(place if place is not None else str(bbox))
        network_path = network_cache_dir(cache_dir) / "downloads" / f"{name}.graphml"
        click.echo(f"downloading the road network of {place or bbox} from OpenStreetMap ...", err=True)
        download(out=network_path, place=place, bbox=box)
        click.echo(f"saved to {network_path} (reuse it with --network)", err=True)
    result = network_travel_matrix(network_path, demand, sites, max_minutes=max_minutes, cache_dir=cache_dir,
                                   progress=progress, settings=settings, use_cache=not no_cache, workers=workers)
    write_matrix(result.matrix, out_path, layout=layout)
    click.echo(result.report.summary())
    if result.from_cache:
        click.echo(f"(from the cache: {result.cache_path})")
    summary: dict[str, object] = {"generator": generator_text(), "report": result.report.as_dict(),
                                  "from_cache": result.from_cache}
    if compare:
        from scenarios import norfolk

        estimator, _ = norfolk.estimator()
        comparison = compare_with_estimator(result.matrix, demand, sites, estimator)
        click.echo(comparison.summary() + " (estimator calibrated on Norfolk)")
        summary["comparison"] = comparison.__dict__
    if report_path is not None:
        with atomic_file(report_path) as tmp:
            write_json(tmp, summary)
    click.echo(f"written to {out_path}")


def _estimate(demand_path: Path, sites_path: Path, columns: tuple[str, ...], site_columns: tuple[str, ...],
              out_path: Path, layout: str, report_path: Path | None) -> None:
    """``--estimate``: the England estimator on the files (read and checked as ``siting solve --demand`` does)."""
    from siting.facade import prepare
    from siting.travel_times import Estimate

    case, _ = prepare(read(demand_path), read(sites_path), columns=parse_columns(columns, source="--column"),
                      site_columns=parse_columns(site_columns, source="--site-column"),
                      demand_source=str(demand_path), sites_source=str(sites_path))
    source = Estimate()
    matrix = source.matrix(case.demand, case.sites)
    described = source.describe()
    write_matrix(matrix, out_path, layout=layout)
    water = described.get("open_water_pairs", 0)
    click.echo(f"{len(case.demand):,} areas x {len(case.sites):,} sites: {described['estimator']}, "
               f"{described['error_band']}" + (f"; {water:,} pairs under 60 km cross open water (unreliable there)"
                                                if water else ""))
    if report_path is not None:
        with atomic_file(report_path) as tmp:
            write_json(tmp, {"generator": generator_text(), "travel": described})
    click.echo(f"written to {out_path}")
