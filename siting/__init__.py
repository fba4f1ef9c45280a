"""The siting domain: demand areas, candidate sites, travel times, budgets and need.

It builds :mod:`solvers` problems from real data and interprets their solutions.
The domain classes are imported on first use (``siting.Case``), so that ``import siting``
(the ``siting`` command's start-up) does not load pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from siting.errors import InputError

if TYPE_CHECKING:
    from siting.domain import Budget, Case, DemandAreas, Plan, Sites, TravelMatrix

__version__ = "0.1.0"
__all__ = ["Budget", "Case", "DemandAreas", "InputError", "Plan", "Sites", "TravelMatrix", "__version__"]
_DOMAIN = frozenset({"Budget", "Case", "DemandAreas", "Plan", "Sites", "TravelMatrix"})


def __getattr__(name: str) -> Any:
    if name in _DOMAIN:
        from siting import domain

        return getattr(domain, name)
    raise AttributeError(f"module 'siting' has no attribute {name!r}")
