"""OR-Library capacitated warehouse location instances (Beasley 1988): reader, family, published optima.

File format (``capNN.txt``): ``m n``; then ``m`` lines ``capacity fixed_cost``; then for each of the
``n`` customers its demand followed by ``m`` numbers, the cost of allocating ALL of that customer's
demand to each warehouse. In ``capa``/``capb``/``capc`` the capacity is the literal word
``capacity``, to be replaced by one of four values (:data:`ABC_CAPACITIES`).

Two conventions (get them right):

* OR-Library's ``capopt`` optima (:data:`CAPOPT`) are for **split** demand: a customer may be
  served by several warehouses (``single_source=False``). The ``uncapopt`` values (the same files
  with capacities ignored) coincide with ``capopt`` for cap61-cap74, whose capacities do not bind,
  but not elsewhere (capa: 17,156,454.478 uncapacitated vs 17,160,439.012 at capacity 14000).
* Single sourcing is another problem with other optima; cap41-cap44 have a customer (demand
  12,912) heavier than every capacity (5,000), so single-sourced they are infeasible.

Here the per-unit cost handed to :class:`~solvers.Problem` is ``allocation cost / demand``, so that
``weight x cost`` is the file's allocation cost and the objective is the file's.

The shipped data (``benchmarks/data/cap/cap41.txt``) is one file: sets IV-VII of Beasley's Table 1
(cap41-cap74) share its customers, demands and costs and differ only in the capacity and the fixed
cost of the warehouses (:data:`FAMILY`); warehouse 11 has fixed cost 0 in every one of them.
That derivation is checked by reproducing the published optimum of each of the 13 instances
(``tests/benchmarks/test_orlib_cap.py``). cap81-cap134 (25 and 50 warehouses) and capa/b/c
(100 x 1000) are not shipped: no package on the registries this project can reach carries them.
:func:`load_cap` reads them from a folder if you have them (``SITING_ORLIB_CAP``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

DATA_DIR = Path(__file__).resolve().parent / "data" / "cap"
"""The shipped instance file(s)."""

CAPOPT: dict[str, float] = {
    "cap41": 1040444.375, "cap42": 1098000.450, "cap43": 1153000.450, "cap44": 1235500.450,
    "cap51": 1025208.225,
    "cap61": 932615.750, "cap62": 977799.400, "cap63": 1014062.050, "cap64": 1045650.250,
    "cap71": 932615.750, "cap72": 977799.400, "cap73": 1010641.450, "cap74": 1034976.975,
    "cap81": 838499.288, "cap82": 910889.563, "cap83": 975889.563, "cap84": 1069369.525,
    "cap91": 796648.438, "cap92": 855733.500, "cap93": 896617.538, "cap94": 946051.325,
    "cap101": 796648.437, "cap102": 854704.200, "cap103": 893782.112, "cap104": 928941.750,
    "cap111": 826124.713, "cap112": 901377.213, "cap113": 970567.750, "cap114": 1063356.488,
    "cap121": 793439.563, "cap122": 852524.625, "cap123": 895302.325, "cap124": 946051.325,
    "cap131": 793439.562, "cap132": 851495.325, "cap133": 893076.712, "cap134": 928941.750,
    "capa-8000": 19240822.449, "capa-10000": 18438046.543, "capa-12000": 17765201.949,
    "capa-14000": 17160439.012,
    "capb-5000": 13656379.578, "capb-6000": 13361927.449, "capb-7000": 13198556.434,
    "capb-8000": 13082516.496,
    "capc-5000": 11646596.974, "capc-5750": 11570340.289, "capc-6500": 11518743.744,
    "capc-7250": 11505767.394,
}
"""Optimal objectives with split demand: OR-Library's ``capopt`` file (J. E. Beasley), as quoted
in the OR-Library README of the capacitated warehouse location problem and reproduced in many
public benchmark codes; capa/b/c at the four capacities of Beasley (1988), Table 1."""

ABC_CAPACITIES: dict[str, tuple[int, ...]] = {
    "capa": (8000, 10000, 12000, 14000), "capb": (5000, 6000, 7000, 8000), "capc": (5000, 5750, 6500, 7250),
}
"""The capacity values that replace the word ``capacity`` in capa, capb and capc."""

FAMILY: dict[str, tuple[float, float]] = {
    "cap41": (5000, 7500), "cap42": (5000, 12500), "cap43": (5000, 17500), "cap44": (5000, 25000),
    "cap51": (10000, 17500),
    "cap61": (15000, 7500), "cap62": (15000, 12500), "cap63": (15000, 17500), "cap64": (15000, 25000),
    "cap71": (58268, 7500), "cap72": (58268, 12500), "cap73": (58268, 17500), "cap74": (58268, 25000),
}
"""Sets IV-VII (Beasley 1988, Table 1): (capacity of every warehouse, fixed cost of the warehouses
whose cost is not 0) on the data of cap41. 58,268 is the total demand: cap71-cap74 are uncapacitated."""


@dataclass(frozen=True)
class CapInstance:
    """One capacitated warehouse location instance, customers as rows.

    Attributes:
        name: ``cap41`` ... or ``capa-8000``.
        capacity: per warehouse, shape ``(m,)``.
        fixed_cost: per warehouse, shape ``(m,)``.
        demand: per customer, shape ``(n,)``.
        allocation: cost of serving ALL of customer ``i``'s demand from warehouse ``j``, ``(n, m)``.
    """

    name: str
    capacity: NDArray[np.float64]
    fixed_cost: NDArray[np.float64]
    demand: NDArray[np.float64]
    allocation: NDArray[np.float64]

    def unit_cost(self) -> NDArray[np.float64]:
        """Cost per unit of demand (``allocation / demand``; the allocation itself where demand is 0)."""
        d = np.where(self.demand > 0, self.demand, 1.0)
        return np.asarray(self.allocation / d[:, None], dtype=np.float64)


def read_cap(path: str | Path, *, name: str | None = None, capacity: float | None = None) -> CapInstance:
    """Read an OR-Library ``cap`` file; ``capacity`` replaces the word ``capacity`` (capa/b/c)."""
    tokens = Path(path).read_text(encoding="ascii").split()
    m, n = int(tokens[0]), int(tokens[1])
    expected = 2 + 2 * m + n * (1 + m)
    if len(tokens) != expected:
        raise ValueError(f"{path}: {len(tokens)} numbers, expected {expected} for {m} warehouses and {n} customers")
    head = tokens[2:2 + 2 * m]
    caps = []
    for k in range(m):
        word = head[2 * k]
        if word.lower() == "capacity":
            if capacity is None:
                raise ValueError(f"{path}: capacities are the word 'capacity'; give capacity= (see ABC_CAPACITIES)")
            caps.append(float(capacity))
        else:
            caps.append(float(word))
    fixed = np.asarray([float(head[2 * k + 1]) for k in range(m)])
    body = np.asarray([float(t) for t in tokens[2 + 2 * m:]]).reshape(n, 1 + m)
    return CapInstance(name or Path(path).stem, np.asarray(caps), fixed, body[:, 0].copy(), body[:, 1:].copy())


def family_instance(name: str) -> CapInstance:
    """cap41-cap74 from the shipped cap41 data with the capacity and fixed cost of :data:`FAMILY`."""
    base = read_cap(DATA_DIR / "cap41.txt")
    capacity, fixed = FAMILY[name]
    return CapInstance(name, np.full(base.capacity.shape, float(capacity)),
                       np.where(base.fixed_cost > 0, float(fixed), 0.0), base.demand, base.allocation)


def load_cap(name: str) -> CapInstance:
    """Instance ``name`` (``cap41``... ``capa-8000``): shipped, derived, or from ``$SITING_ORLIB_CAP``."""
    folder = os.environ.get("SITING_ORLIB_CAP")
    stem, _, cap = name.partition("-")
    if folder and (Path(folder) / f"{stem}.txt").exists():
        return read_cap(Path(folder) / f"{stem}.txt", name=name, capacity=float(cap) if cap else None)
    if name in FAMILY:
        return family_instance(name)
    raise FileNotFoundError(f"OR-Library instance {name} is not shipped; put {stem}.txt in $SITING_ORLIB_CAP")


def available() -> list[str]:
    """The instances :func:`load_cap` can build here, in OR-Library's order."""
    folder = os.environ.get("SITING_ORLIB_CAP")
    out = []
    for name in CAPOPT:
        stem = name.partition("-")[0]
        if name in FAMILY or (folder and (Path(folder) / f"{stem}.txt").exists()):
            out.append(name)
    return out
