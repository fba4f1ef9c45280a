"""The siting domain: demand areas, candidate sites, travel times, budgets and need; and the library facade.

The facade (:mod:`siting.facade`): :func:`solve` and :func:`evaluate` take GeoDataFrames and return a
:class:`Solution` (:mod:`siting.solution`); travel sources :class:`Estimate`, :class:`Matrix`,
:class:`RoadNetwork` (:mod:`siting.travel_times`); :class:`SiteRules`; example data in :mod:`siting.examples`.

Everything is imported on first use (``siting.solve``), so that ``import siting`` (the ``siting`` command's
start-up) loads neither pandas nor GeoPandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from siting.errors import InputError

if TYPE_CHECKING:
    from siting import examples
    from siting.domain import Budget, Case, DemandAreas, Plan, Sites, TravelMatrix
    from siting.facade import evaluate, solve
    from siting.problems import SiteRules
    from siting.solution import Solution
    from siting.travel_times import Estimate, Matrix, RoadNetwork, TravelSource

__version__ = "0.1.0"
__all__ = ["Budget", "Case", "DemandAreas", "Estimate", "InputError", "Matrix", "Plan", "RoadNetwork", "SiteRules",
           "Sites", "Solution", "TravelMatrix", "TravelSource", "__version__", "evaluate", "examples", "solve"]
#: Public name -> the module that defines it (imported on first use).
_LAZY = {
    **dict.fromkeys(("Budget", "Case", "DemandAreas", "Plan", "Sites", "TravelMatrix"), "siting.domain"),
    **dict.fromkeys(("solve", "evaluate"), "siting.facade"),
    "Solution": "siting.solution",
    "SiteRules": "siting.problems",
    **dict.fromkeys(("Estimate", "Matrix", "RoadNetwork", "TravelSource"), "siting.travel_times"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name == "examples":
        return importlib.import_module("siting.examples")
    raise AttributeError(f"module 'siting' has no attribute {name!r}")
