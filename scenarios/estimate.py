"""The ``estimate`` travel source: which straight-line estimator serves a case, said out loud.

Norfolk's own calibration (:func:`scenarios.norfolk.estimator`) serves points inside the area its
calibration origins cover; everywhere else in England the estimator calibrated on routed times for all of
England (:func:`siting.grid_estimator.load_england`) does. A point outside both is refused: the user must
give a travel matrix or a road network. The choice, the estimator's held-out error and the number of pairs
whose straight line crosses open water are recorded in the summary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from scenarios import norfolk
from siting.domain import DemandAreas, Sites, TravelMatrix
from siting.errors import InputError
from siting.frames import BNG, case_metric_crs
from siting.travel_times import bng_of, england_estimate, england_outside


@dataclass(frozen=True)
class EstimatedMatrix:
    """A matrix from a straight-line estimator and what the summary must say about it."""

    matrix: TravelMatrix
    estimator: str
    heldout_mae_minutes: float
    heldout_p90_minutes: float
    open_water_pairs: int

    @property
    def note(self) -> str:
        water = (f"; {self.open_water_pairs:,} area-site pairs cross open water (estimates there are unreliable)"
                 if self.open_water_pairs else "")
        return (f"travel times: {self.estimator}, held-out mean absolute error {self.heldout_mae_minutes:.1f} min "
                f"(90th percentile {self.heldout_p90_minutes:.1f}){water}")

    def as_dict(self) -> dict[str, object]:
        return {"estimator": self.estimator, "heldout_mae_minutes": round(self.heldout_mae_minutes, 2),
                "heldout_p90_minutes": round(self.heldout_p90_minutes, 2), "open_water_pairs": self.open_water_pairs}


def _described(name: str, mae: float, p90: float) -> str:
    return f"{name} (held-out destinations: mean absolute error {mae:.1f} min, 90th percentile {p90:.1f} min)"


def _inside_norfolk(x_m: np.ndarray, y_m: np.ndarray) -> bool:
    est, _ = norfolk.estimator()
    field = est.access
    if field is None or x_m.size == 0:
        return False
    dist, _ = cKDTree(np.c_[field.x_m, field.y_m]).query(np.c_[x_m, y_m], k=1)
    return bool((dist <= field.max_km * 1000.0).all())


def estimate_matrix(demand: DemandAreas, sites: Sites, *, source: str = "") -> EstimatedMatrix:
    """Estimated drive minutes for ``demand`` x ``sites`` with the estimator calibrated for where they are."""
    in_bng = case_metric_crs(demand) == BNG  # else x_m/y_m are in a UTM zone: both estimators work in BNG
    dx, dy = (np.asarray(demand.x_m, float), np.asarray(demand.y_m, float)) if in_bng else bng_of(demand.frame)
    sx, sy = (np.asarray(sites.x_m, float), np.asarray(sites.y_m, float)) if in_bng else bng_of(sites.frame)
    x, y = np.r_[dx, sx], np.r_[dy, sy]
    if in_bng and _inside_norfolk(x, y):
        est, report = norfolk.estimator()
        plain = est.matrix(demand, sites)
        matrix = TravelMatrix(plain.minutes, plain.demand_ids, plain.site_ids,
                              source=_described("Norfolk straight-line estimator", report.lodo_mae_minutes,
                                                report.lodo_p90_minutes))
        # calibrated on Norfolk's own routed times, whose detours round the Broads and the Wash it has learnt
        return EstimatedMatrix(matrix, "Norfolk straight-line estimator", report.lodo_mae_minutes,
                               report.lodo_p90_minutes, 0)
    k = england_outside(x, y)
    if k is not None:
        what = (f"area {demand.ids[k]}" if k < len(demand.ids)
                else f"site {sites.ids[k - len(demand.ids)]}")
        where = f"{source}: " if source else ""
        raise InputError(f"{where}{what} lies outside England, where the drive-time estimator was calibrated; "
                         "give a travel matrix or a road network instead")
    eng = england_estimate(dx, dy, sx, sy)
    mae, p90 = eng.heldout_mae_minutes, eng.heldout_p90_minutes
    matrix = TravelMatrix(eng.minutes, tuple(demand.ids), tuple(sites.ids),
                          source=_described("England straight-line estimator", mae, p90))
    return EstimatedMatrix(matrix, "England straight-line estimator", mae, p90, eng.open_water_pairs)
