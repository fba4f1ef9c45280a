"""The backend interface: declared capabilities, and one ``solve`` method.

Callers ask a backend what it can do (:class:`Capabilities`) instead of testing its name. Side
constraints of the problem (must-open, must-close, group limits, capacities) are part of every
model and every backend honours them; the :class:`~solvers.problem.SolveOptions` a backend cannot
honour are declared here, and :func:`solvers.solve` lists the ones a caller set but the backend
ignored in ``Result.details["ignored_options"]``.
"""

from __future__ import annotations

import abc
import os
from dataclasses import dataclass

from solvers.problem import ModelKind, Problem, SolveOptions
from solvers.result import Result


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do.

    Attributes:
        models: the models it solves.
        proves_optimality: it returns a proven bound (exact) rather than only a solution.
        warm_start: it uses ``SolveOptions.warm_start``.
        time_limit: it honours ``SolveOptions.time_limit_s``.
        threads: it honours ``SolveOptions.threads``.
        gap: it honours ``SolveOptions.gap_rel`` (stops once the proven gap is below it).
        seed: it honours ``SolveOptions.seed``.
        own_heuristic: it builds its own starting solutions (construction and local search), so
            ``auto`` runs no separate heuristic stage before it.
    """

    models: frozenset[ModelKind]
    proves_optimality: bool
    warm_start: bool
    time_limit: bool = True
    threads: bool = False
    gap: bool = True
    seed: bool = False
    own_heuristic: bool = False

    def supports(self, model: ModelKind) -> bool:
        return model in self.models

    def ignored_options(self, options: SolveOptions) -> list[str]:
        """The options set in ``options`` (away from their defaults) that this backend ignores."""
        ignored = []
        if options.time_limit_s is not None and not self.time_limit:
            ignored.append("time_limit_s")
        if options.gap_rel > 0 and not self.gap:
            ignored.append("gap_rel")
        if options.threads is not None and not self.threads:
            ignored.append("threads")
        if options.seed != 0 and not self.seed:
            ignored.append("seed")
        if options.warm_start is not None and not self.warm_start:
            ignored.append("warm_start")
        return ignored


class Backend(abc.ABC):
    """A solver backend. Subclasses set ``name`` and ``capabilities`` and implement :meth:`solve`."""

    name: str = ""
    description: str = ""
    capabilities: Capabilities

    def available(self) -> bool:
        """Whether the underlying solver can be used on this machine."""
        return True

    @abc.abstractmethod
    def version(self) -> str:
        """The underlying solver's version."""

    @abc.abstractmethod
    def solve(self, problem: Problem, options: SolveOptions) -> Result:
        """Solve ``problem``; the caller (:func:`solvers.solve`) verifies the result."""


def ortools_version() -> str:
    """The installed OR-Tools version ('' if it is not installed)."""
    from importlib import metadata

    try:
        return metadata.version("ortools")
    except metadata.PackageNotFoundError:
        return ""


def default_threads(options: SolveOptions) -> int:
    """Threads to use: the option, capped at the machine's cores (and ``SITING_MAX_THREADS``)."""
    cap = int(os.environ.get("SITING_MAX_THREADS", "0")) or (os.cpu_count() or 1)
    want = options.threads if options.threads is not None else cap
    return max(1, min(want, cap))
