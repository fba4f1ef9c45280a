"""The backend interface: declared capabilities, and one ``solve`` method.

Callers ask a backend what it can do (:class:`Capabilities`) instead of testing its name.
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
    """

    models: frozenset[ModelKind]
    proves_optimality: bool
    warm_start: bool
    time_limit: bool = True
    threads: bool = False

    def supports(self, model: ModelKind) -> bool:
        return model in self.models


class Backend(abc.ABC):
    """A solver backend. Subclasses set ``name`` and ``capabilities`` and implement :meth:`_solve`."""

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


def default_threads(options: SolveOptions) -> int:
    """Threads to use: the option, capped at the machine's cores (and ``SITING_MAX_THREADS``)."""
    cap = int(os.environ.get("SITING_MAX_THREADS", "0")) or (os.cpu_count() or 1)
    want = options.threads if options.threads is not None else cap
    return max(1, min(want, cap))
