r"""Is plan A really better than plan B, given how wrong the travel times may be?

The travel matrix is an estimate (:mod:`siting.travel`). Its error is measured on routed drive
times the fit never saw (:func:`heldout_residuals`: the same seeded hold-out as
:func:`siting.calibration.calibrate`). A *draw* perturbs every entry of the matrix,

.. math::

    \tilde t_{ij} = \max\bigl(0,\; t_{ij} + \varepsilon_{ij}\bigr), \qquad
    \varepsilon_{ij} \sim \text{resampled held-out residuals of the distance band of } d_{ij},

where the bands are the quintiles of the held-out pairs' straight-line distances :math:`d` (an entry
shorter than every held-out pair takes the first band, longer the last), so short trips get the
errors of short trips. Errors are drawn independently per entry: spatially correlated errors
(a whole town a few minutes off) would make differences *less* certain than this test says.

**Rule.** Plan A beats plan B on a measure when it is better in at least
:data:`SIGNIFICANT_SHARE` (95%) of the draws. Otherwise the difference is *not significant*.
Differences in minutes are moreover not significant when smaller than the estimator's hold-out
mean absolute error, whatever the draws say (a systematic error of that size is not excluded).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from siting import travel

SIGNIFICANT_SHARE = 0.95
"""Share of draws in which A must beat B for the difference to count as significant."""


@dataclass(frozen=True)
class Residuals:
    """Held-out residuals (routed minus estimated minutes) and their distance bands.

    Attributes:
        km: straight-line distance of each held-out pair.
        minutes: residual of each held-out pair (routed - estimate), minutes.
        band_edges_km: inner edges of the distance bands (quintiles of ``km``).
        mae_minutes: mean absolute residual.
    """

    km: NDArray[np.float64]
    minutes: NDArray[np.float64]
    band_edges_km: NDArray[np.float64]
    mae_minutes: float

    def band_of(self, km: NDArray[np.floating]) -> NDArray[np.int64]:
        return np.searchsorted(self.band_edges_km, np.asarray(km, dtype=np.float64), side="right").astype(np.int64)


def heldout_residuals(pairs: pd.DataFrame, *, holdout: float = 0.3, seed: int = 0, max_km: float = 60.0,
                      k: int = 16, bands: int = 5) -> Residuals:
    """Residuals on the pairs :func:`siting.calibration.calibrate` holds out (same split, same fit)."""
    km_all = np.hypot(pairs["ox_m"] - pairs["dx_m"], pairs["oy_m"] - pairs["dy_m"]) / 1000.0
    p = pairs[km_all < max_km].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    test = rng.random(len(p)) < holdout
    fit = p[~test]
    est = travel.fit(fit["origin_id"].to_numpy(), fit["ox_m"], fit["oy_m"], fit["dx_m"], fit["dy_m"], fit["minutes"],
                     k=k)
    s = p[test]
    resid = s["minutes"].to_numpy(dtype=np.float64) - est.pair_minutes(s["ox_m"], s["oy_m"], s["dx_m"], s["dy_m"])
    km = np.hypot(s["ox_m"].to_numpy(dtype=np.float64) - s["dx_m"].to_numpy(dtype=np.float64),
                  s["oy_m"].to_numpy(dtype=np.float64) - s["dy_m"].to_numpy(dtype=np.float64)) / 1000.0
    edges = np.quantile(km, np.linspace(0, 1, bands + 1)[1:-1])
    return Residuals(km, resid, edges, float(np.abs(resid).mean()))


def perturbed_matrices(minutes: NDArray[np.floating], km: NDArray[np.floating], residuals: Residuals, *,
                       draws: int, seed: int) -> Callable[[], NDArray[np.float64]]:
    """A generator function: each call returns the next perturbed matrix (seeded, reproducible)."""
    t = np.asarray(minutes, dtype=np.float64)
    band = residuals.band_of(km)
    pools = [residuals.minutes[residuals.band_of(residuals.km) == b] for b in range(len(residuals.band_edges_km) + 1)]
    rng = np.random.default_rng(seed)
    state = {"left": draws}

    def next_matrix() -> NDArray[np.float64]:
        if state["left"] <= 0:
            raise StopIteration
        state["left"] -= 1
        eps = np.empty_like(t)
        for b, pool in enumerate(pools):
            mask = band == b
            eps[mask] = pool[rng.integers(0, pool.size, size=int(mask.sum()))]
        return np.maximum(t + eps, 0.0)

    return next_matrix


def perturbed_columns(minutes: NDArray[np.floating], km: NDArray[np.floating], residuals: Residuals,
                      columns: Sequence[int], *, draws: int, seed: int) -> NDArray[np.float64]:
    """The ``columns`` of the first ``draws`` matrices :func:`perturbed_matrices` gives, bit for bit.

    Shape ``(draws, areas, len(columns))``. The same random numbers are drawn in the same order (every
    entry's, so the stream stays the same), but only the entries of ``columns`` are looked up, added and
    kept: comparing two plans needs their sites' columns only, a fraction of the matrix.
    """
    t = np.asarray(minutes, dtype=np.float64)
    cols = np.asarray(columns, dtype=np.int64)
    if np.unique(cols).size != cols.size:
        raise ValueError("perturbed_columns: each column once")
    band = residuals.band_of(km).ravel()
    pools = [residuals.minutes[residuals.band_of(residuals.km) == b] for b in range(len(residuals.band_edges_km) + 1)]
    where = np.full(t.shape[1], -1, dtype=np.int64)
    where[cols] = np.arange(cols.size)
    picks = []  # per band: how many draws, which of them land in ``columns``, and where (flat, in a draw)
    for b in range(len(pools)):
        flat = np.flatnonzero(band == b)
        dest = where[flat % t.shape[1]]
        keep = np.flatnonzero(dest >= 0)
        picks.append((flat.size, keep, (flat[keep] // t.shape[1]) * cols.size + dest[keep]))
    rng = np.random.default_rng(seed)
    sub = np.ascontiguousarray(t[:, cols]).ravel()
    out = np.empty((draws, t.shape[0], cols.size), dtype=np.float64)
    eps = np.empty_like(sub)
    for d in range(draws):
        for pool, (size, keep, at) in zip(pools, picks, strict=True):
            eps[at] = pool[rng.integers(0, pool.size, size=size)[keep]]
        np.maximum(sub + eps, 0.0, out=out[d].reshape(-1))
    return out


@dataclass(frozen=True)
class Comparison:
    """How often A beats B over the draws, on one measure.

    Attributes:
        measure: the measure's name.
        a_value, b_value: the measure of A and B on the estimated matrix.
        share_a_better: share of draws in which A is strictly better.
        share_b_better: share of draws in which B is strictly better.
        draws: number of draws.
        significant: the nominal winner wins in at least 95% of draws (and, in minutes, by at least the MAE).
    """

    measure: str
    a_value: float
    b_value: float
    share_a_better: float
    share_b_better: float
    draws: int
    significant: bool

    @property
    def verdict(self) -> str:
        if self.a_value == self.b_value:
            return "equal"
        return "significant" if self.significant else "not significant"


def compare(measure: str, a_value: float, b_value: float, a_draws: NDArray[np.floating],
            b_draws: NDArray[np.floating], *, higher_is_better: bool, minutes_mae: float | None = None) -> Comparison:
    """Compare A and B on one measure from their values on the estimate and on each draw."""
    a = np.asarray(a_draws, dtype=np.float64)
    b = np.asarray(b_draws, dtype=np.float64)
    sign = 1.0 if higher_is_better else -1.0
    a_better = float(np.mean(sign * (a - b) > 0))
    b_better = float(np.mean(sign * (b - a) > 0))
    nominal_a = sign * (a_value - b_value) > 0
    share = a_better if nominal_a else b_better
    big_enough = minutes_mae is None or abs(a_value - b_value) >= minutes_mae
    sig = a_value != b_value and share >= SIGNIFICANT_SHARE and big_enough
    return Comparison(measure, float(a_value), float(b_value), a_better, b_better, int(a.size), bool(sig))
