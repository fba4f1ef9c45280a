"""The backend registry: backends by name, and ``auto`` selection by capability."""

from __future__ import annotations

from collections.abc import Callable

from solvers.backends.base import Backend
from solvers.problem import ModelKind, Problem

_FACTORIES: dict[str, Callable[[], Backend]] = {}
_CACHE: dict[str, Backend] = {}

#: Preference order for ``auto`` among exact backends (first that supports the model wins).
AUTO_ORDER: list[str] = ["pmedian-exact", "mclp-exact", "pcenter-exact", "highs", "cbc", "scip", "cpsat"]
#: The backend ``auto`` uses for warm starts (if registered and able to solve the model).
AUTO_HEURISTIC = "heuristic"


def register(name: str, factory: Callable[[], Backend]) -> None:
    """Register a backend factory under ``name``."""
    _FACTORIES[name] = factory
    _CACHE.pop(name, None)


def names() -> list[str]:
    """Registered backend names."""
    _load_builtin()
    return sorted(_FACTORIES)


def get_backend(name: str) -> Backend:
    """The backend called ``name``; ``KeyError`` with the known names otherwise."""
    _load_builtin()
    if name not in _FACTORIES:
        raise KeyError(f"unknown solver {name!r}; choose from: {', '.join(['auto', *sorted(_FACTORIES)])}")
    if name not in _CACHE:
        _CACHE[name] = _FACTORIES[name]()
    return _CACHE[name]


def choose(problem: Problem, name: str = "auto") -> Backend:
    """Resolve ``name`` (or ``auto``) to a backend able to solve ``problem``'s model.

    ``auto`` is the first available exact backend of :data:`AUTO_ORDER` that supports the model,
    warm-started by the heuristic (:class:`~solvers.backends.auto.AutoBackend`).
    """
    if name != "auto":
        backend = get_backend(name)
        if not backend.capabilities.supports(problem.kind):
            able = [n for n in names() if get_backend(n).capabilities.supports(problem.kind)]
            raise ValueError(
                f"solver {name!r} cannot solve model {problem.kind}; solvers that can: {', '.join(able)}"
            )
        return backend
    for candidate in AUTO_ORDER:
        if candidate in _FACTORIES or candidate in _builtin_names():
            try:
                backend = get_backend(candidate)
            except KeyError:
                continue
            if backend.capabilities.supports(problem.kind) and backend.available():
                return _auto(problem, backend)
    raise ValueError(f"no available solver supports model {problem.kind}")


def _auto(problem: Problem, exact: Backend) -> Backend:
    from solvers.backends.auto import AutoBackend

    heuristic: Backend | None = None
    # an exact backend with its own heuristic gets no heuristic stage: do not build (import) one
    if AUTO_HEURISTIC in _FACTORIES and not exact.capabilities.own_heuristic:
        candidate = get_backend(AUTO_HEURISTIC)
        if candidate.capabilities.supports(problem.kind):
            heuristic = candidate
    return AutoBackend(exact, heuristic)


def supporting(model: ModelKind) -> list[str]:
    """Names of backends that solve ``model``."""
    return [n for n in names() if get_backend(n).capabilities.supports(model)]


def _builtin_names() -> set[str]:
    _load_builtin()
    return set(_FACTORIES)


_loaded = False


def _load_builtin() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    from solvers.backends.builtin import BUILTIN

    for name, factory in BUILTIN.items():
        register(name, factory)
