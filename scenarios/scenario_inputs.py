"""From a validated scenario to what a solve needs: the case, the travel matrix and the request.

Every check that needs the data (an unknown site id in ``must_keep``, an unknown postcode, a plan
naming a site that does not exist) raises an :class:`~siting.errors.InputError` naming the
scenario file and the line of the offending key; errors inside a data file name that file's line.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from scenarios import england, norfolk
from scenarios.scenario_file import PlanSpec, Scenario
from scenarios.solve import SolveRequest, capacity_missing
from siting import frames, validation
from siting import io as siting_io
from siting.domain import Case, Plan, Sites, TravelMatrix
from siting.errors import InputError
from siting.facility import FacilityOptions, check_options
from siting.need import weighted
from siting.problems import ALL_DISTRICTS, SiteRules
from solvers import SolveOptions
from solvers.models import MODEL_NAMES, CountRule, choosing_count, definition


def known_models() -> tuple[str, ...]:
    """Model names a scenario may use (every model's definition, :mod:`solvers.models`)."""
    return MODEL_NAMES


@dataclass(frozen=True)
class Prepared:
    """One case ready to solve.

    Attributes:
        label: a short identifier (``norfolk``, an authority code such as ``E10000020``).
        title: a readable name (``Norfolk``).
        case: demand, sites, plans and budgets.
        matrix: travel minutes, demand x sites.
        request: the solve request the scenario states.
        data_files: the files the case and matrix were built from (for checksums).
    """

    label: str
    title: str
    case: Case
    matrix: TravelMatrix
    request: SolveRequest
    data_files: tuple[Path, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())
    """Warnings about the inputs (pairs missing from a matrix file, a site far from every area), one line each."""


def authorities_of(scenario: Scenario) -> list[england.Authority] | None:
    """The English authorities a scenario covers (``None`` unless its demand is ``england``)."""
    eng = scenario.spec.demand.england
    if eng is None:
        return None
    names = [eng.authority] if isinstance(eng.authority, str) else list(eng.authority)
    if len(names) == 1 and names[0].strip().lower() == "all":
        return list(england.authorities())
    out = []
    for k, name in enumerate(names):
        key = ("demand", "england", "authority") + ((k,) if isinstance(eng.authority, list) else ())
        try:
            out.append(england.find_authority(name))
        except InputError as exc:
            raise scenario.error(key, exc.detail) from None
    return out


def prepare_all(scenario: Scenario, *, cache_dir: Path | None = None,
                skipped: list[str] | None = None) -> list[Prepared]:
    """One :class:`Prepared` per case the scenario covers (one, or one per English authority).

    With several authorities, those without candidate sites are left out and named in ``skipped``.
    """
    auths = authorities_of(scenario)
    if auths is None:
        return [prepare(scenario, cache_dir=cache_dir)]
    out = []
    for a in auths:
        if len(auths) > 1 and england.library_count(a) == 0:
            (skipped if skipped is not None else []).append(f"{a.name} ({a.code}): no libraries, left out")
            continue
        out.append(prepare(scenario, authority=a, cache_dir=cache_dir))
    return out


def prepare(scenario: Scenario, *, authority: england.Authority | None = None,
            cache_dir: Path | None = None) -> Prepared:
    """The case, matrix and request of ``scenario`` (for ``england`` demand: of ``authority``)."""
    files: list[Path] = []
    notes: list[str] = []
    case, label, title = _demand(scenario, authority, files)
    case = _sites(scenario, case, files, notes)
    case, plan_name = _plan(scenario, case, files)
    rules = _rules(scenario, case, lenient=authority is not None and _multi(scenario))
    request = _request(scenario, rules, plan_name, case)
    matrix = _matrix(scenario, case, files, cache_dir=cache_dir, notes=notes)
    return Prepared(label, title, case, matrix, request, tuple(dict.fromkeys(files)), tuple(notes))


def _multi(scenario: Scenario) -> bool:
    eng = scenario.spec.demand.england
    return eng is not None and (isinstance(eng.authority, list) or eng.authority.strip().lower() == "all")


def _demand(scenario: Scenario, authority: england.Authority | None,
            files: list[Path]) -> tuple[Case, str, str]:
    d = scenario.spec.demand
    need = scenario.spec.need
    if d.case is not None:
        if d.case != norfolk.NAME:
            raise scenario.error(("demand", "case"), f"unknown case {d.case!r}; embedded cases: {norfolk.NAME}")
        files += [norfolk.data_dir() / n for n in ("lsoa11_demand.csv", "childrens_centres_2019.csv",
                                                   "budget_2019.csv")]
        return norfolk.load(need), norfolk.NAME, "Norfolk"
    if d.england is not None:
        if authority is None:
            auths = authorities_of(scenario) or []
            if len(auths) != 1:
                raise scenario.error(("demand", "england", "authority"),
                                     f"{len(auths)} authorities: one solve needs one (use 'siting sweep')")
            authority = auths[0]
        files += list(england.data_files())
        try:
            case = england.load(authority, need=need)
        except InputError as exc:
            raise scenario.error(("demand", "england", "authority"), exc.detail) from None
        return case, authority.code, authority.name
    assert d.file is not None
    path = scenario.resolve(d.file, ("demand", "file"))
    files.append(path)
    demand = siting_io.read_demand(path, columns=d.columns or None)
    demand = frames.placed_in(demand, frames.case_metric_crs(demand))  # BNG in Great Britain, else UTM
    return Case(scenario.name, weighted(demand, need), _placeholder_sites()), scenario.name, scenario.name


def _placeholder_sites() -> Sites:
    return Sites(pd.DataFrame(columns=["id"]), "")


#: A candidate site further than this from every demand area is probably misplaced (a typo in its coordinates).
FAR_SITE_KM = 200.0


def _far_sites(case: Case, sites: Sites, where: Callable[[int], str]) -> list[str]:
    """One warning per site further than :data:`FAR_SITE_KM` from every demand area (``where(k)``: its place)."""
    if len(case.demand) == 0 or len(sites) == 0:
        return []
    dist_m, _ = cKDTree(np.c_[case.demand.x_m, case.demand.y_m]).query(np.c_[sites.frame["x_m"], sites.frame["y_m"]])
    out = []
    for k in np.flatnonzero(np.asarray(dist_m) > FAR_SITE_KM * 1000):
        out.append(f"warning: {where(int(k))}: site {sites.ids[int(k)]!r} is {dist_m[k] / 1000:,.0f} km from the "
                   f"nearest demand area (over {FAR_SITE_KM:g} km: check its coordinates)")
    return out


def _sites(scenario: Scenario, case: Case, files: list[Path], notes: list[str]) -> Case:
    s = scenario.spec.sites
    if s.file is None and s.by_postcode is None:
        if len(case.sites) == 0:
            raise scenario.error(("sites",), "a demand file needs candidate sites: give 'file' or 'by_postcode'")
        return case
    metric = frames.case_metric_crs(case.demand)  # the sites go where the demand areas are (the facade's rule)
    if s.file is not None:
        path = scenario.resolve(s.file, ("sites", "file"))
        files.append(path)
        frame = siting_io.read_frame(path)
        columns = dict(s.columns)
        pc_col = columns.pop("postcode", "postcode" if "postcode" in frame.columns else None)
        has_xy = any(c in frame.columns for c in (columns.get("lon", "lon"), columns.get("x_m", "x_m")))
        if pc_col is not None and not has_xy:
            if pc_col not in frame.columns:
                raise scenario.error(("sites", "columns", "postcode"), f"no column {pc_col!r} in {path}")
            lookup = _lookup_path(scenario, files)
            x, y = _postcode_xy(frame[pc_col].astype(str).tolist(), lookup,
                                lambda k, pc: InputError(f"unknown postcode {pc!r} (not in {lookup.name})",
                                                         source=str(path), row=k + 2, field=pc_col))
            frame = frame.assign(x_m=x, y_m=y)
            columns.pop("x_m", None)
            columns.pop("y_m", None)
        if columns.get("district", "district") not in frame.columns:
            frame = frame.assign(district=_nearest_district(case, frame, columns, metric))
            columns.pop("district", None)
        sites = frames.placed_in(validation.sites(frame, source=str(path), columns=columns or None), metric)
        notes += _far_sites(case, sites, lambda k: f"{path}, line {k + 2}")
    else:
        assert s.by_postcode is not None
        lookup = _lookup_path(scenario, files)
        codes = [p.postcode for p in s.by_postcode]
        x, y = _postcode_xy(codes, lookup, lambda k, pc: scenario.error(
            ("sites", "by_postcode", k, "postcode"), f"unknown postcode {pc!r} (not in {lookup.name})"))
        frame = pd.DataFrame({"id": [p.id for p in s.by_postcode],
                              "name": [p.name or p.id for p in s.by_postcode],
                              "kind": [p.kind for p in s.by_postcode], "x_m": x, "y_m": y})
        given = [p.district for p in s.by_postcode]
        nearest = _nearest_district(case, frame, {}, metric)
        frame["district"] = [g if g is not None else n for g, n in zip(given, nearest, strict=True)]
        for k, p in enumerate(s.by_postcode):
            if p.district is not None and p.district not in case.demand.districts:
                raise scenario.error(("sites", "by_postcode", k, "district"),
                                     f"unknown district {p.district!r} (known: {', '.join(case.demand.districts)})")
        try:
            sites = frames.placed_in(validation.sites(frame, source=str(scenario.path)), metric)
        except InputError as exc:
            k = (exc.row - 2) if exc.row is not None else 0
            raise scenario.error(("sites", "by_postcode", k), exc.detail) from None
        notes += _far_sites(case, sites,
                            lambda k: f"{scenario.path}, line {scenario.lines.line_of(('sites', 'by_postcode', k))}")
    ids = set(sites.ids)
    plans = {n: p for n, p in case.plans.items() if set(p.site_ids) <= ids}
    return dataclasses.replace(case, sites=sites, plans=plans)


def _lookup_path(scenario: Scenario, files: list[Path]) -> Path:
    s = scenario.spec.sites
    path = (scenario.resolve(s.postcode_lookup, ("sites", "postcode_lookup")) if s.postcode_lookup
            else norfolk.data_dir() / "postcodes_2014.csv.gz")
    files.append(path)
    return path


def _norm_postcode(text: str) -> str:
    return "".join(text.split()).upper()


@lru_cache(maxsize=4)
def _postcode_table(path: Path) -> dict[str, tuple[float, float]]:
    frame = validation.read_table(path)
    cols = {c.lower(): c for c in frame.columns}
    pc = next((cols[c] for c in ("postcode", "pcds", "pcd") if c in cols), None)
    if pc is None:
        raise InputError("postcode lookup needs a column 'postcode'", source=str(path), row=1, field="postcode")
    e = next((cols[c] for c in ("eastings", "easting", "x_m") if c in cols), None)
    n = next((cols[c] for c in ("northings", "northing", "y_m") if c in cols), None)
    if e is not None and n is not None:
        x = validation.numeric(frame, e, str(path), what="easting")
        y = validation.numeric(frame, n, str(path), what="northing")
    else:
        lo = next((cols[c] for c in ("lon", "longitude", "long") if c in cols), None)
        la = next((cols[c] for c in ("lat", "latitude") if c in cols), None)
        if lo is None or la is None:
            raise InputError("postcode lookup needs eastings/northings or lon/lat columns", source=str(path), row=1)
        from siting.geo import to_bng

        x, y = to_bng(validation.numeric(frame, lo, str(path), what="longitude"),
                      validation.numeric(frame, la, str(path), what="latitude"))
    keys = frame[pc].astype(str).map(_norm_postcode)
    return dict(zip(keys, zip(x.tolist(), y.tolist(), strict=True), strict=True))


def _postcode_xy(codes: list[str], lookup: Path,
                 error: Callable[[int, str], InputError]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    table = _postcode_table(lookup)
    xs, ys = [], []
    for k, code in enumerate(codes):
        hit = table.get(_norm_postcode(code))
        if hit is None:
            raise error(k, code)
        xs.append(hit[0])
        ys.append(hit[1])
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)


def _nearest_district(case: Case, frame: pd.DataFrame, columns: Mapping[str, str], metric: str) -> list[str]:
    """The district of the demand area nearest to each site (for sites given without one), in the case's
    metric CRS ``metric`` (easting/northing columns are British National Grid)."""
    xc, yc = columns.get("x_m", "x_m"), columns.get("y_m", "y_m")
    lc, tc = columns.get("lon", "lon"), columns.get("lat", "lat")
    has_lonlat = lc in frame.columns and tc in frame.columns
    if xc in frame.columns and yc in frame.columns and (metric == frames.BNG or not has_lonlat):
        x = pd.to_numeric(frame[xc], errors="coerce").to_numpy(dtype=float)
        y = pd.to_numeric(frame[yc], errors="coerce").to_numpy(dtype=float)
        if metric != frames.BNG:
            from siting.geo import to_wgs84

            x, y = frames.project(*to_wgs84(x, y), metric)
    else:
        lo = pd.to_numeric(frame[lc], errors="coerce").to_numpy(dtype=float)
        la = pd.to_numeric(frame[tc], errors="coerce").to_numpy(dtype=float)
        x, y = frames.project(lo, la, metric)
    ok = np.isfinite(x) & np.isfinite(y)
    out = ["unknown"] * len(frame)
    if ok.any():
        _, idx = cKDTree(np.c_[case.demand.x_m, case.demand.y_m]).query(np.c_[x[ok], y[ok]])
        dist = case.demand.frame["district"].to_numpy()
        for k, i in zip(np.flatnonzero(ok), np.atleast_1d(idx), strict=True):
            out[int(k)] = str(dist[int(i)])
    return out


def _plan(scenario: Scenario, case: Case, files: list[Path]) -> tuple[Case, str | None]:
    p = scenario.spec.plan
    if p is None:
        return case, None
    if isinstance(p, str):
        if p not in case.plans:
            known = ", ".join(case.plans) or "none"
            raise scenario.error(("plan",), f"unknown plan {p!r}; plans of this case: {known}")
        plans = {p: case.plans[p], **{n: v for n, v in case.plans.items() if n != p}}
        return dataclasses.replace(case, plans=plans), p
    ids = _plan_ids(scenario, case, p, files)
    plan = Plan(p.name, tuple(ids), p.description or f"plan {p.name}")
    plans = {p.name: plan, **{n: v for n, v in case.plans.items() if n != p.name}}
    return dataclasses.replace(case, plans=plans), p.name


def _plan_ids(scenario: Scenario, case: Case, p: PlanSpec, files: list[Path]) -> list[str]:
    known = set(case.sites.ids)
    if p.sites is not None:
        for k, sid in enumerate(p.sites):
            if sid not in known:
                raise scenario.error(("plan", "sites", k), f"unknown site id {sid!r}")
        if len(set(p.sites)) != len(p.sites):
            raise scenario.error(("plan", "sites"), "a site is listed twice")
        return list(p.sites)
    assert p.file is not None
    path = scenario.resolve(p.file, ("plan", "file"))
    files.append(path)
    frame = validation.read_table(path)
    col = next((c for c in ("site_id", "id", "centre_id") if c in frame.columns), None)
    if col is None:
        raise InputError("a plan file needs a column 'site_id' or 'id'", source=str(path), row=1, field="site_id")
    ids = validation.unique_ids(frame, col, str(path))
    for k, sid in enumerate(ids):
        if sid not in known:
            raise InputError(f"unknown site id {sid!r}", source=str(path), row=k + 2, field=col)
    return ids


def _rules(scenario: Scenario, case: Case, *, lenient: bool) -> SiteRules:
    """Site rules with every id and district checked (``lenient``: ids of other authorities are dropped)."""
    c = scenario.spec.constraints
    known = set(case.sites.ids)
    districts = set(case.sites.frame["district"])

    def ids(values: list[str], key: str) -> tuple[str, ...]:
        out = []
        for k, sid in enumerate(values):
            if sid in known:
                out.append(sid)
            elif not lenient:
                raise scenario.error(("constraints", key, k), f"unknown site id {sid!r}")
        return tuple(out)

    def per_district(value: int | dict[str, int] | None, key: str) -> int | dict[str, int] | None:
        if not isinstance(value, dict):
            return value
        for name, n in value.items():
            if name not in districts and name != ALL_DISTRICTS and not lenient:
                raise scenario.error(("constraints", key, name),
                                     f"unknown district {name!r} (known: {', '.join(sorted(districts))})")
            if n < 0:
                raise scenario.error(("constraints", key, name), f"must be at least 0, got {n}")
        return {k: v for k, v in value.items() if k in districts or k == ALL_DISTRICTS}

    keep, close = ids(c.must_keep, "must_keep"), ids(c.must_close, "must_close")
    both = sorted(set(keep) & set(close))
    if both:
        raise scenario.error(("constraints", "must_close"), f"site {both[0]!r} is also in must_keep")
    groups = []
    for k, g in enumerate(c.groups):
        members = []
        for i, sid in enumerate(g.sites):
            if sid not in known:
                raise scenario.error(("constraints", "groups", k, "sites", i), f"unknown site id {sid!r}")
            members.append(sid)
        groups.append((g.name, tuple(members), g.min, g.max))
    lo = per_district(c.min_per_district, "min_per_district")
    hi = per_district(c.max_per_district, "max_per_district")
    own_sites = scenario.spec.sites.file is None and scenario.spec.sites.by_postcode is None
    council_case = scenario.spec.demand.case == norfolk.NAME and own_sites
    name = c.rules or ("council" if council_case else "none")
    if name == "council" and not council_case:
        raise scenario.error(("constraints", "rules"),
                             "the council rule set belongs to the norfolk case with its own 53 centres")
    if c.allow_limited and name != "council":
        raise scenario.error(("constraints", "allow_limited"), "allow_limited goes with rules: council")
    try:
        rules = norfolk.rules(name, case, allow_limited=c.allow_limited, min_per_district=lo, max_per_district=hi,
                              must_keep=keep, must_close=close)
    except InputError as exc:
        raise scenario.error(("constraints", "must_keep"), exc.detail) from None
    ruled_out = [k for k, sid in enumerate(keep) if sid in rules.excluded]
    if ruled_out:
        sid = keep[ruled_out[0]]
        raise scenario.error(("constraints", "must_keep", ruled_out[0]),
                             f"site {sid!r} cannot be kept under the council rules: {rules.excluded[sid]} "
                             "(rules: none allows it)")
    return dataclasses.replace(rules, extra_groups=tuple(groups))


def _matrix(scenario: Scenario, case: Case, files: list[Path], *, cache_dir: Path | None,
            notes: list[str]) -> TravelMatrix:
    t = scenario.spec.travel
    if t.source == "estimate":
        from scenarios.estimate import estimate_matrix

        files += [norfolk.data_dir() / "routed_minutes_lsoa11_to_hospitals.csv", norfolk.data_dir() / "hospitals.csv",
                  norfolk.data_dir() / "lsoa11_demand.csv"]
        estimated = estimate_matrix(case.demand, case.sites, source=str(scenario.path))
        if estimated.estimator != "Norfolk straight-line estimator":
            notes.append(f"{estimated.note} (Norfolk's own calibration is used only inside Norfolk)")
        elif estimated.open_water_pairs:
            notes.append(estimated.note)
        return estimated.matrix
    assert t.file is not None
    path = scenario.resolve(t.file, ("travel", "file"))
    files.append(path)
    if t.source == "matrix":
        return validation.travel_matrix_file(path, case.demand.ids, case.sites.ids, notes=notes)
    if (metric := frames.case_metric_crs(case.demand)) != frames.BNG:
        raise scenario.error(("travel", "source"), f"road networks are projected to British National Grid, and this "
                                                   f"case lies outside Great Britain (metric CRS {metric}): give a "
                                                   "travel matrix instead")
    try:
        network = importlib.import_module("siting.network")
    except ModuleNotFoundError:
        raise scenario.error(("travel", "source"),
                             "road-network travel times are not available in this installation") from None
    result = network.network_travel_matrix(path, case.demand, case.sites, max_minutes=t.max_minutes,
                                           cache_dir=cache_dir, progress=True)
    matrix: TravelMatrix = result.matrix
    return matrix


def _check_params(scenario: Scenario, model: str, params: Mapping[str, object]) -> None:
    """``model.params``: unknown keys are errors (with a "did you mean"); the outreach model checks its values."""
    if not params:
        return
    if model != "outreach":
        key = next(iter(params))
        raise scenario.error(("model", "params", key), f"unknown parameter '{key}': model {model} takes no params "
                                                       "(only the outreach model has parameters)")
    from siting.outreach import OutreachParams

    known = sorted(OutreachParams.names())
    for key in params:
        if key not in known:
            hint = difflib.get_close_matches(str(key), known, n=1)
            raise scenario.error(("model", "params", key), f"unknown parameter '{key}'"
                                 + (f" (did you mean '{hint[0]}'?)" if hint else "") + f"; known: {', '.join(known)}")
    try:
        OutreachParams.from_mapping(params)
    except InputError as exc:
        where = ("model", "params") + ((exc.field,) if exc.field is not None and exc.field in params else ())
        raise scenario.error(where, exc.detail) from None


def _request(scenario: Scenario, rules: SiteRules, plan: str | None, case: Case) -> SolveRequest:
    spec = scenario.spec
    m = spec.model
    if m.name not in known_models():
        raise scenario.error(("model", "name"), f"unknown model {m.name!r}; choose from {', '.join(known_models())}")
    facility = FacilityOptions(capacity=m.capacity, opening_cost_gbp=m.opening_cost_gbp,
                               travel_gbp_per_minute=m.travel_gbp_per_minute, single_source=m.single_source)
    try:
        check_options(m.name, facility, require_cover=m.require_cover)  # the command line's and the library's check
        why = capacity_missing(m.name, case, facility)
    except InputError as exc:  # an option of another model, or a column and a uniform value both given
        key = "require_cover" if exc.source == "--backup-only" else str(exc.source).removeprefix("--").replace("-", "_")
        raise scenario.error(("model", key), exc.detail) from None
    if why:
        raise scenario.error(("model", "name"), why)
    _check_params(scenario, m.name, m.params)
    model = definition(m.name)
    if m.bases == "auto" and model.count is not CountRule.AT_MOST:
        raise scenario.error(("model", "bases"), f"bases: auto is for {choosing_count()}")
    if m.bases is None and model.p_required:
        raise scenario.error(("model", "bases"), f"model {m.name} needs a number of bases")
    if isinstance(m.bases, int) and m.bases < 1:
        raise scenario.error(("model", "bases"), f"the number of bases must be at least 1, got {m.bases}")
    from solvers.registry import names as solver_names

    if spec.solver.name != "auto" and spec.solver.name not in solver_names():
        raise scenario.error(("solver", "name"),
                             f"unknown solver {spec.solver.name!r}; choose from: auto, {', '.join(solver_names())}")
    s = spec.solver
    return SolveRequest(
        model=m.name, bases=None if model.count is CountRule.MINIMISED else m.bases,  # type: ignore[arg-type]
        minutes=m.minutes, solver=s.name, rules=rules, need=spec.need, plan=plan, params=dict(m.params),
        options=SolveOptions(time_limit_s=s.time_limit_s, gap_rel=s.gap, threads=s.threads, seed=s.seed),
        facility=facility, require_cover=m.require_cover,
    )
