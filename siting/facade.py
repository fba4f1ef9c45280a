"""The library facade: GeoDataFrames in, a :class:`~siting.solution.Solution` out.

Example (``docs/python.md`` runs it, with its output)::

    import siting
    demand, libraries = siting.examples.suffolk()                # GeoDataFrames (EPSG:4326)
    sol = siting.solve(demand, libraries, bases=15, minutes=20, columns=siting.examples.SUFFOLK_COLUMNS)
    sol.status, sol.need_covered_share                           # ('optimal', 0.958...)

:func:`solve` optimises, :func:`evaluate` measures a plan in hand the same way (same figures, status ``given``).
Both check the frames on entry (:mod:`siting.frames`: one-line errors naming the column), choose a metric CRS
inside, and return every layer in the input's CRS. Travel times come from a travel source
(:mod:`siting.travel_times`): ``"estimate"`` (England's calibrated straight-line estimator, refused outside
England), a matrix, or a road network; the summary records which, with its error band.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from siting.domain import Case, DemandAreas, Plan, Sites, TravelMatrix
from siting.errors import InputError
from siting.problems import SiteRules
from siting.solution import Solution, from_outcome

#: The models the facade solves (the outreach model needs budgets and parameters: ``siting solve --model outreach``).
MODELS = ("mclp", "pmedian", "lscp", "pcenter")
PLAN_NAME = "plan"


def prepare(demand: Any, sites: Any, *, columns: Mapping[str, str] | None = None,
            site_columns: Mapping[str, str] | None = None, plan: Sequence[str] | Plan | None = None,
            name: str = "case", demand_source: str = "demand", sites_source: str = "sites",
            ) -> tuple[Case, dict[str, Any]]:
    """The checked :class:`~siting.domain.Case` of two frames, and where its layers go back (CRS, polygons)."""
    from siting import frames

    areas, d_placed, metric = frames.demand(demand, columns=columns, source=demand_source)
    s, s_placed = frames.sites(sites, columns=site_columns, source=sites_source, metric=metric, areas=areas,
                               area_polygons=d_placed.polygons)
    plans: dict[str, Plan] = {}
    if plan is not None:
        p = plan if isinstance(plan, Plan) else Plan(PLAN_NAME, tuple(str(x) for x in plan))
        unknown = [b for b in p.site_ids if b not in set(s.ids)]
        if unknown:
            raise InputError(f"plan keeps site {unknown[0]!r}, which is not among the sites", source="plan")
        plans[p.name] = p
    case = Case(name, DemandAreas(areas.frame, areas.source), Sites(s.frame, s.source), plans,
                provenance=f"{demand_source}; {sites_source}")
    return case, {"demand_crs": d_placed.crs, "sites_crs": s_placed.crs, "polygons": d_placed.polygons,
                  "metric_crs": metric}


def _travel(travel: object, case: Case) -> tuple[TravelMatrix, dict[str, object]]:
    from siting.travel_times import as_source

    source = as_source(travel)
    matrix = source.matrix(case.demand, case.sites)
    return matrix, source.describe()


def solve(demand: Any, sites: Any, *, model: str = "mclp", bases: int | None = 15, minutes: float = 20.0,
          travel: object = "estimate", rules: SiteRules | None = None, plan: Sequence[str] | Plan | None = None,
          columns: Mapping[str, str] | None = None, site_columns: Mapping[str, str] | None = None,
          need: str = "children", solver: str = "auto", time_limit_s: float | None = None, gap_rel: float = 0.0,
          name: str = "case") -> Solution:
    r"""Choose ``bases`` of ``sites`` for ``demand`` with ``model``, and measure the result (and ``plan``).

    Args:
        demand: demand areas, a GeoDataFrame of points or polygons in any CRS (or a table with ``lon``/``lat``).
            Required columns: ``id`` and ``children_0_4`` (the need); optional: ``name``, ``district``, ``ruc``
            (rural-urban class), ``idaci``, ``weight``. Other names through ``columns``.
        sites: candidate sites, a GeoDataFrame of points: ``id``; optional ``name``, ``district``, ``kind``,
            ``suitable_base``, ``running_cost_gbp`` (other names through ``site_columns``).
        model: ``mclp`` (most need within ``minutes``, :math:`\max \sum_i w_i y_i`), ``pmedian`` (least
            need-weighted minutes, :math:`\min \sum_{ij} w_i t_{ij} x_{ij}`), ``lscp`` (fewest bases reaching
            everyone within ``minutes``) or ``pcenter`` (least worst minutes).
        bases: how many bases to keep (ignored by ``lscp``).
        minutes: the travel-time limit of coverage (every model's coverage is reported at it).
        travel: ``"estimate"``, a :class:`~siting.travel_times.TravelSource`, a
            :class:`~siting.domain.TravelMatrix`, a table or a file of minutes.
        rules: must-keep / must-close sites and per-district limits (:class:`~siting.problems.SiteRules`).
        plan: a plan in hand (site ids) measured the same way and compared (``summary["plan_in_hand"]``).
        columns: demand columns, canonical name -> your column (unknown keys and absent columns are errors).
        site_columns: the same for the sites.
        need: the need weighting recorded in the summary (the weight is ``weight`` if given, else children).
        solver: backend name or ``auto``.
        time_limit_s: solver time limit in seconds (a run stopped by it says ``time_limit``).
        gap_rel: relative gap to stop at (a run stopped by it says ``within_gap``).
        name: the case name in the summary.

    Returns:
        a :class:`~siting.solution.Solution` (layers in the input CRS).
    """
    from siting.solve_text import format_text
    from siting.solving import SolveRequest, solve_case
    from solvers import SolveOptions

    if model not in MODELS:
        raise InputError(f"model {model!r} is not one the library solves (choose from {', '.join(MODELS)}; "
                         "the outreach model runs on the command line)", source="model")
    case, where = prepare(demand, sites, columns=columns, site_columns=site_columns, plan=plan, name=name,
                          demand_source=_source(demand, "demand"), sites_source=_source(sites, "sites"))
    matrix, described = _travel(travel, case)
    request = SolveRequest(model=model, bases=None if model == "lscp" else bases, minutes=minutes, solver=solver,
                           rules=rules or SiteRules(), need=need,
                           options=SolveOptions(time_limit_s=time_limit_s, gap_rel=gap_rel))
    outcome = solve_case(case, matrix, request)
    _record(outcome.summary, described, where)
    outcome.text = format_text(outcome.summary)  # now with the travel source and its error band
    return from_outcome(outcome, demand_crs=where["demand_crs"], sites_crs=where["sites_crs"],
                        polygons=where["polygons"])


def evaluate(demand: Any, sites: Any, plan: Sequence[str] | Plan, *, minutes: float = 20.0,
             travel: object = "estimate", columns: Mapping[str, str] | None = None,
             site_columns: Mapping[str, str] | None = None, need: str = "children",
             name: str = "case") -> Solution:
    """Measure a plan in hand (site ids kept as bases) exactly as :func:`solve` measures its optimum.

    The :class:`~siting.solution.Solution` has status ``given`` (nothing was optimised) and the same layers and
    summary figures (need covered, worst and mean minutes, by district and rural-urban class, equity).
    """
    from siting.coverage import evaluate as measure
    from siting.equity import equity
    from siting.solve_text import format_text
    from siting.solving import Outcome, bases_table, geo_layers

    case, where = prepare(demand, sites, columns=columns, site_columns=site_columns, plan=plan, name=name,
                          demand_source=_source(demand, "demand"), sites_source=_source(sites, "sites"))
    p = next(iter(case.plans.values()))
    matrix, described = _travel(travel, case)
    cov = measure(case, matrix, p.site_ids, minutes=minutes)
    import siting

    summary: dict[str, object] = {
        "case": name, "model": "given plan", "solver": "none", "status": "given", "message": "", "verified": True,
        "objective": float("nan"), "bound": float("nan"), "gap": float("nan"), "bases_requested": len(p.site_ids),
        "minutes": minutes, "need_weighting": need, "bases": list(p.site_ids),
        "siting_version": siting.__version__, "provenance": case.provenance,
        **{k: v for k, v in cov.as_dict().items() if k not in ("bases", "minutes")},
        "travel_times": matrix.source,
        "equity": equity(case, matrix, list(p.site_ids), minutes=minutes).as_dict(),
    }
    _record(summary, described, where)
    outcome = Outcome(summary, {"bases.csv": bases_table(case, cov), "areas.csv": cov.areas},
                      format_text(summary), None, cov, geo_layers(case, cov))
    return from_outcome(outcome, demand_crs=where["demand_crs"], sites_crs=where["sites_crs"],
                        polygons=where["polygons"])


def _record(summary: dict[str, object], described: dict[str, object], where: dict[str, Any]) -> None:
    summary["travel"] = described
    summary["metric_crs"] = str(where["metric_crs"])


def _source(frame: Any, default: str) -> str:
    """How errors name a frame: ``frame.attrs["source"]`` (a file name, set by readers) or ``default``."""
    attrs = getattr(frame, "attrs", None)
    return str(attrs.get("source", default)) if isinstance(attrs, dict) else default
