r"""The national instance: every English LSOA (2011) as demand, every 2016 public library as a site.

Built here from the packaged data until the domain layer (``scenarios``/``siting``) offers a
national case builder: demand weights are children aged 0-4 (``pop2020_age0_4``) at the
population-weighted centroids, sites are the libraries of ``libraries_2016.csv``, and the cost is
the calibrated straight-line travel time

.. math::

    t_{ij} = 10.85 + 0.891\, \lVert x_i - x_j \rVert_{\mathrm{km}}

in minutes, with distances on the British National Grid (EPSG:27700).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pyproj import Transformer

DATA = Path(__file__).resolve().parent.parent / "scenarios" / "data" / "england"
#: Calibrated global fit of drive minutes on straight-line km.
INTERCEPT_MIN = 10.85
SLOPE_MIN_PER_KM = 0.891


@dataclass(frozen=True)
class National:
    """Arrays of the national instance (the dense cost matrix is computed on first use)."""

    weights: NDArray[np.float64]
    demand_xy: NDArray[np.float64]
    site_xy: NDArray[np.float64]

    @cached_property
    def cost(self) -> NDArray[np.float64]:
        """Straight-line minutes, demand x sites (about 0.8 GB)."""
        return minutes(self.demand_xy, self.site_xy)


def _bng(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.float64]:
    tr = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    x, y = tr.transform(lon, lat)
    return np.column_stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)])


def minutes(a_xy: NDArray[np.float64], b_xy: NDArray[np.float64], chunk: int = 4096) -> NDArray[np.float64]:
    """Dense straight-line minutes from every row of ``a_xy`` to every row of ``b_xy`` (metres)."""
    out = np.empty((a_xy.shape[0], b_xy.shape[0]), dtype=np.float64)
    for s in range(0, a_xy.shape[0], chunk):
        a = a_xy[s:s + chunk]
        d = np.hypot(a[:, 0:1] - b_xy[None, :, 0], a[:, 1:2] - b_xy[None, :, 1])
        out[s:s + chunk] = INTERCEPT_MIN + SLOPE_MIN_PER_KM * (d / 1000.0)
    return out


@lru_cache(maxsize=1)
def load_national() -> National:
    """The national instance (about 32,844 x 2,986; the cost matrix takes about 0.8 GB)."""
    demand = pd.read_csv(DATA / "lsoa11_demand.csv.gz", usecols=["lsoa11cd", "pwc_lon", "pwc_lat", "pop2020_age0_4"])
    libs = pd.read_csv(DATA / "libraries_2016.csv", usecols=["name", "lat", "lng"])
    libs = libs.dropna(subset=["lat", "lng"])
    dxy = _bng(demand["pwc_lon"].to_numpy(float), demand["pwc_lat"].to_numpy(float))
    sxy = _bng(libs["lng"].to_numpy(float), libs["lat"].to_numpy(float))
    w = demand["pop2020_age0_4"].fillna(0.0).to_numpy(np.float64)
    return National(weights=w, demand_xy=dxy, site_xy=sxy)


def subsample(nat: National, n: int, m: int, seed: int = 0) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A random ``n`` x ``m`` sub-instance (weights, cost) of the national one, for scaling runs."""
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(nat.cost.shape[0], size=min(n, nat.cost.shape[0]), replace=False))
    cols = np.sort(rng.choice(nat.cost.shape[1], size=min(m, nat.cost.shape[1]), replace=False))
    return nat.weights[rows], minutes(nat.demand_xy[rows], nat.site_xy[cols])
