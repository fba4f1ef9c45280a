"""The grid drive-time estimator: recovers known fields, round-trips, flags water, knows its area."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from siting import grid_estimator
from siting.geo import to_bng
from siting.grid_estimator import Grid, GridEstimator


def _synthetic(seed: int = 0, n: int = 6000) -> tuple[pd.DataFrame, Grid, Grid]:
    rng = np.random.default_rng(seed)
    access = Grid(0.0, 0.0, 10_000.0, 11, 11)
    pace = Grid(0.0, 0.0, 50_000.0, 3, 3)
    ox, oy = rng.uniform(0, 100_000, n), rng.uniform(0, 100_000, n)
    dx, dy = rng.uniform(0, 100_000, n), rng.uniform(0, 100_000, n)
    return pd.DataFrame({"ox": ox, "oy": oy, "dx": dx, "dy": dy}), access, pace


def _truth(f: pd.DataFrame) -> np.ndarray:
    km = np.hypot(f["ox"] - f["dx"], f["oy"] - f["dy"]).to_numpy() / 1000.0
    # a smooth access field: slower to reach main roads towards the east
    access = lambda x: 3.0 * (np.asarray(x) / 100_000.0)  # noqa: E731
    return 5.0 + 0.8 * km + 1.5 * np.sqrt(km) + access(f["ox"]) + access(f["dx"])


def test_fit_recovers_a_known_travel_time_surface() -> None:
    f, access, pace = _synthetic()
    t = _truth(f)
    est = grid_estimator.fit(f["ox"], f["oy"], f["dx"], f["dy"], t, access_grid=access, pace_grid=pace,
                             access_smoothing=0.1, pace_smoothing=0.1, ridge=0.001)
    g, _, _ = _synthetic(seed=1, n=2000)  # fresh pairs the fit never saw
    err = np.abs(est.pair_minutes(g["ox"], g["oy"], g["dx"], g["dy"]) - _truth(g))
    assert err.mean() < 0.25
    # the plain a + b km fit is much worse on the same pairs: the fields carry real signal
    km = np.hypot(f["ox"] - f["dx"], f["oy"] - f["dy"]) / 1000.0
    b, a = np.polyfit(km, t, 1)
    km_g = np.hypot(g["ox"] - g["dx"], g["oy"] - g["dy"]) / 1000.0
    assert np.abs(a + b * km_g - _truth(g)).mean() > 3 * err.mean()


def test_matrix_equals_pairs_and_save_load_round_trip(tmp_path: object) -> None:
    f, access, pace = _synthetic(n=2000)
    est = grid_estimator.fit(f["ox"], f["oy"], f["dx"], f["dy"], _truth(f), access_grid=access, pace_grid=pace,
                             pace_samples=7)
    ox, oy = f["ox"].to_numpy()[:5], f["oy"].to_numpy()[:5]
    dx, dy = f["dx"].to_numpy()[:4], f["dy"].to_numpy()[:4]
    m = est.minutes(ox, oy, dx, dy)
    for i in range(5):
        np.testing.assert_allclose(m[i], est.pair_minutes(np.repeat(ox[i], 4), np.repeat(oy[i], 4), dx, dy),
                                   rtol=1e-6)
    path = tmp_path / "p.npz"  # type: ignore[operator]
    est.save(path)
    back = GridEstimator.load(path)
    assert back.pace_samples == 7
    np.testing.assert_allclose(back.minutes(ox, oy, dx, dy), m, rtol=1e-6)


def _corridor_truth(f: pd.DataFrame) -> np.ndarray:
    """Minutes where a slow band (peaking at x = 50 km, gone 20 km either side) costs up to 1.5 extra min/km of
    the line inside it (integrated along the line at 401 points)."""
    km = np.hypot(f["ox"] - f["dx"], f["oy"] - f["dy"]).to_numpy() / 1000.0
    s = np.linspace(0.0, 1.0, 401)[None, :]
    x = f["ox"].to_numpy()[:, None] + s * (f["dx"] - f["ox"]).to_numpy()[:, None]
    slow = np.maximum(0.0, 1.0 - np.abs(x - 50_000.0) / 20_000.0).mean(axis=1)
    return 4.0 + 1.0 * km + 1.5 * km * slow


def test_pace_along_the_line_learns_a_slow_corridor_that_three_points_miss() -> None:
    rng = np.random.default_rng(3)
    n = 8000
    f = pd.DataFrame({"ox": rng.uniform(0, 100_000, n), "oy": rng.uniform(0, 100_000, n),
                      "dx": rng.uniform(0, 100_000, n), "dy": rng.uniform(0, 100_000, n)})
    g = f.iloc[6000:]  # fresh pairs the fits never saw
    f = f.iloc[:6000]
    access, pace = Grid(0.0, 0.0, 20_000.0, 6, 6), Grid(0.0, 0.0, 10_000.0, 11, 11)
    errs = {}
    for samples in (3, 17):
        est = grid_estimator.fit(f["ox"], f["oy"], f["dx"], f["dy"], _corridor_truth(f), access_grid=access,
                                 pace_grid=pace, pace_samples=samples, access_smoothing=0.1, pace_smoothing=0.1,
                                 ridge=0.001)
        errs[samples] = float(np.abs(est.pair_minutes(g["ox"], g["oy"], g["dx"], g["dy"]) - _corridor_truth(g)).mean())
    assert errs[17] < 0.1 * errs[3]
    assert errs[17] < 0.2


def test_three_pace_samples_are_origin_twice_the_midpoint_and_destination() -> None:
    """The documented special case, recomputed independently from the fields."""
    f, access, pace = _synthetic(n=3000)
    est = grid_estimator.fit(f["ox"], f["oy"], f["dx"], f["dy"], _truth(f), access_grid=access, pace_grid=pace)
    assert est.pace_samples == 3
    ox, oy, dx, dy = (f[c].to_numpy()[:50] for c in ("ox", "oy", "dx", "dy"))
    km = np.hypot(ox - dx, oy - dy) / 1000.0
    p = lambda x, y: est.pace_grid.interpolate(est.pace_min_per_km, x, y)  # noqa: E731
    a = lambda x, y: est.access_grid.interpolate(est.access_min, x, y)  # noqa: E731
    want = (est.intercept_min + est.per_km_min * km + est.per_sqrt_km_min * np.sqrt(km)
            + km * (p(ox, oy) + 2 * p((ox + dx) / 2, (oy + dy) / 2) + p(dx, dy)) / 4 + a(ox, oy) + a(dx, dy))
    np.testing.assert_allclose(est.pair_minutes(ox, oy, dx, dy), np.maximum(want, 0), rtol=1e-9, atol=1e-9)
    with pytest.raises(ValueError, match="pace_samples"):
        grid_estimator.fit(f["ox"], f["oy"], f["dx"], f["dy"], _truth(f), access_grid=access, pace_grid=pace,
                           pace_samples=1)


def test_solve_recovers_an_extra_term() -> None:
    """Candidate terms (benchmarks/travel_variants.py) are extra design columns: a known one is recovered."""
    import scipy.sparse as sp

    f, access, pace = _synthetic(n=5000)
    extra = np.random.default_rng(7).uniform(0, 10, len(f))
    t = _truth(f) + 2.5 * extra
    x = grid_estimator.design(*(f[c].to_numpy() for c in ("ox", "oy", "dx", "dy")), access_grid=access,
                              pace_grid=pace)
    beta = grid_estimator.solve(sp.hstack([x, sp.csr_matrix(extra[:, None])]).tocsr(), t, access_grid=access,
                                pace_grid=pace, access_smoothing=0.1, pace_smoothing=0.1, ridge=0.001)
    assert beta[-1] == pytest.approx(2.5, abs=0.02)


def test_shipped_england_estimator_on_norfolk_routed_pairs() -> None:
    """Norfolk's routed times are columns of the calibration matrix: the fit must reproduce them about as well
    as its held-out figure says (in-sample here, so at most that figure)."""
    from scenarios import norfolk

    pairs = norfolk.routed_pairs()
    km = np.hypot(pairs["ox_m"] - pairs["dx_m"], pairs["oy_m"] - pairs["dy_m"]) / 1000.0
    p = pairs[km < 60]
    est = grid_estimator.load_england()
    err = np.abs(est.pair_minutes(p["ox_m"], p["oy_m"], p["dx_m"], p["dy_m"]) - p["minutes"].to_numpy())
    assert err.mean() <= est.metrics["norfolk_heldout_destination_mae_minutes"]
    assert est.metrics["heldout_destination_mae_minutes"] <= 4.0


@pytest.mark.parametrize(("a", "b", "wet"), [
    ((-1.0877, 50.7296), (-1.1634, 50.7966), True),    # Ryde (Isle of Wight) to Portsmouth: the Solent
    ((0.4900, 52.9370), (0.3372, 53.1430), True),      # Hunstanton to Skegness: across the Wash
    ((1.2974, 52.6309), (0.3956, 52.7517), False),     # Norwich to King's Lynn
    ((-1.5491, 53.8008), (-1.0815, 53.9600), False),   # Leeds to York
])
def test_open_water_flag(a: tuple[float, float], b: tuple[float, float], wet: bool) -> None:
    ax, ay = to_bng([a[0]], [a[1]])
    bx, by = to_bng([b[0]], [b[1]])
    assert bool(grid_estimator.crosses_open_water(ax, ay, bx, by)[0]) is wet
    wet_km = float(grid_estimator.open_water_km(ax, ay, bx, by)[0])
    length_km = float(np.hypot(ax - bx, ay - by)[0]) / 1000.0
    assert (wet_km > 1.0) is wet and 0.0 <= wet_km < length_km


def test_calibrated_area() -> None:
    est = grid_estimator.load_england()
    x, y = to_bng([1.2974, 2.3522, -1.5491], [52.6309, 48.8566, 53.8008])  # Norwich, Paris, Leeds
    assert est.calibrated_at(x, y).tolist() == [True, False, True]


def test_shipped_parameters_and_error_band_match_the_benchmark() -> None:
    """The package data is the benchmark's model, and the band it reports is the benchmark's measurement."""
    from pathlib import Path

    from benchmarks import travel_england

    est = grid_estimator.load_england()
    assert est.pace_samples == travel_england.PACE_SAMPLES
    assert est.pace_grid == travel_england.PACE_GRID and est.access_grid == travel_england.ACCESS_GRID
    table = pd.read_csv(Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "travel-england.csv")
    rows = table.set_index("scope")
    assert est.metrics["heldout_destination_mae_minutes"] == rows.loc["England, all pairs", "grid_mae_minutes"]
    assert est.metrics["heldout_destination_p90_minutes"] == rows.loc["England, all pairs", "grid_p90_minutes"]
    assert est.metrics["norfolk_heldout_destination_mae_minutes"] == rows.loc["Norfolk origins", "grid_mae_minutes"]
    assert est.metrics["pairs"] == rows.loc["England, all pairs", "pairs"]
