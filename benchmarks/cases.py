"""The registry of benchmark cases: name -> builder of a :class:`~solvers.Problem` and its known optimum.

Suites:

* ``pmed``: OR-Library p-median instances pmed1-pmed40 (Beasley 1985), with their optima.
* ``pcenter``: the same 40 graphs as p-center problems (same p; no optima shipped: solvers are
  compared with each other).
* ``england``: the national instance (32,844 LSOAs x 2,986 libraries, see :mod:`benchmarks.england`),
  p-median with p = 153 and p = 900, MCLP (20 minutes) with the same p and with p = 10, 20, 50, 100, 300, 600,
  and MCLP with p = 153 at 15, 25 and 40 minutes.
* ``scaling``: random sub-instances of the national one of growing size (p-median and MCLP at 20 minutes,
  p = m / 20).
* ``cap``: OR-Library capacitated warehouse location (Beasley 1988) as split-sourced CFLP, with the
  published ``capopt`` optima (:mod:`benchmarks.orlib_cap`: cap41-cap74 shipped; others from
  ``$SITING_ORLIB_CAP``); ``cap41-single`` ... the same data single-sourced (no published optima).
* ``norfolk``: the Norfolk case (538 LSOAs x 53 centres) from the domain layer, p = 1..53 for
  MCLP, p-median and the outreach model; built lazily, skipped if the domain layer is missing.
  Run it with ``--in-process`` (one interpreter start per job would dwarf the solves).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from solvers import ModelKind, Problem, make_problem


@dataclass(frozen=True)
class Case:
    """A benchmark instance.

    Attributes:
        name: unique name (``pmed6``, ``england-pmedian-p153``...).
        suite: the suite it belongs to.
        build: returns the problem (may take a while: distances are computed here).
        optimum: the known optimal objective, if any.
        tags: free-form labels (model kind, size).
    """

    name: str
    suite: str
    build: Callable[[], Problem]
    optimum: float | None = None
    tags: dict[str, object] = field(default_factory=dict)


class SuiteUnavailable(RuntimeError):
    """A suite cannot be built on this machine (missing optional package or domain layer)."""


def _pmed_cases() -> list[Case]:
    from benchmarks.pmed import DATA_DIR, load_optima, load_pmed

    optima = load_optima()

    def builder(k: int) -> Callable[[], Problem]:
        def build() -> Problem:
            cost, p = load_pmed(DATA_DIR / f"pmed{k}.txt")
            return make_problem(ModelKind.PMEDIAN, np.ones(cost.shape[0]), cost, p=p)

        return build

    return [Case(f"pmed{k}", "pmed", builder(k), optima.get(f"pmed{k}"), {"model": "pmedian"}) for k in range(1, 41)]


def _pcenter_cases() -> list[Case]:
    from benchmarks.pmed import DATA_DIR, load_pmed

    def builder(k: int) -> Callable[[], Problem]:
        def build() -> Problem:
            cost, p = load_pmed(DATA_DIR / f"pmed{k}.txt")
            return make_problem(ModelKind.PCENTER, np.ones(cost.shape[0]), cost, p=p)

        return build

    return [Case(f"pcenter-pmed{k}", "pcenter", builder(k), None, {"model": "pcenter"}) for k in range(1, 41)]


def _cap_cases() -> list[Case]:
    from benchmarks.orlib_cap import CAPOPT, available, load_cap

    def builder(name: str, *, single: bool) -> Callable[[], Problem]:
        def build() -> Problem:
            inst = load_cap(name)
            return make_problem(ModelKind.CFLP, inst.demand, inst.unit_cost(), capacity=inst.capacity,
                                opening_cost=inst.fixed_cost, single_source=single)

        return build

    cases = [Case(name, "cap", builder(name, single=False), CAPOPT[name], {"model": "cflp", "sourcing": "split"})
             for name in available()]
    cases += [Case(f"{name}-single", "cap", builder(name, single=True), None, {"model": "cflp", "sourcing": "single"})
              for name in available() if name.startswith(("cap5", "cap6", "cap7"))]
    return cases


#: Bases in the national runs: 153 (the library authorities' count: one each) and 900.
NATIONAL_P = (153, 900)
#: Further base counts for the national MCLP only: where a proof of optimality is within reach.
NATIONAL_MCLP_EXTRA_P = (10, 15, 20, 50, 100, 300, 450, 530, 600)
NATIONAL_MINUTES = 20.0
#: Other coverage radii for the national MCLP at p = 153: does a proof depend on the 20-minute choice?
NATIONAL_MCLP_EXTRA_MINUTES = (15.0, 25.0, 40.0)


def _england_cases() -> list[Case]:
    from benchmarks.england import load_national

    def builder(kind: ModelKind, p: int, minutes: float = NATIONAL_MINUTES) -> Callable[[], Problem]:
        def build() -> Problem:
            nat = load_national()
            radius = minutes if kind is ModelKind.MCLP else None
            return make_problem(kind, nat.weights, nat.cost, p=p, radius=radius)

        return build

    cases = []
    for p in NATIONAL_P:
        cases.append(Case(f"england-pmedian-p{p}", "england", builder(ModelKind.PMEDIAN, p), None,
                          {"model": "pmedian"}))
        cases.append(Case(f"england-mclp{int(NATIONAL_MINUTES)}-p{p}", "england", builder(ModelKind.MCLP, p), None,
                          {"model": "mclp"}))
    for p in NATIONAL_MCLP_EXTRA_P:
        cases.append(Case(f"england-mclp{int(NATIONAL_MINUTES)}-p{p}", "england", builder(ModelKind.MCLP, p), None,
                          {"model": "mclp"}))
    for minutes in NATIONAL_MCLP_EXTRA_MINUTES:
        cases.append(Case(f"england-mclp{int(minutes)}-p153", "england", builder(ModelKind.MCLP, 153, minutes), None,
                          {"model": "mclp"}))
    return cases


SCALING_SIZES = ((1000, 200), (1500, 300), (2000, 400), (3000, 600), (4000, 800), (6000, 1100), (8000, 1500),
                 (16000, 2986), (32844, 2986))


def _scaling_cases() -> list[Case]:
    from benchmarks.england import load_national, subsample

    def builder(n: int, m: int) -> Callable[[], Problem]:
        def build() -> Problem:
            w, cost = subsample(load_national(), n, m, seed=n)
            return make_problem(ModelKind.PMEDIAN, w, cost, p=max(2, m // 20))

        return build

    def mclp_builder(n: int, m: int) -> Callable[[], Problem]:
        def build() -> Problem:
            w, cost = subsample(load_national(), n, m, seed=n)
            return make_problem(ModelKind.MCLP, w, cost, p=max(2, m // 20), radius=NATIONAL_MINUTES)

        return build

    cases = [Case(f"scale-n{n}-m{m}", "scaling", builder(n, m), None, {"model": "pmedian"}) for n, m in SCALING_SIZES]
    cases += [Case(f"scale-mclp-n{n}-m{m}", "scaling", mclp_builder(n, m), None, {"model": "mclp"})
              for n, m in SCALING_SIZES]
    return cases


NORFOLK_MINUTES = 20.0


def _norfolk_cases() -> list[Case]:
    """MCLP (20 minutes), p-median and the outreach model for every number of bases 1..53.

    Built from the domain layer: :func:`scenarios.cases.load_case` (LSOAs weighted by children
    aged 0-4, the calibrated travel matrix), :func:`siting.problems.build_problem` and
    :func:`siting.outreach.outreach_problem` with default parameters. Numbers of bases above the
    49 suitable buildings are infeasible by construction (the solve reports it).
    """
    try:
        from scenarios.cases import load_case
        from siting.outreach import OutreachParams
        from siting.outreach_params import make_spec
        from siting.problems import build_problem
    except ImportError as exc:
        raise SuiteUnavailable(f"the norfolk suite needs the domain layer (scenarios, siting): {exc}") from exc

    norfolk = functools.cache(lambda: load_case("norfolk"))  # read once per suite, not once per job
    # the outreach spec (costs calibrated on the case's budgets) is the same for every p: made once per suite;
    # the problems are those of siting.outreach_params.outreach_problem(case, matrix, OutreachParams(), bases=p)
    spec = functools.cache(lambda: make_spec(norfolk()[0], OutreachParams(), exact_bases=True))

    def builder(kind: ModelKind, p: int) -> Callable[[], Problem]:
        def build() -> Problem:
            case, matrix = norfolk()
            if kind is ModelKind.OUTREACH:
                return build_problem(case, matrix, model="outreach", bases=p, extra=spec())
            minutes = NORFOLK_MINUTES if kind is ModelKind.MCLP else None
            return build_problem(case, matrix, model=kind, bases=p, minutes=minutes)

        return build

    cases = []
    for kind in (ModelKind.MCLP, ModelKind.PMEDIAN, ModelKind.OUTREACH):
        for p in range(1, 54):
            cases.append(Case(f"norfolk-{kind.value}-p{p}", "norfolk", builder(kind, p), None, {"model": kind.value}))
    return cases


SUITES: dict[str, Callable[[], list[Case]]] = {
    "pmed": _pmed_cases,
    "pcenter": _pcenter_cases,
    "england": _england_cases,
    "scaling": _scaling_cases,
    "cap": _cap_cases,
    "norfolk": _norfolk_cases,
}


def suite_cases(suite: str, names: list[str] | None = None) -> list[Case]:
    """The cases of ``suite`` (optionally only those named); raises :class:`SuiteUnavailable`."""
    if suite not in SUITES:
        raise KeyError(f"unknown suite {suite!r}; choose from {', '.join(SUITES)}")
    cases = SUITES[suite]()
    if names:
        known = {c.name for c in cases}
        missing = [n for n in names if n not in known]
        if missing:
            raise KeyError(f"unknown instances {missing} in suite {suite!r}")
        cases = [c for c in cases if c.name in names]
    return cases


def get_case(name: str) -> Case:
    """The case called ``name`` in any suite."""
    for suite in SUITES:
        try:
            for c in SUITES[suite]():
                if c.name == name:
                    return c
        except SuiteUnavailable:
            continue
    raise KeyError(f"unknown case {name!r}")
