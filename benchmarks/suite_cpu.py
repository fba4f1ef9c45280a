"""Benchmark: CPU seconds of the Norfolk suite per model, in one process (``python -m benchmarks.suite_cpu``).

The suite (``python -m benchmarks run --suite norfolk --solvers auto --in-process``: p = 1..53 for the MCLP, the
p-median and the outreach model, 159 jobs) records wall times per job; on a machine shared with other work
those are several times the CPU time. This runs the same jobs (build, ``auto`` solve, independent check) in a
fresh process per run and reports the CPU seconds (``time.process_time``: user + system of the process) per
model and in total, the status and objective of every job (so two versions can be checked to agree), and the load
average. With ``--baseline REF`` the code of git revision ``REF`` runs too, interleaved run by run
(``benchmarks/startup.py`` checks it out). Target (issue 19): the whole suite under 5 s in one process.

Results: ``OUT/norfolk-cpu.csv`` (one row per version and run), appended to the rows already there (the
history of the suite's CPU time across versions; columns added later are blank in older rows).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.startup import REPO, Version, _commit, _git, append_rows

TARGET_S = 5.0
#: Run in the code tree measured (it may predate this module): prints one JSON line.
CHILD = """
import json, os, time
from benchmarks.cases import suite_cases
from solvers import solve
t0 = time.process_time()
per, jobs = {}, {}
for case in suite_cases("norfolk"):
    model = case.name.split("-")[1]
    t = time.process_time()
    r = solve(case.build(), solver="auto")
    per[model] = per.get(model, 0.0) + time.process_time() - t
    jobs[case.name] = [r.status.value, None if r.objective != r.objective else round(r.objective, 6)]
print(json.dumps({"cpu_s": per, "total_cpu_s": time.process_time() - t0, "jobs": jobs}))
"""


def run_once(tree: Path) -> dict[str, object]:
    """One process running the suite on the code in ``tree``: CPU seconds per model, total, every job's result."""
    load = os.getloadavg()[0]
    proc = subprocess.run([sys.executable, "-c", CHILD], env={**os.environ, "PYTHONPATH": str(tree)},
                          cwd=tempfile.gettempdir(), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"the suite failed on {tree}:\n{proc.stderr[-2000:]}")
    out: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    out["loadavg_1m"] = load
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.suite_cpu", description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baseline", default=None, help="git revision to compare with (e.g. main)")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="siting-suite-cpu-") as tmp:
        versions = [Version("current", _commit(REPO), REPO)]
        worktree: Path | None = None
        if args.baseline:
            worktree = Path(tmp) / "baseline"
            _git("worktree", "add", "--detach", str(worktree), args.baseline)
            versions.insert(0, Version("baseline", _commit(worktree), worktree))
        rows: list[dict[str, object]] = []
        jobs: dict[str, object] = {}
        try:
            for i in range(args.runs):
                for v in versions:
                    got = run_once(v.tree)
                    jobs[v.label] = got["jobs"]
                    cpu = got["cpu_s"]
                    assert isinstance(cpu, dict)
                    row = {"date_utc": time.strftime("%Y-%m-%dT%H:%M", time.gmtime()),
                           "version": v.label, "commit": v.commit, "run": i + 1,
                           **{f"{m}_cpu_s": round(float(cpu.get(m, 0.0)), 3) for m in ("mclp", "pmedian", "outreach")},
                           "total_cpu_s": round(float(got["total_cpu_s"]), 3),  # type: ignore[arg-type]
                           "target_s": TARGET_S, "loadavg_1m": round(float(got["loadavg_1m"]), 2)}  # type: ignore[arg-type]
                    rows.append(row)
                    print(json.dumps(row), flush=True)
        finally:
            if worktree is not None:
                _git("worktree", "remove", "--force", str(worktree))
    same = len(set(json.dumps(j, sort_keys=True) for j in jobs.values())) == 1
    for r in rows:
        r["same_results_as_baseline"] = same if args.baseline else ""
    append_rows(args.out / "norfolk-cpu.csv", rows)
    for v in versions:
        mine = [float(r["total_cpu_s"]) for r in rows if r["version"] == v.label]  # type: ignore[arg-type]
        print(f"{v.label} {v.commit}: median {statistics.median(mine):.2f} s CPU over {len(mine)} runs "
              f"(target {TARGET_S} s)")
    if args.baseline:
        print("every job's status and objective agree" if same else "the versions' results DIFFER")
    return 0


if __name__ == "__main__":
    sys.exit(main())
