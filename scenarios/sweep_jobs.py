"""The jobs of a sweep: the grid (case x model x minutes x bases), job ids, and running one job.

:func:`execute_job` is what a Dask worker (or the sweep itself, in-process) runs: it never raises
for a job's own failure; it returns a :class:`JobOutput` with the results row, the files of the
job's result folder (as bytes, written by :func:`scenarios.solve.write_outcome`, so that a worker
need not share a file system with the client) and the bases, which warm-start the next job.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import socket
import tempfile
import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenarios.compare import bases_of
from scenarios.dask_pool import WORKER_ENV
from scenarios.output import jsonable
from scenarios.scenario_inputs import Prepared
from scenarios.solve import run, write_outcome
from scenarios.warm_start import fit_start
from siting.errors import InputError
from siting.facility import facility_problem
from siting.problems import count_range
from solvers.models import CountRule, definition

#: The columns of ``results.csv``/``results.parquet``, in order (the maps engineer codes against these).
RESULT_COLUMNS: tuple[str, ...] = (
    "job_id", "case", "case_name", "model", "bases", "minutes", "need", "status", "objective", "bound", "gap",
    "need_covered_share", "worst_minutes", "worst_rural_minutes", "mean_minutes", "frontline_share",
    "contact_hours", "n_bases_kept", "bases_kept", "plan_name", "plan_bases", "plan_need_covered_share",
    "plan_frontline_share", "solver", "verified", "warm_start", "build_seconds", "solve_seconds", "wall_seconds",
    "job_seconds", "worker", "run", "error",
)
#: Whole-number columns (nullable integers in the tables).
INTEGER_COLUMNS = frozenset({"bases", "n_bases_kept", "plan_bases", "warm_start", "run"})
NUMERIC_COLUMNS = frozenset({
    "bases", "minutes", "objective", "bound", "gap", "need_covered_share", "worst_minutes", "worst_rural_minutes",
    "mean_minutes", "frontline_share", "contact_hours", "n_bases_kept", "plan_bases", "plan_need_covered_share",
    "plan_frontline_share", "warm_start", "build_seconds", "solve_seconds", "wall_seconds", "job_seconds", "run",
})


@dataclass(frozen=True)
class JobSpec:
    """One job: a case (``unit``), a model, a number of bases and a travel-time limit."""

    job_id: str
    unit: str
    model: str
    bases: int | None
    minutes: float


@dataclass
class JobOutput:
    """What a job produced: the results row, its folder's files, the bases kept, and whether it failed."""

    job_id: str
    row: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    bases: tuple[str, ...] = ()
    failed: bool = False


#: More bases than any service has sites (a range like 1:10**9 would exhaust memory).
MAX_BASES = 100_000


def parse_bases(text: str) -> list[int]:
    """``5:30`` (inclusive), ``5:30:5`` (step), ``7,12,15`` or a mix (``5:10,15,20``) -> sorted counts."""
    out: set[int] = set()
    for part in str(text).replace(" ", "").split(","):
        if not part:
            continue
        try:
            if ":" in part:
                bits = [int(b) for b in part.split(":")]
                if len(bits) not in (2, 3) or (len(bits) == 3 and bits[2] < 1):
                    raise ValueError
                lo, hi, step = bits[0], bits[1], (bits[2] if len(bits) == 3 else 1)
                if hi < lo:
                    raise ValueError
                if hi > MAX_BASES:
                    raise InputError(f"base counts above {MAX_BASES} are not supported, got {text!r}",
                                     source="--bases")
                out.update(range(lo, hi + 1, step))
            else:
                out.add(int(part))
        except InputError:
            raise
        except ValueError:
            raise InputError(f"expected counts like 5:30, 5:30:5 or 7,12,15, got {text!r}", source="--bases") from None
    if not out or min(out) < 1:
        raise InputError(f"base counts must be at least 1, got {text!r}", source="--bases")
    if max(out) > MAX_BASES:
        raise InputError(f"base counts above {MAX_BASES} are not supported, got {text!r}", source="--bases")
    return sorted(out)


def parse_minutes(text: str) -> list[float]:
    """``15,20,30`` -> ``[15.0, 20.0, 30.0]`` (each positive)."""
    try:
        values = sorted({float(v) for v in str(text).replace(" ", "").split(",") if v})
    except ValueError:
        raise InputError(f"expected minutes like 15,20,30, got {text!r}", source="--minutes") from None
    if not values:
        raise InputError(f"minutes must be positive, got {text!r}", source="--minutes")
    from scenarios.scenario_file import Minutes, check_value

    return [check_value(Minutes, v, source="--minutes") for v in values]


