"""Reading result folders and sweep folders for maps and reports.

A *result folder* is what ``siting solve --out DIR`` writes (``scenarios.solve.write_outcome``):
``summary.json``, ``areas.csv`` (one row per demand area: ``id, name, district, children_0_4,
need_children, base_id, minutes_to_base, covered``), ``bases.csv`` (one row per kept base: ``id, name,
district, need_children_within_reach, need_lost_if_closed_alone_others_fixed, areas_nearest, lon, lat``, the
re-optimised closure values of :mod:`scenarios.closure_run` and, from the outreach model,
``staff_hours``/``contact_hours``) and ``solution.gpkg`` (layers ``sites``: every candidate
with ``kept``; ``areas``: area points). The CSVs are the ones people open and may edit, so they are what is
read; their people's column names (:data:`siting.tables.PEOPLE_NAMES`) become the engine's names here
(``weight``, ``base_minutes``, ``need_within_reach``, ...), and folders written before the renaming still read.

A *sweep folder* holds ``results.csv`` (one row per job: ``job_id, model, bases, minutes, status,
objective, bound, gap, need_covered_share, worst_minutes, worst_rural_minutes, frontline_share,
contact_hours, solve_seconds``) and ``jobs/<job_id>/``, each a result folder.

Bad or missing files raise :class:`~siting.errors.InputError` naming the file, line and field.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError
from siting.tables import ENGINE_NAMES, PEOPLE_NAMES
from siting.validation import line_of, numeric, require_columns, unique_ids

AREA_COLUMNS = ("id", "base_id", "minutes_to_base", "covered", "need_children")
BASE_COLUMNS = ("id",)
SWEEP_COLUMNS = ("job_id", "model", "bases", "minutes", "status")
#: Statuses that carry a solution (a time-limited job may or may not have one: its folder decides).
SOLUTION_STATUSES = ("optimal", "within_gap", "feasible", "time_limit")
_TEXT = {"id": str, "base_id": str, "name": str, "district": str, "job_id": str, "model": str, "status": str}


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError("file not found", source=str(path))
    try:
        return pd.read_csv(path, dtype=_TEXT, keep_default_na=True)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read table: {' '.join(str(exc).split())}", source=str(path)) from exc


def _bool(frame: pd.DataFrame, column: str, source: str) -> np.ndarray:
    raw = frame[column]
    text = raw.astype(str).str.strip().str.lower()
    truth = text.isin(("true", "1", "yes", "1.0"))
    ok = truth | text.isin(("false", "0", "no", "0.0"))
    if not ok.all():
        k = int(np.flatnonzero(~ok.to_numpy())[0])
        raise InputError(f"expected true or false, got {raw.iloc[k]!r}", source=source, row=line_of(frame, k),
                         field=column)
    return truth.to_numpy(dtype=bool)


@dataclass(frozen=True)
class Solution:
    """One solved scenario as read from a result folder.

    Attributes:
        folder: where it was read from.
        summary: ``summary.json``.
        areas: one row per demand area (``id, name, district, children_0_4, weight, base_id,
            base_minutes, covered``); ``base_minutes`` is ``inf`` where no base is reachable.
        bases: one row per kept base (``id, name, district, lon, lat`` and the per-base figures).
        sites: every candidate site (``id, name, district, kind, lon, lat, kept``); only the kept
            bases when the folder has no ``solution.gpkg``.
        area_points: area points (``id, lon, lat``) when known, for areas without boundaries.
    """

    folder: Path
    summary: dict[str, Any]
    areas: pd.DataFrame
    bases: pd.DataFrame
    sites: pd.DataFrame
    area_points: pd.DataFrame | None = None

    @property
    def minutes(self) -> float:
        """The travel-time limit of this solution."""
        return float(self.summary.get("minutes", math.nan))

    @property
    def model(self) -> str:
        return str(self.summary.get("model", ""))

    @property
    def case(self) -> str:
        return str(self.summary.get("case", ""))

    @property
    def plan_in_hand(self) -> dict[str, Any] | None:
        plan = self.summary.get("plan_in_hand")
        return plan if isinstance(plan, dict) else None

    @property
    def n_bases(self) -> int:
        return len(self.bases)


def coverage_by(sol: Solution, key: str) -> pd.DataFrame:
    """Need covered within reach, grouped by ``key`` (``district`` or ``area_class``), from ``areas.csv``.

    Computed from the areas, so every model (coverage, p-median, outreach) is measured the same
    way. Columns: ``key, weight, covered_weight, share`` and, by district, ``bases`` (kept bases there).
    """
    a = sol.areas
    if key == "area_class":
        if "area_class" in a:  # written since area classes may be unknown
            a = a.assign(area_class=a["area_class"].fillna("unknown").astype(str))
        elif "rural" not in a:
            return pd.DataFrame(columns=[key, "weight", "covered_weight", "share"])
        else:
            a = a.assign(area_class=np.where(a["rural"], "rural", "urban"))
    g = (a.assign(covered_weight=np.where(a["covered"], a["weight"], 0.0))
         .groupby(key, as_index=False, sort=True)[["weight", "covered_weight"]].sum())
    g["share"] = g["covered_weight"] / g["weight"].where(g["weight"] > 0)
    if key == "district":
        counts = sol.bases["district"].value_counts() if "district" in sol.bases else pd.Series(dtype=int)
        g["bases"] = g["district"].map(counts).fillna(0).astype(int)
    return g


def read_summary(path: Path) -> dict[str, Any]:
    """``summary.json`` as a dict (errors name the file)."""
    if not path.is_file():
        raise InputError("file not found", source=str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read JSON: {' '.join(str(exc).split())}", source=str(path)) from exc
    if not isinstance(data, dict):
        raise InputError("expected a JSON object", source=str(path))
    minutes = data.get("minutes")
    if not isinstance(minutes, int | float) or not minutes > 0:
        raise InputError(f"expected a positive number of minutes, got {minutes!r}", source=str(path),
                         field="minutes")
    return data


def _people_names(frame: pd.DataFrame) -> pd.DataFrame:
    """A table of a folder written before the people's names: rename its engine names (``weight``, ...)."""
    old = {e: p for e, p in PEOPLE_NAMES.items() if e in frame.columns and p not in frame.columns}
    return frame.rename(columns=old)


