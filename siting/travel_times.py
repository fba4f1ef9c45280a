"""Travel times as a protocol: where the minutes between demand areas and sites come from, and how wrong they may be.

A *travel source* is anything with ``matrix(demand, sites) -> TravelMatrix`` and ``describe() -> dict``
(:class:`TravelSource`). Three ship with the library:

* :class:`Estimate`: the straight-line estimator calibrated on routed drive times for all of England
  (:func:`siting.grid_estimator.load_england`); a point outside England is refused, naming it. Norfolk's own
  calibration belongs to the Norfolk case (``scenarios``) and is never applied here.
* :class:`Matrix`: minutes you already have (a long table ``demand_id, site_id, minutes``, a wide table, a file,
  or a :class:`~siting.domain.TravelMatrix`).
* :class:`RoadNetwork`: shortest drive times over an OpenStreetMap road network (:mod:`siting.network`).

Every :class:`~siting.solution.Solution` records ``describe()`` under ``summary["travel"]``: the estimator and its
measured error band (held-out mean absolute error and 90th percentile), or that the minutes were given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from siting.domain import DemandAreas, Sites, TravelMatrix
from siting.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

#: Pairs further apart than this (straight line) are not checked for open water: nobody drives them.
WATER_CHECK_KM = 60.0


@runtime_checkable
class TravelSource(Protocol):
    """Where travel minutes come from (see the module docstring)."""

    def matrix(self, demand: DemandAreas, sites: Sites) -> TravelMatrix:
        """Minutes from every demand area (rows) to every site (columns), ``inf`` where unreachable."""
        ...

    def describe(self) -> dict[str, object]:
        """What the summary records: ``source`` and, for estimates, the measured error band in minutes."""
        ...


@dataclass(frozen=True)
class EnglandEstimate:
    """England estimator minutes for origins x destinations (British National Grid metres) and its error band."""

    minutes: np.ndarray
    heldout_mae_minutes: float
    heldout_p90_minutes: float
    open_water_pairs: int  # pairs under WATER_CHECK_KM whose straight line crosses open water


def england_outside(x_m: np.ndarray, y_m: np.ndarray) -> int | None:
    """The index of the first point where the England estimator was not calibrated (or not finite), else None."""
    from siting import grid_estimator

    ok = np.isfinite(x_m) & np.isfinite(y_m)
    ok[ok] = grid_estimator.load_england().calibrated_at(x_m[ok], y_m[ok])
    return None if ok.all() else int(np.flatnonzero(~ok)[0])


def england_estimate(ox_m: np.ndarray, oy_m: np.ndarray, dx_m: np.ndarray, dy_m: np.ndarray) -> EnglandEstimate:
    """Estimated drive minutes with the England estimator, its held-out error and the open-water count."""
    from siting import grid_estimator

    england = grid_estimator.load_england()
    minutes = england.minutes(ox_m, oy_m, dx_m, dy_m)
    n, m = len(ox_m), len(dx_m)
    ox, oy, tx, ty = np.repeat(ox_m, m), np.repeat(oy_m, m), np.tile(dx_m, n), np.tile(dy_m, n)
    near = np.hypot(ox - tx, oy - ty) <= WATER_CHECK_KM * 1000.0  # only pairs anyone would drive
    water = (int(grid_estimator.crosses_open_water(ox[near], oy[near], tx[near], ty[near]).sum())
             if near.any() else 0)
    return EnglandEstimate(minutes,
                           float(england.metrics.get("heldout_destination_mae_minutes", float("nan"))),
                           float(england.metrics.get("heldout_destination_p90_minutes", float("nan"))), water)


def bng_of(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """British National Grid metres of a table's ``lon``/``lat`` (whatever CRS its ``x_m``/``y_m`` are in)."""
    from siting.geo import to_bng

    return to_bng(frame["lon"].to_numpy(dtype=float), frame["lat"].to_numpy(dtype=float))


@dataclass
class Estimate:
    """The England straight-line drive-time estimator (held-out error recorded in every summary).

    Coordinates are taken from longitude/latitude (so data in any CRS is placed correctly); a demand area or
    site outside England, where the estimator was calibrated, is an :class:`~siting.errors.InputError` naming it.
    Pairs under 60 km whose straight line crosses open water (the Solent, the Wash) are counted in
    ``describe()["open_water_pairs"]``: their estimates are unreliable.
    """

    _described: dict[str, object] = field(default_factory=dict, repr=False)

    def matrix(self, demand: DemandAreas, sites: Sites) -> TravelMatrix:
        dx, dy = bng_of(demand.frame)
        sx, sy = bng_of(sites.frame)
        for xs, ys, ids, what in ((dx, dy, demand.ids, "demand area"), (sx, sy, sites.ids, "site")):
            k = england_outside(xs, ys)
            if k is not None:
                raise InputError(f"{what} {ids[k]!r} lies outside England, where the drive-time estimator was "
                                 "calibrated; give a travel matrix (siting.Matrix) or a road network "
                                 "(siting.RoadNetwork) instead", source="travel")
        est = england_estimate(dx, dy, sx, sy)
        minutes, water = est.minutes, est.open_water_pairs
        mae, p90 = est.heldout_mae_minutes, est.heldout_p90_minutes
        self._described = {
            "source": "estimate", "estimator": "England straight-line estimator",
            "heldout_mae_minutes": round(mae, 2), "heldout_p90_minutes": round(p90, 2),
            "error_band": f"held-out destinations: mean absolute error {mae:.1f} min, 90th percentile {p90:.1f} min",
            "open_water_pairs": water,
        }
        return TravelMatrix(minutes, tuple(demand.ids), tuple(sites.ids),
                            source=f"England straight-line estimator ({self._described['error_band']})")

    def describe(self) -> dict[str, object]:
        return dict(self._described) or {"source": "estimate", "estimator": "England straight-line estimator"}


