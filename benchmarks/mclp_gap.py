r"""Benchmark: why the national MCLP resists a proof (``python -m benchmarks.mclp_gap --out DIR``).

For the national instance (every English LSOA x every 2016 library, 20 minutes; :mod:`benchmarks.england`)
and each base count :math:`p`, on the merged coverage rows (:mod:`solvers.covering.coverage`):

* the LP relaxation solved to a vertex by HiGHS' dual simplex: its value (a true bound, recomputed from its
  duals by :func:`solvers.covering.bound.lagrangian_bound`), how many sites it opens fractionally and how
  many bases those fractions add up to;
* the best plan known (the best verified objective in the ``--plans`` result CSVs, e.g.
  ``benchmarks/results/england-mclp-*.csv``), and the gap between it and the bound: a proof must close this
  gap by branching or by a stronger bound;
* with ``--regions K``, a stronger bound tried: Lagrangian decomposition over ``K`` demand regions
  (k-means of the rows' covering sites; Senne, Pereira & Lorena 2010 relax the coupling between clusters the
  same way) at the LP's prices. Each region's sub-problem

  .. math::

      \max \sum_{r \in G_k} w_r z_r - \sum_{j} \lambda^k_j y_j \;\text{s.t.}\; z_r \le \sum_{j \in N_r} y_j,\;
      y \in \{0,1\},\; 0 \le z \le 1, \qquad \lambda^k_j = \sum_{r \in G_k : j \in N_r} \pi_r,

  is solved exactly by HiGHS (its dual bound is used, so the sum is a true bound), and the cardinality part
  takes the :math:`p` largest :math:`\sum_k \lambda^k_j`. At :math:`\lambda` from the LP this bound is at
  most the LP's; how much lower it is shows how much of the gap is local to regions.

Also the set-cover number (fewest sites reaching every coverable area, ``--set-cover-s`` seconds of HiGHS):
from that many bases on, every plan that covers everything is optimal and the proof is immediate.
Results: ``DIR/mclp-gap.csv`` (one row per p, with the load) and ``DIR/mclp-gap.md``.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import time
from pathlib import Path

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from solvers.covering.bound import lagrangian_bound
from solvers.covering.coverage import Coverage, build_coverage

FloatArray = NDArray[np.float64]
FRACTIONAL = 1e-6


def _highs(verbose: bool = False) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", verbose)
    h.setOptionValue("threads", 1)
    return h


def _mclp_model(h: highspy.Highs, a: sp.csr_matrix, w: FloatArray, p: int | None, cost: FloatArray | None) -> None:
    """max w.z - cost.y  s.t. z_r <= sum_{j in N_r} y_j (and sum y = p), 0 <= y, z <= 1."""
    n, m = a.shape
    h.addVars(m, np.zeros(m), np.ones(m))
    h.addVars(n, np.zeros(n), np.ones(n))
    obj = np.concatenate([-(cost if cost is not None else np.zeros(m)), w])
    h.changeColsCost(m + n, np.arange(m + n, dtype=np.int32), obj)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    rows = sp.hstack([-a, sp.identity(n, format="csr")]).tocsr()
    h.addRows(n, np.full(n, -highspy.kHighsInf), np.zeros(n), rows.nnz, rows.indptr[:-1].astype(np.int32),
              rows.indices.astype(np.int32), rows.data.astype(np.float64))
    if p is not None:
        h.addRow(float(p), float(p), m, np.arange(m, dtype=np.int32), np.ones(m))


def lp_vertex(cov: Coverage, p: int) -> tuple[float, FloatArray, FloatArray, float]:
    """The LP relaxation by dual simplex: (bound recomputed from the duals, site values, row duals, seconds)."""
    t0 = time.perf_counter()
    h = _highs()
    h.setOptionValue("solver", "simplex")
    _mclp_model(h, cov.matrix, cov.w, p, None)
    h.run()
    sol = h.getSolution()
    y = np.asarray(sol.col_value[:cov.m], dtype=np.float64)
    lam = np.clip(np.asarray(sol.row_dual[:cov.rows], dtype=np.float64), 0.0, cov.w)
    none = np.zeros(cov.m, dtype=bool)
    bound = lagrangian_bound(cov, lam, p=p, must_open=none, allowed=~none, incumbent=-math.inf).value
    return bound, y, lam, time.perf_counter() - t0


def region_labels(cov: Coverage, site_xy: FloatArray, regions: int, seed: int = 1) -> NDArray[np.int64]:
    """k-means regions of the merged rows, placed at the mean of their covering sites."""
    from scipy.cluster.vq import kmeans2

    size = np.diff(cov.matrix.indptr).astype(np.float64)
    xy = np.column_stack([cov.matrix @ site_xy[:, 0], cov.matrix @ site_xy[:, 1]]) / size[:, None]
    _, labels = kmeans2(xy, regions, minit="++", seed=seed)
    return np.asarray(labels, dtype=np.int64)


def decomposition_bound(cov: Coverage, lam: FloatArray, labels: NDArray[np.int64], p: int) -> tuple[float, float]:
    """Lagrangian decomposition over the regions at the LP's prices (module docstring): (bound, seconds)."""
    t0 = time.perf_counter()
    total = cov.constant
    price = np.zeros(cov.m)
    for k in np.unique(labels):
        rows = np.flatnonzero(labels == k)
        sub = cov.matrix[rows]
        cols = np.unique(sub.indices)
        sub = sub[:, cols].tocsr()
        lam_k = np.asarray(sub.T @ lam[rows]).ravel()
        price[cols] += lam_k
        h = _highs()
        h.setOptionValue("mip_rel_gap", 0.0)
        _mclp_model(h, sub, cov.w[rows], None, lam_k)
        h.changeColsIntegrality(cols.size, np.arange(cols.size, dtype=np.int32),
                                np.full(cols.size, highspy.HighsVarType.kInteger))
        h.run()
        total += float(h.getInfo().mip_dual_bound)  # an upper bound on the region's optimum
    total += math.fsum(np.sort(price)[::-1][:p].tolist())
    return total, time.perf_counter() - t0


