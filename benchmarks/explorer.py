"""Speed of the plan explorer: plan re-evaluation in the page (Chromium) and server re-optimisation with locks.

``python -m benchmarks.explorer --out benchmarks/results`` writes ``explorer.csv`` (one row per
measurement) and ``explorer.md``.

* **Page** (``performance.now()`` in headless Chromium): the page's evaluation of a random plan
  (``Model.evaluate``: nearest base, coverage, mean and worst travel, districts, equity, budget,
  distance to the optimum) for Norfolk (538 areas x 53 sites, every pair) and for a synthetic case
  of 5,000 areas x 500 sites (pairs within 45 minutes); also the whole update after a click
  (evaluation, tables, map restyle). Targets: 16 ms (Norfolk) and 200 ms (5,000 x 500) for the
  evaluation.
* **Server**: ``POST /api/optimise`` on a running ``siting serve norfolk`` (the real command, on a
  free localhost port), Norfolk MCLP with 15 bases at 20 minutes and random locks (2 sites kept,
  2 closed), timed by the client (HTTP round trip) and by the server (the solve). Target: 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from maps.explorer import explorer_html
from maps.explorer_data import explorer_data
from siting.domain import Case, DemandAreas, Sites, TravelMatrix

ROOT = Path(__file__).resolve().parents[1]
#: Each random plan is evaluated this many times; its time is the best of them.
ROUNDS = 5
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def synthetic_case(n: int, m: int, *, seed: int = 1) -> tuple[Case, TravelMatrix]:
    """``n`` areas and ``m`` sites in a 200 km square; minutes = 1.3 x straight-line km / (0.8 km/min) + 3."""
    rng = np.random.default_rng(seed)
    ax, ay = rng.uniform(0, 200_000, n), rng.uniform(0, 200_000, n)
    sx, sy = rng.uniform(0, 200_000, m), rng.uniform(0, 200_000, m)
    km = np.hypot(ax[:, None] - sx[None, :], ay[:, None] - sy[None, :]) / 1000
    minutes = (1.3 * km / 0.8 + 3).astype(np.float32)
    lon0, lat0 = 0.0, 52.0
    districts = [f"D{k}" for k in range(10)]
    demand = pd.DataFrame({
        "id": [f"A{i:05d}" for i in range(n)], "name": [f"Area {i}" for i in range(n)],
        "lon": lon0 + ax / 68_000, "lat": lat0 + ay / 111_000, "x_m": ax, "y_m": ay,
        "district": [districts[int(x // 20_000) % 10] for x in ax], "ruc": rng.choice(["Urban", "Rural town",
                                                                                       "Rural village"], n),
        "children_0_4": rng.integers(20, 200, n).astype(float), "idaci": rng.uniform(0, 0.5, n),
    })
    demand["rural"] = demand["ruc"] != "Urban"
    demand["weight"] = demand["children_0_4"] * (1 + demand["idaci"])
    sites = pd.DataFrame({
        "id": [f"S{j:04d}" for j in range(m)], "name": [f"Site {j}" for j in range(m)],
        "lon": lon0 + sx / 68_000, "lat": lat0 + sy / 111_000, "x_m": sx, "y_m": sy,
        "district": [districts[int(x // 20_000) % 10] for x in sx], "kind": "building", "suitable_base": True,
        "running_cost_gbp": np.nan,
    })
    case = Case("synthetic", DemandAreas(demand), Sites(sites))
    return case, TravelMatrix(minutes, tuple(demand["id"]), tuple(sites["id"]))


def measure_page(browser: Any, page_path: Path, *, bases: int, repeats: int) -> dict[str, float]:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "blob:"))
               else r.abort())
    page.goto(page_path.resolve().as_uri(), wait_until="load")
    page.wait_for_function("window.explorer && window.explorer.figures", timeout=120_000)
    page.evaluate(f"window.explorer.timeEvaluate({bases}, 20, 1)")  # warm-up (JIT)
    runs = np.asarray(page.evaluate(f"window.explorer.timeEvaluate({bases}, {repeats}, {ROUNDS})"), dtype=float)
    updates = []
    for k in range(15):
        j = int(page.evaluate(f"window.explorer.d.sites.canBase.findIndex((c, i) => c && i >= {k})"))
        page.evaluate(f"window.explorer.toggle({j})")
        updates.append(float(page.evaluate("window.explorer.lastUpdateMs")))
    page.close()
    t = runs.min(axis=1)  # each plan's best of ROUNDS: preemption by other processes removed
    raw = runs.ravel()
    return {"median_ms": float(np.median(t)), "p95_ms": float(np.percentile(t, 95)), "max_ms": float(t.max()),
            "raw_median_ms": float(np.median(raw)), "raw_p95_ms": float(np.percentile(raw, 95)),
            "raw_max_ms": float(raw.max()),
            "update_median_ms": float(np.median(updates)), "update_max_ms": float(max(updates)), "repeats": len(t)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure_server(repeats: int) -> dict[str, float]:
    from scenarios import norfolk

    case = norfolk.load()
    buildable = [sid for sid, ok in zip(case.sites.ids, case.sites.can_be_base, strict=True) if ok]
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="siting-bench-serve-"))
    proc = subprocess.Popen([sys.executable, "-m", "scenarios", "serve", "norfolk", "--folder", str(folder),
                             "--port", str(port)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                urllib.request.urlopen(url + "/api/state", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.3)
        rng = np.random.default_rng(3)
        wall, solve = [], []
        for k in range(repeats + 2):
            locked = rng.choice(buildable, 4, replace=False).tolist()
            body = json.dumps({"bases": 15, "minutes": 20, "keep": locked[:2], "close": locked[2:]}).encode()
            req = urllib.request.Request(url + "/api/optimise", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
            t0 = time.perf_counter()
            with urllib.request.urlopen(req, timeout=120) as r:
                out = json.loads(r.read())
            dt = time.perf_counter() - t0
            if out["status"] != "optimal":
                raise RuntimeError(f"not optimal: {out}")
            if k >= 2:  # the first two warm the connection and the solver
                wall.append(1000 * dt)
                solve.append(1000 * out["seconds"])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
    return {"median_ms": float(np.median(wall)), "p95_ms": float(np.percentile(wall, 95)), "max_ms": float(max(wall)),
            "solve_median_ms": float(np.median(solve)), "repeats": len(wall)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.explorer", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    ap.add_argument("--repeats", type=int, default=200)
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from scenarios import norfolk
    from scenarios.boundaries import packaged

    rows: list[dict[str, Any]] = []
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="siting-bench-explorer-") as tmp:
        case = norfolk.load()
        matrix = norfolk.travel_matrix(case)
        plan = case.plan_in_hand
        assert plan is not None
        pages = []
        data = explorer_data(case, matrix, initial_bases=plan.site_ids, minutes=20.0, limits=(20.0,))
        p1 = Path(tmp) / "norfolk.html"
        p1.write_text(explorer_html(data, packaged("norfolk"), case.demand.frame), encoding="utf-8")
        pages.append(("page: Norfolk 538 x 53", p1, 15, 16.0, data["pairs"]["count"]))
        big, big_m = synthetic_case(5000, 500)
        data = explorer_data(big, big_m, initial_bases=big.sites.ids[:50], minutes=20.0, limits=(20.0,),
                             cutoff_minutes=45.0)
        p2 = Path(tmp) / "synthetic.html"
        p2.write_text(explorer_html(data, None, big.demand.frame), encoding="utf-8")
        pages.append(("page: synthetic 5,000 x 500", p2, 50, 200.0, data["pairs"]["count"]))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            for name, path, p, target, pairs in pages:
                m = measure_page(browser, path, bases=p, repeats=args.repeats)
                rows.append({"measure": name, "bases": p, "pairs": pairs, "target_ms": target,
                             "page_mb": round(path.stat().st_size / 1e6, 2), **m,
                             "meets_target": m["max_ms"] < target, "loadavg_1m": load})
                print(f"{name}: median {m['median_ms']:.2f} ms, p95 {m['p95_ms']:.2f} ms, max {m['max_ms']:.2f} ms "
                      f"(target {target:g})")
            browser.close()
    s = measure_server(max(10, args.repeats // 10))
    rows.append({"measure": "server: Norfolk MCLP p=15, 20 min, 2 kept + 2 closed", "bases": 15, "pairs": None,
                 "target_ms": 300.0, "page_mb": None, **s, "meets_target": s["p95_ms"] < 300.0,
                 "loadavg_1m": os.getloadavg()[0]})
    print(f"server: median {s['median_ms']:.1f} ms, p95 {s['p95_ms']:.1f} ms (target 300)")
    args.out.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows)
    frame.to_csv(args.out / "explorer.csv", index=False)
    lines = ["# Plan explorer speed", "",
             f"Measured {time.strftime('%Y-%m-%d %H:%M')} on the benchmark machine (see README), headless "
             f"Chromium; load average at the start {load:.1f}. Produced by `python -m benchmarks.explorer`.",
             "", "| measure | pairs | median ms | p95 ms | max ms | target ms | met | whole update median ms |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['measure']} | {r['pairs'] if r['pairs'] is not None else ''} | {r['median_ms']:.2f} | "
                     f"{r['p95_ms']:.2f} | {r['max_ms']:.2f} | {r['target_ms']:g} | "
                     f"{'yes' if r['meets_target'] else 'NO'} | {r.get('update_median_ms', float('nan')):.1f} |")
    lines += ["", "Page rows: `Model.evaluate` of random plans timed with `performance.now()`: "
              f"{args.repeats} plans after 20 warm-up runs, each evaluated {ROUNDS} times and timed by its best run "
              "(so that the other processes of this shared 2-core machine, which preempt the browser, do not count); "
              "the target is met when the slowest plan is under it. Without taking the best run (every run "
              "counted): " + "; ".join(f"{r['measure']}: median {r['raw_median_ms']:.2f} ms, p95 "
                                       f"{r['raw_p95_ms']:.2f} ms, max {r['raw_max_ms']:.2f} ms"
                                       for r in rows if "raw_max_ms" in r and r["raw_max_ms"] == r["raw_max_ms"]) + ". "
              "The whole update (evaluation, tables, map restyle, markers) after a click is reported beside it.",
              "Server row: HTTP round trip of `POST /api/optimise` (exact MCLP, verified) measured by the client; "
              "the target is met when the 95th percentile is under it.",
              f"Server solve alone (median): {s['solve_median_ms']:.1f} ms."]
    (args.out / "explorer.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written {args.out / 'explorer.csv'} and {args.out / 'explorer.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
