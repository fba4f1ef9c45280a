"""Sweeps: one scenario over many base counts (and minutes, models, English authorities), resumable.

The output folder::

    DIR/scenario.resolved.yaml   the scenario with absolute paths, versions, checksums and the grid
    DIR/journal.jsonl            append-only, one fsynced line per finished or failed job
    DIR/jobs/<job_id>/           each job's result folder (scenarios.solve.write_outcome), written atomically
    DIR/results.csv, .parquet    one row per job (columns: scenarios.sweep_jobs.RESULT_COLUMNS),
                                 rebuilt from the journal at the end of every run
    DIR/tradeoff.png             coverage and frontline share against the number of bases

A job is done once its journal line is on disk (its folder is written first). Run again, the sweep
skips done jobs (and failed ones, unless ``retry_failed``), so an interrupted sweep (Ctrl-C,
``kill -9``) loses and duplicates nothing. The travel matrix is computed once per case and shipped
to each Dask worker once (``client.scatter``); jobs of one case, model and minutes form a chain in
increasing number of bases, each job warm-started from its neighbour's bases
(:mod:`scenarios.warm_start`); chains are cut into segments so that every worker has work.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

import siting
from scenarios import provenance
from scenarios.dask_pool import WORKER_ENV, check_scheduler, connect_scheduler
from scenarios.journal import Journal, JournalState, sweep_lock
from scenarios.output import MARKER, atomic_dir, atomic_file, check_sweep_place, mark_folder
from scenarios.scenario_file import Scenario
from scenarios.scenario_inputs import Prepared, known_models, prepare_all
from scenarios.solve import capacity_missing
from scenarios.sweep_jobs import (
    INTEGER_COLUMNS,
    NUMERIC_COLUMNS,
    RESULT_COLUMNS,
    JobOutput,
    JobSpec,
    chains,
    compact_counts,
    execute_job,
    plan_jobs,
    segments,
)
from scenarios.sweep_plot import tradeoff_plot
from siting.errors import InputError
from siting.tables import for_people

JOBS_DIR = "jobs"
RESOLVED_NAME = "scenario.resolved.yaml"
SWEEP_FILES = frozenset({"journal.jsonl", ".sweep.lock", RESOLVED_NAME, "results.csv", "results.parquet",
                         "tradeoff.png", JOBS_DIR, MARKER})


@dataclass(frozen=True, kw_only=True)
class SweepSettings:
    """How to run a sweep.

    Attributes:
        bases: base counts; minutes: travel-time limits; models: model names.
        out_dir: the sweep folder.
        scheduler: ``local`` (a LocalCluster on this machine), ``none`` (in-process) or a scheduler
            address (``tcp://HOST:8786``).
        workers: LocalCluster workers (default: one per core).
        retry_failed: run failed jobs again.
        allow_changed_data: go ahead (with a warning) when a resolved scenario's data changed.
        progress: show a progress bar on stderr.
    """

    bases: Sequence[int]
    minutes: Sequence[float]
    models: Sequence[str]
    out_dir: Path
    scheduler: str = "local"
    workers: int | None = None
    retry_failed: bool = False
    allow_changed_data: bool = False
    progress: bool = True


@dataclass
class SweepReport:
    """What a run of a sweep did."""

    out_dir: Path
    jobs: int
    done_before: int
    ran: int = 0
    failed: int = 0
    failed_before: int = 0
    seconds: float = 0.0
    workers: int = 1
    scheduler: str = "none"
    notes: list[str] = field(default_factory=list)
    interrupted: bool = False

    def text(self) -> str:
        """A readable account for the terminal."""
        return (f"{self.jobs} jobs: {self.done_before} done before, {self.ran} run now ({self.failed} failed), "
                f"{self.failed_before} failed before and not retried; {self.seconds:.1f} s with "
                f"{self.workers} worker(s) ({self.scheduler})\nresults: {self.out_dir}/results.csv, "
                f"results.parquet, tradeoff.png")


def _check_models(models: Sequence[str]) -> None:
    known = known_models()
    for m in models:
        if m not in known:
            raise InputError(f"unknown model {m!r}; choose from {', '.join(known)}", source="--model")


def _check_folder(out_dir: Path, state: JournalState, fingerprint: str | None) -> None:
    """The sweep folder is new, empty, ours or a sweep; with ``fingerprint``: a sweep of the same scenario."""
    check_sweep_place(out_dir)
    if out_dir.exists() and state.fingerprint is None:
        other = [p.name for p in out_dir.iterdir() if p.name not in SWEEP_FILES]
        if other:
            raise InputError(f"is not empty, holds no sweep and was not written by siting (found {other[0]!r}); "
                             "choose another --out", source=str(out_dir))
    if fingerprint is not None and state.fingerprint is not None and state.fingerprint != fingerprint:
        raise InputError("this folder holds a sweep of a different scenario or data (fingerprint "
                         f"{state.fingerprint}, now {fingerprint}); choose another --out", source=str(out_dir))


def run_sweep(scenario: Scenario, settings: SweepSettings, *, command: str = "",
              echo: Callable[[str], None] | None = None) -> SweepReport:
    """Run (or resume) the sweep; nothing is written before every input has been checked."""
    say = echo or (lambda m: print(m, file=sys.stderr))
    _check_models(settings.models)
    check_scheduler(settings.scheduler)
    out_dir = settings.out_dir.resolve()
    _check_folder(out_dir, Journal(out_dir).read(), None)  # before anything is read or written
    warnings = provenance.enforce(provenance.check_files(scenario), allow_changed=settings.allow_changed_data)
    left_out: list[str] = []
    prepared = prepare_all(scenario, cache_dir=out_dir.parent / f".{out_dir.name}.cache", skipped=left_out)
    warnings += provenance.enforce(provenance.check_matrices(scenario, prepared),
                                   allow_changed=settings.allow_changed_data)
    for prep in prepared:
        for m in settings.models:
            if why := capacity_missing(m, prep.case, prep.request.facility):
                raise InputError(why, source="--model")
    jobs, notes = plan_jobs(prepared, models=settings.models, bases=settings.bases, minutes=settings.minutes)
    notes = left_out + [n for p in prepared for n in p.notes] + notes
    if not jobs:
        raise InputError("no job to run: every base count exceeds the sites that can be bases", source="--bases")
    grid = {"bases": compact_counts(settings.bases), "minutes": list(settings.minutes),
            "models": list(settings.models)}
    data = provenance.resolved_data(scenario, prepared, out_dir=out_dir, command=command, overrides={"sweep": grid})
    fp = provenance.fingerprint(data)
    journal = Journal(out_dir)
    state = journal.read()
    _check_folder(out_dir, state, fp)
    dask: tuple[Any, Any] | None = None
    if settings.scheduler != "none" and _pending(jobs, state, out_dir, retry_failed=settings.retry_failed)[0]:
        dask = _connect(settings)  # before anything is written: a wrong address writes nothing
    try:
        for w in [*warnings, *notes]:
            say(w if w.startswith("warning") else f"note: {w}")
        return _run_locked(scenario, settings, jobs, notes, prepared, data, fp, dask, say)
    finally:
        if dask is not None:
            dask[0].close()
            if dask[1] is not None:
                dask[1].close()


def _pending(jobs: Sequence[JobSpec], state: JournalState, out_dir: Path, *,
             retry_failed: bool) -> tuple[list[JobSpec], set[str], set[str]]:
    """Jobs still to run, jobs done, and jobs failed before (a done job whose folder is gone runs again)."""
    done = {j for j in state.done() if (out_dir / JOBS_DIR / j).is_dir()}
    failed_before = state.failed() - done
    todo = [j for j in jobs if j.job_id not in done and (retry_failed or j.job_id not in failed_before)]
    return todo, done, failed_before


def _run_locked(scenario: Scenario, settings: SweepSettings, jobs: list[JobSpec], notes: list[str],
                prepared: list[Prepared], data: dict[str, Any], fp: str, dask: tuple[Any, Any] | None,
                say: Callable[[str], None]) -> SweepReport:
    out_dir = settings.out_dir.resolve()
    journal = Journal(out_dir)
    by_unit = {p.label: p for p in prepared}
    with sweep_lock(out_dir):
        if not (out_dir / MARKER).exists():
            mark_folder(out_dir, kind="sweep")
        _remove_stale_temporaries(out_dir)
        state = journal.read()
        todo, done, failed_before = _pending(jobs, state, out_dir, retry_failed=settings.retry_failed)
        report = SweepReport(out_dir, len(jobs), done_before=sum(j.job_id in done for j in jobs),
                             failed_before=sum(j.job_id in failed_before and j not in todo for j in jobs),
                             scheduler=settings.scheduler, notes=notes)
        with atomic_file(out_dir / RESOLVED_NAME, check=False) as tmp:
            tmp.write_text(provenance.dump_resolved(data), encoding="utf-8")
        run_no = state.runs + 1
        journal.append({"event": "start", "run": run_no, "fingerprint": fp, "jobs": len(jobs), "todo": len(todo),
                        "scheduler": settings.scheduler, "pid": os.getpid(), "siting_version": siting.__version__})
        t0 = time.perf_counter()
        bar = tqdm(total=len(jobs), initial=report.done_before + report.failed_before, unit="job", desc="sweep",
                   file=sys.stderr, disable=not settings.progress, mininterval=0.2, dynamic_ncols=True)
        failed_total = report.failed_before

        def store(out: JobOutput) -> None:
            nonlocal failed_total
            out.row["run"] = run_no
            with atomic_dir(out_dir / JOBS_DIR / out.job_id, check=False) as folder:
                for name, blob in out.files.items():
                    (folder / name).write_bytes(blob)
            journal.append({"event": "job", "job_id": out.job_id, "run": run_no, "failed": out.failed,
                            "status": out.row.get("status"), "bases": list(out.bases), "row": out.row})
            report.ran += 1
            report.failed += int(out.failed)
            failed_total += int(out.failed)
            bar.update(1)
            bar.set_postfix_str(f"failed {failed_total}, remaining {len(jobs) - bar.n}", refresh=False)

        bar.set_postfix_str(f"failed {failed_total}, remaining {len(jobs) - bar.n}")
        try:
            if todo:
                first = _first_starts(todo, jobs, state)
                if settings.scheduler == "none":
                    report.workers = 1
                    _run_inprocess(chains(todo), by_unit, first, store)
                elif dask is not None:
                    report.workers = _run_dask(dask[0], todo, by_unit, first, store, say)
        except KeyboardInterrupt:
            report.interrupted = True
        finally:
            bar.close()
            report.seconds = time.perf_counter() - t0
            if not report.interrupted:
                journal.append({"event": "end", "run": run_no, "ran": report.ran, "failed": report.failed,
                                "seconds": report.seconds})
            write_results(out_dir, title=scenario.name)
    return report


def _remove_stale_temporaries(out_dir: Path) -> None:
    """Remove temporary folders and files a killed run left behind (``.name.XXXX``; we hold the lock)."""
    for folder in (out_dir, out_dir / JOBS_DIR):
        if not folder.is_dir():
            continue
        for p in folder.iterdir():
            if p.name.startswith(".") and p.name != ".sweep.lock" and "." in p.name[1:]:
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)


def _first_starts(todo: Sequence[JobSpec], jobs: Sequence[JobSpec], state: JournalState) -> dict[str, tuple[str, ...]]:
    """For each pending job, the bases of the nearest finished neighbour in its chain (a warm start)."""
    out: dict[str, tuple[str, ...]] = {}
    finished = {k: tuple(r.get("bases") or ()) for k, r in state.jobs.items() if not r.get("failed") and r.get("bases")}
    for chain in chains(jobs):
        for k, job in enumerate(chain):
            lower = [finished[c.job_id] for c in chain[:k] if c.job_id in finished]
            upper = [finished[c.job_id] for c in chain[k + 1:] if c.job_id in finished]
            if lower or upper:
                out[job.job_id] = lower[-1] if lower else upper[0]
    return out


def _run_inprocess(groups: Sequence[list[JobSpec]], by_unit: dict[str, Prepared],
                   first: dict[str, tuple[str, ...]], store: Callable[[JobOutput], None]) -> None:
    for chain in groups:
        previous: tuple[str, ...] | None = first.get(chain[0].job_id)
        for job in chain:
            out = execute_job(job, by_unit[job.unit], previous)
            store(out)
            previous = out.bases or previous or first.get(job.job_id)


def _connect(settings: SweepSettings) -> tuple[Any, Any]:
    """A Dask client (and the LocalCluster it owns, or ``None`` for an existing scheduler)."""
    return connect_scheduler(settings.scheduler, workers=settings.workers)


def _set_worker_env() -> None:
    os.environ.update(WORKER_ENV)


def _worker_version() -> str:
    return siting.__version__


def _run_dask(client: Any, todo: Sequence[JobSpec], by_unit: dict[str, Prepared],
              first: dict[str, tuple[str, ...]], store: Callable[[JobOutput], None],
              say: Callable[[str], None]) -> int:
    """Run the pending jobs on Dask; returns the number of workers."""
    from distributed import as_completed

    pending: dict[Any, tuple[int, int]] = {}
    try:
        workers = len(client.scheduler_info().get("workers", {})) or 1
        client.run(_set_worker_env)
        versions = set(client.run(_worker_version).values())
        if versions - {siting.__version__}:
            say(f"warning: workers run siting {', '.join(sorted(versions))}, this client {siting.__version__}")
        data = {u: client.scatter(by_unit[u], hash=False) for u in dict.fromkeys(j.unit for j in todo)}
        segs = segments(chains(todo), parallel=2 * workers)
        last: list[tuple[str, ...] | None] = [first.get(s[0].job_id) for s in segs]
        tag = uuid.uuid4().hex[:8]
        ac = as_completed()

        def submit(i: int, k: int) -> None:
            job = segs[i][k]
            fut = client.submit(execute_job, job, data[job.unit], last[i] or first.get(job.job_id), cap_threads=True,
                                key=f"siting-{job.job_id}-{tag}", pure=False, retries=0)
            pending[fut] = (i, k)
            ac.add(fut)

        for i in range(len(segs)):
            submit(i, 0)
        for fut in ac:
            i, k = pending.pop(fut)
            job = segs[i][k]
            try:
                out = fut.result()
            except Exception as exc:
                out = JobOutput(job.job_id, {"job_id": job.job_id, "case": job.unit, "model": job.model,
                                             "bases": job.bases, "minutes": job.minutes, "status": "error",
                                             "error": " ".join(f"{type(exc).__name__}: {exc}".split())},
                                {"summary.json": b'{"status": "error"}\n'}, (), True)
            store(out)
            last[i] = out.bases or last[i]
            if k + 1 < len(segs[i]):
                submit(i, k + 1)
        return workers
    finally:
        if pending:
            client.cancel(list(pending), force=True)


def results_frame(state: JournalState) -> pd.DataFrame:
    """One row per job (its last record), in :data:`RESULT_COLUMNS` order, sorted by case, model, minutes, bases."""
    rows = [r.get("row", {}) for r in state.jobs.values()]
    frame = pd.DataFrame(rows)
    for col in RESULT_COLUMNS:
        if col not in frame.columns:
            frame[col] = pd.NA
    extra = [c for c in frame.columns if c not in RESULT_COLUMNS]
    frame = frame[[*RESULT_COLUMNS, *extra]]
    for col in NUMERIC_COLUMNS:
        values = pd.to_numeric(frame[col], errors="coerce").astype("float64")
        frame[col] = values.round().astype("Int64") if col in INTEGER_COLUMNS else values
    for col in ("job_id", "case", "case_name", "model", "need", "status", "bases_kept", "plan_name", "solver",
                "worker", "error"):
        frame[col] = frame[col].astype("string").fillna("")
    frame["verified"] = frame["verified"].astype("boolean").fillna(False).astype(bool)
    if len(frame):
        frame = frame.sort_values(["case", "model", "minutes", "bases"], kind="stable").reset_index(drop=True)
    return frame


def write_results(out_dir: Path, *, title: str = "") -> pd.DataFrame:
    """Rebuild ``results.csv`` (rounded, :func:`siting.tables.for_people`), ``results.parquet`` (full precision) and
    ``tradeoff.png`` from the journal (atomically)."""
    frame = results_frame(Journal(out_dir).read())
    with atomic_file(out_dir / "results.csv", check=False) as tmp:
        for_people(frame).to_csv(tmp, index=False)  # rounded for people; results.parquet keeps full precision
    with atomic_file(out_dir / "results.parquet", check=False) as tmp:
        frame.to_parquet(tmp, index=False)
    with atomic_file(out_dir / "tradeoff.png", check=False) as tmp:
        tradeoff_plot(frame, tmp, title=title)
    return frame
