"""Benchmark: start-up time of the ``siting`` command, as whole processes (``python -m benchmarks startup``).

Times ``siting --help`` and ``siting solve norfolk --bases 15 --minutes 20 --out DIR`` (the README's solve, end to
end, with everything it writes by default; run as
``python -m scenarios ...`` with ``PYTHONPATH`` at the code tree, which is what the console script runs), each
``--runs`` times after one untimed warm-up run, and reports the median wall time, the median CPU time of the
child process (user + system: less sensitive to other work on the machine than wall time) and the 1-minute load
average before each run. With ``--baseline REF`` the same commands also run on the code of git revision
``REF`` (checked out with ``git worktree add --detach`` into a temporary folder and removed afterwards),
interleaved run by run with the current tree so that both see the same load.

Byte code: ``--bytecode cached`` (the default) lets each version's modules be compiled once, in the untimed
warm-up, into a cache under the scratch folder (``PYTHONPYCACHEPREFIX``; the code trees are not written to), as
an installed package has its ``.pyc`` files; ``--bytecode compiled`` sets ``PYTHONDONTWRITEBYTECODE=1`` so that
the code tree's modules are compiled from source on every run (how the rows before 2026-12-04 were measured, in
an environment with that variable set: about 0.1-0.15 s of CPU on the README's solve).

Targets (issue 19): ``--help`` under 0.5 s and the Norfolk solve under 1.5 s (median wall time). Since the
closure values became part of ``siting solve`` (on by default), the solve is also timed with ``--no-closures``
on the versions that have that option.
Results: ``OUT/startup.csv`` (one row per version and command) and ``OUT/startup-runs.csv`` (every run), both
appended to (earlier rows are kept; ``measured`` is the UTC time of the run, empty on rows older than that column).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGETS_S = {"help": 0.5, "solve": 1.5, "solve-no-closures": 1.5}
COMMANDS: dict[str, list[str]] = {
    "help": ["--help"],
    "solve": ["solve", "norfolk", "--bases", "15", "--minutes", "20", "--out", "{out}"],
    # since the closure values (issue 20) `siting solve` re-optimises every closure by default
    "solve-no-closures": ["solve", "norfolk", "--bases", "15", "--minutes", "20", "--out", "{out}", "--no-closures"],
}
#: What each command is, for the summary.
NOTES = {
    "help": "the command list",
    "solve": "the README's solve, end to end: solve, rules' cost, significance draws, equity, closure values of "
             "both plans, closures.png, every output file",
    "solve-no-closures": "the README's solve without the closure values and closures.png",
}
#: Options a version must know for a command to be timed on it (older code is skipped).
NEEDS = {"solve-no-closures": "--no-closures"}


@dataclass(frozen=True)
class Version:
    label: str
    commit: str
    tree: Path


@dataclass(frozen=True)
class Run:
    version: str
    command: str
    run: int
    wall_s: float
    cpu_s: float
    loadavg_1m: float


def _git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def _commit(tree: Path) -> str:
    commit = _git("rev-parse", "--short", "HEAD", cwd=tree)
    dirty = _git("status", "--porcelain", "--untracked-files=no", cwd=tree)
    return commit + ("+changes" if dirty else "")


BYTECODE = ("cached", "compiled")


def child_env(tree: Path, scratch: Path, bytecode: str) -> dict[str, str]:
    """The environment of a timed process: ``tree`` on ``PYTHONPATH``, byte code cached or compiled each run."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    if bytecode == "cached":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    return env


def time_once(tree: Path, command: str, scratch: Path, index: int, bytecode: str = "cached") -> tuple[float, float]:
    """Wall and CPU seconds of one ``python -m scenarios`` process running ``command`` on ``tree``."""
    out = scratch / f"out-{tree.name}-{command}-{index}"
    argv = [sys.executable, "-m", "scenarios", *(a.format(out=out) for a in COMMANDS[command])]
    env = child_env(tree, scratch, bytecode)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=scratch, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    if command.startswith("solve") and not (out / "solution.gpkg").is_file():
        raise RuntimeError(f"{' '.join(argv)} wrote no solution.gpkg")
    shutil.rmtree(out, ignore_errors=True)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _knows(tree: Path, option: str) -> bool:
    """Whether ``siting solve`` of the code in ``tree`` has ``option``."""
    # cwd away from the checkout: `python -m` looks in the working directory before PYTHONPATH
    proc = subprocess.run([sys.executable, "-m", "scenarios", "solve", "--help"],
                          env={**os.environ, "PYTHONPATH": str(tree)}, cwd=tempfile.gettempdir(),
                          capture_output=True, text=True, check=False)
    return option in proc.stdout


def measure(versions: list[Version], commands: list[str], runs: int, scratch: Path,
            bytecode: str = "cached") -> list[Run]:
    """``runs`` timed runs (after one warm-up) of every command on every version, interleaved."""
    rows: list[Run] = []
    for command in commands:
        able = [v for v in versions if command not in NEEDS or _knows(v.tree, NEEDS[command])]
        for v in able:
            time_once(v.tree, command, scratch, -1, bytecode)  # warm-up: file cache, .pyc files
        for i in range(runs):
            for v in able:
                load = os.getloadavg()[0]
                wall, cpu = time_once(v.tree, command, scratch, i, bytecode)
                rows.append(Run(v.label, command, i + 1, wall, cpu, load))
                print(f"{v.label:9s} {command:17s} run {i + 1:2d}: {wall:6.2f} s wall, {cpu:5.2f} s CPU, "
                      f"load {load:.2f}", flush=True)
    return rows