def compact_counts(counts: Sequence[int]) -> str:
    """``[5, 6, 7, 10, 15, 20]`` -> ``"5:7,10:20:5"``, which :func:`parse_bases` reads back."""
    values = sorted(set(counts))
    parts: list[str] = []
    k = 0
    while k < len(values):
        j = k
        step = values[k + 1] - values[k] if k + 1 < len(values) else 1
        while j + 1 < len(values) and values[j + 1] - values[j] == step:
            j += 1
        if j - k >= 2:
            parts.append(f"{values[k]}:{values[j]}" + (f":{step}" if step != 1 else ""))
            k = j + 1
        else:
            parts.append(str(values[k]))
            k += 1
    return ",".join(parts)


def make_job_id(unit: str | None, model: str, bases: int | None, minutes: float) -> str:
    """A stable, file-name-safe id: ``mclp-b015-m20`` (``E10000020-mclp-b015-m20`` for several cases)."""
    b = "" if bases is None else f"-b{bases:03d}"
    return f"{unit + '-' if unit else ''}{model}{b}-m{minutes:g}"


def plan_jobs(prepared: Sequence[Prepared], *, models: Sequence[str], bases: Sequence[int],
              minutes: Sequence[float]) -> tuple[list[JobSpec], list[str]]:
    """Every combination as a job; combinations asking for more bases than a case can have are skipped.

    Returns the jobs and a readable note per case with skipped combinations.
    """
    multi = len(prepared) > 1
    jobs: list[JobSpec] = []
    notes: list[str] = []
    seen: set[str] = set()
    for prep in prepared:
        fewest, able = count_range(prep.case, prep.request.rules)  # the site rules' range (council: 15..19)
        too_many = [b for b in bases if b > able]
        too_few = [b for b in bases if b < fewest]
        if too_many:
            notes.append(f"{prep.title}: only {able} sites can be bases; skipped {len(too_many)} base counts "
                         f"({too_many[0]}..{too_many[-1]})")
        if too_few:
            notes.append(f"{prep.title}: the {prep.request.rules.name} rules need at least {fewest} bases; skipped "
                         f"{len(too_few)} base counts ({too_few[0]}..{too_few[-1]})")
        for model in models:
            for m in minutes:
                counts: Iterable[int | None] = ([None] if definition(model).count is CountRule.MINIMISED
                                                else [b for b in bases if fewest <= b <= able])
                for b in counts:
                    jid = make_job_id(prep.label if multi else None, model, b, m)
                    if jid not in seen:
                        seen.add(jid)
                        jobs.append(JobSpec(jid, prep.label, model, b, float(m)))
    return jobs, notes


def chains(jobs: Sequence[JobSpec]) -> list[list[JobSpec]]:
    """Jobs grouped by (case, model, minutes), each group in increasing number of bases."""
    groups: dict[tuple[str, str, float], list[JobSpec]] = {}
    for j in jobs:
        groups.setdefault((j.unit, j.model, j.minutes), []).append(j)
    return [sorted(g, key=lambda j: -1 if j.bases is None else j.bases) for g in groups.values()]


def segments(groups: Sequence[list[JobSpec]], *, parallel: int) -> list[list[JobSpec]]:
    """Split chains so that at least ``parallel`` segments can run at once (each warm-starts within itself)."""
    if not groups:
        return []
    if len(groups) >= parallel:
        return [list(g) for g in groups]
    per = math.ceil(parallel / len(groups))
    out: list[list[JobSpec]] = []
    for g in groups:
        size = max(1, math.ceil(len(g) / per))
        out += [g[k:k + size] for k in range(0, len(g), size)]
    return out


def _float(value: object) -> float:
    if isinstance(value, bool) or value is None:
        return math.nan
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _plan_frontline(prep: Prepared, plan_size: int) -> float:
    """Frontline share of the case's budget for a plan of this many bases (the council's figures)."""
    for b in prep.case.budgets.values():
        if b.number_of_bases == plan_size:
            return b.share("frontline_delivery")
    return math.nan


