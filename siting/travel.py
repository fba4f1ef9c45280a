r"""Travel times: a straight-line estimator calibrated on real routed drive times.

The estimator predicts the drive time from demand area :math:`i` to site :math:`j` as

.. math::

    t_{ij} = a + b \, d_{ij} + F(x_i),

where :math:`d_{ij}` is the straight-line distance in km (British National Grid),
:math:`a, b` are fitted by least squares, and :math:`F` is a *local access field*: the
residual of the linear fit averaged per origin and smoothed over the :math:`k` nearest origins
(inverse-distance weights). It captures what a single fit misses: how far an area is from
the main roads, the Broads and the coast. Far (``field_max_km``) from any calibration origin,
:math:`F = 0` and the estimator is the plain linear fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from siting.domain import DemandAreas, Sites, TravelMatrix
from siting.geo import distance_km


@dataclass(frozen=True)
class AccessField:
    """Smoothed per-origin residuals (minutes) at BNG points (metres)."""

    x_m: NDArray[np.float64]
    y_m: NDArray[np.float64]
    minutes: NDArray[np.float64]
    k: int = 16
    max_km: float = 10.0

    def __call__(self, x_m: ArrayLike, y_m: ArrayLike) -> NDArray[np.float64]:
        pts = np.c_[np.asarray(x_m, float), np.asarray(y_m, float)]
        if self.minutes.size == 0 or pts.shape[0] == 0:
            return np.zeros(pts.shape[0])
        from scipy.spatial import cKDTree  # here, not at import: scipy.spatial takes 0.5 s to load

        k = min(self.k, self.minutes.size)
        tree = cKDTree(np.c_[self.x_m, self.y_m])
        dist, idx = tree.query(pts, k=k)
        dist = dist.reshape(pts.shape[0], k)
        idx = idx.reshape(pts.shape[0], k)
        w = 1.0 / (dist + 500.0)
        value = (self.minutes[idx] * w).sum(axis=1) / w.sum(axis=1)
        return np.where(dist[:, 0] <= self.max_km * 1000.0, value, 0.0)


@dataclass(frozen=True)
class StraightLineEstimator:
    """``minutes = intercept_min + per_km_min * km + access(origin)``; see the module docstring."""

    intercept_min: float
    per_km_min: float
    access: AccessField | None = None
    metrics: dict[str, float] = field(default_factory=dict)

    def minutes(self, ox_m: ArrayLike, oy_m: ArrayLike, dx_m: ArrayLike,
                dy_m: ArrayLike) -> NDArray[np.float32]:
        """Estimated minutes from every origin (rows) to every destination (columns)."""
        km = distance_km(ox_m, oy_m, dx_m, dy_m)
        t = self.intercept_min + self.per_km_min * km
        if self.access is not None:
            t = t + self.access(ox_m, oy_m)[:, None]
        return np.maximum(t, 0.0).astype(np.float32)

    def pair_minutes(self, ox_m: ArrayLike, oy_m: ArrayLike, dx_m: ArrayLike,
                     dy_m: ArrayLike) -> NDArray[np.float64]:
        """Estimated minutes for matched pairs (origin k to destination k)."""
        km = np.hypot(np.asarray(ox_m, float) - dx_m, np.asarray(oy_m, float) - dy_m) / 1000.0
        t = self.intercept_min + self.per_km_min * km
        if self.access is not None:
            t = t + self.access(ox_m, oy_m)
        return np.asarray(np.maximum(t, 0.0), dtype=np.float64)

    def matrix(self, demand: DemandAreas, sites: Sites) -> TravelMatrix:
        """The demand x site matrix of estimated minutes."""
        t = self.minutes(demand.x_m, demand.y_m, sites.x_m, sites.y_m)
        return TravelMatrix(t, tuple(demand.ids), tuple(sites.ids), source="straight-line estimate")


def fit(origin_ids: ArrayLike, ox_m: ArrayLike, oy_m: ArrayLike,
        dx_m: ArrayLike, dy_m: ArrayLike, minutes: ArrayLike, *,
        k: int = 16, with_access: bool = True) -> StraightLineEstimator:
    """Fit the estimator on routed pairs (origin k to destination k took ``minutes[k]``)."""
    ox, oy = np.asarray(ox_m, float), np.asarray(oy_m, float)
    t = np.asarray(minutes, float)
    km = np.hypot(ox - np.asarray(dx_m, float), oy - np.asarray(dy_m, float)) / 1000.0
    design = np.c_[np.ones_like(km), km]
    (a, b), *_ = np.linalg.lstsq(design, t, rcond=None)
    if not with_access:
        return StraightLineEstimator(float(a), float(b))
    resid = t - (a + b * km)
    ids = np.asarray(origin_ids).astype(str)
    uniq, inv = np.unique(ids, return_inverse=True)
    mean_resid = np.bincount(inv, weights=resid) / np.bincount(inv)
    first = np.zeros(uniq.size, dtype=np.int64)
    first[inv[::-1]] = np.arange(ids.size)[::-1]
    access = AccessField(ox[first], oy[first], mean_resid, k=k)
    return StraightLineEstimator(float(a), float(b), access)


def error_minutes(estimator: StraightLineEstimator, ox_m: ArrayLike, oy_m: ArrayLike,
                  dx_m: ArrayLike, dy_m: ArrayLike,
                  minutes: ArrayLike) -> dict[str, float]:
    """Mean absolute error and 90th percentile of absolute error, in minutes."""
    err = np.abs(estimator.pair_minutes(ox_m, oy_m, dx_m, dy_m) - np.asarray(minutes, float))
    return {"mae_minutes": float(err.mean()), "p90_minutes": float(np.percentile(err, 90)), "pairs": float(err.size)}