@dataclass
class Matrix:
    """Minutes you already have: a :class:`~siting.domain.TravelMatrix`, a table or a file (CSV/Parquet).

    A table is long (``demand_id, site_id, minutes``; pairs not given are unreachable) or wide (first column
    the demand ids, one column per site id), as :func:`siting.validation.travel_matrix_file` reads it.
    """

    minutes: TravelMatrix | pd.DataFrame | str | Path
    error_band: str = "not known (minutes given by the user)"

    def matrix(self, demand: DemandAreas, sites: Sites) -> TravelMatrix:
        from siting import validation

        given = self.minutes
        if isinstance(given, TravelMatrix):
            if given.demand_ids != tuple(demand.ids) or given.site_ids != tuple(sites.ids):
                given = _reorder(given, demand.ids, sites.ids)
            return validation.travel_matrix(given.minutes, demand.ids, sites.ids, source=given.source or "matrix")
        if isinstance(given, str | Path):
            return validation.travel_matrix_file(Path(given), demand.ids, sites.ids)
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:  # one reader for files and frames: the same checks
            path = Path(tmp) / "matrix.parquet"
            given.to_parquet(path, index=False)
            out = validation.travel_matrix_file(path, demand.ids, sites.ids)
        return TravelMatrix(out.minutes, out.demand_ids, out.site_ids, source="matrix (a table given in Python)")

    def describe(self) -> dict[str, object]:
        src = self.minutes.source if isinstance(self.minutes, TravelMatrix) else (
            str(self.minutes) if isinstance(self.minutes, str | Path) else "a table given in Python")
        return {"source": "matrix", "file": src, "error_band": self.error_band}


def _reorder(m: TravelMatrix, demand_ids: list[str], site_ids: list[str]) -> TravelMatrix:
    rows = {d: k for k, d in enumerate(m.demand_ids)}
    cols = {s: k for k, s in enumerate(m.site_ids)}
    for ids, pos, what in ((demand_ids, rows, "demand area"), (site_ids, cols, "site")):
        missing = [i for i in ids if i not in pos]
        if missing:
            raise InputError(f"the travel matrix has no {what} {missing[0]!r}", source=m.source or "matrix")
    sub = m.minutes[np.ix_([rows[d] for d in demand_ids], [cols[s] for s in site_ids])]
    return TravelMatrix(sub, tuple(demand_ids), tuple(site_ids), m.source)


@dataclass
class RoadNetwork:
    """Drive times over a local road network file (OSM ``.osm``/``.osm.pbf`` or OSMnx ``.graphml``)."""

    network: str | Path
    max_minutes: float = 120.0
    _report: dict[str, object] = field(default_factory=dict, repr=False)

    def matrix(self, demand: DemandAreas, sites: Sites) -> TravelMatrix:
        from siting.frames import BNG, case_metric_crs
        from siting.network import network_travel_matrix

        if (metric := case_metric_crs(demand)) != BNG:
            raise InputError(f"road networks are projected to British National Grid, and these areas lie outside "
                             f"Great Britain (metric CRS {metric}): give a travel matrix (siting.Matrix) instead",
                             source="travel")
        result = network_travel_matrix(Path(self.network), demand, sites, max_minutes=self.max_minutes)
        self._report = result.report.as_dict()
        return result.matrix

    def describe(self) -> dict[str, object]:
        return {"source": "road network", "file": str(self.network), "max_minutes": self.max_minutes,
                "error_band": "shortest paths at the network's speeds (no congestion)", **(
                    {"report": self._report} if self._report else {})}


def as_source(travel: object) -> TravelSource:
    """A travel source from what :func:`siting.solve` accepts: ``"estimate"``, a source, a matrix or a path."""
    if isinstance(travel, str) and travel == "estimate":
        return Estimate()
    if isinstance(travel, TravelSource):
        return travel
    import pandas as pd

    if isinstance(travel, TravelMatrix | pd.DataFrame | Path):
        return Matrix(travel)
    if isinstance(travel, str):
        return Matrix(Path(travel))
    raise InputError(f"travel must be 'estimate', a travel matrix (table or file), siting.Matrix(...) or "
                     f"siting.RoadNetwork(...), got {type(travel).__name__}", source="travel")
