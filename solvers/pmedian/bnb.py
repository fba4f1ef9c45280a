r"""Lagrangian branch and bound over the site variables, for gaps the root bound leaves open.

Each node fixes some sites open (:math:`F_1`) and some closed (:math:`F_0`) and is bounded by the
Lagrangian dual of its restricted problem (:mod:`solvers.pmedian.lagrangian`, warm-started from
its parent's multipliers), which also fixes further sites by reduced cost for its subtree. A node
is pruned when its bound reaches the incumbent (for integral data, :math:`\lceil L \rceil \ge \bar z`)
or when its sites are all decided. Otherwise it branches on the free site :math:`j` whose average
subproblem value :math:`\bar y_j` (an estimate of the LP solution) is closest to 1/2:

.. math::

    (F_1 \cup \{j\}, F_0) \quad\text{and}\quad (F_1, F_0 \cup \{j\}).

Nodes are explored best bound first (deeper first among equal bounds), so the smallest bound in the
queue is a valid global lower bound at any time. The site rules' group limits are not in the
bound; leaves that break them are discarded.

The bound at each node is the LP bound of the compact model restricted to the node, as in a
branch and bound on that LP, but computed in a few hundred vectorised iterations over the
(compacted) neighbour lists instead of by simplex on an :math:`nm`-variable LP.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from solvers.pmedian.data import Neighbours, SiteRules, compact
from solvers.pmedian.lagrangian import LagrangianDual, fixing_target, proven

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]


@dataclass(order=True)
class _Node:
    lb: float
    depth_key: int
    seq: int
    fixed_open: BoolArray = field(compare=False)
    fixed_closed: BoolArray = field(compare=False)
    v: FloatArray = field(compare=False)
    nb: Neighbours = field(compare=False)


@dataclass
class BnbOutcome:
    """How the tree search ended: ``optimal`` (queue exhausted) or ``time_limit``/``node_limit``."""

    status: str
    bound: float
    nodes: int
    seconds: float
    open_nodes: int = 0


@dataclass
class _Bound:
    lb: float
    v: FloatArray
    fixed_open: BoolArray
    fixed_closed: BoolArray
    chosen: BoolArray
    ybar: FloatArray


#: Per-node re-packing of the lists is used while they hold at most this many entries.
COMPACT_PAIRS = 4_000_000


def _bound(
    nb: Neighbours, rules: SiteRules, fo: BoolArray, fc: BoolArray, v: FloatArray, lb0: float,
    incumbent: Callable[[], float], *, iters: int, patience: int, deadline: float, gap_rel: float,
) -> _Bound:
    """The Lagrangian bound of the node ``(fo, fc)``, with the fixings it implies."""
    dual = LagrangianDual(nb, rules)
    dual.fixed_open = fo.copy()
    dual.fixed_closed = fc.copy()
    res = dual.run(v, incumbent, deadline=deadline, max_iter=iters, lam0=1.0, patience=patience,
                   lam_min=1e-3, gap_rel=gap_rel, lb0=lb0)
    _, rho, chosen, _ = dual.evaluate(res.v)
    if math.isfinite(res.lb):
        dual.fix(res.lb, rho, fixing_target(incumbent(), nb.integral))
    ybar = res.ybar if res.ybar is not None else chosen.astype(np.float64)
    return _Bound(res.lb, res.v, dual.fixed_open.copy(), dual.fixed_closed.copy(), chosen, ybar)


def _decided(rules: SiteRules, fo: BoolArray, fc: BoolArray) -> tuple[bool, BoolArray | None]:
    """Whether the fixings decide every site, and the single solution left (``None`` if none is feasible)."""
    forced = rules.must_open | fo
    free = rules.allowed & ~forced & ~fc
    q = rules.p - int(forced.sum())
    nfree = int(free.sum())
    if q < 0 or q > nfree:
        return True, None
    if q == 0:
        return True, forced
    if q == nfree:
        return True, forced | free
    return False, None


def branch_and_bound(
    nb: Neighbours,
    rules: SiteRules,
    fixed_open: BoolArray,
    fixed_closed: BoolArray,
    v0: FloatArray,
    lb0: float,
    incumbent: Callable[[], float],
    offer: Callable[[BoolArray], None],
    *,
    deadline: float,
    gap_rel: float = 0.0,
    max_nodes: int = 200_000,
    node_iter: int = 100,
    node_patience: int = 10,
    strong_candidates: int = 4,
    strong_iter: int = 15,
    branch_rule: str = "frac",
    improve: Callable[[BoolArray, BoolArray, BoolArray], None] | None = None,
    improve_every: int = 25,
) -> BnbOutcome:
    r"""Best-first Lagrangian branch and bound from a root with the given fixings and multipliers.

    ``incumbent()`` is the current best objective; ``offer(mask)`` proposes a solution (checked and
    kept by the caller if better); ``improve(mask, fixed_open, fixed_closed)`` runs a local search
    from a node's subproblem solution every ``improve_every`` nodes.

    Branching is strong branching on the ``strong_candidates`` free sites whose :math:`\bar y_j` is
    closest to 1/2: each child is bounded by ``strong_iter`` warm-started subgradient iterations and
    the site whose weaker child bound is largest wins (those bounds are valid, and carried to the
    children). Nodes whose fixings close many sites re-pack the lists to the sites left.
    """
    t0 = time.perf_counter()
    integral = nb.integral
    heap: list[_Node] = [_Node(lb0, 0, 0, fixed_open.copy(), fixed_closed.copy(), v0.copy(), nb)]
    seq = 0
    nodes = 0
    kw = {"deadline": deadline, "gap_rel": gap_rel}
    # the smallest bound of a node pruned by the gap test: with a requested gap, pruned nodes may
    # hold solutions up to that gap better than the incumbent, so the bound is never the incumbent's
    pruned_lb = [math.inf]

    def pruned(lb: float) -> bool:
        if proven(lb, incumbent(), integral, gap_rel):
            pruned_lb[0] = min(pruned_lb[0], lb)
            return True
        return False

    while heap:
        if time.perf_counter() > deadline:
            return BnbOutcome("time_limit", min(heap[0].lb, pruned_lb[0], incumbent()), nodes,
                              time.perf_counter() - t0, len(heap))
        if nodes >= max_nodes:
            return BnbOutcome("node_limit", min(heap[0].lb, pruned_lb[0], incumbent()), nodes,
                              time.perf_counter() - t0, len(heap))
        node = heapq.heappop(heap)
        if pruned(node.lb):
            continue
        nodes += 1
        done, leaf = _decided(rules, node.fixed_open, node.fixed_closed)
        if done:
            if leaf is not None:
                offer(leaf)
            continue
        nbn = node.nb
        keep = nbn.allowed & ~node.fixed_closed
        if nbn.n * nbn.k <= COMPACT_PAIRS and int(keep.sum()) < 0.6 * nbn.k:
            nbn = compact(nbn, keep)
        b = _bound(nbn, rules, node.fixed_open, node.fixed_closed, node.v, node.lb, incumbent,
                   iters=node_iter, patience=node_patience, **kw)
        if not math.isfinite(b.lb) and b.lb > 0:
            continue  # the restricted problem is infeasible
        offer(b.chosen)
        if improve is not None and nodes % improve_every == 1:
            improve(b.chosen, b.fixed_open, b.fixed_closed)
        if pruned(b.lb):
            continue
        done, leaf = _decided(rules, b.fixed_open, b.fixed_closed)
        if done:
            if leaf is not None:
                offer(leaf)
            continue
        free = rules.allowed & ~rules.must_open & ~b.fixed_open & ~b.fixed_closed
        cand = np.flatnonzero(free)
        if branch_rule == "max":
            score = np.where(b.ybar[cand] < 0.999, b.ybar[cand], -1.0)
        elif branch_rule == "frac2":
            score = b.ybar[cand] * (1.0 - b.ybar[cand]) * (1.0 + b.ybar[cand])
        else:
            score = np.minimum(b.ybar[cand], 1.0 - b.ybar[cand])
        top = cand[np.argsort(-score, kind="stable")[: max(1, strong_candidates)]]
        best: tuple[float, float, _Bound, _Bound] | None = None
        for j in top:
            fo1 = b.fixed_open.copy()
            fo1[j] = True
            fc0 = b.fixed_closed.copy()
            fc0[j] = True
            if strong_candidates > 1:
                c1 = _bound(nbn, rules, fo1, b.fixed_closed, b.v, b.lb, incumbent, iters=strong_iter,
                            patience=5, **kw)
                c0 = _bound(nbn, rules, b.fixed_open, fc0, b.v, b.lb, incumbent, iters=strong_iter,
                            patience=5, **kw)
            else:
                c1 = _Bound(b.lb, b.v, fo1, b.fixed_closed, b.chosen, b.ybar)
                c0 = _Bound(b.lb, b.v, b.fixed_open, fc0, b.chosen, b.ybar)
            key = (min(c0.lb, c1.lb), max(c0.lb, c1.lb))
            if best is None or key > best[:2]:
                best = (key[0], key[1], c1, c0)
            if proven(key[0], incumbent(), integral, gap_rel):
                break  # both children are pruned already (recorded below)
        assert best is not None
        depth = -node.depth_key + 1
        for child in (best[2], best[3]):
            if pruned(child.lb):
                continue
            seq += 1
            heapq.heappush(heap, _Node(child.lb, -depth, seq, child.fixed_open, child.fixed_closed, child.v, nbn))
    return BnbOutcome("optimal", min(pruned_lb[0], incumbent()), nodes, time.perf_counter() - t0, 0)
