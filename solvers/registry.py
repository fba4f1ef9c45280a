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
#: ``auto`` takes ``pmedian-benders`` instead of ``pmedian-exact`` for p-median problems with at least this
#: many demand-site pairs (n m) and no group limits. Both share the Lagrangian phase; the closers differ.
#: Measured (``benchmarks/results/pmed-benders.md``, ``england-pmedian-benders.md``, proof asked, loaded machine):
#: OR-Library pmed (< 1M pairs): exact proves 40 of 40 in 106 s, Benders 35 of 40 in 906 s (its integer master
#: is slow where the LP has a gap); 8,000 x 1,500 (12M): exact optimal in 76 s, Benders stopped at 300 s with a
#: plan 0.39% worse; 16,000 x 2,986 (48M): both stopped at 300 s, Benders with the smaller gap (0.0032% against
#: 0.0080%); 32,844 x 2,986 (98M), p = 153: Benders optimal in 136 s, exact not in 300 s. 20M lies between.
AUTO_BENDERS_PAIRS = 20_000_000


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

    ``auto`` is the first available exact backend of :func:`auto_order` (:data:`AUTO_ORDER`, with
    ``pmedian-benders`` first for a large p-median) that supports the model, warm-started by the
    heuristic (:class:`~solvers.backends.auto.AutoBackend`).
    """
    if name != "auto":
        backend = get_backend(name)
        if not backend.capabilities.supports(problem.kind):
            able = [n for n in names() if get_backend(n).capabilities.supports(problem.kind)]
            raise ValueError(
                f"solver {name!r} cannot solve model {problem.kind}; solvers that can: {', '.join(able)}"
            )
        return backend
    for candidate in auto_order(problem.kind, problem.n, problem.m, has_groups=bool(problem.groups)):
        if candidate in _FACTORIES or candidate in _builtin_names():
            try:
                backend = get_backend(candidate)
            except KeyError:
                continue
            if backend.capabilities.supports(problem.kind) and backend.available():
                return _auto(problem, backend)
    raise ValueError(f"no available solver supports model {problem.kind}")


def auto_order(kind: ModelKind, n: int, m: int, *, has_groups: bool) -> list[str]:
    """:data:`AUTO_ORDER` for a problem of this kind and size: ``pmedian-benders`` first for a large p-median.

    Large means at least :data:`AUTO_BENDERS_PAIRS` demand-site pairs. Both backends share the heuristics
    and the Lagrangian phase and differ only in how they close the gap it leaves; with group limits
    ``pmedian-exact`` closes it with the reduced MIP, and Benders has not been measured there.
    """
    if kind is ModelKind.PMEDIAN and not has_groups and n * m >= AUTO_BENDERS_PAIRS:
        return ["pmedian-benders", *AUTO_ORDER]
    return list(AUTO_ORDER)


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
