"""Run benchmark jobs, one subprocess per (instance, solver), and write CSV rows and a markdown summary.

A job runs ``python -m benchmarks job --case NAME --solver S --time-limit T`` in a fresh process
that builds the instance, solves it and prints one JSON line. The parent samples the resident set
size of the job's process tree (psutil, every 0.1 s) and the job reports its own peak
(``getrusage``: itself and its largest waited-for child, e.g. the CBC executable); the row's
``peak_rss_mb`` is the larger of the two. A job that overruns ``T + max(300, T)`` seconds (model
building included) is killed and recorded as ``killed``.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import platform
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from benchmarks.cases import Case, SuiteUnavailable, get_case, suite_cases

OUR_EXTRA: dict[str, object] = {}
"""``SolveOptions.extra`` for our backends (``--extra``)."""
GAP_REL: list[float] = [0.0]
"""Requested relative gap (``--gap``), for every solver."""


@dataclass
class Row:
    """One (instance, solver) measurement."""

    suite: str
    instance: str
    solver: str
    model: str = ""
    n: int = 0
    m: int = 0
    p: int = 0
    status: str = ""
    objective: float = math.nan
    bound: float = math.nan
    gap: float = math.nan
    optimum: float = math.nan
    optimum_reached: str = ""
    build_s: float = math.nan
    model_s: float = math.nan
    solve_s: float = math.nan
    wall_s: float = math.nan
    peak_rss_mb: float = math.nan
    time_limit_s: float = math.nan
    verified: str = ""
    loadavg_1m: float = math.nan
    message: str = ""


FIELDS = [f.name for f in fields(Row)]


def _peak_self_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024.0  # KiB on Linux


def run_job(case: Case, solver: str, time_limit_s: float | None, threads: int | None = None) -> dict[str, object]:
    """Build and solve one case in this process; returns the row fields as a dict.

    ``solver`` is a backend name, ``auto``, or a peer (``spopt-cbc``, ``spopt-highs``). A backend
    that does not solve the case's model gives a row with status ``unsupported``.
    """
    from benchmarks.peers import PEERS, PeerUnavailable, preload, solve_peer
    from solvers import SolveOptions, solve
    from solvers.registry import choose, get_backend

    # imports are not part of the measured time: load the solver's modules first
    missing = ""
    if solver in PEERS:
        try:
            preload()
        except PeerUnavailable as exc:
            missing = str(exc)
    elif solver != "auto":
        get_backend(solver)
    t0 = time.perf_counter()
    problem = case.build()
    build_s = time.perf_counter() - t0
    row: dict[str, object] = {
        "suite": case.suite, "instance": case.name, "solver": solver, "model": problem.kind.value,
        "n": problem.n, "m": problem.m, "p": problem.p or 0, "build_s": build_s,
        "optimum": case.optimum if case.optimum is not None else math.nan,
        "time_limit_s": time_limit_s if time_limit_s is not None else math.nan,
    }
    if missing:
        row.update(status="skipped", message=missing)
        return row
    if solver not in PEERS:
        try:
            backend = choose(problem, solver)
        except ValueError as exc:
            row.update(status="unsupported", message=str(exc)[:300])
            return row
        backend.version()  # loads the solver library outside the measured time
    t1 = time.perf_counter()
    if solver in PEERS:
        try:
            pr = solve_peer(solver, problem, time_limit_s, threads, gap_rel=GAP_REL[0])
        except PeerUnavailable as exc:
            row.update(status="skipped", message=str(exc))
            return row
        row.update(status=pr.status, objective=pr.objective, bound=pr.bound, model_s=pr.build_s, solve_s=pr.solve_s,
                   message=pr.message, verified="yes")
        if pr.status == "optimal":
            row["gap"] = 0.0
    else:
        options = SolveOptions(time_limit_s=time_limit_s, threads=threads, gap_rel=GAP_REL[0], extra=dict(OUR_EXTRA))
        res = solve(problem, solver=solver, options=options)
        row.update(status=res.status.value, objective=res.objective, bound=res.bound, gap=res.gap,
                   model_s=res.build_s, solve_s=res.solve_s, message=res.message[:300],
                   verified="yes" if res.verified else "no", details=dict(res.details))
    row["wall_s"] = time.perf_counter() - t1
    return row


def _sample_tree_rss(pid: int, stop: threading.Event, out: list[float]) -> None:
    try:
        import psutil
    except ImportError:
        return
    try:
        proc = psutil.Process(pid)
    except psutil.Error:
        return
    peak = 0.0
    while not stop.is_set():
        try:
            total = proc.memory_info().rss
            for child in proc.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            peak = max(peak, total / 2**20)
        except psutil.Error:
            break
        stop.wait(0.1)
    out.append(peak)


def run_in_subprocess(case: Case, solver: str, time_limit_s: float | None, threads: int | None,
                      raw_dir: Path | None, details: dict[str, object] | None = None) -> Row:
    """Run one job in a fresh interpreter and measure its peak memory (the solver's details into ``details``)."""
    cmd = [sys.executable, "-m", "benchmarks", "job", "--case", case.name, "--solver", solver]
    if time_limit_s is not None:
        cmd += ["--time-limit", str(time_limit_s)]
    if threads is not None:
        cmd += ["--threads", str(threads)]
    if OUR_EXTRA:
        cmd += ["--extra", json.dumps(OUR_EXTRA)]
    if GAP_REL[0] > 0:
        cmd += ["--gap", str(GAP_REL[0])]
    kill_after = None if time_limit_s is None else time_limit_s + max(300.0, time_limit_s)
    t0 = time.perf_counter()
    # a session of its own, so that an overrunning job is stopped with its solver child (CBC)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    stop = threading.Event()
    sampled: list[float] = []
    sampler = threading.Thread(target=_sample_tree_rss, args=(proc.pid, stop, sampled), daemon=True)
    sampler.start()
    killed = False
    try:
        out, err = proc.communicate(timeout=kill_after)
    except subprocess.TimeoutExpired:
        killed = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
    stop.set()
    sampler.join(timeout=5)
    elapsed = time.perf_counter() - t0
    row = Row(suite=case.suite, instance=case.name, solver=solver,
              time_limit_s=time_limit_s if time_limit_s is not None else math.nan,
              optimum=case.optimum if case.optimum is not None else math.nan)
    if raw_dir is not None:
        raw_dir.mkdir(parents=True, exist_ok=True)
        (raw_dir / f"{case.name}.{solver}.log").write_text(f"$ {' '.join(cmd)}\n--- stdout\n{out}\n--- stderr\n{err}\n")
    data: dict[str, object] = {}
    for line in reversed(out.strip().splitlines()):
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                continue
            break
    if data:
        got = data.get("details")
        if details is not None and isinstance(got, dict):
            details.update(got)
        for k, v in data.items():
            if hasattr(row, k) and k != "peak_rss_mb":
                setattr(row, k, v)
        reported = float(data.get("peak_rss_mb", math.nan))  # type: ignore[arg-type]
    else:
        reported = math.nan
        row.status = "killed" if killed else "crashed"
        row.wall_s = elapsed
        tail = (err or "").strip().splitlines()[-1:] or [""]
        row.message = ("killed after the time limit" if killed else f"exit {proc.returncode}: {tail[0]}")[:300]
    peaks = [x for x in (reported, *(sampled or [])) if not math.isnan(x)]
    row.peak_rss_mb = max(peaks) if peaks else math.nan
    row.loadavg_1m = os.getloadavg()[0]
    if not math.isnan(row.optimum) and not math.isnan(row.objective):
        row.optimum_reached = "yes" if abs(row.objective - row.optimum) <= 1e-6 * max(1.0, abs(row.optimum)) else "no"
    return row


def _json_default(x: object) -> object:
    """numpy scalars and other non-JSON values of a solver's details."""
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(x)


def _fmt(x: object, digits: int = 2) -> str:
    if isinstance(x, float):
        if math.isnan(x):
            return ""
        return f"{x:.{digits}f}"
    return str(x)


def _record(r: Row) -> dict[str, object]:
    return {k: _fmt(v, 6) if isinstance(v, float) else v for k in FIELDS for v in (getattr(r, k),)}


def write_csv(path: Path, rows: Sequence[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        wr = csv.DictWriter(fh, fieldnames=FIELDS)
        wr.writeheader()
        for r in rows:
            wr.writerow(_record(r))


def append_csv(path: Path, row: Row) -> None:
    """Add one row to a CSV that :func:`write_csv` started (one job's row as soon as it is done)."""
    with open(path, "a", newline="", encoding="utf-8") as fh:
        csv.DictWriter(fh, fieldnames=FIELDS).writerow(_record(row))


def read_csv(path: Path) -> list[Row]:
    rows = []
    with open(path, newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            kw: dict[str, object] = {}
            for f in fields(Row):
                raw = rec.get(f.name, "")
                if f.type in ("float", float):
                    kw[f.name] = float(raw) if raw not in ("", None) else math.nan
                elif f.type in ("int", int):
                    kw[f.name] = int(float(raw)) if raw not in ("", None) else 0
                else:
                    kw[f.name] = raw or ""
            rows.append(Row(**kw))  # type: ignore[arg-type]
    return rows


def machine_line() -> str:
    """Where the figures were measured: cores, memory, Python, load."""
    try:
        import psutil

        mem = f"{psutil.virtual_memory().total / 2**30:.0f} GiB"
    except ImportError:
        mem = "? GiB"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} cores, {mem} RAM, {platform.platform()}, Python {platform.python_version()}; "
            f"load average at the end {load}")


def summary_markdown(rows: Sequence[Row], title: str = "Benchmark results") -> str:
    """A markdown table per suite: one line per instance, one column group per solver."""
    lines = [f"# {title}", "", f"Machine: {machine_line()}.", ""]
    suites = sorted({r.suite for r in rows})
    for suite in suites:
        srows = [r for r in rows if r.suite == suite]
        solvers = list(dict.fromkeys(r.solver for r in srows))
        instances = list(dict.fromkeys(r.instance for r in srows))
        by = {(r.instance, r.solver): r for r in srows}
        lines += [f"## {suite}", ""]
        head = ["instance", "n", "m", "p", "optimum"]
        for s in solvers:
            head += [f"{s} s", f"{s} status", f"{s} gap %"]
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        for inst in instances:
            any_row = next(by[(inst, s)] for s in solvers if (inst, s) in by)
            cells = [inst, str(any_row.n), str(any_row.m), str(any_row.p), _fmt(any_row.optimum, 0)]
            for s in solvers:
                r = by.get((inst, s))
                if r is None:
                    cells += ["", "", ""]
                    continue
                secs = _fmt(r.wall_s, 2)
                if r.status not in ("optimal",) and not math.isnan(r.time_limit_s):
                    secs = f"> {r.time_limit_s:.0f}" if r.status in ("time_limit", "killed") else secs
                st = r.status + ("" if r.optimum_reached in ("", "yes") else " (not opt.)")
                cells += [secs, st, _fmt(100 * r.gap, 3) if not math.isnan(r.gap) else ""]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        lines += totals_markdown(srows, solvers)
    return "\n".join(lines) + "\n"


def totals_markdown(rows: Sequence[Row], solvers: Sequence[str]) -> list[str]:
    """Totals per model and solver, and per solver over the instances every solver proved optimal."""
    rows = [r for r in rows if r.status not in ("unsupported", "skipped")]
    by = {(r.instance, r.solver): r for r in rows}
    instances = list(dict.fromkeys(r.instance for r in rows))
    out = ["| model | solver | solved (optimal / infeasible) of | total solve s | peak RSS MB (max) |",
           "|---|---|---|---|---|"]
    for model in dict.fromkeys(r.model for r in rows):
        for s in solvers:
            rs = [r for r in rows if r.solver == s and r.model == model]
            if not rs:
                continue
            done = sum(1 for r in rs if r.status == "optimal")
            infeasible = sum(1 for r in rs if r.status == "infeasible")
            tot = sum(r.wall_s for r in rs if not math.isnan(r.wall_s))
            peak = max((r.peak_rss_mb for r in rs if not math.isnan(r.peak_rss_mb)), default=math.nan)
            out.append(f"| {model} | {s} | {done} / {infeasible} of {len(rs)} | {tot:.2f} | {_fmt(peak, 0)} |")
    common = [i for i in instances if all((i, s) in by and by[(i, s)].status == "optimal" for s in solvers)]
    if len(solvers) > 1 and common:
        out += ["", f"Over the {len(common)} instances every solver proved optimal:", "",
                "| solver | total solve s | ratio to the fastest |", "|---|---|---|"]
        totals = {s: sum(by[(i, s)].wall_s for i in common) for s in solvers}
        fastest = min(totals.values())
        for s in solvers:
            out.append(f"| {s} | {totals[s]:.1f} | {totals[s] / max(fastest, 1e-9):.1f}x |")
    out.append("")
    return out


def run(suite: str, solvers: Sequence[str], time_limit_s: float | None, out_dir: Path,
        instances: Iterable[str] | None = None, threads: int | None = None, in_process: bool = False,
        resume: bool = False) -> list[Row]:
    """Run every (instance, solver) job of ``suite``; write ``results.csv``, ``details.jsonl`` (each job's solver
    counters, such as the root LP value and fixings) and ``summary.md`` in ``out_dir``.

    With ``resume``, the rows already in ``out_dir/results.csv`` are kept and their jobs skipped
    (to continue an interrupted run).
    """
    try:
        cases = suite_cases(suite, list(instances) if instances else None)
    except SuiteUnavailable as exc:
        print(f"skipping suite {suite}: {exc}", flush=True)
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = out_dir / "raw"
    rows: list[Row] = []
    if resume and (out_dir / "results.csv").exists():
        rows = [r for r in read_csv(out_dir / "results.csv") if r.status != "crashed"]
    done = {(r.instance, r.solver) for r in rows}
    write_csv(out_dir / "results.csv", rows)
    total = len(cases) * len(solvers)
    print(f"{suite}: {len(cases)} instances x {len(solvers)} solvers, time limit {time_limit_s} s -> {out_dir}",
          flush=True)
    k = 0
    for case in cases:
        for solver in solvers:
            k += 1
            if (case.name, solver) in done:
                continue
            details: dict[str, object] = {}
            if in_process:
                t0 = time.perf_counter()
                data = run_job(case, solver, time_limit_s, threads)
                details = data.get("details") or {}  # type: ignore[assignment]
                row = Row(**{f: data[f] for f in FIELDS if f in data})  # type: ignore[arg-type]
                row.peak_rss_mb = _peak_self_mb()
                row.loadavg_1m = os.getloadavg()[0]
                if math.isnan(row.wall_s):
                    row.wall_s = time.perf_counter() - t0 - row.build_s
                if not math.isnan(row.optimum) and not math.isnan(row.objective):
                    close = abs(row.objective - row.optimum) <= 1e-6 * max(1.0, abs(row.optimum))
                    row.optimum_reached = "yes" if close else "no"
            else:
                row = run_in_subprocess(case, solver, time_limit_s, threads, raw, details)
            rows.append(row)
            append_csv(out_dir / "results.csv", row)
            if details:
                with open(out_dir / "details.jsonl", "a", encoding="utf-8") as fh:
                    fh.write(json.dumps({"instance": case.name, "solver": solver, "details": details},
                                        default=_json_default) + "\n")
            print(f"[{k}/{total}] {case.name:<24} {solver:<14} {row.status:<10} obj {_fmt(row.objective, 2):>14} "
                  f"bound {_fmt(row.bound, 2):>14} build {_fmt(row.build_s, 1):>6}s solve {_fmt(row.wall_s, 2):>8}s "
                  f"peak {_fmt(row.peak_rss_mb, 0):>6} MB load {row.loadavg_1m:.2f}"
                  + (f"  [{row.message[:60]}]" if row.status not in ("optimal",) else ""), flush=True)
    (out_dir / "summary.md").write_text(summary_markdown(rows, f"Benchmark results: {suite}"))
    return rows


def job_main(case_name: str, solver: str, time_limit_s: float | None, threads: int | None) -> None:
    """Entry point of a job subprocess: one JSON line on stdout."""
    case = get_case(case_name)
    row = run_job(case, solver, time_limit_s, threads)
    row["peak_rss_mb"] = _peak_self_mb()
    print(json.dumps(row, default=_json_default), flush=True)
