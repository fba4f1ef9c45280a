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
from typing import Any, Literal

from siting.domain import Case, DemandAreas, Plan, Sites, TravelMatrix
from siting.errors import InputError
from siting.problems import SiteRules
from siting.solution import Solution, from_outcome
from solvers.models import MODEL_NAMES

#: The models the facade solves: every model's definition but the outreach model, which needs a budget and its
#: parameters and runs on the command line (``siting solve norfolk --model outreach``) or from a scenario file.
MODELS: tuple[str, ...] = tuple(name for name in MODEL_NAMES if name != "outreach")
#: The number of bases when ``bases`` is not given, for the models that keep a fixed number (as ``siting solve``).
DEFAULT_BASES = 15
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


def solve(demand: Any, sites: Any, *, model: str = "mclp", bases: int | None = None, minutes: float = 20.0,
          travel: object = "estimate", rules: SiteRules | None = None, plan: Sequence[str] | Plan | None = None,
          columns: Mapping[str, str] | None = None, site_columns: Mapping[str, str] | None = None,
          need: str = "children", solver: str = "auto", time_limit_s: float | None = None, gap_rel: float = 0.0,
          name: str = "case", capacity: float | None = None, opening_cost_gbp: float | None = None,
          travel_gbp_per_minute: float | None = None, single_source: bool = False, require_cover: bool = True,
          option_names: Literal["python", "command line"] = "python") -> Solution:
    r"""Choose ``bases`` of ``sites`` for ``demand`` with ``model``, and measure the result (and ``plan``).

    With :math:`w_i` the need of area :math:`i`, :math:`t_{ij}` the minutes from area :math:`i` to site
    :math:`j`, :math:`y_j` whether site :math:`j` is kept, :math:`x_{ij}` (the share of) area :math:`i` served by
    :math:`j`, :math:`N_i` the sites within ``minutes`` of :math:`i` and :math:`Q_j` site :math:`j`'s capacity:

    * ``mclp``: most need within ``minutes``, :math:`\max \sum_i w_i z_i`, :math:`z_i \le \sum_{j \in N_i} y_j`;
    * ``pmedian``: least need-weighted minutes, :math:`\min \sum_{ij} w_i t_{ij} x_{ij}`;
    * ``lscp``: fewest bases reaching everyone within ``minutes``, :math:`\min \sum_j y_j`;
    * ``pcenter``: least worst minutes, :math:`\min \max_i \sum_j t_{ij} x_{ij}`;
    * ``cpmedian``: the p-median with each base serving at most its capacity, each area served whole by one base,
      :math:`\sum_i w_i x_{ij} \le Q_j y_j`;
    * ``cmclp``: most need within ``minutes`` *and* within the capacities,
      :math:`\max \sum_{i,\, j \in N_i} w_i x_{ij}`, :math:`\sum_j x_{ij} \le 1`,
      :math:`\sum_i w_i x_{ij} \le Q_j y_j`;
    * ``cflp``: least annual cost in pounds, opening costs plus families' travel priced at
      :math:`\lambda` = ``travel_gbp_per_minute``, any number of bases (at most ``bases`` if given),
      :math:`\min \sum_j F_j y_j + \lambda \sum_{ij} w_i t_{ij} x_{ij}`, :math:`\sum_j x_{ij} = 1`,
      within capacities if there are any; demand split between bases, or not (``single_source=True``);
    * ``bclp``: most need covered *twice* within ``minutes`` (backup coverage), every area a base can reach
      covered once (``require_cover=False``: only the double cover counts),
      :math:`\max \sum_i w_i u_i`, :math:`\sum_{j \in N_i} y_j \ge 1 + u_i`.

    Every model keeps exactly ``bases`` bases except ``lscp`` (the fewest) and ``cflp`` (any number, at most
    ``bases``). The ``outreach`` model (bases plus staff driving out to areas within a budget) is not here: it
    needs a budget and its parameters and runs on the command line (``siting solve norfolk --model outreach``)
    or from a scenario file.

    Args:
        demand: demand areas, a GeoDataFrame of points or polygons in any CRS (or a table with ``lon``/``lat``).
            Required columns: ``id`` and ``children_0_4`` (the need); optional: ``name``, ``district``, ``ruc``
            (rural-urban class), ``idaci``, ``weight``. Other names through ``columns``.
        sites: candidate sites, a GeoDataFrame of points: ``id``; optional ``name``, ``district``, ``kind``,
            ``suitable_base``, ``running_cost_gbp``, ``capacity`` (in units of need; ``inf``: no limit) and
            ``opening_cost_gbp`` (annual cost of keeping the site as a base); other names through
            ``site_columns``.
        model: ``mclp``, ``pmedian``, ``lscp``, ``pcenter``, ``cpmedian``, ``cmclp``, ``cflp`` or ``bclp`` (above).
        bases: how many bases to keep; default 15 (as ``siting solve``), except ``cflp`` (default: no limit) and
            ``lscp`` (ignored: the model finds the fewest).
        minutes: the travel-time limit of coverage (every model's coverage is reported at it).
        travel: ``"estimate"``, a :class:`~siting.travel_times.TravelSource`, a
            :class:`~siting.domain.TravelMatrix`, a table or a file of minutes.
        rules: must-keep / must-close sites and per-district limits (:class:`~siting.problems.SiteRules`).
        plan: a plan in hand (site ids) measured the same way and compared (``summary["plan_in_hand"]``).
        columns: demand columns, canonical name -> your column (unknown keys and absent columns are errors).
        site_columns: the same for the sites (``capacity`` and ``opening_cost_gbp`` included).
        need: the need weighting recorded in the summary (the weight is ``weight`` if given, else children).
        solver: backend name or ``auto``.
        time_limit_s: solver time limit in seconds (a run stopped by it says ``time_limit``).
        gap_rel: relative gap to stop at (a run stopped by it says ``within_gap``).
        name: the case name in the summary.
        capacity: ``cpmedian``, ``cmclp``, ``cflp``: every site's capacity in units of need (``inf``: no limit),
            instead of a ``capacity`` column (giving both is an error).
        opening_cost_gbp: ``cflp``: every site's annual cost as a base, instead of an ``opening_cost_gbp`` column.
        travel_gbp_per_minute: ``cflp`` (required): the annual cost in GBP of one unit of need (one child) being
            one minute from its base; no default, since it is a value judgement that moves the answer.
        single_source: ``cflp``: each area served whole by one base (else its need may be split).
        require_cover: ``bclp``: every area a base can reach is covered once (``False``: only the need covered
            twice counts).
        option_names: how errors name the options above: as these keywords (``capacity=``) or as the flags of
            ``siting solve`` (``--capacity``; its own-data path uses this).

    Returns:
        a :class:`~siting.solution.Solution` (layers in the input CRS; ``summary["facility"]`` holds the cost in
        pounds split into bases and travel for ``cflp``, the need covered once and twice for ``bclp``).

    Raises:
        InputError: one line naming the column, row or option: bad frames, an option the model does not take
            (``capacity=`` with ``mclp``), a capacity or cost that is missing, not a number or negative, or a
            column and a uniform value both given.
    """
    from siting.facility import FacilityOptions, check_options, needs
    from siting.solve_text import format_text
    from siting.solving import SolveRequest, solve_case
    from solvers import ModelKind, SolveOptions
    from solvers.models import CountRule, definition

    if model not in MODELS:
        raise InputError(f"model {model!r} is not one the library solves (choose from {', '.join(MODELS)}; "
                         "the outreach model runs on the command line)", source="model")
    python = option_names == "python"
    facility = FacilityOptions(capacity=capacity, opening_cost_gbp=opening_cost_gbp,
                               travel_gbp_per_minute=travel_gbp_per_minute, single_source=single_source)
    check_options(model, facility, require_cover=require_cover, python=python)
    count = definition(model).count
    if count is CountRule.MINIMISED:
        bases = None
    elif bases is None and count is CountRule.EXACT:
        bases = DEFAULT_BASES
    case, where = prepare(demand, sites, columns=columns, site_columns=site_columns, plan=plan, name=name,
                          demand_source=_source(demand, "demand"), sites_source=_source(sites, "sites"))
    if why := needs(ModelKind(model), case, facility, python=python):
        raise InputError(why, source="model" if python else "--model")
    matrix, described = _travel(travel, case)
    request = SolveRequest(model=model, bases=bases, minutes=minutes, solver=solver,
                           rules=rules or SiteRules(), need=need,
                           options=SolveOptions(time_limit_s=time_limit_s, gap_rel=gap_rel),
                           facility=facility, require_cover=require_cover)
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