def summary_rows(versions: list[Version], rows: list[Run], *, bytecode: str = "cached",
                 measured: str = "") -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    machine = f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}, Python {platform.python_version()}"
    for v in versions:
        for command in dict.fromkeys(r.command for r in rows):
            mine = [r for r in rows if r.version == v.label and r.command == command]
            if not mine:
                continue
            wall = statistics.median(r.wall_s for r in mine)
            out.append({
                "version": v.label, "commit": v.commit, "command": command, "note": NOTES[command],
                "argv": "siting " + " ".join(COMMANDS[command]).replace("{out}", "X"), "runs": len(mine),
                "median_wall_s": round(wall, 3), "min_wall_s": round(min(r.wall_s for r in mine), 3),
                "max_wall_s": round(max(r.wall_s for r in mine), 3),
                "median_cpu_s": round(statistics.median(r.cpu_s for r in mine), 3),
                "target_s": TARGETS_S[command], "met": wall < TARGETS_S[command],
                "loadavg_1m_min": round(min(r.loadavg_1m for r in mine), 2),
                "loadavg_1m_median": round(statistics.median(r.loadavg_1m for r in mine), 2),
                "loadavg_1m_max": round(max(r.loadavg_1m for r in mine), 2),
                "machine": machine, "bytecode": bytecode, "measured": measured,
            })
    return out


def append_rows(path: Path, rows: list[dict[str, object]]) -> None:
    """Add ``rows`` after the rows already in the CSV ``path`` (the union of the columns, old ones first; columns
    new to the file are left empty in its old rows)."""
    old: list[dict[str, str]] = []
    fields: list[str] = []
    if path.is_file():
        with path.open(newline="") as f:
            reader = csv.DictReader(f)
            fields = list(reader.fieldnames or [])
            old = list(reader)
    fields += [k for k in rows[0] if k not in fields]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        table = csv.DictWriter(f, fieldnames=fields, restval="")
        table.writeheader()
        table.writerows([*old, *rows])


def write(out_dir: Path, versions: list[Version], rows: list[Run], *, bytecode: str = "cached",
          measured: str = "") -> list[dict[str, object]]:
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = summary_rows(versions, rows, bytecode=bytecode, measured=measured)
    append_rows(out_dir / "startup.csv", summary)
    append_rows(out_dir / "startup-runs.csv", [
        {"version": r.version, "command": r.command, "run": r.run, "wall_s": f"{r.wall_s:.3f}",
         "cpu_s": f"{r.cpu_s:.3f}", "loadavg_1m": f"{r.loadavg_1m:.2f}",
         "commit": next(v.commit for v in versions if v.label == r.version), "bytecode": bytecode,
         "measured": measured} for r in rows])
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks startup", description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="timed runs per version and command (median reported)")
    ap.add_argument("--baseline", default=None, help="git revision to compare with (e.g. main, or a commit)")
    ap.add_argument("--commands", default="help,solve,solve-no-closures",
                    help="comma-separated: help, solve, solve-no-closures")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    ap.add_argument("--bytecode", choices=BYTECODE, default="cached",
                    help="cached: modules compiled once in the warm-up (as installed); compiled: on every run")
    args = ap.parse_args(argv)
    commands = [c.strip() for c in args.commands.split(",") if c.strip()]
    if unknown := [c for c in commands if c not in COMMANDS]:
        ap.error(f"unknown command(s): {', '.join(unknown)}")
    with tempfile.TemporaryDirectory(prefix="siting-startup-") as tmp:
        scratch = Path(tmp)
        versions = [Version("current", _commit(REPO), REPO)]
        worktree: Path | None = None
        if args.baseline:
            worktree = scratch / "baseline"
            _git("worktree", "add", "--detach", str(worktree), args.baseline)
            versions.insert(0, Version("baseline", _commit(worktree), worktree))
        try:
            measured = time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime())
            rows = measure(versions, commands, args.runs, scratch, args.bytecode)
        finally:
            if worktree is not None:
                _git("worktree", "remove", "--force", str(worktree))
        summary = write(args.out, versions, rows, bytecode=args.bytecode, measured=measured)
    for s in summary:
        print(f"{s['version']:9s} {s['commit']:>16s} {s['command']:17s} median {s['median_wall_s']:6.2f} s wall "
              f"({s['median_cpu_s']:.2f} s CPU) over {s['runs']} runs, load {s['loadavg_1m_min']}-"
              f"{s['loadavg_1m_max']}, byte code {s['bytecode']}; target {s['target_s']} s: "
              f"{'met' if s['met'] else 'NOT met'}")
    print(f"wrote {args.out / 'startup.csv'} and {args.out / 'startup-runs.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
