r"""``mclp-merged``: the exact MCLP on merged coverage rows (aggregation, LP-dual bound, fixing, master MIP).

For demand weights :math:`w_i`, coverage sets :math:`N_i` and site rules :math:`Y` (:math:`p` sites,
must-open, must-close, group limits) the MCLP is

.. math::

    \max \sum_i w_i z_i \quad\text{s.t.}\quad z_i \le \sum_{j \in N_i} y_j,\;
    \sum_j y_j = p,\; y \in Y \subseteq \{0,1\}^m,\; 0 \le z \le 1 .

Steps (each bound a true bound by the inequality stated in its module):

1. *Isomorphic aggregation* (:mod:`~solvers.covering.coverage`): one row per distinct coverage set.
2. *Incumbent*: greedy, steepest-ascent swaps and iterated swap search on the merged rows
   (:class:`~solvers.pmedian.cover_search.CoverSearch`), from the warm start too.
3. *Root bound*: the LP relaxation by HiGHS' interior point method; its duals are Lagrangian
   multipliers whose bound :math:`L(\lambda)` is recomputed exactly (:mod:`~solvers.covering.bound`),
   with reduced-cost fixing of sites against the incumbent.
4. *Master*: the merged model restricted by the fixings, with site-dominance inequalities, solved by
   HiGHS with the incumbent as its start (:mod:`~solvers.covering.master`).

The bound reported is :math:`\max(\bar z, \min(L(\lambda), K + B_M))`: :math:`L(\lambda)` holds for
every plan; the fixings remove only plans no better than the incumbent :math:`\bar z`, and the master's
bound :math:`K + B_M` holds for every plan consistent with them, so the optimum is at most
:math:`\max(\bar z, K + B_M)` as well.

Why not a branch-and-Benders-cut loop (Cordeau, Furini & Ljubić 2019): its master relaxation is the LP
above, whose bound step 3 already computes, and HiGHS 1.12 offers no lazy-constraint callback; after
merging, the master with every cut present (step 4) is small enough to hand over whole.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from solvers.covering.bound import lagrangian_bound, lp_multipliers
from solvers.covering.coverage import build_coverage, dominance_pairs, restrict
from solvers.covering.master import solve_master
from solvers.pmedian.cover_search import CoverSearch
from solvers.pmedian.data import SiteRules
from solvers.problem import Problem, SolveOptions
from solvers.result import Result, Status, relative_gap, settle_status, status_message

BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class MergedSettings:
    """Tuning (``SolveOptions.extra`` keys ``mclp_<field>`` override them).

    Attributes:
        search_share: share of the time limit the iterated swap search may take.
        search_stall: it stops after this many rounds without improvement.
        lp_share: share of the time limit the root LP may take.
        dominance: add the site-dominance inequalities to the master.
        master: run the master MIP when the root leaves a gap.
    """

    search_share: float = 0.15
    search_stall: int = 300
    lp_share: float = 0.4
    dominance: bool = True
    master: bool = True

    @classmethod
    def from_options(cls, options: SolveOptions) -> MergedSettings:
        kw = {f: options.extra[f"mclp_{f}"] for f in cls.__dataclass_fields__ if f"mclp_{f}" in options.extra}
        return cls(**kw)  # type: ignore[arg-type]


def solve_mclp_merged(problem: Problem, options: SolveOptions, name: str = "mclp-merged",
                      version: str = "") -> Result:
    """Solve an MCLP ``problem`` (module docstring); stops at ``options.time_limit_s``."""
    assert problem.p is not None
    settings = MergedSettings.from_options(options)
    t0 = time.perf_counter()
    limit = options.time_limit_s if options.time_limit_s is not None else math.inf
    deadline = t0 + limit
    cov = build_coverage(problem)
    rules = SiteRules.from_problem(problem)
    build_s = time.perf_counter() - t0
    details: dict[str, object] = {"rows": cov.rows, "points": cov.points, "pairs": int(cov.matrix.nnz)}
    base = Result(model=problem.kind, status=Status.ERROR, solver=name, solver_version=version, build_s=build_s)

    search = CoverSearch(cov.matrix, cov.w, rules)
    starts: list[BoolArray] = []
    if options.warm_start is not None:
        warm = np.zeros(problem.m, dtype=bool)
        warm[list(options.warm_start)] = True
        if rules.feasible(warm):
            starts.append(warm)
    g = search.greedy()
    if g is not None:
        starts.append(g)
    allowed, must = rules.allowed, rules.must_open
    inc: BoolArray | None = None
    inc_v = -math.inf
    fix_open, fix_closed = must.copy(), ~allowed
    root_value = cov.coverable  # no plan covers more
    if starts:
        polished = [search.local(s0, deadline=deadline) for s0 in starts]
        inc = max(polished, key=lambda mv: mv[1])[0]
        inc_v = cov.value(inc)
        details["greedy_swap_value"] = inc_v
    if inc is not None and cov.rows and not _proven(inc_v, root_value, options.gap_rel):
        lp_limit = settings.lp_share * limit if math.isfinite(limit) else 1e9
        lp = lp_multipliers(cov, p=rules.p, must_open=must, allowed=allowed, time_limit_s=lp_limit,
                            threads=options.threads or 1)
        root = lagrangian_bound(cov, lp.lam, p=rules.p, must_open=must, allowed=allowed, incumbent=inc_v)
        details.update(lp_s=lp.seconds, lp_status=lp.status, lp_value=lp.lp_value, root_bound=root.value)
        if not _proven(inc_v, max(inc_v, root.value), options.gap_rel):
            t_s = time.perf_counter()
            budget = min(deadline, t_s + settings.search_share * limit) if math.isfinite(limit) else math.inf
            stall = min(settings.search_stall, 10 * rules.p)
            better, _, rounds = search.iterate(inc, deadline=budget, stall=stall, seed=options.seed)
            if cov.value(better) > inc_v:
                inc, inc_v = better, cov.value(better)
                # the fixing depends on the incumbent: recompute it (the multipliers stay)
                root = lagrangian_bound(cov, lp.lam, p=rules.p, must_open=must, allowed=allowed, incumbent=inc_v)
            details.update(search_s=time.perf_counter() - t_s, search_rounds=rounds, search_value=inc_v)
        root_value = min(root_value, root.value)
        fix_open |= root.fixed_open
        fix_closed |= root.fixed_closed
        details.update(fixed_open=int(root.fixed_open.sum()), fixed_closed=int(root.fixed_closed.sum()))
    bound = max(inc_v, root_value)
    if inc is not None and (_proven(inc_v, bound, options.gap_rel) or not settings.master
                            or time.perf_counter() >= deadline):
        return _finish(problem, base, inc, bound, options, t0, build_s, details,
                       timed_out=not _proven(inc_v, bound, options.gap_rel))

    fo, fc = fix_open, fix_closed
    sub = restrict(cov, fo, fc)
    free = ~fo & ~fc
    pairs = dominance_pairs(sub, free, rules.member) if settings.dominance else []
    details.update(master_rows=sub.rows, master_sites=int(free.sum()), dominance_pairs=len(pairs))
    out = solve_master(sub, free=free, fixed_open=fo, q=rules.p - int(fo.sum()), member=rules.member,
                       gmin=rules.gmin, gmax=rules.gmax, pairs=pairs, start=inc,
                       time_limit_s=max(1.0, deadline - time.perf_counter()) if math.isfinite(limit) else 1e9,
                       gap_rel=options.gap_rel, threads=options.threads or 1, verbose=options.verbose)
    details.update(master_status=out.status, master_s=out.seconds, master_nodes=out.nodes, master_bound=out.bound)
    if out.open_mask is not None and rules.feasible(out.open_mask):
        v = cov.value(out.open_mask)
        if inc is None or v > inc_v:
            inc, inc_v = out.open_mask, v
            details["found_by"] = "master"
    # plans removed by fixing are no better than the incumbent; the rest are bounded by the master
    bound = max(inc_v, min(root_value, out.bound))
    timed_out = time.perf_counter() >= deadline - 1e-3 or "limit" in out.status.lower()
    return _finish(problem, base, inc, bound, options, t0, build_s, details, timed_out=timed_out)


def _proven(value: float, bound: float, gap_rel: float) -> bool:
    return settle_status(value, bound, gap_rel=gap_rel, time_limited=False) in (Status.OPTIMAL, Status.WITHIN_GAP)


def _finish(problem: Problem, base: Result, mask: BoolArray | None, bound: float, options: SolveOptions,
            t0: float, build_s: float, details: dict[str, object], *, timed_out: bool) -> Result:
    wall = time.perf_counter() - t0
    base = base.with_(solve_s=wall - build_s, wall_s=wall, details=details)
    if mask is None:
        if bound == -math.inf and not timed_out:
            return base.with_(status=Status.INFEASIBLE, message="no choice of sites satisfies the site rules")
        return base.with_(status=Status.TIME_LIMIT if timed_out else Status.ERROR, message="no feasible plan found")
    covered = _covered(problem, mask)
    status = settle_status(covered, bound, gap_rel=options.gap_rel, time_limited=timed_out)
    msg = status_message(status, options.gap_rel)
    if status is Status.TIME_LIMIT:
        msg += "; bound from the LP duals (exact Lagrangian) and the master MIP"
    return base.with_(status=status, selected=tuple(int(j) for j in np.flatnonzero(mask)), objective=covered,
                      bound=bound, gap=relative_gap(covered, bound), message=msg)


def _covered(problem: Problem, mask: BoolArray) -> float:
    """Covered weight recomputed from the cost matrix, as the independent check counts it."""
    assert problem.radius is not None
    sel = np.flatnonzero(mask)
    w = np.asarray(problem.weights, dtype=np.float64)
    if sel.size == 0:
        return 0.0
    hit = np.zeros(problem.n, dtype=bool)
    for s in range(0, problem.n, 4096):
        hit[s:s + 4096] = np.any(np.asarray(problem.cost[s:s + 4096][:, sel]) <= problem.radius, axis=1)
    return math.fsum(w[hit].tolist())
