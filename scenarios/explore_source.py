"""What the plan explorer opens: a scenario file, a result folder, a sweep folder or an embedded case.

Shared by ``siting explore`` (writes the offline page) and ``siting serve`` (serves it). The
explorer needs every travel time of the case, not only the kept bases', so the case is rebuilt:

* a **scenario file** (``.yaml``/``.toml``) is solved as ``siting run`` solves it
  (:func:`scenarios.scenario_run.solve_scenario`, nothing written); the page opens on its solution;
* a **result or sweep folder** written from a scenario holds ``scenario.resolved.yaml``: the case
  is rebuilt from it (its data checksums checked first, as ``siting run`` does), so user data,
  own sites and England authorities work; a folder written by ``siting solve CASE`` records an
  embedded case by name (``summary.json``: ``case``, ``need_weighting``) and reloads that;
* an **embedded case** name opens on its plan in hand.

A scenario's site rules come along: sites its rules rule out cannot be kept in the page, and the
optima and the server's re-optimisation obey every rule (per-district minimums included).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import geopandas as gpd
import numpy as np
from tqdm import tqdm

from maps.explorer_data import DEFAULT_CUTOFF_MINUTES, Optimum, compute_optima, explorer_data
from maps.results import read_result, read_sweep
from scenarios.boundaries import boundaries_for, read_boundaries
from scenarios.cases import CASES, load_case
from siting.domain import Case, Plan, TravelMatrix
from siting.errors import InputError
from siting.problems import SiteRules, allowed_sites

#: Files read as scenario files (anything else that is a file is refused with the list).
SCENARIO_SUFFIXES = (".yaml", ".yml", ".toml")
RESOLVED_NAME = "scenario.resolved.yaml"


@dataclass
class ExplorerSource:
    """A case, its travel matrix, the plan to show first, the plans to offer and the scenario's rules."""

    case: Case
    matrix: TravelMatrix
    initial_bases: tuple[str, ...]
    minutes: float
    limits: tuple[float, ...]
    title: str
    need: str = "children"
    solutions: list[tuple[str, tuple[str, ...], float]] = field(default_factory=list)
    boundaries: gpd.GeoDataFrame | None = None
    rules: SiteRules = field(default_factory=SiteRules)
    plan: Plan | None = None
    """The plan in hand the page offers (the scenario's ``plan:``; default: the case's first)."""

    def __post_init__(self) -> None:
        if self.plan is None:
            self.plan = self.case.plan_in_hand

    def can_be_base(self) -> list[bool]:
        """Sites the page lets the user keep: able to be a base and not ruled out by the scenario's rules."""
        return [bool(x) for x in allowed_sites(self.case, self.rules)]

    def ruled_out(self) -> dict[str, str]:
        """Site id -> why it cannot be kept (a rule set's reason, or the user's ``must_close``)."""
        out = {s: f"ruled out: {why}" for s, why in self.rules.excluded.items()}
        out.update({s: "closed by the scenario (must_close)" for s in self.rules.must_close})
        return out


def rules_text(rules: SiteRules) -> str:
    """The scenario's site rules in one sentence ('' without any rule), for the page."""
    parts = []
    if rules.name != "none":
        parts.append(rules.description or f"the {rules.name} rule set")
    elif rules.min_per_district or rules.max_per_district is not None:
        parts.append("per-district limits on the number of bases")
    if rules.extra_groups:
        parts.append("group limits (" + ", ".join(g[0] for g in rules.extra_groups) + ")")
    if rules.must_keep:
        parts.append("always kept: " + ", ".join(rules.must_keep))
    if rules.must_close:
        parts.append("always closed: " + ", ".join(rules.must_close))
    return "; ".join(parts)


def _embedded(summary: dict[str, Any], source: str) -> tuple[Case, TravelMatrix, str]:
    name = str(summary.get("case", ""))
    need = str(summary.get("need_weighting") or "children")
    if name not in CASES:
        raise InputError(f"the result's case {name!r} is not an embedded case ({', '.join(sorted(CASES))}) and the "
                         f"folder has no {RESOLVED_NAME} to rebuild it from; the explorer needs every travel time "
                         "of the case", source=source, field="case")
    case, matrix = load_case(name, need=need)
    return case, matrix, need


