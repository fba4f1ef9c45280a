"""What a model definition declares, and the names of the models.

A :class:`ModelDefinition` says everything the rest of the engine needs to know about one location
model: the direction of its objective, which data it needs (a radius, capacities, opening costs),
what ``p`` means for it (:class:`CountRule`), and where its behaviour lives: the MIP formulation,
the independent checker, the heuristic, the optional CP-SAT model and the model-specific presolve.

Behaviour is named by reference (``"module:function"``) and imported the first time it is used,
so reading a definition loads neither a solver library nor the formulations (start-up stays light,
and the checker never imports a formulation). ``tests/solvers/test_model_definitions.py`` resolves
every reference of every definition, so a typo fails the tests, not a user's run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from solvers.backends.cpsat_models import CpsatModel
    from solvers.check import Evaluation
    from solvers.heuristics import Found, HeuristicRun
    from solvers.linear import MatrixModel
    from solvers.problem import Problem


class ModelKind(StrEnum):
    """The names of the location models (each has one definition in :mod:`solvers.models`)."""

    MCLP = "mclp"
    """Maximal covering: open p sites to maximise the weight within ``radius``."""
    PMEDIAN = "pmedian"
    """p-median: open p sites to minimise the weighted cost to the nearest open site."""
    LSCP = "lscp"
    """Location set covering: fewest sites covering every coverable demand point."""
    PCENTER = "pcenter"
    """p-center: open p sites to minimise the worst (optionally weighted) cost."""
    CPMEDIAN = "cpmedian"
    """Capacitated p-median: as p-median, each site serving at most its capacity."""
    CMCLP = "cmclp"
    """Capacitated maximal covering: covered weight assigned within site capacities."""
    OUTREACH = "outreach"
    """Frontline-versus-overhead outreach model (see :mod:`solvers.formulations.outreach`)."""
    CFLP = "cflp"
    """Capacitated facility location: opening costs plus weighted travel, free (or capped) number of sites."""
    BCLP = "bclp"
    """Backup coverage: open p sites to maximise the weight covered at least twice within ``radius``."""


class CountRule(StrEnum):
    """What the number of sites ``p`` means for a model."""

    EXACT = "exact"
    """``p`` is required and exactly ``p`` sites open."""
    AT_MOST = "at_most"
    """``p`` is optional and a cap: at most ``p`` sites open; without it the model chooses the count
    (a scenario may say ``bases: auto``)."""
    MINIMISED = "minimised"
    """The number of sites is the objective; ``p``, if given, is a cap (a scenario gives no count)."""


def resolve(ref: str) -> Callable[..., Any]:
    """The function named by ``"package.module:function"``, imported on first use."""
    return _resolve(ref)


@cache
def _resolve(ref: str) -> Callable[..., Any]:
    module, _, name = ref.partition(":")
    if not module or not name:
        raise ValueError(f"a model reference is 'module:function', got {ref!r}")
    target = getattr(importlib.import_module(module), name)
    if not callable(target):
        raise TypeError(f"{ref} is not callable")
    return cast(Callable[..., Any], target)


@dataclass(frozen=True, kw_only=True)
class ModelDefinition:
    """One location model, declared once (see ``docs/adding-a-model.md``).

    Attributes:
        kind: the model's name.
        summary: the model in one line (command-line help, docs).
        maximise: the objective is maximised (else minimised).
        count: what ``p`` means (:class:`CountRule`).
        needs_radius: a coverage radius is required (``Problem.radius``; minutes in a scenario).
        needs_capacity: a capacity per site is required (``Problem.capacity``).
        needs_opening_cost: an opening cost per site is required (``Problem.opening_cost``).
        assignment_decision: the assignment of demand to sites is a decision (capacitated models):
            a solution carries it and the checker checks it.
        serves_all_demand: every demand point of positive weight must reach an open site (presolve
            checks reachability before solving).
        brute_force_check: the checker may try every choice of ``p`` sites on small instances (the
            objective is a function of the open sites alone).
        mip_start_completion: a warm start's non-site variables can be completed by
            :func:`solvers.formulations.start.mip_start` (the variable conventions of
            :mod:`solvers.formulations.common`: ``x``, ``z``, ``zmax``).
        objective_weight, objective_cost: the objective scales with the weights / the costs
            (:mod:`solvers.normalise` scales the data into a safe range and the objective back).
        scalable: the data may be rescaled at all (False when the model's data live elsewhere).
        formulation: ``"module:function"`` building the compact MIP from a problem (None: no MIP).
        evaluator: ``"module:function"`` recomputing the objective of a choice of sites, independently
            of the formulation: ``(problem, selected, assignment) -> solvers.check.Evaluation``.
        objective_scale: ``"module:function"``: ``(problem) -> float``, differences in the objective
            below it are noise (:func:`solvers.check.objective_scale`).
        heuristic: ``"module:function"``: ``(problem, run) -> solvers.heuristics.Found`` (None: none).
        cpsat: ``"module:function"``: ``(problem) -> solvers.backends.cpsat_models.CpsatModel`` (None:
            CP-SAT does not solve the model).
        presolve: ``"module:function"``: ``(problem) -> str``, a model-specific quick infeasibility
            check run after the common ones ('' when none found); None: none.
        check_data: ``"module:function"``: ``(problem) -> None`` raising ``ProblemError`` when the
            model-specific data do not fit the problem; None: nothing to check.
        infeasible: how a solver's proof of infeasibility reads, with ``{p}``, ``{rules}`` (the site
            rules) and ``{count}`` ("at most p = 5 sites" or "any set of sites").
        infeasible_words: ``"module:function"``: ``(problem) -> str``, the words when they depend on
            more than ``p`` (replaces ``infeasible``); None: the template.
    """

    kind: ModelKind
    summary: str
    maximise: bool
    count: CountRule = CountRule.EXACT
    needs_radius: bool = False
    needs_capacity: bool = False
    needs_opening_cost: bool = False
    assignment_decision: bool = False
    serves_all_demand: bool = False
    brute_force_check: bool = False
    mip_start_completion: bool = False
    objective_weight: bool = False
    objective_cost: bool = False
    scalable: bool = True
    formulation: str | None = None
    evaluator: str
    objective_scale: str
    heuristic: str | None = None
    cpsat: str | None = None
    presolve: str | None = None
    check_data: str | None = None
    infeasible: str = "the solver proved that p = {p} and the {rules} cannot all hold"
    infeasible_words: str | None = None

    @property
    def name(self) -> str:
        """The model's name as users type it (``mclp``)."""
        return self.kind.value

    @property
    def p_required(self) -> bool:
        """``p`` must be given."""
        return self.count is CountRule.EXACT

    def references(self) -> dict[str, str]:
        """Every behaviour reference the definition names, by field."""
        fields = ("formulation", "evaluator", "objective_scale", "heuristic", "cpsat", "presolve", "check_data",
                  "infeasible_words")
        return {f: getattr(self, f) for f in fields if getattr(self, f) is not None}

    def build_mip(self, problem: Problem) -> MatrixModel:
        """The compact MIP (``ValueError`` when the model has none)."""
        if self.formulation is None:
            raise ValueError(f"no MIP formulation for model {self.kind}")
        model: MatrixModel = resolve(self.formulation)(problem)
        return model

    def evaluate(self, problem: Problem, selected: Sequence[int],
                 assignment: NDArray[np.int64] | None) -> Evaluation:
        """The independent checker's evaluation of ``selected`` (and ``assignment``)."""
        ev: Evaluation = resolve(self.evaluator)(problem, selected, assignment)
        return ev

    def noise_scale(self, problem: Problem) -> float:
        """Differences in the objective below this are noise."""
        return float(resolve(self.objective_scale)(problem))

    def run_heuristic(self, problem: Problem, run: HeuristicRun) -> Found:
        """The model's heuristic (``ValueError`` when it has none)."""
        if self.heuristic is None:
            raise ValueError(f"no heuristic for model {self.kind}")
        found: Found = resolve(self.heuristic)(problem, run)
        return found

    def build_cpsat(self, problem: Problem) -> CpsatModel:
        """The CP-SAT model (``ValueError`` when CP-SAT does not solve the model)."""
        if self.cpsat is None:
            raise ValueError(f"no CP-SAT model for model {self.kind}")
        model: CpsatModel = resolve(self.cpsat)(problem)
        return model

    def presolve_reason(self, problem: Problem) -> str:
        """The model-specific quick infeasibility check ('' when none found)."""
        return str(resolve(self.presolve)(problem)) if self.presolve is not None else ""

    def infeasible_reason(self, problem: Problem) -> str:
        """Words for a solver's proof that ``problem`` is infeasible."""
        if self.infeasible_words is not None:
            return str(resolve(self.infeasible_words)(problem))
        rules = "must-open, must-close and group limits"
        count = f"at most p = {problem.p} sites" if problem.p is not None else "any set of sites"
        return self.infeasible.format(p=problem.p, rules=rules, count=count)

    def check_problem_data(self, problem: Problem) -> None:
        """Raise ``ProblemError`` when the model-specific data do not fit ``problem``."""
        if self.check_data is not None:
            resolve(self.check_data)(problem)