def set_cover(cov: Coverage, time_limit_s: float) -> tuple[float, float, str]:
    """Fewest sites covering every merged row: (best plan's count, HiGHS' bound, status)."""
    h = _highs()
    h.setOptionValue("time_limit", time_limit_s)
    m = cov.m
    h.addVars(m, np.zeros(m), np.ones(m))
    h.changeColsCost(m, np.arange(m, dtype=np.int32), np.ones(m))
    a = cov.matrix
    h.addRows(cov.rows, np.ones(cov.rows), np.full(cov.rows, highspy.kHighsInf), a.nnz,
              a.indptr[:-1].astype(np.int32), a.indices.astype(np.int32), a.data.astype(np.float64))
    h.changeColsIntegrality(m, np.arange(m, dtype=np.int32), np.full(m, highspy.HighsVarType.kInteger))
    h.run()
    info = h.getInfo()
    return (float(info.objective_function_value), math.ceil(float(info.mip_dual_bound) - 1e-6),
            h.modelStatusToString(h.getModelStatus()))


def best_plans(paths: list[Path]) -> dict[int, tuple[float, str]]:
    """Best verified MCLP objective per p (20 minutes) in benchmark result CSVs, with the file it came from."""
    best: dict[int, tuple[float, str]] = {}
    for path in paths:
        with open(path, newline="", encoding="utf-8") as fh:
            for rec in csv.DictReader(fh):
                if not rec.get("instance", "").startswith("england-mclp20-") or rec.get("verified") != "yes":
                    continue
                if not rec.get("objective"):
                    continue
                p, v = int(rec["p"]), float(rec["objective"])
                if p not in best or v > best[p][0]:
                    best[p] = (v, path.name)
    return best


