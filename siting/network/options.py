"""Modelling choices for network travel times, with their defaults (all part of the cache key)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from siting.errors import InputError
from siting.network.speeds import UK_DEFAULT_SPEEDS_MPH

SnapTo = Literal["largest_component", "any_component"]
Direction = Literal["to_site", "from_site"]


@dataclass(frozen=True)
class NetworkSettings:
    """How points join the network and which way trips go.

    * ``access_speed_kmh`` (15): speed over the straight line from a point to the road it snaps to.
    * ``snap_flag_m`` (1000): points farther than this from any usable road are flagged in the report
      (their time still counts the access at ``access_speed_kmh``, which a long snap makes large).
    * ``candidate_radius_m`` (1): roads within the nearest distance plus this are also joined, so a point at a
      junction joins every road there (:mod:`siting.network.snap`).
    * ``snap_to`` (``largest_component``): points join only roads in the largest strongly connected component,
      so a point is never stranded on a private estate or a one-way fragment cut off at the edge of the extract;
      every pair is then connected and only the ``max_minutes`` cut-off makes a pair unreachable.
      ``any_component`` joins the nearest road whatever its component, and pairs in different components are
      unreachable (``inf``) - the right choice for real islands without a ferry in the data.
    * ``direction`` (``to_site``): minutes from each demand area to each site (families travelling to a base);
      ``from_site`` gives staff travelling out from a base. One-way streets make the two differ.
    * ``speeds_mph``: default speed by road class (:data:`~siting.network.speeds.UK_DEFAULT_SPEEDS_MPH`); its keys
      are the drivable classes.
    """

    access_speed_kmh: float = 15.0
    snap_flag_m: float = 1000.0
    candidate_radius_m: float = 1.0
    snap_to: SnapTo = "largest_component"
    direction: Direction = "to_site"
    speeds_mph: Mapping[str, float] = field(default_factory=lambda: dict(UK_DEFAULT_SPEEDS_MPH))

    def __post_init__(self) -> None:
        for name in ("access_speed_kmh",):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InputError(f"must be a positive number, got {value!r}", source=name)
        for name in ("snap_flag_m", "candidate_radius_m"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InputError(f"must be a non-negative number, got {value!r}", source=name)
        if self.snap_to not in ("largest_component", "any_component"):
            raise InputError(f"must be largest_component or any_component, got {self.snap_to!r}", source="snap_to")
        if self.direction not in ("to_site", "from_site"):
            raise InputError(f"must be to_site or from_site, got {self.direction!r}", source="direction")
        bad = [k for k, v in self.speeds_mph.items() if not (math.isfinite(float(v)) and float(v) > 0)]
        if bad:
            raise InputError(f"default speed for {bad[0]!r} must be a positive number of mph", source="speeds_mph")

    def graph_key(self) -> dict[str, Any]:
        """What a loaded network depends on (beyond the file)."""
        return {"speeds_mph": dict(sorted((k, float(v)) for k, v in self.speeds_mph.items()))}

    def key(self) -> dict[str, Any]:
        """Everything here, for the matrix cache key."""
        return {"access_speed_kmh": float(self.access_speed_kmh), "snap_flag_m": float(self.snap_flag_m),
                "candidate_radius_m": float(self.candidate_radius_m), "snap_to": self.snap_to,
                "direction": self.direction, **self.graph_key()}
