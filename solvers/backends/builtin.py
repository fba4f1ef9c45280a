"""Registration of the backends shipped with the engine.

Backends whose solver is missing on this machine are still registered: ``available()`` says so,
``auto`` skips them, and naming one gives a clear error. Other modules add their backends in the
marked block at the end of :func:`register_all`.
"""

from __future__ import annotations


def register_all() -> None:
    from solvers.backends.cpsat_backend import CpsatBackend
    from solvers.backends.heuristic import HeuristicBackend
    from solvers.backends.highs_backend import HighsBackend
    from solvers.backends.ortools_mip import ScipBackend
    from solvers.backends.pulp_backend import PulpBackend
    from solvers.registry import register

    register("highs", HighsBackend)
    register("cbc", lambda: PulpBackend("cbc"))
    register("pulp-highs", lambda: PulpBackend("highs"))
    register("scip", ScipBackend)
    register("cpsat", CpsatBackend)
    register("heuristic", HeuristicBackend)

    # ---- slot for backends from other modules -------------------------------------------------
    # Register each in its own guarded block: a module that does not exist yet is skipped, while
    # any other import problem (a wrong class name, a bug) still fails loudly.
    try:
        from solvers.backends.pmedian_exact import MclpExactBackend, PMedianExactBackend
    except ModuleNotFoundError as exc:
        if exc.name != "solvers.backends.pmedian_exact":
            raise
    else:
        register("pmedian-exact", PMedianExactBackend)
        register("mclp-exact", MclpExactBackend)
    from solvers.backends.pcenter_exact import PCenterExactBackend

    register("pcenter-exact", PCenterExactBackend)
    # ---- end of slot ---------------------------------------------------------------------------
