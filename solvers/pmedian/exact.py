r"""The exact p-median path: heuristics, Lagrangian bound and fixing, then the reduced model.

1. Upper bound: the warm start (if feasible) and lazy greedy, each improved by fast swap local
   search (:mod:`~solvers.pmedian.heuristic`).
2. Lower bound: subgradient optimisation of the Lagrangian dual of the assignment constraints
   (:mod:`~solvers.pmedian.lagrangian`), with Lagrangian heuristics (swap search started from the
   sites the relaxation opens) and reduced-cost fixing of the site variables.
   The MCLP (:func:`solve_mclp`) starts from its own greedy and steepest-ascent swaps on the
   coverage rows (:mod:`~solvers.pmedian.cover_search`), and if this phase leaves a gap, an iterated
   swap search polishes the incumbent before the closer starts (``polish_share`` of the time
   limit, and no longer than the solve so far).
3. Proof: if the bound meets the incumbent (for integral data, :math:`\lceil L \rceil \ge \bar z`),
   done. Otherwise the radius formulation over the sites left free
   (:mod:`~solvers.pmedian.reduced`) is solved by HiGHS, with the incumbent as its start.

The bound reported is :math:`\min(\bar z, \max(L^*, B_R))` with :math:`L^*` the best Lagrangian bound
and :math:`B_R` the reduced model's bound; both are bounds over the solutions consistent with the
fixings, and every other solution costs at least :math:`\bar z`.

Group limits are left out of the Lagrangian subproblem (a relaxation, so its bound stays valid)
and enforced by the heuristics and the reduced model.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from solvers.pmedian.cover_search import CoverSearch
from solvers.pmedian.data import Neighbours, SiteRules, build_neighbours, compact
from solvers.pmedian.heuristic import Inverted, greedy, swap_search
from solvers.pmedian.lagrangian import LagrangianDual, proven
from solvers.pmedian.mclp import mclp_as_pmedian
from solvers.pmedian.reduced import solve_reduced
from solvers.problem import Problem, SolveOptions
from solvers.result import Result, Status, relative_gap, settle_status, status_message

BoolArray = NDArray[np.bool_]
Polish = Callable[[BoolArray, float], "BoolArray | None"]


@dataclass(frozen=True)
class ExactSettings:
    """Tuning of the exact path (``SolveOptions.extra`` keys ``pmedian_<field>`` override them).

    Attributes:
        k: neighbour-list length (``None``: complete lists on small instances, see
            :func:`~solvers.pmedian.data.build_neighbours`).
        max_iter: subgradient iterations at most.
        stall_window: with non-integral data (no rounding of the bound helps the proof), the root
            phase ends when this many iterations closed less than 1% of the gap.
        lagrangian_share: share of the time limit the Lagrangian phase may use.
        heuristic_every: iterations between Lagrangian heuristics (the interval grows while they
            do not improve the incumbent).
        heuristic_share: most of the Lagrangian phase's time its heuristics may take (on small
            instances the cap never binds and runs are deterministic).
        heuristic_swaps: most swaps per Lagrangian heuristic run (``None``: ``max(25, p // 2)``).
        polish_share: share of the time limit an extra search (the ``polish`` hook of
            :func:`solve_lists`; the MCLP's iterated swap search) may take when the Lagrangian
            phase leaves a gap, before the closer starts; never longer than the solve so far.
        polish_stall: that search stops after this many rounds without improvement.
        polish_min_free: no polishing when fewer sites are left free by the fixing (the closer's
            model is then small and faster than any search).
        small_pairs: instances with at most this many demand-site pairs are small: their closer
            (branch and bound, or the reduced MIP) proves optimality faster than a long root phase, which
            there ends after ``small_stall_window`` iterations without 1% progress (non-integral data)
            and after ``small_max_iter`` iterations (p-median; ``small_mclp_max_iter`` for the MCLP).
            On the Norfolk case (538 x 53) this halves the time of the p-median and MCLP sweeps; larger
            instances are unaffected.
        small_lagrangian_heuristic: whether small p-median instances run the Lagrangian heuristic.
            Off by default: there the greedy and swap incumbent is near-optimal and the branch and bound
            closes the gap faster than swap searches from the relaxation's sites (measured on the
            Norfolk sweep, p = 1..49: 3.5 s to 1.7 s CPU with ``small_max_iter``; OR-Library
            pmed1-pmed15: 4.4 s to 1.1 s).
        lagrangian_heuristic: run the Lagrangian heuristic (swap search from the sites the relaxation
            opens) during the root phase.
        closer: how a gap left by the root Lagrangian phase is closed: ``"bnb"`` (Lagrangian
            branch and bound, :mod:`~solvers.pmedian.bnb`), ``"mip"`` (the reduced radius model
            in HiGHS, :mod:`~solvers.pmedian.reduced`), ``"benders"`` (the two-phase Benders
            decomposition of :mod:`~solvers.pmedian.benders`, master in HiGHS), ``"auto"`` (branch and
            bound unless the problem has group limits, which only the MIP models exactly), or ``"none"``.
    """

    k: int | None = None
    max_iter: int = 4000
    stall_window: int = 200
    small_pairs: int = 100_000
    small_stall_window: int = 20
    small_max_iter: int = 60
    small_mclp_max_iter: int = 200
    small_lagrangian_heuristic: bool = False
    lagrangian_heuristic: bool = True
    lagrangian_share: float = 0.5
    heuristic_every: int = 10
    heuristic_share: float = 0.3
    heuristic_swaps: int | None = None
    closer: str = "auto"
    polish_share: float = 0.25
    polish_stall: int = 300
    polish_min_free: int = 200
    node_iter: int = 100
    node_patience: int = 10
    strong_candidates: int = 1
    strong_iter: int = 15
    branch_rule: str = "frac"

    @classmethod
    def from_options(cls, options: SolveOptions) -> ExactSettings:
        kw: dict[str, object] = {}
        for name in cls.__dataclass_fields__:
            key = f"pmedian_{name}"
            if key in options.extra:
                kw[name] = options.extra[key]
        return cls(**kw)  # type: ignore[arg-type]


class _Incumbent:
    def __init__(self, nb: Neighbours, rules: SiteRules) -> None:
        self.nb = nb
        self.rules = rules
        self.mask: BoolArray | None = None
        self.obj = math.inf
        self.found_by = ""

    def offer(self, mask: BoolArray | None, obj: float | None = None, by: str = "") -> bool:
        if mask is None or not self.rules.feasible(mask):
            return False
        val = self.nb.objective(mask) if obj is None else obj
        if val < self.obj - 1e-9 * max(1.0, abs(val)):
            self.mask, self.obj, self.found_by = mask.copy(), val, by
            return True
        return False


@dataclass
class Outcome:
    """What :func:`solve_lists` proved: the best solution, a lower bound and whether time ran out."""

    mask: BoolArray | None
    objective: float
    bound: float
    timed_out: bool
    details: dict[str, object]


def solve_lists(
    nb: Neighbours,
    rules: SiteRules,
    options: SolveOptions,
    settings: ExactSettings,
    *,
    t0: float,
    warm_start: BoolArray | None = None,
    polish: Polish | None = None,
) -> Outcome:
    """The exact path on neighbour lists (see the module docstring); time counts from ``t0``.

    ``polish(mask, deadline)`` may improve the incumbent once the Lagrangian phase leaves a gap
    (given ``settings.polish_share`` of the time limit); it returns a mask or ``None``.
    """
    limit = options.time_limit_s if options.time_limit_s is not None else math.inf
    deadline = t0 + limit
    details: dict[str, object] = {"list_length": nb.k, "complete_lists": nb.complete, "integral": nb.integral}
    inc = _Incumbent(nb, rules)
    t_h = time.perf_counter()
    if warm_start is not None and rules.feasible(warm_start):
        inc.offer(warm_start, by="warm start")
        ls_mask, ls_obj = swap_search(nb, rules, warm_start, deadline=deadline)
        inc.offer(ls_mask, ls_obj, by="warm start + swap")
    g = greedy(nb, rules, inverted=Inverted(nb), deadline=deadline)
    if g is not None:
        inc.offer(g, by="greedy")
        ls_mask, ls_obj = swap_search(nb, rules, g, deadline=deadline)
        inc.offer(ls_mask, ls_obj, by="greedy + swap")
    details["heuristic_s"] = time.perf_counter() - t_h
    details["heuristic_objective"] = inc.obj

    lb = -math.inf
    dual = LagrangianDual(nb, rules)
    free_left = int(dual.free().sum())
    if nb.n == 0:
        lb = 0.0
    elif free_left == 0 or rules.p - int(dual.forced().sum()) in (0, free_left):
        # the site rules leave a single choice
        only = dual.forced()
        if rules.p - int(dual.forced().sum()) == free_left:
            only |= dual.free()
        inc.offer(only, by="the only choice")
        lb = inc.obj
    else:
        # multipliers start at each point's weighted cost in the incumbent (its second site if none)
        if inc.mask is not None:
            _, d1, _, _ = nb.nearest_two(inc.mask)
            v0 = nb.w * np.where(np.isfinite(d1), d1, nb.dist[:, min(1, nb.k - 1)])
        else:
            v0 = nb.wd[:, min(1, nb.k - 1)].copy()
        schedule = {"every": settings.heuristic_every, "next": settings.heuristic_every, "s": 0.0,
                    "t": time.perf_counter()}
        max_swaps = settings.heuristic_swaps if settings.heuristic_swaps is not None else max(25, rules.p // 2)
        last_start: list[bytes] = [b""]
        lag_deadline = min(deadline, t0 + settings.lagrangian_share * limit) if math.isfinite(limit) else math.inf

        def on_iterate(it: int, val: float, chosen: BoolArray, rho: NDArray[np.float64]) -> None:
            # Lagrangian heuristic: swap search from the sites the relaxation opens. Deterministic
            # schedule: the interval grows by half after each run that does not improve the incumbent.
            if it < schedule["next"]:
                return
            if schedule["s"] > settings.heuristic_share * (time.perf_counter() - schedule["t"]) + 1.0:
                return
            key = np.packbits(chosen).tobytes()
            if key == last_start[0] or not rules.feasible(chosen):
                return
            last_start[0] = key
            th = time.perf_counter()
            mask, obj = swap_search(nb, rules, chosen, forced_open=dual.fixed_open, forced_closed=dual.fixed_closed,
                                    deadline=lag_deadline, max_swaps=max_swaps)
            if inc.offer(mask, obj, by="Lagrangian heuristic"):
                schedule["every"] = settings.heuristic_every
            else:
                schedule["every"] = min(schedule["every"] * 1.5, 20.0 * settings.heuristic_every)
            schedule["next"] = it + schedule["every"]
            schedule["s"] += time.perf_counter() - th

        res = dual.run(v0, lambda: inc.obj, deadline=lag_deadline, max_iter=settings.max_iter,
                       gap_rel=options.gap_rel, on_iterate=on_iterate if settings.lagrangian_heuristic else None,
                       stall_window=0 if nb.integral else (settings.small_stall_window
                                                           if nb.n * nb.m <= settings.small_pairs
                                                           else settings.stall_window))
        lb = res.lb
        # the relaxation's own solution at the best multipliers (optimal when it serves every point once)
        inc.offer(dual.evaluate(res.v)[2], by="Lagrangian subproblem")
        free_now = int(dual.free().sum())
        details.update(
            lagrangian_iterations=res.iterations, lagrangian_s=res.seconds, lagrangian_bound=res.lb,
            lagrangian_heuristic_s=schedule["s"], fixed_open=int(dual.fixed_open.sum()),
            fixed_closed=int(dual.fixed_closed.sum()), free_sites=free_now,
        )
        big = free_now >= settings.polish_min_free
        gap_left = not proven(lb, inc.obj, nb.integral, options.gap_rel)
        if polish is not None and big and gap_left and inc.mask is not None:
            t_p = time.perf_counter()
            # no longer than the solve so far: on small instances the closer is faster than any search
            budget = min(settings.polish_share * limit if math.isfinite(limit) else math.inf, t_p - t0)
            polished = polish(inc.mask, min(deadline, t_p + budget))
            if polished is not None:
                inc.offer(polished, by="iterated swap search")
            details["polish_s"] = time.perf_counter() - t_p
        closer = settings.closer
        if closer == "auto":
            closer = "mip" if rules.has_groups else "bnb"
        details["closer"] = closer
        if not proven(lb, inc.obj, nb.integral, options.gap_rel) and closer == "bnb":
            from solvers.pmedian.bnb import branch_and_bound  # each closer imported when it runs

            t_b = time.perf_counter()
            nbc = compact(nb, ~dual.fixed_closed)

            def offer(mask: BoolArray) -> None:
                if rules.feasible(mask):
                    inc.offer(mask, nbc.objective(mask), by="branch and bound")

            def improve(mask: BoolArray, fo: BoolArray, fc: BoolArray) -> None:
                if rules.feasible(mask):
                    m2, o2 = swap_search(nbc, rules, mask, forced_open=fo, forced_closed=fc, deadline=deadline)
                    inc.offer(m2, o2, by="branch and bound + swap")

            out_b = branch_and_bound(nbc, rules, dual.fixed_open, dual.fixed_closed, res.v, lb, lambda: inc.obj, offer,
                                     deadline=deadline, gap_rel=options.gap_rel, improve=improve,
                                     node_iter=settings.node_iter, node_patience=settings.node_patience,
                                     strong_candidates=settings.strong_candidates, strong_iter=settings.strong_iter,
                                     branch_rule=settings.branch_rule)
            lb = max(lb, out_b.bound)
            details.update(bnb_status=out_b.status, bnb_nodes=out_b.nodes, bnb_s=time.perf_counter() - t_b,
                           bnb_open_nodes=out_b.open_nodes, compact_list_length=nbc.k)
        elif not proven(lb, inc.obj, nb.integral, options.gap_rel) and closer == "benders":
            from solvers.pmedian.benders import solve_benders

            out_bd = solve_benders(nb, rules, dual.fixed_open, dual.fixed_closed, inc.mask, inc.obj, ybar=res.ybar,
                                   v=res.v, deadline=deadline, gap_rel=options.gap_rel, verbose=options.verbose)
            inc.offer(out_bd.open_mask, by="Benders master")
            lb = max(lb, out_bd.bound)
            details.update({f"benders_{k}": v for k, v in vars(out_bd).items()
                            if k not in ("open_mask", "objective", "bound")})
        elif not proven(lb, inc.obj, nb.integral, options.gap_rel) and closer == "mip":
            out = solve_reduced(nb, rules, dual.fixed_open, dual.fixed_closed, inc.mask, inc.obj,
                                deadline=deadline, gap_rel=options.gap_rel, verbose=options.verbose)
            inc.offer(out.open_mask, by="reduced model")
            lb = max(lb, out.bound)
            details.update(reduced_status=out.status, reduced_rounds=out.rounds, reduced_pairs=out.pairs,
                           reduced_s=out.seconds, reduced_message=out.message)
    details["found_by"] = inc.found_by
    timed_out = time.perf_counter() >= deadline - 1e-3
    bound = min(inc.obj, lb) if math.isfinite(lb) or lb > 0 else math.nan
    if nb.integral and math.isfinite(bound):
        bound = float(min(inc.obj, math.ceil(bound - 1e-6)))
    return Outcome(inc.mask, inc.obj, bound, timed_out, details)


def _status(objective: float, bound: float, gap_rel: float, timed_out: bool) -> tuple[Status, str]:
    """Status of the objective and bound as reported (the rule of :class:`~solvers.result.Status`)."""
    status = settle_status(objective, bound, gap_rel=gap_rel, time_limited=timed_out)
    if status is Status.TIME_LIMIT:
        return status, "time limit reached; bound from the Lagrangian relaxation and branch and bound"
    if status is Status.FEASIBLE:
        return status, "stopped with a gap"
    return status, status_message(status, gap_rel)


def solve_pmedian(problem: Problem, options: SolveOptions, name: str = "pmedian-exact", version: str = "") -> Result:
    """Solve a p-median ``problem`` exactly (or until ``options.time_limit_s``)."""
    settings = ExactSettings.from_options(options)
    t0 = time.perf_counter()
    nb = build_neighbours(problem, settings.k)
    rules = SiteRules.from_problem(problem)
    if nb.n * nb.m <= settings.small_pairs:
        settings = replace(settings, max_iter=min(settings.max_iter, settings.small_max_iter),
                           lagrangian_heuristic=settings.lagrangian_heuristic and settings.small_lagrangian_heuristic)
    build_s = time.perf_counter() - t0
    base = Result(model=problem.kind, status=Status.ERROR, solver=name, solver_version=version, build_s=build_s)
    if nb.n and np.any(np.isinf(nb.dist[:, 0])):
        bad = int(nb.clients[np.flatnonzero(np.isinf(nb.dist[:, 0]))[0]])
        return base.with_(status=Status.INFEASIBLE, message=f"demand point {bad} can reach no site that may open")
    warm = None
    if options.warm_start is not None:
        warm = np.zeros(problem.m, dtype=bool)
        warm[list(options.warm_start)] = True
    out = solve_lists(nb, rules, options, settings, t0=t0, warm_start=warm)
    solve_s = time.perf_counter() - t0 - build_s
    base = base.with_(solve_s=solve_s, wall_s=build_s + solve_s, details=out.details)
    if out.mask is None:
        return base.with_(**_no_solution(out))
    objective = _objective(problem, out.mask)
    status, msg = _status(objective, out.bound, options.gap_rel, out.timed_out)
    return base.with_(status=status, selected=tuple(int(j) for j in np.flatnonzero(out.mask)), objective=objective,
                      bound=out.bound, gap=relative_gap(objective, out.bound), message=msg)


def solve_mclp(problem: Problem, options: SolveOptions, name: str = "mclp-exact", version: str = "") -> Result:
    """Solve an MCLP ``problem`` exactly through its p-median form (:mod:`solvers.pmedian.mclp`)."""
    settings = ExactSettings.from_options(options)
    if settings.closer == "auto":
        # 0/1 costs leave the Lagrangian branch and bound with many ties; the reduced MIP closes faster
        settings = replace(settings, closer="mip")
    t0 = time.perf_counter()
    form = mclp_as_pmedian(problem)
    nb, rules = form.nb, form.rules
    if nb.n * nb.m <= settings.small_pairs:
        settings = replace(settings, max_iter=min(settings.max_iter, settings.small_mclp_max_iter))
    build_s = time.perf_counter() - t0
    base = Result(model=problem.kind, status=Status.ERROR, solver=name, solver_version=version, build_s=build_s)
    deadline = t0 + (options.time_limit_s if options.time_limit_s is not None else math.inf)
    search = CoverSearch.from_lists(nb, rules)
    starts = []
    if options.warm_start is not None:
        warm = np.zeros(nb.m, dtype=bool)
        warm[list(options.warm_start)] = True
        warm[form.dummy] = True
        if rules.feasible(warm):
            starts.append(warm)
    g = search.greedy()
    if g is not None:
        starts.append(g)
    start = None
    if starts:
        polished = [search.local(s0, deadline=deadline) for s0 in starts]
        start = max(polished, key=lambda mv: mv[1])[0]

    def polish(mask: BoolArray, until: float) -> BoolArray | None:
        return search.iterate(mask, deadline=until, stall=settings.polish_stall)[0]

    # the requested gap is on the covered weight (the objective reported), the machinery's on the
    # uncovered weight U: U - L <= g (C - U_0) / U_0 * U, with U_0 >= U the start's, implies
    # (C - L) - (C - U) <= g (C - U), the requested gap on the coverage
    inner = replace(options, gap_rel=_uncovered_gap(options.gap_rel, form.coverable_weight,
                                                    nb.objective(start) if start is not None else math.inf))
    out = solve_lists(nb, rules, inner, settings, t0=t0, warm_start=start, polish=polish)
    solve_s = time.perf_counter() - t0 - build_s
    base = base.with_(solve_s=solve_s, wall_s=build_s + solve_s, details=out.details)
    upper = form.coverable_weight - out.bound if math.isfinite(out.bound) else math.nan
    if out.mask is None:
        return base.with_(**_no_solution(out))
    selected = tuple(int(j) for j in np.flatnonzero(out.mask[: problem.m]))
    covered = form.coverable_weight - out.objective
    status, msg = _status(covered, upper, options.gap_rel, out.timed_out)
    return base.with_(status=status, selected=selected, objective=covered, bound=upper,
                      gap=relative_gap(covered, upper), message=msg)


def _uncovered_gap(gap_rel: float, coverable: float, uncovered_start: float) -> float:
    """The relative gap on the uncovered weight that guarantees ``gap_rel`` on the covered weight."""
    if gap_rel <= 0.0 or not math.isfinite(uncovered_start) or uncovered_start <= 0.0:
        return 0.0
    return gap_rel * max(0.0, coverable - uncovered_start) / uncovered_start


def _no_solution(out: Outcome) -> dict[str, object]:
    """Status fields when no solution was found: infeasible if the search was complete."""
    if out.bound == math.inf and not out.timed_out:
        return {"status": Status.INFEASIBLE, "message": "no choice of sites satisfies the site rules"}
    if out.timed_out:
        return {"status": Status.TIME_LIMIT, "message": "no feasible solution found before the time limit"}
    return {"status": Status.ERROR, "message": "no feasible solution found"}


def _objective(problem: Problem, mask: BoolArray) -> float:
    r""":math:`\sum_i w_i \min_{j \in S} d_{ij}` over every demand point, as the independent check computes it."""
    sel = np.flatnonzero(mask)
    d = np.asarray(problem.cost[:, sel], dtype=np.float64).min(axis=1)
    w = np.asarray(problem.weights, dtype=np.float64)
    pos = w > 0
    return float(w[pos] @ d[pos])
