"""Registration of the backends shipped with the engine.

Backends whose solver is missing on this machine are still registered: ``available()`` says so,
``auto`` skips them, and naming one gives a clear error. Other modules add their backends in the
marked block at the end of :func:`register_all`.

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


def register_all() -> None:
    from solvers.registry import register

    register("highs", lazy("highs_backend", "HighsBackend"))
    register("cbc", lazy("pulp_backend", "PulpBackend", "cbc"))
    register("pulp-highs", lazy("pulp_backend", "PulpBackend", "highs"))
    register("scip", lazy("ortools_mip", "ScipBackend"))
    register("cpsat", lazy("cpsat_backend", "CpsatBackend"))
    register("heuristic", lazy("heuristic", "HeuristicBackend"))

    # ---- slot for backends from other modules -------------------------------------------------
    # Register each with ``lazy(module, class)``: the module is imported when the backend is used.
    register("pmedian-exact", lazy("pmedian_exact", "PMedianExactBackend"))
    register("pmedian-benders", lazy("pmedian_exact", "PMedianBendersBackend"))
    register("mclp-exact", lazy("pmedian_exact", "MclpExactBackend"))
    register("pcenter-exact", lazy("pcenter_exact", "PCenterExactBackend"))
    # ---- end of slot ---------------------------------------------------------------------------
