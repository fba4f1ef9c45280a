"""Registration of the backends shipped with the engine."""

from __future__ import annotations


def register_all() -> None:
    from solvers.backends.pulp_backend import PulpBackend
    from solvers.registry import register

    register("cbc", lambda: PulpBackend("cbc"))
    register("highs", lambda: PulpBackend("highs"))
