"""The siting domain: demand areas, candidate sites, travel times, budgets and need.

It builds :mod:`solvers` problems from real data and interprets their solutions.
"""

from __future__ import annotations

from siting.domain import Budget, Case, DemandAreas, Plan, Sites, TravelMatrix
from siting.errors import InputError

__version__ = "0.1.0"
__all__ = ["Budget", "Case", "DemandAreas", "InputError", "Plan", "Sites", "TravelMatrix", "__version__"]
