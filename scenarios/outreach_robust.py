"""``--bases auto --robustness N``: the outreach recommendation's robustness, run through the sweep's Dask machinery.

The tasks (:mod:`siting.outreach_robust`): a tornado of every parameter at ±25% (a whole frontier
each), both overhead calibrations (a frontier each), and ``N`` sampled parameter sets (the plan
with the recommended number of bases each). They run in-process (``scheduler="none"``) or on Dask
(``local``: a LocalCluster; ``tcp://HOST:8786``: a running cluster), connected by
:func:`scenarios.dask_pool.connect_scheduler` like a sweep, with the case and travel matrix shipped
to each worker once. A progress bar counts finished tasks.

Writes (through the outcome): ``tornado.csv`` and ``tornado.png``, ``site_frequency.csv`` and
``site_frequency.png``, ``calibrations.csv`` (both frontiers, one column naming the calibration),
and ``summary.json["robustness"]``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
from tqdm import tqdm

from scenarios.dask_pool import WORKER_ENV, check_scheduler
from siting.domain import Case, TravelMatrix
from siting.errors import InputError
from siting.outreach import OutreachParams
from siting.outreach_frontier import Recommendation, recommend
from siting.outreach_robust import (
    RobustTask,
    TaskOutput,
    calibration_tasks,
    frequency_frame,
    resolved,
    run_task,
    sample_tasks,
    tornado_frame,
    tornado_tasks,
)
from siting.problems import SiteRules
from solvers import SolveOptions


@dataclass(frozen=True, kw_only=True)
class RobustnessSettings:
    """How to run the robustness analysis.

    Attributes:
        samples: sampled parameter sets (0: no sampling; the tornado and calibrations still run).
        scheduler: ``none`` (in-process), ``local`` (a Dask LocalCluster) or a scheduler address.
        workers: LocalCluster workers (default: one per core).
        seed: seed of the parameter sampling.
        progress: show a progress bar on stderr.
    """

    samples: int = 0
    scheduler: str = "none"
    workers: int | None = None
    seed: int = 0
    progress: bool = True

    @classmethod
    def from_mapping(cls, value: object, *, source: str) -> RobustnessSettings:
        """Settings from ``{"samples": N, "scheduler": ..., "workers": ..., "seed": ...}`` (checked)."""
        if not isinstance(value, dict):
            raise InputError("expected a mapping with samples, scheduler, workers, seed", source=source,
                             field="robustness")
        unknown = [k for k in value if k not in ("samples", "scheduler", "workers", "seed", "progress")]
        if unknown:
            raise InputError("unknown robustness setting (known: samples, scheduler, workers, seed)", source=source,
                             field=unknown[0])
        try:
            samples = int(value.get("samples", 0))
            workers = None if value.get("workers") is None else int(value["workers"])
            seed = int(value.get("seed", 0))
        except (TypeError, ValueError):
            raise InputError("samples, workers and seed must be whole numbers", source=source,
                             field="robustness") from None
        if samples < 0 or (workers is not None and workers < 1):
            raise InputError("samples must be at least 0 and workers at least 1", source=source, field="robustness")
        scheduler = str(value.get("scheduler", "none"))
        check_scheduler(scheduler)
        return cls(samples=samples, scheduler=scheduler, workers=workers, seed=seed,
                   progress=bool(value.get("progress", True)))


@dataclass
class RobustnessResult:
    """The robustness tables and what they say."""

    tornado: pd.DataFrame
    frequency: pd.DataFrame
    calibrations: pd.DataFrame
    recommendations: dict[str, Recommendation]
    failed: list[str] = field(default_factory=list)
    samples: int = 0
    workers: int = 1


def _run(case: Case, matrix: TravelMatrix, task: RobustTask, rules: SiteRules, solver: str, options: SolveOptions,
         error_minutes: float, cap_threads: bool = False) -> TaskOutput:
    if cap_threads:
        os.environ.update(WORKER_ENV)
        options = replace(options, threads=1)
    return run_task(case, matrix, task, rules=rules, solver=solver, options=options, error_minutes=error_minutes)


def run_tasks(case: Case, matrix: TravelMatrix, tasks: Sequence[RobustTask], *, rules: SiteRules, solver: str,
              options: SolveOptions, error_minutes: float,
              settings: RobustnessSettings) -> tuple[list[TaskOutput], int]:
    """Every task, in-process or on Dask; returns the outputs (in task order) and the number of workers."""
    bar = tqdm(total=len(tasks), desc="outreach robustness", unit="run", file=sys.stderr, leave=False,
               disable=not settings.progress)
    outputs: dict[int, TaskOutput] = {}
    try:
        if settings.scheduler == "none":
            for k, t in enumerate(tasks):
                outputs[k] = _run(case, matrix, t, rules, solver, options, error_minutes)
                bar.update(1)
            return [outputs[k] for k in range(len(tasks))], 1
        from distributed import as_completed

        from scenarios.dask_pool import connect_scheduler

        client, cluster = connect_scheduler(settings.scheduler, workers=settings.workers)
        try:
            workers = len(client.scheduler_info().get("workers", {})) or 1
            c_fut, m_fut = client.scatter(case, hash=False), client.scatter(matrix, hash=False)
            futures: dict[Any, int] = {}
            for k, t in enumerate(tasks):
                fut = client.submit(_run, c_fut, m_fut, t, rules, solver, options, error_minutes, True, pure=False)
                futures[fut] = k
            for fut in as_completed(list(futures)):
                k = futures[fut]
                try:
                    outputs[k] = fut.result()
                except Exception as exc:
                    outputs[k] = TaskOutput(tasks[k], pd.DataFrame(), status="error",
                                            error=" ".join(f"{type(exc).__name__}: {exc}".split()))
                bar.update(1)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        return [outputs[k] for k in range(len(tasks))], workers
    finally:
        bar.close()


def robustness(case: Case, matrix: TravelMatrix, params: OutreachParams, baseline: pd.DataFrame, *,
               baseline_gains: dict[tuple[int, int], float], recommendation: Recommendation,
               recommended_sites: Sequence[str], counts: Sequence[int],
               access_minutes: float, error_minutes: float, min_spare_posts: float, rules: SiteRules, solver: str,
               options: SolveOptions, settings: RobustnessSettings) -> RobustnessResult:
    """Tornado, calibrations and sampled sites for the recommendation on ``baseline`` (a frontier table)."""
    tasks = tornado_tasks(case, params, access_minutes=access_minutes, counts=counts)
    tasks += calibration_tasks(case, params, access_minutes=access_minutes, counts=counts)
    if settings.samples and recommended_sites:
        tasks += sample_tasks(case, params, access_minutes=access_minutes, bases=len(recommended_sites),
                              samples=settings.samples, seed=settings.seed)
    outputs, workers = run_tasks(case, matrix, tasks, rules=rules, solver=solver, options=options,
                                 error_minutes=error_minutes, settings=settings)
    failed = [f"{o.task.label}: {o.error}" for o in outputs if o.status == "error"]
    base = resolved(case, params)
    tornado = tornado_frame([o for o in outputs if o.task.kind == "tornado"], baseline, baseline_gains=baseline_gains,
                            access_minutes=access_minutes, error_minutes=error_minutes, base_params=base,
                            min_spare_posts=min_spare_posts)
    frequency = frequency_frame(case, [o for o in outputs if o.task.kind == "sample"], recommended=recommended_sites)
    frames, recs = [], {}
    for o in outputs:
        if o.task.kind != "calibration" or o.frame.empty:
            continue
        frames.append(o.frame.assign(calibration=o.task.label))
        recs[o.task.label] = recommend(o.frame, gains=o.gains, access_minutes=access_minutes,
                                       error_minutes=error_minutes, min_spare_posts=min_spare_posts)
    calibrations = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not calibrations.empty:
        calibrations = calibrations[["calibration", *[c for c in calibrations.columns if c != "calibration"]]]
    return RobustnessResult(tornado, frequency, calibrations, recs, failed,
                            samples=sum(o.task.kind == "sample" for o in outputs), workers=workers)
