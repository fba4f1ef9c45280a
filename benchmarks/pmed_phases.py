"""Where the p-median closers spend their work on OR-Library pmed: the phases of ``pmedian-benders``.

For each instance, ``pmedian-benders`` in this process, and one row of its phase details: the
Lagrangian bound, the Benders LP bound (the master's LP over the sites the Lagrangian left free), the
LP rounds, the integer-master rounds (phase 2, needed when that LP leaves a gap), and the sites fixed.
The gaps are relative to the published optimum. Timings here are indicative only; the timed comparison
is ``python -m benchmarks run --suite pmed`` (one process per job).

    python -m benchmarks.pmed_phases --time-limit 120 --out benchmarks/results/pmed-phases.csv
"""

from __future__ import annotations

import argparse
import csv
import math
import os
from pathlib import Path

from tqdm import tqdm

from benchmarks.pmed import DATA_DIR, load_optima, load_pmed
from solvers import SolveOptions, make_problem, solve

FIELDS = ["instance", "n", "p", "optimum", "status", "objective", "optimum_reached", "lagrangian_bound",
          "lagrangian_gap", "benders_lp_bound", "benders_lp_gap", "benders_lp_rounds", "benders_mip_rounds",
          "benders_cuts", "fixed_open", "fixed_closed", "benders_free_sites", "benders_fixed_by_lp", "solve_s",
          "loadavg_1m"]


def _gap(bound: object, optimum: float) -> float:
    return (optimum - float(bound)) / optimum if isinstance(bound, (int, float)) and math.isfinite(bound) else math.nan


def phases(k: int, time_limit_s: float) -> dict[str, object]:
    """One instance's row (see :data:`FIELDS`)."""
    cost, p = load_pmed(DATA_DIR / f"pmed{k}.txt")
    opt = load_optima()[f"pmed{k}"]
    r = solve(make_problem("pmedian", [1.0] * cost.shape[0], cost, p=p), solver="pmedian-benders",
              options=SolveOptions(time_limit_s=time_limit_s))
    d = r.details
    return {
        "instance": f"pmed{k}", "n": cost.shape[0], "p": p, "optimum": opt, "status": r.status.value,
        "objective": r.objective, "optimum_reached": "yes" if r.objective == opt and r.verified else "no",
        "lagrangian_bound": d.get("lagrangian_bound", ""), "lagrangian_gap": _gap(d.get("lagrangian_bound"), opt),
        "benders_lp_bound": d.get("benders_lp_bound", ""), "benders_lp_gap": _gap(d.get("benders_lp_bound"), opt),
        **{key: d.get(key, "") for key in ("benders_lp_rounds", "benders_mip_rounds", "benders_cuts", "fixed_open",
                                           "fixed_closed", "benders_free_sites", "benders_fixed_by_lp")},
        "solve_s": r.solve_s, "loadavg_1m": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.pmed_phases", description=__doc__)
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per instance")
    ap.add_argument("--instances", default="1-40", help="range of pmed numbers, e.g. 1-40")
    ap.add_argument("--out", type=Path, required=True, help="CSV file")
    args = ap.parse_args(argv)
    lo, hi = (int(x) for x in args.instances.split("-"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, FIELDS)
        out.writeheader()
        for k in tqdm(range(lo, hi + 1), desc="pmed phases"):
            out.writerow(phases(k, args.time_limit))
            fh.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
