"""Typed domain objects: demand areas, candidate sites, travel times, budgets and a case.

Objects are built through :mod:`siting.validation`, the one place that checks input; once
built they are trusted. Tables are pandas frames with the canonical columns listed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

#: Demand area columns: identity, location (WGS84 and metres in the case's metric CRS, British National Grid for
#: Great Britain), district (``unknown`` if not given), rural-urban class as given (``ruc``) and as ``area_class``
#: (``rural``, ``urban`` or ``unknown``; ``rural`` is ``area_class == "rural"``), children aged 0-4, need
#: indicators and the weight the models use.
DEMAND_COLUMNS: tuple[str, ...] = (
    "id", "name", "lon", "lat", "x_m", "y_m", "district", "ruc", "rural", "area_class", "children_0_4", "idaci",
    "weight",
)
#: Candidate site columns. ``kind`` is ``building`` or ``outreach_only``; only suitable
#: buildings may be bases. ``running_cost_gbp`` is the annual running cost (NaN if unknown).
SITE_COLUMNS: tuple[str, ...] = (
    "id", "name", "lon", "lat", "x_m", "y_m", "district", "kind", "suitable_base", "running_cost_gbp",
)
OPTIONAL_SITE_COLUMNS: tuple[str, ...] = ("capacity", "opening_cost_gbp")
"""Site columns kept only when the data has them: ``capacity`` (in units of the demand weight, ``inf``
for no limit) and ``opening_cost_gbp`` (annual cost of keeping the site as a base), for the
capacitated models and the facility location model (:mod:`siting.facility`)."""


class _IdRows:
    """Rows with an ``id`` column: their count, ids and positions (read once: ids are asked for in inner loops,
    closure analysis and problem building; a built table is trusted and not changed in place)."""

    frame: pd.DataFrame

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def ids(self) -> list[str]:
        return list(self._ids)

    @cached_property
    def _ids(self) -> tuple[str, ...]:
        return tuple(self.frame["id"].tolist())

    @cached_property
    def _position(self) -> dict[str, int]:
        return {s: k for k, s in enumerate(self._ids)}

    @cached_property
    def _columns(self) -> dict[str, np.ndarray]:
        return {}

    def _column(self, name: str, dtype: type) -> Any:
        """Column ``name`` as a new numpy array of ``dtype`` (read from the frame once: the closure analysis asks
        for the weights hundreds of times; each caller gets its own copy to change)."""
        key = f"{name}:{np.dtype(dtype).str}"
        if (values := self._columns.get(key)) is None:
            values = self._columns[key] = self.frame[name].to_numpy(dtype=dtype, copy=True)
        return values.copy()


@dataclass(frozen=True)
class DemandAreas(_IdRows):
    """Demand areas (for example LSOAs), one row each, in :data:`DEMAND_COLUMNS`."""

    frame: pd.DataFrame
    source: str = ""

    @property
    def weight(self) -> NDArray[np.float64]:
        return self._column("weight", np.float64)

    @property
    def children(self) -> NDArray[np.float64]:
        return self._column("children_0_4", np.float64)

    @property
    def x_m(self) -> NDArray[np.float64]:
        return self._column("x_m", np.float64)

    @property
    def y_m(self) -> NDArray[np.float64]:
        return self._column("y_m", np.float64)

    @property
    def rural(self) -> NDArray[np.bool_]:
        return self._column("rural", np.bool_)

    @property
    def districts(self) -> list[str]:
        return sorted(self.frame["district"].unique().tolist())

    def with_weight(self, weight: NDArray[np.floating]) -> DemandAreas:
        """A copy with another weight column."""
        return DemandAreas(self.frame.assign(weight=np.asarray(weight, dtype=np.float64)), self.source)


@dataclass(frozen=True)
class Sites(_IdRows):
    """Candidate sites, one row each, in :data:`SITE_COLUMNS`."""

    frame: pd.DataFrame
    source: str = ""

    @property
    def x_m(self) -> NDArray[np.float64]:
        return self.frame["x_m"].to_numpy(dtype=np.float64)

    @property
    def y_m(self) -> NDArray[np.float64]:
        return self.frame["y_m"].to_numpy(dtype=np.float64)

    @property
    def can_be_base(self) -> NDArray[np.bool_]:
        """Sites that may be kept as bases: suitable buildings (outreach-only venues cannot)."""
        return self._can_be_base.copy()

    @cached_property
    def _can_be_base(self) -> NDArray[np.bool_]:
        f = self.frame
        return np.asarray((f["suitable_base"].to_numpy(dtype=bool)) & (f["kind"].to_numpy() == "building"))

    @cached_property
    def members_by_district(self) -> dict[str, tuple[int, ...]]:
        """District -> positions of its sites, districts in sorted order (read once; do not change)."""
        d = self.frame["district"].to_numpy()
        return {str(name): tuple(int(j) for j in np.flatnonzero(d == name)) for name in sorted(set(d.tolist()))}

    @property
    def capacity(self) -> NDArray[np.float64] | None:
        """Per-site capacity from the data's ``capacity`` column (``inf``: no limit), or None without one."""
        return self.frame["capacity"].to_numpy(dtype=np.float64) if "capacity" in self.frame else None

    @property
    def opening_cost_gbp(self) -> NDArray[np.float64] | None:
        """Per-site annual cost of keeping a base, from the ``opening_cost_gbp`` column, or None without one."""
        return self.frame["opening_cost_gbp"].to_numpy(dtype=np.float64) if "opening_cost_gbp" in self.frame else None

    def index_of(self, ids: Sequence[str]) -> list[int]:
        """Positions of site ids (``KeyError`` naming the first unknown one)."""
        pos = self._position
        out = []
        for s in ids:
            if s not in pos:
                raise KeyError(s)
            out.append(pos[s])
        return out


@dataclass(frozen=True)
class TravelMatrix:
    """Travel times in minutes, demand areas x sites, float32, ``inf`` where unreachable."""

    minutes: NDArray[np.float32]
    demand_ids: tuple[str, ...]
    site_ids: tuple[str, ...]
    source: str = ""

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.minutes.shape[0]), int(self.minutes.shape[1]))

    def unreachable_areas(self, site_mask: NDArray[np.bool_] | None = None) -> list[str]:
        """Demand areas no (masked) site can reach."""
        sub = self.minutes if site_mask is None else self.minutes[:, site_mask]
        bad = ~np.isfinite(sub).any(axis=1)
        return [self.demand_ids[i] for i in np.flatnonzero(bad)]


@dataclass(frozen=True)
class Budget:
    """An annual budget, in pounds, split into categories (frontline, management, ...)."""

    name: str
    categories_gbp: Mapping[str, float]
    number_of_bases: int | None = None

    @property
    def total_gbp(self) -> float:
        return float(sum(self.categories_gbp.values()))

    def share(self, category: str) -> float:
        """Share of the total spent on ``category``."""
        return float(self.categories_gbp.get(category, 0.0)) / self.total_gbp if self.total_gbp else 0.0


@dataclass(frozen=True)
class Plan:
    """A set of sites kept as bases, named (for example the council's 2019 decision)."""

    name: str
    site_ids: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class Case:
    """Everything a scenario needs: demand, candidate sites, plans in hand, budgets, provenance."""

    name: str
    demand: DemandAreas
    sites: Sites
    plans: Mapping[str, Plan] = field(default_factory=dict)
    budgets: Mapping[str, Budget] = field(default_factory=dict)
    provenance: str = ""

    @property
    def plan_in_hand(self) -> Plan | None:
        """The first plan (the one results are compared with by default)."""
        return next(iter(self.plans.values()), None)