def _areas(path: Path) -> pd.DataFrame:
    a = _people_names(_read_csv(path))
    src = str(path)
    require_columns(a, AREA_COLUMNS, src)
    ids = unique_ids(a, "id", src)
    out = pd.DataFrame({"id": ids})
    out["name"] = a["name"].fillna("").astype(str) if "name" in a else ids
    out["district"] = a["district"].fillna("").astype(str) if "district" in a else ""
    out["weight"] = numeric(a, "need_children", src, min_value=0, what="need weight")
    out["children_0_4"] = (numeric(a, "children_0_4", src, min_value=0, allow_nan=True, what="number of children")
                           if "children_0_4" in a else np.nan)
    minutes = pd.to_numeric(a["minutes_to_base"], errors="coerce").to_numpy(dtype=np.float64)
    text = a["minutes_to_base"].astype(str).str.strip().str.lower()
    bad = np.isnan(minutes) & a["minutes_to_base"].notna().to_numpy() & ~text.isin(("inf", "nan")).to_numpy()
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(f"not a number: {a['minutes_to_base'].iloc[k]!r}", source=src, row=line_of(a, k),
                         field="minutes_to_base")
    out["base_minutes"] = np.where(np.isnan(minutes), np.inf, minutes)
    base = a["base_id"].astype(object).where(a["base_id"].notna(), None)
    out["base_id"] = [None if b is None or str(b).strip() == "" else str(b) for b in base]
    out["covered"] = _bool(a, "covered", src)
    if "rural" in a:
        out["rural"] = _bool(a.assign(rural=a["rural"].fillna("false")), "rural", src)
    if "area_class" in a:
        out["area_class"] = a["area_class"].fillna("unknown").astype(str)
    if "ruc" in a:  # equity groups (siting.equity): a missing class stays unknown
        out["ruc"] = a["ruc"].fillna("unknown").astype(str)
    if "idaci_quintile" in a:
        out["idaci_quintile"] = pd.to_numeric(a["idaci_quintile"], errors="coerce")
    return out


def _bases(path: Path) -> pd.DataFrame:
    b = _read_csv(path)
    src = str(path)
    require_columns(b, BASE_COLUMNS, src)
    b = b.rename(columns=ENGINE_NAMES)
    b["id"] = unique_ids(b, "id", src)
    for col in ("name", "district"):
        b[col] = b[col].fillna("").astype(str) if col in b else (b["id"] if col == "name" else "")
    for col in ("lon", "lat"):
        if col in b:
            b[col] = numeric(b, col, src, min_value=-180 if col == "lon" else -90,
                             max_value=180 if col == "lon" else 90, what="coordinate")
    return b


def _gpkg(path: Path) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    if not path.is_file():
        return None, None
    import geopandas as gpd
    import pyogrio

    try:
        layers = {str(name) for name, _ in pyogrio.list_layers(path)}
        sites = gpd.read_file(path, layer="sites") if "sites" in layers else None
        points = gpd.read_file(path, layer="areas") if "areas" in layers else None
    except Exception as exc:  # pyogrio raises several types
        raise InputError(f"cannot read GeoPackage: {' '.join(str(exc).split())}", source=str(path)) from exc
    s = p = None
    if sites is not None and len(sites):
        sites = sites.to_crs("EPSG:4326") if sites.crs is not None else sites
        s = pd.DataFrame({
            "id": sites["id"].astype(str), "name": sites.get("name", sites["id"]).fillna("").astype(str),
            "district": sites.get("district", pd.Series("", index=sites.index)).fillna("").astype(str),
            "kind": sites.get("kind", pd.Series("", index=sites.index)).fillna("").astype(str),
            "lon": sites.geometry.x.to_numpy(), "lat": sites.geometry.y.to_numpy(),
        })
    if points is not None and len(points):
        points = points.to_crs("EPSG:4326") if points.crs is not None else points
        p = pd.DataFrame({"id": points["id"].astype(str), "lon": points.geometry.x.to_numpy(),
                          "lat": points.geometry.y.to_numpy()})
    return s, p