def _prepared(path: Path, *, label: str | None, allow_changed_data: bool) -> Any:
    """The case of the scenario at ``path`` (for England over several authorities: the one coded ``label``)."""
    from scenarios import provenance
    from scenarios.scenario_file import load_scenario
    from scenarios.scenario_inputs import authorities_of, prepare

    scenario = load_scenario(path)
    auths = authorities_of(scenario)
    authority = None
    if auths is not None and len(auths) > 1:
        match = [a for a in auths if label in (a.code, a.name)]
        if not match:
            raise InputError(f"the scenario covers {len(auths)} authorities; choose one with --case (a code such "
                             f"as {auths[0].code})", source=str(path))
        authority = match[0]
    notes = provenance.enforce(provenance.check_files(scenario), allow_changed=allow_changed_data)
    prepared = prepare(scenario, authority=authority)
    notes += provenance.enforce(provenance.check_matrices(scenario, [prepared]), allow_changed=allow_changed_data)
    for note in [*notes, *prepared.notes]:
        click.echo(note if note.startswith("warning") else f"warning: {note}", err=True)
    return prepared


def _case_of(folder: Path, summary: dict[str, Any], source: str, *, label: str | None,
             allow_changed_data: bool) -> tuple[Case, TravelMatrix, str, SiteRules, Plan | None]:
    """The case a result or sweep folder was solved on: from its resolved scenario, else the embedded case."""
    resolved = folder / RESOLVED_NAME
    if resolved.is_file():
        prep = _prepared(resolved, label=label or str(summary.get("case", "")) or None,
                         allow_changed_data=allow_changed_data)
        return prep.case, prep.matrix, prep.request.need, prep.request.rules, _plan(prep.case, prep.request.plan)
    case, matrix, need = _embedded(summary, source)
    return case, matrix, need, SiteRules(), None


def _plan(case: Case, name: str | None) -> Plan | None:
    return case.plans.get(name) if name else case.plan_in_hand


def _known(case: Case, bases: Any, source: str) -> tuple[str, ...]:
    ids = tuple(str(b) for b in bases)
    unknown = sorted(set(ids) - set(case.sites.ids))
    if unknown:
        raise InputError(f"base {unknown[0]!r} is not a site of the case the folder was solved on", source=source,
                         field="id")
    return ids


def load_source(source: str, *, minutes: float | None = None, case_filter: str | None = None,
                allow_changed_data: bool = False) -> ExplorerSource:
    """Read ``source``: a scenario file, a sweep folder, a result folder or an embedded case name."""
    path = Path(source)
    if path.is_file():
        return _from_scenario(path, minutes=minutes, allow_changed_data=allow_changed_data)
    if path.is_dir() and (path / "results.csv").is_file() and not (path / "summary.json").is_file():
        sweep = read_sweep(path, case=case_filter)
        sols = [s for _, s in sweep.solutions]
        case, matrix, need, rules, plan = _case_of(path, sols[0].summary, str(path / "jobs"), label=case_filter,
                                                   allow_changed_data=allow_changed_data)
        want = len(plan.site_ids) if plan else max(s.n_bases for s in sols)
        first = min(sols, key=lambda s: (abs(s.n_bases - want), -s.n_bases))
        offered = [(f"{s.model} {s.n_bases} bases, {s.minutes:g} min",
                    _known(case, s.bases["id"], str(s.folder / "bases.csv")), s.minutes) for s in sols]
        return ExplorerSource(case, matrix, _known(case, first.bases["id"], str(first.folder / "bases.csv")),
                              minutes or first.minutes, tuple(sorted({s.minutes for s in sols})),
                              _title(case, first.model), need, offered, rules=rules, plan=plan)
    if path.is_dir():
        sol = read_result(path)
        case, matrix, need, rules, plan = _case_of(path, sol.summary, str(path / "summary.json"), label=case_filter,
                                                   allow_changed_data=allow_changed_data)
        return ExplorerSource(case, matrix, _known(case, sol.bases["id"], str(path / "bases.csv")),
                              minutes or sol.minutes, (sol.minutes,), _title(case, sol.model), need, rules=rules,
                              plan=plan)
    if source in CASES:
        case, matrix = load_case(source)
        plan = case.plan_in_hand
        m = 20.0 if minutes is None else minutes
        return ExplorerSource(case, matrix, plan.site_ids if plan else (), m, (m,), _title(case, ""))
    raise InputError(f"not a scenario file, a result folder, a sweep folder or an embedded case "
                     f"({', '.join(sorted(CASES))})", source=source)


