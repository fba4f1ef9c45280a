"""The packaged Norfolk cache (travel matrix, centres' BNG coordinates) equals a fresh computation bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scenarios import norfolk
from siting.geo import to_bng


def test_cache_is_current() -> None:
    z = norfolk._cache()
    assert z is not None, "regenerate: python -c 'import scenarios.norfolk as n; n.write_matrix_cache()'"


def test_cached_matrix_equals_the_estimator() -> None:
    case = norfolk.load()
    cached = norfolk.cached_matrix(case)
    fresh = norfolk.estimated_matrix(case)
    assert cached is not None
    assert cached.minutes.dtype == fresh.minutes.dtype == np.float32
    assert np.array_equal(cached.minutes, fresh.minutes)
    assert (cached.demand_ids, cached.site_ids, cached.source) == (fresh.demand_ids, fresh.site_ids, fresh.source)


def test_cached_site_coordinates_equal_the_projection() -> None:
    case = norfolk.load()
    x_m, y_m = to_bng(case.sites.frame["lon"].to_numpy(), case.sites.frame["lat"].to_numpy())
    assert np.array_equal(case.sites.x_m, x_m) and np.array_equal(case.sites.y_m, y_m)


def test_cached_residuals_and_error_equal_a_fresh_calibration() -> None:
    from siting.significance import heldout_residuals

    norfolk.heldout_residuals.cache_clear()
    cached = norfolk.heldout_residuals()
    fresh = heldout_residuals(norfolk.routed_pairs())
    for name in ("km", "minutes", "band_edges_km"):
        assert np.array_equal(getattr(cached, name), getattr(fresh, name)), name
    assert cached.mae_minutes == fresh.mae_minutes
    assert norfolk.error_minutes() == norfolk.estimator()[1].mae_minutes


def test_stale_cache_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Changed data files (a different digest) make the cache unused, and the case is computed as before."""
    monkeypatch.setattr(norfolk, "_inputs_digest", lambda: "0" * 64)
    norfolk._cache.cache_clear()
    norfolk.load.cache_clear()
    try:
        assert norfolk._cache() is None
        case = norfolk.load()
        assert norfolk.cached_matrix(case) is None
        assert np.array_equal(norfolk.travel_matrix(case).minutes, norfolk.estimated_matrix(case).minutes)
        norfolk.heldout_residuals.cache_clear()
        assert norfolk.heldout_residuals().mae_minutes == norfolk.error_minutes() == norfolk.estimator()[1].mae_minutes
    finally:
        monkeypatch.undo()
        norfolk._cache.cache_clear()
        norfolk.load.cache_clear()
        norfolk.heldout_residuals.cache_clear()