def read_result(folder: Path) -> Solution:
    """Read a result folder (see the module docstring)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("not a result folder (expected summary.json, areas.csv, bases.csv)", source=str(folder))
    summary = read_summary(folder / "summary.json")
    areas = _areas(folder / "areas.csv")
    bases = _bases(folder / "bases.csv")
    sites, points = _gpkg(folder / "solution.gpkg")
    if sites is None:
        sites = bases[[c for c in ("id", "name", "district", "kind", "lon", "lat") if c in bases]].copy()
    sites = sites.copy()
    sites["kept"] = sites["id"].isin(set(bases["id"]))
    if not {"lon", "lat"} <= set(bases.columns):
        pos = sites.set_index("id")
        missing = [b for b in bases["id"] if b not in pos.index]
        if missing:
            raise InputError(f"base {missing[0]!r} has no coordinates (no lon/lat columns, not in solution.gpkg)",
                             source=str(folder / "bases.csv"), field="lon")
        bases = bases.assign(lon=pos.loc[bases["id"], "lon"].to_numpy(), lat=pos.loc[bases["id"], "lat"].to_numpy())
    unknown = sorted(set(areas["base_id"].dropna()) - set(bases["id"]))
    if unknown:
        k = int(np.flatnonzero(areas["base_id"].isin(unknown).to_numpy())[0])
        raise InputError(f"serving base {unknown[0]!r} is not in bases.csv", source=str(folder / "areas.csv"),
                         row=k + 2, field="base_id")
    return Solution(folder, summary, areas, bases, sites, points)


@dataclass(frozen=True)
class Sweep:
    """A sweep folder: ``results`` (``results.csv``) and the solutions of the jobs that have one.

    Attributes:
        folder: where it was read from.
        results: ``results.csv`` with numeric columns as floats (NaN where empty).
        solutions: ``(job_id, solution)`` for each job with a readable result folder, ordered by
            model, minutes and number of bases.
    """

    folder: Path
    results: pd.DataFrame
    solutions: list[tuple[str, Solution]] = field(default_factory=list)


NUMERIC_SWEEP = ("bases", "minutes", "objective", "bound", "gap", "need_covered_share", "worst_minutes",
                 "worst_rural_minutes", "frontline_share", "contact_hours", "solve_seconds", "n_bases_kept",
                 "plan_bases", "plan_frontline_share")


def read_sweep(folder: Path, *, case: str | None = None) -> Sweep:
    """Read a sweep folder (see the module docstring).

    A sweep over several cases (``case`` column, e.g. English authorities) is read for one case:
    ``case`` names it (required when there are several).
    """
    folder = Path(folder)
    path = folder / "results.csv"
    if not folder.is_dir():
        raise InputError("not a sweep folder (expected results.csv and jobs/)", source=str(folder))
    r = _read_csv(path)
    src = str(path)
    require_columns(r, SWEEP_COLUMNS, src)
    r = r.copy()
    r["job_id"] = unique_ids(r, "job_id", src)
    for col in NUMERIC_SWEEP:
        if col in r:
            r[col] = numeric(r, col, src, allow_nan=True)
        else:
            r[col] = np.nan
    # LSCP jobs have no requested number of bases: use the number kept.
    r["bases"] = r["bases"].where(r["bases"].notna(), r["n_bases_kept"])
    r["status"] = r["status"].fillna("").astype(str)
    r["model"] = r["model"].fillna("").astype(str)
    if "case" in r:
        cases = sorted(r["case"].dropna().astype(str).unique())
        if case is not None:
            if case not in cases:
                raise InputError(f"no case {case!r} in the sweep; cases: {', '.join(cases)}", source="--case")
            r = r[r["case"].astype(str) == case]
        elif len(cases) > 1:
            raise InputError(f"the sweep covers {len(cases)} cases; choose one with --case "
                             f"({', '.join(cases[:8])}{', ...' if len(cases) > 8 else ''})", source=src, field="case")
    elif case is not None:
        raise InputError("the sweep has one case (no 'case' column); leave out --case", source="--case")
    found: list[tuple[tuple[str, float, float], str, Solution]] = []
    for k, row in r.iterrows():
        job = str(row["job_id"])
        jdir = folder / "jobs" / job
        if row["status"] not in SOLUTION_STATUSES or not (jdir / "areas.csv").is_file():
            if row["status"] in ("optimal", "within_gap", "feasible") and not jdir.is_dir():
                raise InputError(f"job {job!r} has status {row['status']} but no folder jobs/{job}/",
                                 source=src, row=line_of(r, int(k)), field="job_id")  # type: ignore[call-overload]
            continue
        sol = read_result(jdir)
        found.append(((row["model"] or sol.model, sol.minutes, float(sol.n_bases)), job, sol))
    found.sort(key=lambda t: t[0])
    if not found:
        raise InputError("no job of the sweep has a solution to show", source=src)
    return Sweep(folder, r, [(job, sol) for _, job, sol in found])
