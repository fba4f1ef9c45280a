r"""A straight-line drive-time estimator with spatial pace and access fields, for any area of a grid.

The estimator predicts the drive time from origin :math:`o` to destination :math:`d` as

.. math::

    t_{od} = a + b\,k_{od} + c\sqrt{k_{od}}
             + k_{od} \sum_{s=0}^{S-1} w_s\, P\big(x_o + \tfrac{s}{S-1}(x_d - x_o)\big)
             + A(x_o) + A(x_d),

where :math:`k_{od}` is the straight-line distance in km (British National Grid), :math:`P` a *pace field*
(extra minutes per km where roads are slow or winding, on a coarse grid) averaged along the straight line at
:math:`S` equally spaced points with trapezoid weights :math:`w_s` (:math:`w_0 = w_{S-1} = \frac{1}{2(S-1)}`,
the others :math:`\frac{1}{S-1}`; :math:`S = 3` gives :math:`\frac{P(x_o) + 2P(m_{od}) + P(x_d)}{4}`), and
:math:`A` an *access field* (minutes to get from a point onto the main road network, on a fine grid), both
bilinear on their grids. The same access field serves origins and destinations, so a destination the fit never
saw still gets the access of its neighbourhood; the pace along the line is learnt from every route that runs
through the same corridor, so a new destination's routes borrow it.

The parameters minimise squared error plus smoothness penalties (differences between neighbouring grid
cells) and a small ridge term:

.. math::

    \min_{a,b,c,P,A}\; \sum_{(o,d)} (t_{od} - \hat t_{od})^2
        + \lambda_A \lVert \nabla A \rVert^2 + \lambda_P \lVert \nabla P \rVert^2
        + \rho\,(\lVert A \rVert^2 + \lVert P \rVert^2),

a sparse linear least-squares problem solved through its normal equations.

Straight lines that cross open water (the Solent, the Wash, estuaries) are flagged by
:func:`crosses_open_water` against a land outline: there the road distance (or a ferry) is not what a
straight line suggests, and the estimate can be far off.

Example:

>>> import numpy as np
>>> est = load_england()
>>> minutes = est.pair_minutes(np.array([623_000.0]), np.array([308_000.0]),   # Norwich
...                            np.array([562_000.0]), np.array([320_000.0]))   # King's Lynn
>>> bool(55 < minutes[0] < 75)
True
"""

from __future__ import annotations

import gzip
import io
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

ENGLAND_PARAMETERS = "england_drive_estimator.npz"


