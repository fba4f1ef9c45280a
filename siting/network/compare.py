"""How far a straight-line estimate is from road-network times on the same points.

Any object with ``minutes(ox_m, oy_m, dx_m, dy_m)`` returning an origins x destinations array of minutes will do,
for instance :class:`siting.travel.StraightLineEstimator` (a plain fit from :func:`siting.travel.fit`, or the
estimator calibrated on Norfolk's routed times, which the ``scenarios`` layer provides).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from siting.domain import DemandAreas, Sites, TravelMatrix


class MinutesEstimator(Protocol):
    """Estimated minutes from every origin (rows) to every destination (columns), BNG metres in."""

    def minutes(self, ox_m: NDArray[np.floating], oy_m: NDArray[np.floating], dx_m: NDArray[np.floating],
                dy_m: NDArray[np.floating]) -> NDArray[np.float32]: ...


@dataclass(frozen=True)
class EstimatorComparison:
    """Estimate minus network time over the pairs the network reaches (``pairs`` of ``total_pairs``).

    ``mae_minutes`` is the mean absolute difference, ``p90_minutes`` its 90th percentile,
    ``mean_difference_minutes`` the mean signed difference (positive: the estimate is slower) and
    ``median_ratio`` the median of estimate / network time over pairs at least ``min_network_minutes`` apart.
    """

    pairs: int
    total_pairs: int
    mae_minutes: float
    p90_minutes: float
    mean_difference_minutes: float
    median_ratio: float
    min_network_minutes: float

    def summary(self) -> str:
        return (f"straight-line estimate vs road network over {self.pairs:,} of {self.total_pairs:,} pairs: "
                f"mean absolute difference {self.mae_minutes:.2f} min, 90th percentile {self.p90_minutes:.2f} min, "
                f"mean (estimate - network) {self.mean_difference_minutes:+.2f} min, "
                f"median ratio {self.median_ratio:.2f}")


def compare_with_estimator(matrix: TravelMatrix, demand: DemandAreas, sites: Sites, estimator: MinutesEstimator,
                           *, min_network_minutes: float = 1.0) -> EstimatorComparison:
    """Compare ``matrix`` (demand x sites) with ``estimator`` on the same points (see :class:`EstimatorComparison`).

    ``inf`` (unreachable) pairs are left out: an estimate has nothing to be compared with there.
    """
    if matrix.demand_ids != tuple(demand.ids) or matrix.site_ids != tuple(sites.ids):
        raise ValueError("the matrix is not for these demand areas and sites")
    network = matrix.minutes.astype(np.float64)
    estimate = np.asarray(estimator.minutes(demand.x_m, demand.y_m, sites.x_m, sites.y_m), dtype=np.float64)
    ok = np.isfinite(network)
    diff = estimate[ok] - network[ok]
    far = ok & (network >= min_network_minutes)
    if diff.size == 0:
        nan = float("nan")
        return EstimatorComparison(0, int(network.size), nan, nan, nan, nan, float(min_network_minutes))
    ratio = estimate[far] / network[far]
    return EstimatorComparison(
        pairs=int(diff.size), total_pairs=int(network.size), mae_minutes=float(np.abs(diff).mean()),
        p90_minutes=float(np.percentile(np.abs(diff), 90)), mean_difference_minutes=float(diff.mean()),
        median_ratio=float(np.median(ratio)) if ratio.size else float("nan"),
        min_network_minutes=float(min_network_minutes),
    )