def _from_scenario(path: Path, *, minutes: float | None, allow_changed_data: bool) -> ExplorerSource:
    """Solve the scenario file at ``path`` (as ``siting run``, nothing written) and open on its solution."""
    if path.suffix.lower() not in SCENARIO_SUFFIXES:
        raise InputError(f"a file to explore is a scenario file ({', '.join(SCENARIO_SUFFIXES)}); for a result "
                         "give its folder", source=str(path))
    from scenarios.scenario_run import solve_scenario
    from scenarios.solve import refuse_without_solution

    result = solve_scenario(path, allow_changed_data=allow_changed_data, command="siting explore")
    refuse_without_solution(result.outcome, source=str(path))
    prep = result.prepared
    summary = result.outcome.summary
    listed = summary.get("bases")
    bases = tuple(str(b) for b in listed) if isinstance(listed, list) else ()
    solved = float(prep.request.minutes)
    label = f"{summary.get('model')} {len(bases)} bases, {solved:g} min ({summary.get('status')})"
    return ExplorerSource(prep.case, prep.matrix, bases, minutes or solved, (solved,), _title(prep.case, label),
                          prep.request.need, [(label, bases, solved)], rules=prep.request.rules,
                          plan=_plan(prep.case, prep.request.plan))


def fingerprint(src: ExplorerSource) -> str:
    """A digest of what the optima of ``src`` depend on: areas and need, sites, travel times and rules.

    ``siting serve`` keeps optima in its folder; a folder is used again only for the same fingerprint.
    """
    import hashlib

    d = src.case.demand.frame
    h = hashlib.sha256()
    h.update("\x1f".join(d["id"].astype(str)).encode())
    h.update(d["weight"].to_numpy(dtype=np.float64).tobytes())
    h.update("\x1f".join(src.case.sites.ids).encode())
    h.update(np.asarray(src.matrix.minutes, dtype=np.float32).tobytes())
    h.update(repr(src.rules).encode())
    return h.hexdigest()


def _title(case: Case, model: str) -> str:
    return f"{case.name.capitalize()}: plan explorer" + (f" ({model})" if model else "")


def boundaries_of(src: ExplorerSource, path: Path | None, id_column: str) -> gpd.GeoDataFrame | None:
    if path is not None:
        return read_boundaries(path, id_column=id_column)
    return boundaries_for(src.case.demand.ids, case=src.case.name)


def optima_for(src: ExplorerSource, *, limits: tuple[float, ...], max_bases: int) -> list[Optimum]:
    """Exact MCLP optima for 1..``max_bases`` bases at each limit under the source's rules, with a progress bar."""
    allowed = int(np.count_nonzero(allowed_sites(src.case, src.rules)))
    counts = range(1, min(max_bases, allowed) + 1)
    total = len(limits) * len(counts)
    if total == 0:
        return []
    with tqdm(total=total, desc="explorer: optima per number of bases", unit="solve", file=sys.stderr,
              leave=False) as bar:
        return compute_optima(src.case, src.matrix, limits=limits, counts=counts, rules=src.rules,
                              progress=lambda done, _: bar.update(done - bar.n))


def page_data(src: ExplorerSource, *, optima: list[Optimum], limits: tuple[float, ...],
              cutoff_minutes: float = DEFAULT_CUTOFF_MINUTES, title: str | None = None) -> dict[str, Any]:
    return explorer_data(src.case, src.matrix, initial_bases=src.initial_bases, minutes=src.minutes,
                         limits=limits, optima=optima, cutoff_minutes=cutoff_minutes, title=title or src.title,
                         solutions=src.solutions, plan=src.plan, can_be_base=src.can_be_base(),
                         ruled_out=src.ruled_out(), rules=rules_text(src.rules))
