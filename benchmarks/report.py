"""The OR-Library comparison in ``benchmarks/README.md``: our exact path against the spopt peers.

``python -m benchmarks pmed-table benchmarks/results/pmed.csv`` prints the bullets and the table,
computed from the rows (one per instance and solver), so the README's figures can be regenerated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from benchmarks.runner import Row

OURS = "pmedian-exact"
PEERS = {"spopt-cbc": "spopt+CBC", "spopt-highs": "spopt+HiGHS"}
UNFINISHED = ("time_limit", "killed", "error", "crashed")


def _finished(row: Row | None) -> bool:
    return row is not None and row.status == "optimal" and row.optimum_reached in ("", "yes")


def _cell(row: Row | None) -> tuple[str, str]:
    if row is None:
        return "not run", ""
    if row.status == "killed":
        return f"> {row.wall_s:.0f}", "killed (no answer)"
    if row.status in ("time_limit",) and not math.isnan(row.time_limit_s):
        return f"> {row.time_limit_s:.0f}", "time_limit"
    return f"{row.wall_s:.2f}", row.status


def pmed_section(rows: Sequence[Row], time_limit_s: float = 300.0) -> str:
    """Markdown: what ours proves, speed-ups over the instances each peer finishes, and the table."""
    by = {(r.instance, r.solver): r for r in rows if r.suite == "pmed"}
    instances = sorted({r.instance for r in rows if r.suite == "pmed"}, key=lambda s: int(s.removeprefix("pmed")))
    ours = [by[(i, OURS)] for i in instances if (i, OURS) in by]
    proved = [r for r in ours if _finished(r)]
    lines = [f"- {OURS} proves optimality on **{len(proved)} of {len(instances)}** instances; total wall "
             f"{sum(r.wall_s for r in ours):.1f} s (slowest {max((r.wall_s for r in ours), default=math.nan):.1f} s)."]
    for peer, label in PEERS.items():
        done = [i for i in instances if _finished(by.get((i, peer))) and (i, OURS) in by]
        if done:
            t_peer = sum(by[(i, peer)].wall_s for i in done)
            t_ours = sum(by[(i, OURS)].wall_s for i in done)
            lines.append(f"- On the {len(done)} instances {label} solved within {time_limit_s:.0f} s: {label} "
                         f"{t_peer:.1f} s, {OURS} {t_ours:.1f} s: **{t_peer / max(t_ours, 1e-9):.0f}x faster**.")
        failed = [i for i in instances if (i, peer) in by and by[(i, peer)].status in UNFINISHED]
        if failed:
            ours_s = ", ".join(f"{i} {by[(i, OURS)].wall_s:.1f} s" for i in failed if (i, OURS) in by)
            how = ", ".join(sorted({by[(i, peer)].status for i in failed}))
            lines.append(f"- {label} did not finish {', '.join(failed)} ({how}); {OURS} proves them: {ours_s}.")
        missing = [i for i in instances if (i, peer) not in by]
        if missing:
            lines.append(f"- {label} was not run on {', '.join(missing)}.")
    head = ["instance", "n", "p", "optimum", f"{OURS} (s)", "status"]
    for label in PEERS.values():
        head += [f"{label} (s)", "status"]
    lines += ["", "| " + " | ".join(head) + " |", "|---|---:|---:|---:|---:|---|" + "---:|---|" * len(PEERS)]
    for i in instances:
        any_row = next(r for (inst, _), r in by.items() if inst == i)
        cells = [i, str(any_row.n), str(any_row.p), f"{any_row.optimum:.0f}", *_cell(by.get((i, OURS)))]
        for peer in PEERS:
            cells += _cell(by.get((i, peer)))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