@dataclass(frozen=True)
class Grid:
    """A regular grid in BNG metres: ``nx`` by ``ny`` nodes from ``(x0_m, y0_m)``, ``cell_m`` apart."""

    x0_m: float
    y0_m: float
    cell_m: float
    nx: int
    ny: int

    @property
    def size(self) -> int:
        return self.nx * self.ny

    def weights(self, x_m: ArrayLike, y_m: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Bilinear weights: the 4 node indices of each point and their weights (rows sum to 1)."""
        gx = (np.asarray(x_m, float) - self.x0_m) / self.cell_m
        gy = (np.asarray(y_m, float) - self.y0_m) / self.cell_m
        i = np.clip(np.floor(gx).astype(np.int64), 0, self.nx - 2)
        j = np.clip(np.floor(gy).astype(np.int64), 0, self.ny - 2)
        fx = np.clip(gx - i, 0.0, 1.0)
        fy = np.clip(gy - j, 0.0, 1.0)
        idx = np.stack([j * self.nx + i, j * self.nx + i + 1, (j + 1) * self.nx + i, (j + 1) * self.nx + i + 1], 1)
        w = np.stack([(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy], 1)
        return idx, w

    def interpolate(self, values: NDArray[np.floating[Any]], x_m: ArrayLike, y_m: ArrayLike) -> NDArray[np.float64]:
        """Field ``values`` (one per node) at the points."""
        idx, w = self.weights(x_m, y_m)
        return np.asarray((values[idx] * w).sum(axis=1), dtype=np.float64)

    def as_list(self) -> list[float]:
        return [self.x0_m, self.y0_m, self.cell_m, float(self.nx), float(self.ny)]

    @classmethod
    def from_list(cls, v: ArrayLike) -> Grid:
        a = np.asarray(v, float)
        return cls(float(a[0]), float(a[1]), float(a[2]), int(a[3]), int(a[4]))


@dataclass(frozen=True)
class GridEstimator:
    """Drive minutes from straight lines with pace and access fields; see the module docstring.

    Attributes:
        intercept_min, per_km_min, per_sqrt_km_min: :math:`a, b, c`.
        pace_grid, pace_min_per_km: the grid of :math:`P` and its node values.
        access_grid, access_min: the grid of :math:`A` and its node values.
        support: for each access-grid node, whether calibration points lie within reach (the area
            the estimator was calibrated on).
        name: what it was calibrated on; ``metrics`` its measured errors (minutes).
        pace_samples: :math:`S`, the points along the straight line at which the pace field is read.
    """

    intercept_min: float
    per_km_min: float
    per_sqrt_km_min: float
    pace_grid: Grid
    pace_min_per_km: NDArray[np.float32]
    access_grid: Grid
    access_min: NDArray[np.float32]
    support: NDArray[np.bool_]
    name: str = "grid estimator"
    metrics: dict[str, float] = field(default_factory=dict)
    pace_samples: int = 3

    def pair_minutes(self, ox_m: ArrayLike, oy_m: ArrayLike, dx_m: ArrayLike,
                     dy_m: ArrayLike) -> NDArray[np.float64]:
        """Estimated minutes for matched pairs (origin k to destination k)."""
        ox, oy = np.asarray(ox_m, float), np.asarray(oy_m, float)
        dx, dy = np.asarray(dx_m, float), np.asarray(dy_m, float)
        km = np.hypot(ox - dx, oy - dy) / 1000.0
        pace = self.pace_min_per_km
        path_pace = np.zeros(km.shape)
        for frac, weight in zip(*_line_samples(self.pace_samples), strict=True):
            path_pace += weight * self.pace_grid.interpolate(pace, ox + frac * (dx - ox), oy + frac * (dy - oy))
        t = (self.intercept_min + self.per_km_min * km + self.per_sqrt_km_min * np.sqrt(km) + km * path_pace
             + self.access_grid.interpolate(self.access_min, ox, oy)
             + self.access_grid.interpolate(self.access_min, dx, dy))
        return np.asarray(np.maximum(t, 0.0), dtype=np.float64)

    def minutes(self, ox_m: ArrayLike, oy_m: ArrayLike, dx_m: ArrayLike,
                dy_m: ArrayLike) -> NDArray[np.float32]:
        """Estimated minutes from every origin (rows) to every destination (columns)."""
        ox, oy = np.asarray(ox_m, float), np.asarray(oy_m, float)
        dx, dy = np.asarray(dx_m, float), np.asarray(dy_m, float)
        n, m = ox.size, dx.size
        out = np.empty((n, m), dtype=np.float32)
        rows = max(1, 500_000 // max(m, 1))  # about half a million pairs at a time
        for start in range(0, n, rows):
            k = min(rows, n - start)
            t = self.pair_minutes(np.repeat(ox[start:start + k], m), np.repeat(oy[start:start + k], m),
                                  np.tile(dx, k), np.tile(dy, k))
            out[start:start + k] = t.reshape(k, m)
        return out

    def calibrated_at(self, x_m: ArrayLike, y_m: ArrayLike) -> NDArray[np.bool_]:
        """True where a point lies in the area the estimator was calibrated on."""
        g = self.access_grid
        x, y = np.asarray(x_m, float), np.asarray(y_m, float)
        i = np.rint((x - g.x0_m) / g.cell_m).astype(np.int64)
        j = np.rint((y - g.y0_m) / g.cell_m).astype(np.int64)
        inside = (i >= 0) & (i < g.nx) & (j >= 0) & (j < g.ny)
        out = np.zeros(x.shape, dtype=bool)
        out[inside] = self.support[j[inside] * g.nx + i[inside]]
        return out

    def save(self, path: Any) -> None:
        """Write the parameters to an ``.npz`` file (what the package ships)."""
        np.savez_compressed(
            path, coef=np.array([self.intercept_min, self.per_km_min, self.per_sqrt_km_min]),
            pace_grid=np.array(self.pace_grid.as_list()), pace=self.pace_min_per_km.astype(np.float32),
            access_grid=np.array(self.access_grid.as_list()), access=self.access_min.astype(np.float32),
            support=self.support, name=np.array(self.name), metrics=np.array(json.dumps(self.metrics)),
            pace_samples=np.array(self.pace_samples))

    @classmethod
    def load(cls, source: Any) -> GridEstimator:
        """Read parameters written by :meth:`save`."""
        with np.load(source, allow_pickle=False) as z:
            coef = z["coef"]
            return cls(float(coef[0]), float(coef[1]), float(coef[2]),
                       Grid.from_list(z["pace_grid"]), z["pace"].astype(np.float32),
                       Grid.from_list(z["access_grid"]), z["access"].astype(np.float32),
                       z["support"].astype(bool), name=str(z["name"]),
                       metrics={k: float(v) for k, v in json.loads(str(z["metrics"])).items()},
                       pace_samples=int(z["pace_samples"]) if "pace_samples" in z.files else 3)


def _line_samples(samples: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Fractions along the straight line and their trapezoid weights (summing to 1); at least 2 points."""
    if samples < 2:
        raise ValueError(f"pace_samples must be at least 2, got {samples}")
    frac = np.linspace(0.0, 1.0, samples)
    weight = np.full(samples, 1.0 / (samples - 1))
    weight[[0, -1]] /= 2.0
    return frac, weight


def _smoothness(grid: Grid) -> Any:
    """Sparse first differences between horizontally and vertically neighbouring nodes."""
    import scipy.sparse as sp

    idx = np.arange(grid.size).reshape(grid.ny, grid.nx)
    a = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    b = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    n = a.size
    rows = np.r_[np.arange(n), np.arange(n)]
    return sp.csr_matrix((np.r_[np.ones(n), -np.ones(n)], (rows, np.r_[a, b])), shape=(n, grid.size))


def _field_design(grid: Grid, x_m: NDArray[np.float64], y_m: NDArray[np.float64], scale: NDArray[np.float64]) -> Any:
    import scipy.sparse as sp

    idx, w = grid.weights(x_m, y_m)
    rows = np.repeat(np.arange(x_m.size), 4)
    return sp.csr_matrix(((w * scale[:, None]).ravel(), (rows, idx.ravel())), shape=(x_m.size, grid.size))


def design(ox_m: NDArray[np.float64], oy_m: NDArray[np.float64], dx_m: NDArray[np.float64],
           dy_m: NDArray[np.float64], *, access_grid: Grid, pace_grid: Grid, pace_samples: int = 3) -> Any:
    """The sparse design matrix of the model: columns ``1, km, sqrt(km)``, then the access nodes, then the pace
    nodes (what :func:`fit` solves for; exposed so a benchmark can add candidate terms to the same model)."""
    import scipy.sparse as sp

    km = np.hypot(ox_m - dx_m, oy_m - dy_m) / 1000.0
    ones = np.ones(km.size)
    access = _field_design(access_grid, ox_m, oy_m, ones) + _field_design(access_grid, dx_m, dy_m, ones)
    pace = sp.csr_matrix((km.size, pace_grid.size))
    for frac, weight in zip(*_line_samples(pace_samples), strict=True):
        pace = pace + _field_design(pace_grid, ox_m + frac * (dx_m - ox_m), oy_m + frac * (dy_m - oy_m),
                                    km * weight)
    return sp.hstack([sp.csr_matrix(np.c_[ones, km, np.sqrt(km)]), access, pace]).tocsr()


def solve(design_matrix: Any, minutes: NDArray[np.float64], *, access_grid: Grid, pace_grid: Grid,
          access_smoothing: float, pace_smoothing: float, ridge: float,
          extra_ridge: float = 0.0) -> NDArray[np.float64]:
    """Penalised least squares for :func:`design` (plus any extra columns appended after the pace nodes, which
    get ridge ``extra_ridge``, scaled like the others); returns the coefficients."""
    import scipy.sparse as sp
    from scipy.sparse.linalg import spsolve

    n = minutes.size
    na, npace = access_grid.size, pace_grid.size
    nextra = design_matrix.shape[1] - 3 - na - npace
    la = _smoothness(access_grid) * (access_smoothing * np.sqrt(n / na))
    lp = _smoothness(pace_grid) * (pace_smoothing * np.sqrt(n / npace))
    blocks = [
        sp.hstack([sp.csr_matrix((la.shape[0], 3)), la, sp.csr_matrix((la.shape[0], npace + nextra))]),
        sp.hstack([sp.csr_matrix((lp.shape[0], 3 + na)), lp, sp.csr_matrix((lp.shape[0], nextra))]),
        sp.hstack([sp.csr_matrix((na + npace, 3)), sp.identity(na + npace) * (ridge * np.sqrt(n / (na + npace))),
                   sp.csr_matrix((na + npace, nextra))]),
    ]
    if nextra:
        blocks.append(sp.hstack([sp.csr_matrix((nextra, 3 + na + npace)),
                                 sp.identity(nextra) * (extra_ridge * np.sqrt(n))]))
    penalty = sp.vstack(blocks).tocsr()
    normal = (design_matrix.T @ design_matrix + penalty.T @ penalty).tocsc()
    return np.asarray(spsolve(normal, design_matrix.T @ minutes), dtype=np.float64)


def fit(ox_m: ArrayLike, oy_m: ArrayLike, dx_m: ArrayLike, dy_m: ArrayLike, minutes: ArrayLike, *,
        access_grid: Grid, pace_grid: Grid, access_smoothing: float = 1.0, pace_smoothing: float = 5.0,
        ridge: float = 0.05, support_km: float = 6.0, name: str = "grid estimator",
        pace_samples: int = 3) -> GridEstimator:
    """Fit the estimator on routed pairs (origin k to destination k took ``minutes[k]``).

    The penalties are scaled by the number of pairs per grid node, so their meaning does not change with
    the amount of data. ``support_km``: grid nodes within this distance of a calibration point count as
    calibrated (see :meth:`GridEstimator.calibrated_at`). ``pace_samples``: points along each straight line
    at which the pace field is read (3: origin, midpoint, destination).
    """
    from scipy.spatial import cKDTree

    ox, oy = np.asarray(ox_m, float), np.asarray(oy_m, float)
    dx, dy = np.asarray(dx_m, float), np.asarray(dy_m, float)
    t = np.asarray(minutes, float)
    x = design(ox, oy, dx, dy, access_grid=access_grid, pace_grid=pace_grid, pace_samples=pace_samples)
    beta = solve(x, t, access_grid=access_grid, pace_grid=pace_grid, access_smoothing=access_smoothing,
                 pace_smoothing=pace_smoothing, ridge=ridge)
    na = access_grid.size
    pts = np.unique(np.r_[np.c_[ox, oy], np.c_[dx, dy]], axis=0)
    gx = access_grid.x0_m + access_grid.cell_m * np.arange(access_grid.nx)
    gy = access_grid.y0_m + access_grid.cell_m * np.arange(access_grid.ny)
    nodes = np.c_[np.tile(gx, access_grid.ny), np.repeat(gy, access_grid.nx)]
    dist, _ = cKDTree(pts).query(nodes, k=1)
    return GridEstimator(float(beta[0]), float(beta[1]), float(beta[2]),
                         pace_grid, beta[3 + na:].astype(np.float32), access_grid, beta[3:3 + na].astype(np.float32),
                         np.asarray(dist <= support_km * 1000.0), name=name, pace_samples=pace_samples)


@lru_cache(maxsize=1)
def load_england() -> GridEstimator:
    """The estimator calibrated on routed drive times for all England (shipped with the package).

    Its errors, measured on destinations the fit never saw, are in ``metrics`` and in
    ``docs/travel-times.md``; the benchmark ``python -m benchmarks run --suite travel-england`` re-measures them.
    """
    data = resources.files("siting").joinpath("data", ENGLAND_PARAMETERS).read_bytes()
    return GridEstimator.load(io.BytesIO(data))


@lru_cache(maxsize=1)
def _land() -> Any:
    import shapely

    data = resources.files("siting").joinpath("data", "england_wales_land.wkb.gz").read_bytes()
    land = shapely.from_wkb(gzip.decompress(data))
    shapely.prepare(land)
    return land


def crosses_open_water(ox_m: ArrayLike, oy_m: ArrayLike, dx_m: ArrayLike, dy_m: ArrayLike, *,
                       tolerance_km: float = 1.0) -> NDArray[np.bool_]:
    """For matched pairs: True where the straight line runs over more than ``tolerance_km`` of sea.

    Uses the England and Wales coastline (simplified to 250 m; see ``scenarios/data/PROVENANCE.md``), so an
    estuary crossed by a bridge is flagged too: the flag says the straight line is not a road, not that no
    road exists.
    """
    return np.asarray(open_water_km(ox_m, oy_m, dx_m, dy_m) > tolerance_km)


def open_water_km(ox_m: ArrayLike, oy_m: ArrayLike, dx_m: ArrayLike, dy_m: ArrayLike) -> NDArray[np.float64]:
    """For matched pairs: the km of each straight line that lie over the sea (sampled every 250 m)."""
    import shapely

    ox, oy = np.asarray(ox_m, float), np.asarray(oy_m, float)
    dx, dy = np.asarray(dx_m, float), np.asarray(dy_m, float)
    land = _land()
    step_m = 250.0  # the coastline's own resolution
    length_m = np.hypot(dx - ox, dy - oy)
    samples = np.maximum(2, np.ceil(length_m / step_m).astype(np.int64) + 1)
    out = np.zeros(ox.size, dtype=np.float64)
    chunk = 2_000_000
    start = 0
    while start < ox.size:  # pairs in batches of about ``chunk`` sample points
        stop = start + 1 + int(np.searchsorted(np.cumsum(samples[start:]), chunk))
        stop = min(stop, ox.size)
        n = samples[start:stop]
        pair = np.repeat(np.arange(start, stop), n)
        frac = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(n - 1, n)
        x = ox[pair] + frac * (dx[pair] - ox[pair])
        y = oy[pair] + frac * (dy[pair] - oy[pair])
        wet = ~shapely.contains_xy(land, x, y)
        out[start:stop] = np.bincount(pair - start, weights=wet.astype(float), minlength=stop - start) / n * length_m[
            start:stop] / 1000.0
        start = stop
    return out
