"""What :func:`siting.solve` and :func:`siting.evaluate` return: a :class:`Solution` of GeoDataFrames in your CRS.

``Solution.explore()`` draws the solution on a Folium map. Maps live in the ``maps`` layer, above ``siting``
(layers: solvers <- siting <- maps <- scenarios; ``siting`` never imports ``maps``). The method therefore
resolves its drawing function by name at call time, like pandas' plotting backends
(``pd.options.plotting.backend``): :data:`EXPLORE_BACKEND` (default ``"maps.explore:explore"``) or the
``backend=`` argument names a function ``f(solution, **kwargs) -> folium.Map``. Nothing in ``siting`` depends on
``maps`` to import, test or type-check, the import-linter layer contract holds, and another drawing function can
be plugged in without touching ``siting``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siting.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

    from siting.solving import Outcome

#: ``"module:function"`` that draws a solution (``Solution.explore``); see the module docstring.
EXPLORE_BACKEND = "maps.explore:explore"


@dataclass(frozen=True)
class Solution:
    """A solved (or evaluated) plan, every layer in the CRS of the input frames.

    Attributes:
        status: ``optimal`` (proven within ``summary["tolerance_rel"]``), ``within_gap`` (stopped at the
            requested gap, not proven optimal), ``time_limit`` (stopped by the time limit: the best plan found,
            with its bound and gap in ``summary``), ``infeasible``, ``error``; ``given`` for a plan measured by
            :func:`siting.evaluate` (nothing optimised).
        bases: the kept bases (points): id, name, district, need within reach, need lost if closed alone, ...
        areas: every demand area with its nearest kept base (``base_id``), the minutes to it (``base_minutes``)
            and whether it is covered within the limit; polygons when the areas were polygons, else points.
        lines: one line per area from the area's point to its base (areas no base reaches have none).
        catchments: the area polygons dissolved by base (``None`` when the areas were points).
        sites: every candidate site with ``kept``.
        summary: the JSON summary (``summary.json``): status, objective, bound, gap, coverage, by district and
            rural-urban class, equity, rules, the plan compared with, and ``travel`` (source and error band).
        text: the readable summary the command line prints.
    """

    status: str
    bases: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    lines: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    summary: dict[str, object]
    text: str
    catchments: gpd.GeoDataFrame | None = None
    outcome: Outcome | None = field(default=None, repr=False, compare=False)

    @property
    def base_ids(self) -> list[str]:
        """Ids of the kept bases, in the solver's order."""
        bases = self.summary.get("bases")
        return [str(b) for b in bases] if isinstance(bases, list) else []

    @property
    def need_covered_share(self) -> float:
        """Need-weighted share of demand within the travel-time limit of a kept base."""
        return float(self.summary.get("need_covered_share", float("nan")))  # type: ignore[arg-type]

    def __str__(self) -> str:
        return self.text

    def to_folder(self, path: str | Path) -> Path:
        """Write ``summary.json``, ``bases``/``areas`` as CSV and Parquet, and ``solution.gpkg`` to ``path``.

        The same files as ``siting solve --out``, under the same safety rules (:mod:`siting.output`): a folder
        is replaced only if it is new, empty or one siting wrote; it is written atomically.
        """
        from siting.output import check_out_dir
        from siting.solving import write_outcome

        if self.outcome is None:
            raise InputError("this solution has no tables to write", source=str(path))
        target = check_out_dir(Path(path))
        write_outcome(self.outcome, target)
        return target

    def explore(self, *, backend: str | None = None, **kwargs: Any) -> Any:
        """A Folium map of the solution (areas by minutes to their base, bases, lines), like GeoPandas' ``explore``.

        ``backend`` (default :data:`EXPLORE_BACKEND`) names the drawing function as ``"module:function"``;
        ``kwargs`` go to it (for :func:`maps.explore.explore`: ``column``, ``tiles``, ``lines``).
        """
        name = backend or EXPLORE_BACKEND
        module, _, func = name.partition(":")
        try:
            draw = getattr(importlib.import_module(module), func)
        except (ImportError, AttributeError) as exc:
            raise InputError(f"cannot load the map backend {name!r}: {exc}", source="explore") from None
        return draw(self, **kwargs)


def from_outcome(outcome: Outcome, *, demand_crs: Any, sites_crs: Any, polygons: Any = None) -> Solution:
    """A :class:`Solution` from a solve's :class:`~siting.solving.Outcome`, layers in the input CRS."""
    import geopandas as gpd
    from shapely import LineString

    summary = outcome.summary
    status = str(summary.get("status", "given"))
    geo = outcome.geo
    sites_g = geo.get("sites")
    cov = outcome.coverage
    if cov is None or sites_g is None:
        empty = gpd.GeoDataFrame(geometry=[], crs=demand_crs)
        return Solution(status, empty, empty, empty, empty, summary, outcome.text, None, outcome)
    areas_pts = geo["areas"].to_crs(demand_crs)
    sites_g = sites_g.to_crs(sites_crs)
    areas = areas_pts.copy()
    catchments = None
    if polygons is not None:
        areas = gpd.GeoDataFrame(areas.drop(columns=areas.geometry.name), geometry=list(polygons.to_crs(demand_crs)),
                                 crs=demand_crs)
        has_base = areas["base_id"].notna()
        catchments = (areas[has_base][["base_id", "weight", "covered", "geometry"]]
                      .dissolve(by="base_id", aggfunc={"weight": "sum", "covered": "all"}).reset_index())
    kept = sites_g[sites_g["kept"]].set_index("id")
    table = outcome.tables.get("bases.csv")
    bases = gpd.GeoDataFrame(table.drop(columns=[c for c in ("lon", "lat") if c in table.columns]),
                             geometry=list(kept.loc[table["id"]].geometry), crs=sites_crs) if table is not None else \
        gpd.GeoDataFrame(kept.reset_index(), crs=sites_crs)
    base_pts = kept.geometry.to_crs(demand_crs)
    rows = [(a, b, m) for a, b, m in zip(areas_pts["id"], areas_pts["base_id"], areas_pts["base_minutes"],
                                          strict=True) if b is not None]
    pts = areas_pts.set_index("id").geometry
    lines = gpd.GeoDataFrame(
        {"area_id": [r[0] for r in rows], "base_id": [r[1] for r in rows], "minutes": [r[2] for r in rows]},
        geometry=[LineString([pts[a], base_pts[b]]) for a, b, _ in rows], crs=demand_crs)
    return Solution(status, bases, areas, lines, sites_g, summary, outcome.text, catchments, outcome)