def summary_row(job: JobSpec, prep: Prepared, summary: dict[str, Any]) -> dict[str, Any]:
    """The results row of a finished job, from its summary."""
    budget = summary.get("budget") if isinstance(summary.get("budget"), dict) else {}
    plan = summary.get("plan_in_hand") if isinstance(summary.get("plan_in_hand"), dict) else None
    kept = list(bases_of(summary))
    status = str(summary.get("status", "error"))
    row: dict[str, Any] = {
        "job_id": job.job_id, "case": job.unit, "case_name": prep.title, "model": job.model,
        "bases": job.bases if job.bases is not None else len(kept), "minutes": job.minutes,
        "need": prep.request.need, "status": status,
        "objective": _float(summary.get("objective")), "bound": _float(summary.get("bound")),
        "gap": _float(summary.get("gap")),
        "need_covered_share": _float(summary.get("need_covered_share")),
        "worst_minutes": _float(summary.get("worst_minutes")),
        "worst_rural_minutes": _float(summary.get("worst_rural_minutes")),
        "mean_minutes": _float(summary.get("mean_minutes")),
        "frontline_share": _float(summary.get("frontline_share", (budget or {}).get("frontline_share"))),
        "contact_hours": _float(summary.get("contact_hours", (budget or {}).get("contact_hours"))),
        "n_bases_kept": len(kept), "bases_kept": " ".join(kept),
        "plan_name": plan.get("name") if plan else "",
        "plan_bases": len(plan.get("bases", [])) if plan else math.nan,
        "plan_need_covered_share": _float(plan.get("need_covered_share")) if plan else math.nan,
        "plan_frontline_share": _float(plan.get("frontline_share", _plan_frontline(prep, len(plan.get("bases", [])))))
        if plan else math.nan,
        "solver": str(summary.get("solver", "")), "verified": bool(summary.get("verified", False)),
        "build_seconds": _float(summary.get("build_seconds")), "solve_seconds": _float(summary.get("solve_seconds")),
        "wall_seconds": _float(summary.get("wall_seconds")),
        "error": str(summary.get("message", "")) if status == "error" else "",
    }
    return row


def _outcome_files(outcome: Any, extra: dict[str, str]) -> dict[str, bytes]:
    """The files :func:`write_outcome` writes, as bytes (written to a private temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="siting-job-") as tmp:
        folder = Path(tmp) / "job"
        write_outcome(outcome, folder, extra_files=extra)
        return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _warm_start(prep: Prepared, request: Any, previous: Sequence[str] | None) -> tuple[int, ...] | None:
    if not previous or request.bases is None or isinstance(request.bases, str):
        return None
    try:
        problem = facility_problem(prep.case, prep.matrix, model=request.model, bases=request.bases,
                                   minutes=request.minutes, rules=request.rules, options=request.facility,
                                   require_cover=request.require_cover)
        known = {s: k for k, s in enumerate(prep.case.sites.ids)}
        start = fit_start(problem, [known[s] for s in previous if s in known])
    except Exception:
        return None
    return start


def execute_job(job: JobSpec, prep: Prepared, previous: Sequence[str] | None = None, *,
                cap_threads: bool = False) -> JobOutput:
    """Run one job (on a worker or in-process); failures are returned, never raised."""
    t0 = time.perf_counter()
    if cap_threads:
        os.environ.update(WORKER_ENV)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    spec = {"job_id": job.job_id, "case": job.unit, "model": job.model, "bases": job.bases, "minutes": job.minutes}
    try:
        request = dataclasses.replace(prep.request, model=job.model, bases=job.bases, minutes=job.minutes)
        start = _warm_start(prep, request, previous)
        threads = 1 if cap_threads else request.options.threads
        request = dataclasses.replace(request, options=dataclasses.replace(request.options, threads=threads,
                                                                           warm_start=start))
        outcome = run(prep.case, prep.matrix, request)
        row = summary_row(job, prep, outcome.summary)
        row["warm_start"] = len(start) if start else 0
        job_json = json.dumps(jsonable({**spec, "warm_start_sites": [prep.case.sites.ids[j] for j in start or ()],
                                        "threads": threads, "worker": worker}), indent=2) + "\n"
        files = _outcome_files(outcome, {"job.json": job_json})
        bases = bases_of(outcome.summary)
        failed = row["status"] == "error"
    except Exception as exc:
        message = " ".join(f"{type(exc).__name__}: {exc}".split()) if not isinstance(exc, InputError) else str(exc)
        row = {"job_id": job.job_id, "case": job.unit, "case_name": prep.title, "model": job.model,
               "bases": job.bases, "minutes": job.minutes, "need": prep.request.need, "status": "error",
               "error": message, "warm_start": 0}
        summary = {**spec, "status": "error", "message": message, "traceback": traceback.format_exc(limit=8)}
        files = {"summary.json": (json.dumps(jsonable(summary), indent=2) + "\n").encode()}
        bases, failed = (), True
    row["worker"] = worker
    row["job_seconds"] = time.perf_counter() - t0
    return JobOutput(job.job_id, row, files, bases, failed)
