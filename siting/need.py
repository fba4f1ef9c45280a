"""Need weighting of demand areas.

Methods (``children_0_4`` is the mid-2020 ONS count; IDACI is the 2019 Income Deprivation
Affecting Children Index score, the share of children living in income-deprived families):

- ``children``: :math:`w_i = c_i`, every child counts the same.
- ``idaci``: :math:`w_i = c_i (1 + \\mathrm{IDACI}_i)`, a child in a fully income-deprived
  area counts twice.
- ``deprived``: :math:`w_i = c_i \\, \\mathrm{IDACI}_i`, the expected number of children aged
  0-4 in income-deprived families.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

from siting.domain import DemandAreas
from siting.errors import InputError

NeedMethod = Literal["children", "idaci", "deprived"]
NEED_METHODS: tuple[str, ...] = ("children", "idaci", "deprived")


def need_weight(demand: DemandAreas, method: str = "children") -> NDArray[np.float64]:
    """The weight of every demand area under ``method`` (see the module docstring)."""
    c = demand.children
    idaci = demand.frame["idaci"].to_numpy(dtype=np.float64)
    if method == "children":
        return c.copy()
    if method == "idaci":
        return c * (1.0 + idaci)
    if method == "deprived":
        return c * idaci
    raise InputError(f"unknown need weighting {method!r}; choose from {', '.join(NEED_METHODS)}", field="need")


def weighted(demand: DemandAreas, method: str = "children") -> DemandAreas:
    """``demand`` with its weight column set by ``method``."""
    return demand.with_weight(need_weight(demand, method))