def main(argv: list[str] | None = None) -> int:
    from benchmarks.cases import NATIONAL_MINUTES
    from benchmarks.england import load_national
    from solvers import ModelKind, make_problem

    ap = argparse.ArgumentParser(prog="python -m benchmarks.mclp_gap", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--p", default="20,50,100,153,300,450,530", help="comma-separated base counts")
    ap.add_argument("--plans", type=Path, nargs="*", default=[], help="result CSVs with the best plans known")
    ap.add_argument("--known", default="", help="best plans recorded elsewhere, e.g. 153=2823122 (results/england.md)")
    ap.add_argument("--regions", type=int, default=0, help="also the decomposition bound over K regions (p=153)")
    ap.add_argument("--set-cover-s", type=float, default=0.0, help="seconds for the set-cover number (0: skip)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    nat = load_national()
    best = best_plans(list(args.plans))
    for item in filter(None, args.known.split(",")):
        k, v = item.split("=")
        if int(k) not in best or float(v) > best[int(k)][0]:
            best[int(k)] = (float(v), "--known")
    rows: list[dict[str, object]] = []
    cov = None
    for p in (int(x) for x in args.p.split(",")):
        problem = make_problem(ModelKind.MCLP, nat.weights, nat.cost, p=p, radius=NATIONAL_MINUTES)
        cov = cov or build_coverage(problem)
        bound, y, lam, lp_s = lp_vertex(cov, p)
        frac = (y > FRACTIONAL) & (y < 1 - FRACTIONAL)
        plan, source = best.get(p, (math.nan, ""))
        row: dict[str, object] = {
            "p": p, "rows": cov.rows, "sites": cov.m, "coverable": cov.coverable, "lp_bound": bound,
            "lp_s": round(lp_s, 1), "open_whole": int(np.count_nonzero(y >= 1 - FRACTIONAL)),
            "open_fractional": int(frac.sum()), "fractional_bases": round(float(y[frac].sum()), 3),
            "best_plan": plan, "best_plan_from": source,
            "lp_gap": (bound - plan) / plan if plan == plan else math.nan,
            "loadavg_1m": round(os.getloadavg()[0], 2),
        }
        if args.regions and p == 153:
            labels = region_labels(cov, nat.site_xy, args.regions)
            dec, dec_s = decomposition_bound(cov, lam, labels, p)
            row.update(regions=args.regions, decomposition_bound=dec, decomposition_s=round(dec_s, 1))
        print(row, flush=True)
        rows.append(row)
    cover: tuple[float, float, str] | None = None
    if args.set_cover_s > 0 and cov is not None:
        cover = set_cover(cov, args.set_cover_s)
        print("set cover", cover, flush=True)
    _write(args.out, rows, cover, args.set_cover_s)
    return 0


def _write(out: Path, rows: list[dict[str, object]], cover: tuple[float, float, str] | None, cover_s: float) -> None:
    out.mkdir(parents=True, exist_ok=True)
    keys = sorted({k for r in rows for k in r}, key=lambda k: list(rows[0]).index(k) if k in rows[0] else 99)
    with open(out / "mclp-gap.csv", "w", newline="", encoding="utf-8") as fh:
        wr = csv.DictWriter(fh, fieldnames=keys)
        wr.writeheader()
        wr.writerows(rows)
    lines = ["# National MCLP: the LP relaxation's gap by base count", "",
             "Generated by `python -m benchmarks.mclp_gap` (module docstring). LP: HiGHS dual simplex to a vertex; "
             "bound recomputed from its duals.", "",
             "| p | LP bound | best plan known | gap | sites open whole | open fractionally | their sum | LP s "
             "| load |", "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        gap = r["lp_gap"]
        lines.append(f"| {r['p']} | {r['lp_bound']:,.0f} | {r['best_plan']:,.0f} | "
                     f"{'' if gap != gap else f'{gap:.3%}'} | {r['open_whole']} | {r['open_fractional']} | "
                     f"{r['fractional_bases']} | {r['lp_s']} | {r['loadavg_1m']} |")
    for r in rows:
        if "decomposition_bound" in r:
            lines += ["", f"Decomposition over {r['regions']} regions at the LP's prices (p = {r['p']}): bound "
                      f"{r['decomposition_bound']:,.0f} against the LP's {r['lp_bound']:,.0f} "
                      f"({r['decomposition_s']} s)."]
    if cover is not None:
        lines += ["", f"Set-cover number (HiGHS, {cover_s:.0f} s, {cover[2]}): a plan of {cover[0]:.0f} sites covers "
                  f"every coverable area; no plan of fewer than {cover[1]:.0f} does. From {cover[0]:.0f} bases on, "
                  "the proof is immediate (the plan covers everything)."]
    (out / "mclp-gap.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
