"""What the plan explorer opens: a result folder, a sweep folder or an embedded case, with its case and times.

Shared by ``siting explore`` (writes the offline page) and ``siting serve`` (serves it). A result
records its case by name (``summary.json``: ``case``, ``need_weighting``); the explorer reloads that
embedded case to have every travel time, not only the kept bases'.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
from tqdm import tqdm

from maps.explorer_data import DEFAULT_CUTOFF_MINUTES, Optimum, compute_optima, explorer_data
from maps.results import read_result, read_sweep
from scenarios.boundaries import boundaries_for, read_boundaries
from scenarios.cases import CASES, load_case
from siting.domain import Case, TravelMatrix
from siting.errors import InputError


@dataclass
class ExplorerSource:
    """A case, its travel matrix, the plan to show first and the plans to offer."""

    case: Case
    matrix: TravelMatrix
    initial_bases: tuple[str, ...]
    minutes: float
    limits: tuple[float, ...]
    title: str
    need: str = "children"
    solutions: list[tuple[str, tuple[str, ...], float]] = field(default_factory=list)
    boundaries: gpd.GeoDataFrame | None = None


def _case_of(summary: dict[str, Any], source: str) -> tuple[Case, TravelMatrix, str]:
    name = str(summary.get("case", ""))
    need = str(summary.get("need_weighting") or "children")
    if name not in CASES:
        raise InputError(f"the result's case {name!r} is not an embedded case ({', '.join(sorted(CASES))}); the "
                         "explorer needs every travel time of the case", source=source, field="case")
    case, matrix = load_case(name, need=need)
    return case, matrix, need


def load_source(source: str, *, minutes: float | None = None, case_filter: str | None = None) -> ExplorerSource:
    """Read ``source``: a sweep folder, a result folder or an embedded case name (its plan in hand first)."""
    path = Path(source)
    if path.is_dir() and (path / "results.csv").is_file() and not (path / "summary.json").is_file():
        sweep = read_sweep(path, case=case_filter)
        sols = [s for _, s in sweep.solutions]
        case, matrix, need = _case_of(sols[0].summary, str(path / "jobs"))
        plan = case.plan_in_hand
        want = len(plan.site_ids) if plan else max(s.n_bases for s in sols)
        first = min(sols, key=lambda s: (abs(s.n_bases - want), -s.n_bases))
        offered = [(f"{s.model} {s.n_bases} bases, {s.minutes:g} min", tuple(s.bases["id"]), s.minutes) for s in sols]
        return ExplorerSource(case, matrix, tuple(first.bases["id"]), minutes or first.minutes,
                              tuple(sorted({s.minutes for s in sols})), _title(case, first.model), need, offered)
    if path.is_dir():
        sol = read_result(path)
        case, matrix, need = _case_of(sol.summary, str(path / "summary.json"))
        return ExplorerSource(case, matrix, tuple(sol.bases["id"]), minutes or sol.minutes, (sol.minutes,),
                              _title(case, sol.model), need)
    if source in CASES:
        case, matrix = load_case(source)
        plan = case.plan_in_hand
        m = 20.0 if minutes is None else minutes
        return ExplorerSource(case, matrix, plan.site_ids if plan else (), m, (m,), _title(case, ""))
    raise InputError(f"not a result folder, a sweep folder or an embedded case ({', '.join(sorted(CASES))})",
                     source=source)


def _title(case: Case, model: str) -> str:
    return f"{case.name.capitalize()}: plan explorer" + (f" ({model})" if model else "")


def boundaries_of(src: ExplorerSource, path: Path | None, id_column: str) -> gpd.GeoDataFrame | None:
    if path is not None:
        return read_boundaries(path, id_column=id_column)
    return boundaries_for(src.case.demand.ids, case=src.case.name)


def optima_for(src: ExplorerSource, *, limits: tuple[float, ...], max_bases: int) -> list[Optimum]:
    """Exact MCLP optima for 1..``max_bases`` bases at each limit, with a progress bar."""
    buildable = int(src.case.sites.can_be_base.sum())
    counts = range(1, min(max_bases, buildable) + 1)
    total = len(limits) * len(counts)
    if total == 0:
        return []
    with tqdm(total=total, desc="explorer: optima per number of bases", unit="solve", file=sys.stderr,
              leave=False) as bar:
        return compute_optima(src.case, src.matrix, limits=limits, counts=counts,
                              progress=lambda done, _: bar.update(done - bar.n))


def page_data(src: ExplorerSource, *, optima: list[Optimum], limits: tuple[float, ...],
              cutoff_minutes: float = DEFAULT_CUTOFF_MINUTES, title: str | None = None) -> dict[str, Any]:
    return explorer_data(src.case, src.matrix, initial_bases=src.initial_bases, minutes=src.minutes,
                         limits=limits, optima=optima, cutoff_minutes=cutoff_minutes, title=title or src.title,
                         solutions=src.solutions)
