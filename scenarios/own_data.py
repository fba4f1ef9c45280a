"""Own data on the command line: ``siting solve --demand FILE --sites FILE`` without a scenario file.

The files are read here (CSV/Parquet tables with ``lon``/``lat`` or BNG ``x_m``/``y_m`` columns; GeoPackage,
GeoJSON or Shapefile layers in any CRS) and handed to the library facade (:func:`siting.solve`), so the command
line and Python give the same answer on the same data. ``--column KEY=NAME`` maps the file's column names.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from siting.errors import InputError
from siting.facility import FacilityOptions
from siting.io import GEO_SUFFIXES
from siting.validation import read_table


def parse_columns(values: Sequence[str], *, source: str) -> dict[str, str]:
    """``("id=lsoa11cd,ruc=ruc11cd",)`` -> ``{"id": "lsoa11cd", "ruc": "ruc11cd"}`` (keys checked later)."""
    out: dict[str, str] = {}
    for text in (part for value in values for part in value.split(",")):
        key, sep, column = text.partition("=")
        if not sep or not key.strip() or not column.strip():
            raise InputError(f"expected KEY=COLUMN (for example id=lsoa11cd), got {text!r}", source=source)
        if key.strip() in out:
            raise InputError(f"key {key.strip()!r} given twice", source=source)
        out[key.strip()] = column.strip()
    return out


def read(path: Path) -> Any:
    """A table (CSV/Parquet) or a GeoDataFrame (vector file, CRS kept); errors name the file."""
    path = Path(path)
    if path.suffix.lower() in GEO_SUFFIXES:
        if not path.exists():
            raise InputError("file not found", source=str(path))
        import geopandas as gpd

        try:
            frame = gpd.read_file(path)
        except Exception as exc:  # pyogrio raises several types
            raise InputError(f"cannot read vector file: {' '.join(str(exc).split())}", source=str(path)) from exc
    else:
        frame = read_table(path)
    frame.attrs["source"] = str(path)
    return frame


def travel_source(matrix: Path | None, network: Path | None) -> object:
    """``--matrix FILE``, ``--network FILE`` or the England estimate."""
    if matrix is not None and network is not None:
        raise InputError("give --matrix or --network, not both", source="--matrix")
    from siting.travel_times import Estimate, Matrix, RoadNetwork

    if matrix is not None:
        return Matrix(matrix)
    if network is not None:
        return RoadNetwork(network)
    return Estimate()


def plan_ids(text: str | None) -> list[str] | None:
    """``--plan 12,15,20`` (site ids) for own data."""
    if text is None:
        return None
    ids = [t.strip() for t in text.split(",") if t.strip()]
    if not ids:
        raise InputError("expected site ids separated by commas", source="--plan")
    return ids


def solve_files(*, demand_path: Path, sites_path: Path, columns: Sequence[str], site_columns: Sequence[str],
                matrix: Path | None, network: Path | None, model: str, bases: object, minutes: float, solver: str,
                need: str, plan: str | None, keep: Sequence[str], close: Sequence[str], min_per_district: Any,
                max_per_district: Any, options: Any, facility: FacilityOptions | None = None,
                require_cover: bool = True, out_dir: Path | None) -> str:
    """Solve on the user's files through :func:`siting.solve`; write ``out_dir`` if given; the text to print."""
    import siting
    from siting.facade import MODELS
    from siting.problems import SiteRules

    if model not in MODELS:
        raise InputError(f"model {model} needs an embedded case or a scenario file; with --demand/--sites choose "
                         f"from {', '.join(MODELS)}", source="--model")
    if not isinstance(bases, int) and not (bases is None and model in ("lscp", "cflp")):
        raise InputError("expected a whole number", source="--bases")
    f = facility or FacilityOptions()
    demand = read(demand_path)
    sites = read(sites_path)
    rules = SiteRules(must_keep=tuple(keep), must_close=tuple(close), min_per_district=min_per_district or 0,
                      max_per_district=max_per_district)
    solution = siting.solve(
        demand, sites, model=model, bases=bases if isinstance(bases, int) else None, minutes=minutes,
        travel=travel_source(matrix, network), rules=rules, plan=plan_ids(plan),
        columns=parse_columns(columns, source="--column"),
        site_columns=parse_columns(site_columns, source="--site-column"), need=need, solver=solver,
        time_limit_s=options.time_limit_s, gap_rel=options.gap_rel, name=demand_path.stem,
        capacity=f.capacity, opening_cost_gbp=f.opening_cost_gbp, travel_gbp_per_minute=f.travel_gbp_per_minute,
        single_source=f.single_source, require_cover=require_cover, option_names="command line")
    from scenarios.solve import refuse_without_solution

    if solution.outcome is not None:
        refuse_without_solution(solution.outcome, source=f"siting solve --demand {demand_path} --model {model}")
    if out_dir is not None:
        solution.to_folder(out_dir)
    return solution.text
