r"""Capacities and opening costs from data, and the facility location problem in money.

Sites may carry a ``capacity`` column (in units of the demand weight: children, for Norfolk;
``inf`` for no limit) and an ``opening_cost_gbp`` column (the annual cost of keeping the site as a
base). Instead of a column, one value for every site can be given (:class:`FacilityOptions`:
``--capacity``, ``--opening-cost-gbp`` on the command line, the same keys in a scenario's
``model`` section, ``capacity=``, ``opening_cost_gbp=`` in :func:`siting.solve`). Giving both a
column and a uniform value is an error, never a silent choice; so is an option the model does not
take (:func:`check_options`, the one check of the command line and the library).

The capacitated models (``cpmedian``, ``cmclp``) need capacities. The facility location model
(``cflp``) needs opening costs and the price of travel, ``travel_gbp_per_minute``: the annual
cost, in pounds, of one unit of demand weight being one minute from its base. The solver works in
weight-minutes, so the opening cost of site :math:`j` enters as :math:`f_j / \lambda` with
:math:`\lambda` that price; the objective times :math:`\lambda` is the annual cost in pounds:

.. math::

    \text{cost}_\text{GBP} = \sum_j F_j y_j + \lambda \sum_{i,j} w_i d_{ij} x_{ij}.

There is no default price: it is a value judgement (what a minute of a family's travel is worth
against a pound of overhead), and the recommendation moves with it (``docs/facility-location.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from siting.domain import Case, TravelMatrix
from siting.errors import InputError
from siting.problems import SiteRules, build_problem
from solvers import ModelKind, Problem
from solvers.models import DEFINITIONS

CAPACITATED = frozenset(k for k, d in DEFINITIONS.items() if d.needs_capacity)
"""Models that need a capacity for every site (their definition says so)."""
PRICED = frozenset(k for k, d in DEFINITIONS.items() if d.needs_opening_cost)
"""Models that need an opening cost for every site, and so the price of travel (CFLP); they take capacities too."""


@dataclass(frozen=True, kw_only=True)
class FacilityOptions:
    """Uniform capacities and costs, and how demand is served (CFLP).

    Attributes:
        capacity: every site's capacity, in units of the demand weight (``inf``: no limit), instead
            of the sites' ``capacity`` column.
        opening_cost_gbp: every site's annual cost as a base, instead of an ``opening_cost_gbp`` column.
        travel_gbp_per_minute: CFLP: the annual cost of one unit of weight one minute from its base.
        single_source: CFLP: each area is served whole by one base (else its demand may be split).
    """

    capacity: float | None = None
    opening_cost_gbp: float | None = None
    travel_gbp_per_minute: float | None = None
    single_source: bool = False

    def check(self, *, python: bool = False) -> None:
        """One-line errors for values that are not numbers of the right sign (named as ``python`` spells them)."""
        for name, value, allow_inf in (("capacity", self.capacity, True),
                                       ("opening_cost_gbp", self.opening_cost_gbp, False),
                                       ("travel_gbp_per_minute", self.travel_gbp_per_minute, False)):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InputError(f"must be a number, got {value!r}", source=option_name(name, python=python))
            if math.isnan(value) or (math.isinf(value) and not allow_inf):
                raise InputError(f"must be a finite number, got {value!r}", source=option_name(name, python=python))
            if value < 0 or (name == "travel_gbp_per_minute" and value == 0):
                raise InputError(f"must be {'positive' if name.startswith('travel') else 'at least 0'}, got {value!r}",
                                 source=option_name(name, python=python))

    @property
    def given(self) -> bool:
        """Whether any option is set (they belong to the capacitated and facility models only)."""
        return self != FacilityOptions()


def option_name(name: str, *, python: bool = False) -> str:
    """How an error names an option: the command-line flag (``--opening-cost-gbp``, ``--backup-only``) or the
    keyword of :func:`siting.solve` (``opening_cost_gbp=``, ``require_cover=False``)."""
    if name == "require_cover":
        return "require_cover=False" if python else "--backup-only"
    return f"{name}=" if python else "--" + name.replace("_", "-")


def check_options(model: str, options: FacilityOptions, *, require_cover: bool = True,
                  python: bool = False) -> None:
    """One-line errors for option values of the wrong sign and for options ``model`` does not take.

    The one check of the command line (``siting solve``), scenario files and :func:`siting.solve`; ``python``
    names the options as the keywords of :func:`siting.solve` instead of the flags.
    """
    options.check(python=python)
    kind = ModelKind(model)
    given = [(n, v) for n, v in (("capacity", options.capacity), ("opening_cost_gbp", options.opening_cost_gbp),
                                 ("travel_gbp_per_minute", options.travel_gbp_per_minute)) if v is not None]
    for name, _ in given:
        takers = CAPACITATED | PRICED if name == "capacity" else PRICED
        if kind not in takers:
            takes = ", ".join(sorted(k.value for k in takers))
            raise InputError(f"is for the model{'s' if len(takers) > 1 else ''} {takes}, not {model}",
                             source=option_name(name, python=python))
    if options.single_source and kind is not ModelKind.CFLP:
        raise InputError(f"is an option of the cflp model, not of {model}",
                         source=option_name("single_source", python=python))
    if not require_cover and kind is not ModelKind.BCLP:
        raise InputError(f"is an option of the bclp model, not of {model}",
                         source=option_name("require_cover", python=python))


def site_capacity(case: Case, options: FacilityOptions, *, python: bool = False) -> NDArray[np.float64] | None:
    """Capacities from the sites' column or the uniform option (None when neither is given)."""
    return _per_site(case, options.capacity, case.sites.capacity, "capacity", python=python)


