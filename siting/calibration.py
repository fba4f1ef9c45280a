"""Calibrating the straight-line estimator against real routed drive times, with honest errors.

Errors are measured on pairs the fit never saw: a seeded random hold-out of pairs, and
leave-one-destination-out (every pair to one destination held back in turn), which is the
harder test of how the estimator generalises to destinations it has not seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting import travel
from siting.travel import StraightLineEstimator


@dataclass(frozen=True)
class CalibrationReport:
    """Errors in minutes of the estimator on held-back pairs under ``max_km``."""

    pairs: int
    heldout_pairs: int
    mae_minutes: float
    p90_minutes: float
    plain_mae_minutes: float
    plain_p90_minutes: float
    lodo_mae_minutes: float
    lodo_p90_minutes: float
    intercept_min: float
    per_km_min: float

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.__dict__.items()}


def calibrate(pairs: pd.DataFrame, *, holdout: float = 0.3, seed: int = 0, max_km: float = 60.0,
              k: int = 16) -> tuple[StraightLineEstimator, CalibrationReport]:
    """Fit on ``pairs`` (columns ``origin_id, ox_m, oy_m, dest_id, dx_m, dy_m, minutes``).

    Returns the estimator fitted on all pairs under ``max_km`` and the errors measured on
    held-back pairs (random hold-out and leave-one-destination-out).
    """
    km = np.hypot(pairs["ox_m"] - pairs["dx_m"], pairs["oy_m"] - pairs["dy_m"]) / 1000.0
    p = pairs[km < max_km].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    test = rng.random(len(p)) < holdout

    def fit_on(mask: np.ndarray, *, with_access: bool = True) -> StraightLineEstimator:
        s = p[mask]
        return travel.fit(s["origin_id"].to_numpy(), s["ox_m"], s["oy_m"], s["dx_m"], s["dy_m"], s["minutes"],
                          k=k, with_access=with_access)

    def err(est: StraightLineEstimator, mask: np.ndarray) -> dict[str, float]:
        s = p[mask]
        return travel.error_minutes(est, s["ox_m"], s["oy_m"], s["dx_m"], s["dy_m"], s["minutes"])

    held = err(fit_on(~test), test)
    plain = err(fit_on(~test, with_access=False), test)
    abs_err = []
    for dest in p["dest_id"].unique():
        m = (p["dest_id"] == dest).to_numpy()
        est = fit_on(~m)
        s = p[m]
        abs_err.append(np.abs(est.pair_minutes(s["ox_m"], s["oy_m"], s["dx_m"], s["dy_m"]) - s["minutes"].to_numpy()))
    lodo = np.concatenate(abs_err)
    final = fit_on(np.ones(len(p), dtype=bool))
    report = CalibrationReport(
        pairs=len(p), heldout_pairs=int(test.sum()),
        mae_minutes=held["mae_minutes"], p90_minutes=held["p90_minutes"],
        plain_mae_minutes=plain["mae_minutes"], plain_p90_minutes=plain["p90_minutes"],
        lodo_mae_minutes=float(lodo.mean()), lodo_p90_minutes=float(np.percentile(lodo, 90)),
        intercept_min=final.intercept_min, per_km_min=final.per_km_min,
    )
    return final, report
