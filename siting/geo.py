"""Coordinates: WGS84 longitude/latitude to British National Grid metres (EPSG:27700)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    from pyproj import Transformer

WGS84 = "EPSG:4326"
BNG = "EPSG:27700"


@lru_cache(maxsize=4)
def _transformer(src: str, dst: str) -> Transformer:
    from pyproj import Transformer  # loaded when first needed

    return Transformer.from_crs(src, dst, always_xy=True)


def to_bng(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Project longitude/latitude (degrees) to BNG easting/northing (metres)."""
    x, y = _transformer(WGS84, BNG).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def to_wgs84(x_m: ArrayLike, y_m: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Project BNG easting/northing (metres) to longitude/latitude (degrees)."""
    lon, lat = _transformer(BNG, WGS84).transform(np.asarray(x_m, float), np.asarray(y_m, float))
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def distance_km(
    ax_m: ArrayLike, ay_m: ArrayLike, bx_m: ArrayLike, by_m: ArrayLike
) -> NDArray[np.float64]:
    """Straight-line distances in km between every point of a (rows) and every point of b (columns)."""
    dx = np.asarray(ax_m, float)[:, None] - np.asarray(bx_m, float)[None, :]
    dy = np.asarray(ay_m, float)[:, None] - np.asarray(by_m, float)[None, :]
    return np.hypot(dx, dy) / 1000.0
