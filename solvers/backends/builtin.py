"""Registration of the backends shipped with the engine.

Backends whose solver is missing on this machine are still registered: ``available()`` says so,
``auto`` skips them, and naming one gives a clear error. A new backend adds its line to
:data:`BUILTIN` (this module imports nothing from the registry: no import cycle).

Registration is lazy: a backend's module (and with it its solver library: OR-Tools, PuLP, HiGHS)
is imported only when the backend is first asked for, so that listing names or solving with
one backend does not load the others.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from solvers.backends.base import Backend


def lazy(module: str, cls: str, *args: Any) -> Callable[[], Backend]:
    """A factory importing ``solvers.backends.<module>`` and building ``<cls>(*args)`` when called."""

    def make() -> Backend:
        backend: Backend = getattr(importlib.import_module(f"solvers.backends.{module}"), cls)(*args)
        return backend

    return make


#: The shipped backends by name, each built (and its module imported) when first asked for.
#: :mod:`solvers.registry` registers every entry; a new backend module adds its line here.
BUILTIN: dict[str, Callable[[], Backend]] = {
    "highs": lazy("highs_backend", "HighsBackend"),
    "cbc": lazy("pulp_backend", "PulpBackend", "cbc"),
    "pulp-highs": lazy("pulp_backend", "PulpBackend", "highs"),
    "scip": lazy("ortools_mip", "ScipBackend"),
    "cpsat": lazy("cpsat_backend", "CpsatBackend"),
    "heuristic": lazy("heuristic", "HeuristicBackend"),
    "pmedian-exact": lazy("pmedian_exact", "PMedianExactBackend"),
    "pmedian-benders": lazy("pmedian_exact", "PMedianBendersBackend"),
    "mclp-exact": lazy("pmedian_exact", "MclpExactBackend"),
    "pcenter-exact": lazy("pcenter_exact", "PCenterExactBackend"),
    "mclp-merged": lazy("mclp_merged", "MclpMergedBackend"),
}
