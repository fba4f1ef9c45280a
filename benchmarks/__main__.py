"""Command line: ``python -m benchmarks run|summary|pmed-table|list|job``.

Examples::

    python -m benchmarks run --suite pmed --solvers pmedian-exact,spopt-cbc --time-limit 300 \
        --out benchmarks/results/raw/pmed
    python -m benchmarks run --suite pmed --solvers pmedian-exact --instances pmed1,pmed6 --time-limit 60 --out /tmp/b
    python -m benchmarks summary benchmarks/results/raw/pmed/results.csv other.csv --out benchmarks/results/pmed.md
    python -m benchmarks pmed-table benchmarks/results/pmed.csv
    python -m benchmarks list --suite england
    python -m benchmarks startup --runs 7 --baseline main --out benchmarks/results
    python -m benchmarks travel-england --out benchmarks/results/travel-england.csv --write-parameters
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from benchmarks import runner
from benchmarks.cases import SUITES, SuiteUnavailable, suite_cases


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["startup"]:  # its own options (benchmarks/startup.py)
        from benchmarks import startup

        return startup.main(argv[1:])
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run a suite; one CSV row per (instance, solver)")
    r.add_argument("--suite", required=True, choices=sorted(SUITES))
    r.add_argument("--solvers", default="pmedian-exact", help="comma-separated: backends, spopt-cbc, spopt-highs")
    r.add_argument("--time-limit", type=float, default=None, help="seconds per job (solver time limit)")
    r.add_argument("--out", type=Path, required=True, help="directory for results.csv, summary.md and raw/ logs")
    r.add_argument("--instances", default="", help="comma-separated instance names (default: the whole suite)")
    r.add_argument("--threads", type=int, default=None)
    r.add_argument("--in-process", action="store_true", help="no subprocess per job (memory is then the process peak)")
    r.add_argument("--resume", action="store_true", help="keep the rows in OUT/results.csv and skip their jobs")
    r.add_argument("--extra", default="", help="JSON dict passed to our backends as SolveOptions.extra")
    r.add_argument("--gap", type=float, default=0.0, help="relative gap at which every solver may stop (default 0)")
    s = sub.add_parser("summary", help="merge result CSVs into one markdown summary")
    s.add_argument("csv", nargs="+", type=Path)
    s.add_argument("--out", type=Path, required=True, help="markdown file (a merged CSV is written next to it)")
    s.add_argument("--title", default="Benchmark results")
    pt = sub.add_parser("pmed-table", help="print the OR-Library comparison (ours against spopt) from result CSVs")
    pt.add_argument("csv", nargs="+", type=Path)
    li = sub.add_parser("list", help="list the instances of a suite")
    li.add_argument("--suite", required=True, choices=sorted(SUITES))
    st = sub.add_parser("startup", add_help=False,
                        help="time `siting --help` and a Norfolk solve as whole processes (startup --help for options)")
    st.add_argument("rest", nargs=argparse.REMAINDER)
    te = sub.add_parser("travel-england", help="calibrate and cross-validate the England drive-time estimator")
    te.add_argument("--out", type=Path, default=Path("benchmarks/results/travel-england.csv"))
    te.add_argument("--write-parameters", action="store_true",
                    help="refit on all pairs and write siting/data/england_drive_estimator.npz")
    te.add_argument("--variants", choices=("yes", "no", "only"), default="yes",
                    help="also measure the candidate terms in an East of England window (only: nothing else)")
    j = sub.add_parser("job", help=argparse.SUPPRESS)
    j.add_argument("--case", required=True)
    j.add_argument("--solver", required=True)
    j.add_argument("--time-limit", type=float, default=None)
    j.add_argument("--threads", type=int, default=None)
    j.add_argument("--extra", default="")
    j.add_argument("--gap", type=float, default=0.0)
    args = ap.parse_args(argv)

    if args.cmd in ("run", "job"):
        if args.extra:
            runner.OUR_EXTRA.update(json.loads(args.extra))
        runner.GAP_REL[0] = args.gap
    if args.cmd == "run":
        solvers = [x.strip() for x in args.solvers.split(",") if x.strip()]
        names = [x.strip() for x in args.instances.split(",") if x.strip()] or None
        runner.run(args.suite, solvers, args.time_limit, args.out, names, args.threads, args.in_process, args.resume)
        return 0
    if args.cmd == "travel-england":
        from benchmarks import travel_england

        if args.variants == "only":
            travel_england.run_variants(args.out)
        else:
            travel_england.run(args.out, write_parameters=args.write_parameters, variants=args.variants == "yes")
        return 0
    if args.cmd == "summary":
        rows = [row for path in args.csv for row in runner.read_csv(path)]
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(runner.summary_markdown(rows, args.title))
        runner.write_csv(args.out.with_suffix(".csv"), rows)
        print(f"wrote {args.out} and {args.out.with_suffix('.csv')}")
        return 0
    if args.cmd == "pmed-table":
        from benchmarks.report import pmed_section

        print(pmed_section([row for path in args.csv for row in runner.read_csv(path)]), end="")
        return 0
    if args.cmd == "list":
        try:
            for c in suite_cases(args.suite):
                print(c.name, "" if c.optimum is None else c.optimum)
        except SuiteUnavailable as exc:
            print(f"suite {args.suite} unavailable: {exc}")
        return 0
    runner.job_main(args.case, args.solver, args.time_limit, args.threads)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
