"""Interpreting a set of bases: who is reached, by district and rural/urban class, and what each base adds.

Every figure here is computed from the case and the travel matrix alone, independently of the
solver that chose the bases, so a plan in hand and an optimum are measured the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from siting.domain import Case, TravelMatrix
from siting.equity import idaci_quintiles


@dataclass(frozen=True)
class CoverageSummary:
    """What a set of bases reaches within ``minutes``.

    Attributes:
        bases: site ids kept.
        minutes: the travel-time limit.
        areas: per area: id, name, district, rural, children_0_4, weight, base_id (nearest kept
            base), base_minutes, covered.
        by_district: per district: weight, covered weight, share, number of bases.
        by_class: per rural/urban class (``rural``/``urban``): weight, covered weight, share.
        per_base: per kept base: need within reach, need only it reaches (lost if it closed),
            areas nearest to it.
    """

    bases: tuple[str, ...]
    minutes: float
    areas: pd.DataFrame
    by_district: pd.DataFrame
    by_class: pd.DataFrame
    per_base: pd.DataFrame

    @property
    def need_total(self) -> float:
        return float(self.areas["weight"].sum())

    @property
    def need_covered(self) -> float:
        return float(self.areas.loc[self.areas["covered"], "weight"].sum())

    @property
    def need_covered_share(self) -> float:
        return self.need_covered / self.need_total if self.need_total else 0.0

    @property
    def worst_minutes(self) -> float:
        """The longest travel time from any area with need to its nearest base."""
        m = self.areas.loc[self.areas["weight"] > 0, "base_minutes"]
        return float(m.max()) if len(m) else float("nan")

    @property
    def worst_rural_minutes(self) -> float:
        """The longest travel time from any rural area with need to its nearest base."""
        a = self.areas
        m = a.loc[(a["weight"] > 0) & a["rural"], "base_minutes"]
        return float(m.max()) if len(m) else float("nan")

    @property
    def mean_minutes(self) -> float:
        """Need-weighted mean travel time to the nearest base."""
        a = self.areas[np.isfinite(self.areas["base_minutes"])]
        return float(np.average(a["base_minutes"], weights=a["weight"])) if a["weight"].sum() > 0 else float("nan")

    def as_dict(self) -> dict[str, object]:
        return {
            "bases": list(self.bases),
            "minutes": self.minutes,
            "need_total": self.need_total,
            "need_covered": self.need_covered,
            "need_covered_share": self.need_covered_share,
            "worst_minutes": self.worst_minutes,
            "worst_rural_minutes": self.worst_rural_minutes,
            "mean_minutes": self.mean_minutes,
            "by_district": _records(self.by_district),
            "by_class": _records(self.by_class),
        }


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    records = frame.to_dict("records")
    return [{str(k): (v.item() if hasattr(v, "item") else v) for k, v in row.items()} for row in records]


def evaluate(case: Case, matrix: TravelMatrix, bases: Sequence[str], *, minutes: float) -> CoverageSummary:
    """Measure the bases ``bases`` (site ids) with the travel-time limit ``minutes``."""
    pos = case.sites.index_of(list(bases))
    site_ids = case.sites.ids  # a property building a list: once, not once per area
    t = np.asarray(matrix.minutes, dtype=np.float64)
    demand = case.demand.frame
    n = len(demand)
    if pos:
        sub = t[:, pos]
        k = np.argmin(sub, axis=1)
        best = sub[np.arange(n), k]
        base_id = np.array([site_ids[pos[i]] for i in k], dtype=object)
        base_id[~np.isfinite(best)] = None
        within = sub <= minutes
    else:
        best = np.full(n, np.inf)
        base_id = np.full(n, None, dtype=object)
        within = np.zeros((n, 0), dtype=bool)
    covered = within.any(axis=1)
    areas = pd.DataFrame({
        "id": demand["id"], "name": demand["name"], "district": demand["district"], "rural": demand["rural"],
        "area_class": area_classes_of(demand),
        "ruc": demand["ruc"], "idaci_quintile": idaci_quintiles(demand["idaci"].to_numpy(dtype=np.float64)),
        "children_0_4": demand["children_0_4"], "weight": demand["weight"],
        "base_id": base_id, "base_minutes": best, "covered": covered,
    })
    w = areas["weight"].to_numpy()
    site_district = case.sites.frame.set_index("id")["district"]
    counts = pd.Series([site_district[b] for b in bases], dtype=object).value_counts()
    by_district = (
        areas.assign(covered_weight=np.where(covered, w, 0.0))
        .groupby("district", as_index=False)[["weight", "covered_weight"]].sum()
    )
    by_district["share"] = by_district["covered_weight"] / by_district["weight"].where(by_district["weight"] > 0)
    by_district["bases"] = by_district["district"].map(counts).fillna(0).astype(int)
    by_class = (
        areas.assign(covered_weight=np.where(covered, w, 0.0))
        .groupby("area_class", as_index=False)[["weight", "covered_weight"]].sum()
    )
    by_class["share"] = by_class["covered_weight"] / by_class["weight"].where(by_class["weight"] > 0)
    cover_count = within.sum(axis=1)
    rows = []
    for c, j in enumerate(pos):
        reach = within[:, c]
        only = reach & (cover_count == 1)
        rows.append({
            "id": site_ids[j], "name": case.sites.frame["name"].iloc[j],
            "district": case.sites.frame["district"].iloc[j],
            "need_within_reach": float(w[reach].sum()), "need_only_here": float(w[only].sum()),
            "areas_nearest": int((base_id == site_ids[j]).sum()),
        })
    per_base = pd.DataFrame(rows, columns=["id", "name", "district", "need_within_reach", "need_only_here",
                                           "areas_nearest"])
    return CoverageSummary(tuple(bases), float(minutes), areas, by_district, by_class, per_base)


def area_classes_of(demand: pd.DataFrame) -> NDArray[np.object_]:
    """``rural``/``urban``/``unknown`` per area (frames built before ``area_class`` existed: from ``rural``)."""
    if "area_class" in demand.columns:
        return demand["area_class"].to_numpy(dtype=object)
    return np.where(demand["rural"].to_numpy(dtype=bool), "rural", "urban").astype(object)
