"""Sweeps: the job grid, warm starts, the folder contract, failures, resuming after kill -9, LocalCluster."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scenarios import dask_pool, sweep_jobs
from scenarios.cli import cli
from scenarios.scenario_file import load_scenario
from scenarios.sweep import SweepSettings, run_sweep
from scenarios.sweep_jobs import (
    JobSpec,
    chains,
    compact_counts,
    make_job_id,
    parse_bases,
    parse_minutes,
    segments,
)
from scenarios.warm_start import fit_start
from siting.errors import InputError
from solvers import make_problem

CONTRACT = ["job_id", "model", "bases", "minutes", "status", "objective", "bound", "gap", "need_covered_share",
            "worst_minutes", "worst_rural_minutes", "frontline_share", "contact_hours", "build_seconds",
            "solve_seconds", "wall_seconds", "error"]


@pytest.fixture()
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "norfolk.yaml"
    path.write_text("demand: {case: norfolk}\nplan: council_2019\nmodel: {name: mclp, bases: 15, minutes: 20}\n"
                    "constraints: {rules: none}\n"  # 10-12 bases: fewer than the council's rules allow
                    "solver: {name: auto, time_limit_s: 60}\n", encoding="utf-8")
    return path


def journal(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "journal.jsonl").read_text().splitlines() if line.strip()]


def job_records(folder: Path) -> list[dict[str, Any]]:
    return [r for r in journal(folder) if r["event"] == "job"]


def test_grid_parsing_and_ids() -> None:
    assert parse_bases("5:8") == [5, 6, 7, 8]
    assert parse_bases("5:30:5") == [5, 10, 15, 20, 25, 30]
    assert parse_bases("7, 12,15,12") == [7, 12, 15]
    assert parse_minutes("30,15,20") == [15.0, 20.0, 30.0]
    for counts in ([5, 6, 7, 10, 15, 20], [3], [1, 2], list(range(5, 31)), [2, 4, 5, 9]):
        assert parse_bases(compact_counts(counts)) == counts
    assert compact_counts(range(5, 31)) == "5:30"
    for bad in ("0:3", "8:5", "a", "5:30:0", ""):
        with pytest.raises(InputError):
            parse_bases(bad)
    with pytest.raises(InputError):
        parse_minutes("15,-2")
    assert make_job_id(None, "mclp", 7, 20.0) == "mclp-b007-m20"
    assert make_job_id("E10000020", "mclp", 15, 22.5) == "E10000020-mclp-b015-m22.5"
    jobs = [JobSpec(f"j{b}", "u", "mclp", b, 20.0) for b in (9, 5, 7, 6, 8, 10)]
    (chain,) = chains(jobs)
    assert [j.bases for j in chain] == [5, 6, 7, 8, 9, 10]
    segs = segments([chain], parallel=4)
    assert [[j.bases for j in s] for s in segs] == [[5, 6], [7, 8], [9, 10]]
    assert segments([chain, chain], parallel=1) == [chain, chain]


def test_warm_start_fix_up_by_hand() -> None:
    # 4 demand points (weights 1, 2, 3, 4), 4 sites; site j covers point j only, and site 3 also covers point 2
    cost = np.full((4, 4), 99.0)
    np.fill_diagonal(cost, 1.0)
    cost[2, 3] = 1.0
    w = [1.0, 2.0, 3.0, 4.0]
    grow = make_problem("mclp", w, cost, p=3, radius=5.0)
    assert fit_start(grow, [0, 3]) == (0, 1, 3)  # best next site: 1 (adds 2; site 2 adds nothing)
    shrink = make_problem("mclp", w, cost, p=2, radius=5.0)
    assert fit_start(shrink, [0, 1, 3]) == (1, 3)  # least valuable base: 0 (loses 1)
    keep = make_problem("mclp", w, cost, p=2, radius=5.0, must_open=[0])
    assert fit_start(keep, [0, 1, 3]) == (0, 3)  # must-keep site 0 stays; site 1 (2) goes before site 3 (7)
    med = make_problem("pmedian", w, cost, p=2)
    assert fit_start(med, [2]) == (2, 3)  # p-median: site 3 saves 4 * 98, the most


def test_sweep_in_process_contract_and_failures(scenario: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "sweep"
    real_run = sweep_jobs.run

    def flaky(case, matrix, request):  # type: ignore[no-untyped-def]
        if request.bases == 11:
            raise RuntimeError("solver fell over")
        return real_run(case, matrix, request)

    monkeypatch.setattr(sweep_jobs, "run", flaky)
    settings = SweepSettings(bases=[10, 11, 12], minutes=[20.0], models=["mclp"], out_dir=out, scheduler="none",
                             progress=False)
    sc = load_scenario(scenario)
    report = run_sweep(sc, settings)
    assert (report.jobs, report.ran, report.failed) == (3, 3, 1)
    results = pd.read_csv(out / "results.csv")
    parquet = pd.read_parquet(out / "results.parquet")
    assert list(results.columns[: len(parquet.columns)]) == list(parquet.columns)
    assert set(CONTRACT) <= set(results.columns) and len(results) == 3
    assert list(results["job_id"]) == ["mclp-b010-m20", "mclp-b011-m20", "mclp-b012-m20"]
    rows = {int(r["bases"]): r for r in results.to_dict("records")}
    assert rows[11]["status"] == "error" and "solver fell over" in str(rows[11]["error"])
    assert rows[10]["status"] == rows[12]["status"] == "optimal" and rows[12]["warm_start"] == 12
    assert float(rows[10]["objective"]) < float(rows[12]["objective"])
    assert [rows[10]["plan_need_covered_share"], rows[12]["plan_need_covered_share"]] == pytest.approx(
        [0.714, 0.714], abs=1e-3)
    for job in results["job_id"]:
        assert (out / "jobs" / job / "summary.json").exists()
    assert (out / "jobs" / "mclp-b012-m20" / "solution.gpkg").exists()
    assert (out / "tradeoff.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "scenario.resolved.yaml").exists()
    # the job folder holds what a direct solve writes (same optimum for 12 bases)
    job = json.loads((out / "jobs" / "mclp-b012-m20" / "summary.json").read_text())
    assert job["objective"] == rows[12]["objective"] and len(job["bases"]) == 12
    # rerun: the failed job is skipped ...
    monkeypatch.setattr(sweep_jobs, "run", real_run)
    again = run_sweep(sc, settings)
    assert (again.ran, again.done_before, again.failed_before) == (0, 2, 1)
    # ... unless retried
    retry = run_sweep(sc, SweepSettings(**{**settings.__dict__, "retry_failed": True}))
    assert (retry.ran, retry.failed) == (1, 0)
    final = pd.read_csv(out / "results.csv")
    assert len(final) == 3 and (final["status"] == "optimal").all() and final["error"].isna().all()
    counts = Counter(r["job_id"] for r in job_records(out))
    assert counts == {"mclp-b010-m20": 1, "mclp-b011-m20": 2, "mclp-b012-m20": 1}


def test_sweep_folder_safety(scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dask_pool, "CONNECT_TIMEOUT", "1s")
    out = tmp_path / "s"
    assert CliRunner().invoke(cli, ["sweep", str(scenario), "--bases", "12", "--out", str(out), "--scheduler",
                                    "none", "--no-progress"]).exit_code == 0
    before = (out / "journal.jsonl").read_text()
    other = tmp_path / "other.yaml"
    other.write_text(scenario.read_text().replace("plan: council_2019\n", "need: idaci\n"), encoding="utf-8")
    res = CliRunner().invoke(cli, ["sweep", str(other), "--bases", "12", "--out", str(out), "--scheduler", "none"])
    assert res.exit_code == 2 and "different scenario" in res.output
    assert (out / "journal.jsonl").read_text() == before
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    res = CliRunner().invoke(cli, ["sweep", str(scenario), "--bases", "12", "--out", str(busy), "--scheduler", "none"])
    assert res.exit_code == 2 and "holds no sweep" in res.output
    assert sorted(p.name for p in busy.iterdir()) == ["notes.txt"]
    res = CliRunner().invoke(cli, ["sweep", str(scenario), "--bases", "60:61", "--out", str(tmp_path / "x"),
                                   "--scheduler", "none"])
    assert res.exit_code == 2 and not (tmp_path / "x").exists()
    res = CliRunner().invoke(cli, ["sweep", str(scenario), "--bases", "5", "--out", str(tmp_path / "y"),
                                   "--scheduler", "bogus"])
    assert res.exit_code == 2 and "--scheduler" in res.output and not (tmp_path / "y").exists()
    res = CliRunner().invoke(cli, ["sweep", str(scenario), "--bases", "5", "--out", str(tmp_path / "z"),
                                   "--scheduler", "tcp://127.0.0.1:9"])
    assert res.exit_code == 2 and "cannot reach the Dask scheduler" in res.output and not (tmp_path / "z").exists()


GRID = ["--bases", "5:14", "--minutes", "20"]  # 10 jobs


def _sweep_process(scenario: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "scenarios", "sweep", str(scenario), *GRID, "--out", str(out),
                             "--scheduler", "none", "--no-progress"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for_jobs(out: Path, proc: subprocess.Popen[bytes], n: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if (out / "journal.jsonl").exists() and len(job_records(out)) >= n:
            return
        assert proc.poll() is None, "the sweep ended before it could be interrupted"
        time.sleep(0.02)
    raise AssertionError("no job finished in time")


def test_resume_after_kill_9_loses_and_duplicates_nothing(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "killed"
    proc = _sweep_process(scenario, out)
    _wait_for_jobs(out, proc, 1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    first = {r["job_id"]: r for r in job_records(out)}
    assert 1 <= len(first) < 10
    stamps = {j: (out / "jobs" / j / "job.json").stat().st_mtime_ns for j in first}
    res = CliRunner().invoke(cli, ["sweep", str(scenario), *GRID, "--out", str(out), "--scheduler", "none",
                                   "--no-progress"])
    assert res.exit_code == 0, res.output
    records = job_records(out)
    counts = Counter(r["job_id"] for r in records)
    assert len(counts) == 10 and set(counts.values()) == {1}  # every job exactly once
    for r in records:  # finished jobs were not recomputed: still from run 1, folders untouched
        assert r["run"] == (1 if r["job_id"] in first else 2)
    assert all((out / "jobs" / j / "job.json").stat().st_mtime_ns == t for j, t in stamps.items())
    results = pd.read_parquet(out / "results.parquet")
    assert len(results) == 10 and results["job_id"].is_unique and (results["status"] == "optimal").all()
    assert sorted(p.name for p in (out / "jobs").iterdir()) == sorted(counts)  # no stray temporary folders
    # coverage never falls as bases are added (each job is proven optimal)
    assert results.sort_values("bases")["objective"].is_monotonic_increasing


def test_ctrl_c_then_resume(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "interrupted"
    proc = _sweep_process(scenario, out)
    _wait_for_jobs(out, proc, 2)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    done = len(job_records(out))
    assert (out / "results.csv").exists() and len(pd.read_csv(out / "results.csv")) == done
    res = CliRunner().invoke(cli, ["sweep", str(scenario), *GRID, "--out", str(out), "--scheduler", "none",
                                   "--no-progress"])
    assert res.exit_code == 0 and f"{done} done before" in res.output
    assert Counter(r["job_id"] for r in job_records(out)).most_common(1)[0][1] == 1


def test_local_cluster_agrees_with_in_process(scenario: Path, tmp_path: Path) -> None:
    args = ["sweep", str(scenario), "--bases", "10:13", "--no-progress"]
    res = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "dask"), "--scheduler", "local", "--workers", "2"])
    assert res.exit_code == 0, res.output
    assert "2 worker(s) (local)" in res.output
    res = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "plain"), "--scheduler", "none"])
    assert res.exit_code == 0, res.output
    dask = pd.read_parquet(tmp_path / "dask" / "results.parquet").set_index("job_id")
    plain = pd.read_parquet(tmp_path / "plain" / "results.parquet").set_index("job_id")
    assert len(dask) == 4 and (dask["status"] == "optimal").all()
    assert dask["objective"].to_dict() == plain["objective"].to_dict()
    assert dask["worker"].str.contains(str(os.getpid())).sum() == 0  # jobs ran in worker processes
    threads = {json.loads((tmp_path / "dask" / "jobs" / j / "job.json").read_text())["threads"] for j in dask.index}
    assert threads == {1}


def test_sweep_england_few_authorities(tmp_path: Path) -> None:
    out = tmp_path / "eng"
    res = CliRunner().invoke(cli, ["sweep-england", "--authorities", "Rutland,Halton,Isles of Scilly", "--bases",
                                   "2:5", "--out", str(out), "--scheduler", "none", "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "Isles of Scilly" in res.output and "no libraries" in res.output
    results = pd.read_csv(out / "results.csv")
    assert set(results["case_name"]) == {"Rutland", "Halton"}
    assert (results["status"] == "optimal").all() and results["bases"].max() == 4  # 4 libraries each
    assert results["job_id"].str.startswith(("E06000017-", "E06000006-")).all()