def site_opening_cost_gbp(case: Case, options: FacilityOptions, *,
                          python: bool = False) -> NDArray[np.float64] | None:
    """Opening costs from the sites' column or the uniform option (None when neither is given)."""
    return _per_site(case, options.opening_cost_gbp, case.sites.opening_cost_gbp, "opening_cost_gbp", python=python)


def _per_site(case: Case, uniform: float | None, column: NDArray[np.float64] | None,
              name: str, *, python: bool) -> NDArray[np.float64] | None:
    if uniform is not None and column is not None:
        flag = option_name(name, python=python)
        raise InputError(f"the sites {'have' if python else 'file has'} a {name} column; give either the column "
                         f"or {flag}, not both", source=flag)
    if uniform is not None:
        return np.full(len(case.sites), float(uniform))
    return column


def needs(model: ModelKind, case: Case, options: FacilityOptions, *, python: bool = False) -> str:
    """Why ``model`` cannot run with these data and options ('' if it can); ``python``: options named as the
    keywords of :func:`siting.solve`."""
    sites = "the sites (site_columns= maps your column)" if python else "the sites file"

    def also(name: str) -> str:
        return option_name(name, python=python) + ("" if python else f" (model.{name} in a scenario)")

    if model in CAPACITATED and site_capacity(case, options, python=python) is None:
        return f"model {model} needs a capacity for every site: a capacity column in {sites}, or {also('capacity')}"
    if model in PRICED:
        if site_opening_cost_gbp(case, options, python=python) is None:
            return (f"model {model} needs an opening cost for every site: an opening_cost_gbp column in {sites}, "
                    f"or {also('opening_cost_gbp')}")
        if options.travel_gbp_per_minute is None:
            return (f"model {model} needs {also('travel_gbp_per_minute')}: the annual cost in GBP of one unit of "
                    "demand weight being one minute from its base")
    if model not in CAPACITATED | PRICED and options.given:
        takes = ", ".join(sorted(k.value for k in CAPACITATED | PRICED))
        return f"capacities and opening costs are for the models {takes}, not {model}"
    return ""


def _check_capacity(case: Case, problem: Problem) -> None:
    """One-line errors when the capacities cannot hold the demand (before any solver runs)."""
    if problem.capacity is None:
        return
    cap = np.asarray(problem.capacity, dtype=np.float64)
    allowed = problem.open_allowed()
    total = float(problem.weights.sum())
    if problem.kind in (ModelKind.CPMEDIAN, ModelKind.CFLP) and float(cap[allowed].sum()) < total * (1 - 1e-12):
        raise InputError(f"the sites that may be bases hold {cap[allowed].sum():,.6g} in all, below the total "
                         f"demand {total:,.6g}", source="capacity")
    if problem.kind is ModelKind.CFLP and problem.single_source:
        reach = np.isfinite(np.asarray(problem.cost, dtype=np.float64)) & allowed[None, :]
        biggest = np.where(reach, cap[None, :], -np.inf).max(axis=1, initial=-np.inf)
        heavy = np.flatnonzero((problem.weights > 0) & (problem.weights > biggest))
        if heavy.size:
            i = int(heavy[0])
            raise InputError(f"area {case.demand.ids[i]!r} weighs {problem.weights[i]:,.6g}, more than any base "
                             f"that can serve it holds ({biggest[i]:,.6g}); single sourcing cannot serve it",
                             source="capacity")


def facility_problem(case: Case, matrix: TravelMatrix, *, model: ModelKind | str, bases: int | None,
                     minutes: float | None, rules: SiteRules | None, options: FacilityOptions,
                     require_cover: bool = True) -> Problem:
    """The solver problem with capacities and opening costs from data (raises a one-line InputError)."""
    kind = ModelKind(model)
    options.check()
    if why := needs(kind, case, options):
        raise InputError(why, source="--model")
    capacity = site_capacity(case, options) if kind in CAPACITATED | PRICED else None
    opening = None
    if kind in PRICED:
        gbp = site_opening_cost_gbp(case, options)
        assert gbp is not None and options.travel_gbp_per_minute is not None
        opening = gbp / float(options.travel_gbp_per_minute)
    problem = build_problem(case, matrix, model=kind, bases=bases, minutes=minutes, rules=rules, capacity=capacity,
                            opening_cost=opening, single_source=options.single_source, require_cover=require_cover)
    _check_capacity(case, problem)
    return problem


@dataclass(frozen=True)
class CostSplit:
    """A CFLP solution's annual cost in pounds: bases' opening costs and families' travel."""

    opening_gbp: float
    travel_gbp: float

    @property
    def total_gbp(self) -> float:
        return self.opening_gbp + self.travel_gbp


def cost_split(case: Case, options: FacilityOptions, selected: tuple[int, ...], objective: float) -> CostSplit:
    """Split the verified objective (weight-minutes) of a CFLP solution into pounds."""
    gbp = site_opening_cost_gbp(case, options)
    assert gbp is not None and options.travel_gbp_per_minute is not None
    opening = math.fsum(float(gbp[j]) for j in selected)
    total = objective * float(options.travel_gbp_per_minute)
    return CostSplit(opening, total - opening)
