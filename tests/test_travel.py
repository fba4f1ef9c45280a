"""The straight-line estimator against hand-computed values, and its calibration errors."""

from __future__ import annotations

import numpy as np

from siting import travel
from siting.calibration import calibrate
from siting.geo import distance_km
from siting.travel import AccessField, StraightLineEstimator


def test_linear_estimator_by_hand() -> None:
    est = StraightLineEstimator(10.0, 0.9)
    # 3-4-5 triangle: 5 km apart -> 10 + 0.9 * 5 = 14.5 minutes
    t = est.minutes(np.array([0.0]), np.array([0.0]), np.array([3000.0]), np.array([4000.0]))
    assert t.dtype == np.float32
    np.testing.assert_allclose(t, [[14.5]])


def test_access_field_adds_local_offset_and_fades_far_away() -> None:
    field = AccessField(np.array([0.0]), np.array([0.0]), np.array([2.0]), k=1, max_km=10.0)
    est = StraightLineEstimator(10.0, 1.0, field)
    t = est.minutes(np.array([0.0, 50_000.0]), np.array([0.0, 0.0]), np.array([1000.0]), np.array([0.0]))
    # near the calibration point: 10 + 1 * 1 km + 2; 50 km away: no access term, 10 + 49 km
    np.testing.assert_allclose(t[:, 0], [13.0, 59.0])


def test_fit_recovers_exact_line() -> None:
    rng = np.random.default_rng(1)
    ox, oy = rng.uniform(0, 50_000, 40), rng.uniform(0, 50_000, 40)
    dx, dy = rng.uniform(0, 50_000, 40), rng.uniform(0, 50_000, 40)
    km = np.hypot(ox - dx, oy - dy) / 1000
    est = travel.fit([f"o{i}" for i in range(40)], ox, oy, dx, dy, 7.0 + 1.2 * km, with_access=False)
    assert abs(est.intercept_min - 7.0) < 1e-9 and abs(est.per_km_min - 1.2) < 1e-9


def test_distance_km() -> None:
    d = distance_km(np.array([0.0]), np.array([0.0]), np.array([3000.0, 0.0]), np.array([4000.0, 0.0]))
    np.testing.assert_allclose(d, [[5.0, 0.0]])


def test_norfolk_calibration_meets_target() -> None:
    from scenarios import norfolk

    est, report = norfolk.estimator()
    # held-back pairs under 60 km: MAE at most 3 minutes, better than a single straight-line fit
    assert report.pairs == 1715
    assert report.mae_minutes <= 3.0
    assert report.mae_minutes < report.plain_mae_minutes
    assert report.p90_minutes < 7.0
    assert 0.8 < est.per_km_min < 1.0


def test_calibrate_synthetic_holds_out_pairs() -> None:
    import pandas as pd

    rng = np.random.default_rng(3)
    n = 200
    ox, oy = rng.uniform(0, 40_000, n), rng.uniform(0, 40_000, n)
    dest = rng.integers(0, 4, n)
    dxy = np.array([[0, 0], [40_000, 0], [0, 40_000], [40_000, 40_000]], dtype=float)
    km = np.hypot(ox - dxy[dest, 0], oy - dxy[dest, 1]) / 1000
    pairs = pd.DataFrame({"origin_id": [f"o{i}" for i in range(n)], "ox_m": ox, "oy_m": oy, "dest_id": dest,
                          "dx_m": dxy[dest, 0], "dy_m": dxy[dest, 1], "minutes": 5 + 1.1 * km})
    _, report = calibrate(pairs, max_km=100)
    assert report.plain_mae_minutes < 1e-6
    assert 0 < report.heldout_pairs < n
