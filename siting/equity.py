r"""Equity of a plan: who is reached, and how far they travel, by deprivation and by rurality.

For a set of bases, every demand area :math:`i` (need :math:`w_i`) travels :math:`t_i = \min_{j \in S} t_{ij}`
to its nearest base. For a group :math:`G` of areas (an IDACI quintile, a rural-urban class):

.. math::

    \text{covered}(G) = \frac{\sum_{i \in G,\, t_i \le T} w_i}{\sum_{i \in G} w_i}, \qquad
    \text{mean}(G) = \frac{\sum_{i \in G} w_i t_i}{\sum_{i \in G} w_i}, \qquad
    \text{worst}(G) = \max_{i \in G,\, w_i > 0} t_i ,

with :math:`T` the travel-time limit. (Areas no base reaches, :math:`t_i = \infty`, count as not
covered and are left out of the mean; the worst is then :math:`\infty`.)

**IDACI quintiles are over the case's own areas**, not England's: quintile 1 is the most deprived
fifth of the case's areas by IDACI 2019 score. An area's quintile is
:math:`1 + \lfloor 5 r_i / n \rfloor`, where :math:`r_i` is the number of areas with a strictly higher
score and :math:`n` the number of areas, so tied scores share a quintile (quintiles can differ in
size by the ties at their edges). Rural-urban classes are the 2011 ONS classes as given; an area
without one is ``unknown`` (never guessed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from siting.domain import Case, TravelMatrix

UNKNOWN_CLASS = "unknown"
QUINTILE_NOTE = ("IDACI quintiles over the case's own areas (1 = most deprived fifth of its areas by IDACI 2019 "
                 "score), not England's")


@dataclass(frozen=True)
class GroupEquity:
    """One group of areas under one plan.

    Attributes:
        group: the group's label (``"1"``..``"5"`` for quintiles, or a rural-urban class).
        areas: number of areas in the group.
        need: the group's total need (the case's weight).
        covered_share: need-weighted share within the travel-time limit.
        mean_minutes: need-weighted mean travel to the nearest base (reachable areas).
        worst_minutes: longest travel from an area of the group with need (``inf`` if one is unreachable).
    """

    group: str
    areas: int
    need: float
    covered_share: float
    mean_minutes: float
    worst_minutes: float

    def as_dict(self) -> dict[str, object]:
        return {"group": self.group, "areas": self.areas, "need": self.need, "covered_share": self.covered_share,
                "mean_minutes": self.mean_minutes, "worst_minutes": self.worst_minutes}


@dataclass(frozen=True)
class Equity:
    """Coverage and travel by IDACI quintile and by rural-urban class, for one plan."""

    minutes: float
    by_quintile: tuple[GroupEquity, ...]
    by_rurality: tuple[GroupEquity, ...]
    quintile_note: str = QUINTILE_NOTE

    def as_dict(self) -> dict[str, object]:
        return {"minutes": self.minutes, "quintile_note": self.quintile_note,
                "by_idaci_quintile": [g.as_dict() for g in self.by_quintile],
                "by_rural_urban_class": [g.as_dict() for g in self.by_rurality]}


def idaci_quintiles(idaci: ArrayLike) -> NDArray[np.int64]:
    """Quintile 1..5 of each area over these areas (1 = most deprived; ties share a quintile)."""
    s = np.asarray(idaci, dtype=np.float64)
    n = s.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    higher = n - np.searchsorted(np.sort(s), s, side="right")
    return (1 + (5 * higher) // n).astype(np.int64)


def rural_urban_classes(ruc: pd.Series) -> NDArray[np.object_]:
    """The class of each area, ``unknown`` where missing or blank."""
    text = ruc.astype("string").str.strip()
    missing = text.isna() | text.eq("") | text.str.lower().isin(["nan", "none", "unknown"])
    return text.where(~missing, UNKNOWN_CLASS).astype(object).to_numpy()


def _group(label: str, mask: NDArray[np.bool_], w: NDArray[np.float64], t: NDArray[np.float64],
           minutes: float) -> GroupEquity:
    wg, tg = w[mask], t[mask]
    need = float(wg.sum())
    covered = float(wg[tg <= minutes].sum())
    reach = np.isfinite(tg)
    mean = float(np.average(tg[reach], weights=wg[reach])) if wg[reach].sum() > 0 else float("nan")
    with_need = wg > 0
    worst = float(tg[with_need].max()) if with_need.any() else float("nan")
    return GroupEquity(label, int(mask.sum()), need, covered / need if need > 0 else float("nan"), mean, worst)


def equity_of_minutes(nearest_minutes: ArrayLike, weight: ArrayLike, idaci: ArrayLike | None, ruc: pd.Series,
                      *, minutes: float) -> Equity:
    """Equity from each area's travel to its nearest base (the raw arrays; see the module docstring).

    ``idaci`` ``None`` (or constant: a case without IDACI scores) gives no quintile rows.
    """
    t = np.asarray(nearest_minutes, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64)
    quint: list[GroupEquity] = []
    if idaci is not None and np.unique(np.asarray(idaci, dtype=np.float64)).size > 1:
        q = idaci_quintiles(idaci)
        quint = [_group(str(k), q == k, w, t, minutes) for k in range(1, 6) if (q == k).any()]
    cls = rural_urban_classes(ruc.reset_index(drop=True))
    names = sorted(set(cls.tolist()) - {UNKNOWN_CLASS}) + ([UNKNOWN_CLASS] if UNKNOWN_CLASS in cls else [])
    rural = [_group(str(c), cls == c, w, t, minutes) for c in names]
    return Equity(float(minutes), tuple(quint), tuple(rural))


def nearest_minutes(matrix: TravelMatrix, positions: list[int]) -> NDArray[np.float64]:
    """Each area's travel to its nearest site among ``positions`` (``inf`` with none)."""
    t = np.asarray(matrix.minutes, dtype=np.float64)
    if not positions:
        return np.full(t.shape[0], np.inf)
    return np.asarray(t[:, positions].min(axis=1), dtype=np.float64)


def equity(case: Case, matrix: TravelMatrix, bases: list[str] | tuple[str, ...], *, minutes: float) -> Equity:
    """Equity of the plan ``bases`` (site ids) on ``case`` with the travel-time limit ``minutes``."""
    d = case.demand.frame
    t = nearest_minutes(matrix, case.sites.index_of(list(bases)))
    idaci = d["idaci"].to_numpy(dtype=np.float64) if "idaci" in d.columns else None
    ruc = d["ruc"] if "ruc" in d.columns else pd.Series([UNKNOWN_CLASS] * len(d))
    return equity_of_minutes(t, case.demand.weight, idaci, ruc, minutes=minutes)


def equity_text(optimum: Equity, plan: Equity | None = None, *, plan_name: str = "plan") -> str:
    """A terminal table: covered share, mean and worst minutes per group, optimum (and plan in hand)."""
    head = f"{'group':48s} {'need':>7s} {'covered':>8s} {'mean':>6s} {'worst':>6s}"
    if plan is not None:
        head += f" | {'plan':>8s} {'mean':>6s} {'worst':>6s}"
    lines = [f"equity (need within {optimum.minutes:g} min; travel in minutes to the nearest base)", head]

    def rows(title: str, mine: tuple[GroupEquity, ...], theirs: tuple[GroupEquity, ...]) -> None:
        other = {g.group: g for g in theirs}
        for g in mine:
            label = f"{title} {g.group}" if title else g.group
            row = (f"{label[:48]:48s} {g.need:7,.0f} {100 * g.covered_share:7.1f}% {g.mean_minutes:6.1f} "
                   f"{g.worst_minutes:6.1f}")
            if plan is not None and g.group in other:
                o = other[g.group]
                row += f" | {100 * o.covered_share:7.1f}% {o.mean_minutes:6.1f} {o.worst_minutes:6.1f}"
            lines.append(row)

    rows("IDACI quintile", optimum.by_quintile, plan.by_quintile if plan else ())
    rows("", optimum.by_rurality, plan.by_rurality if plan else ())
    if plan is not None:
        lines.append(f"(left: the optimum; right of |: the plan in hand, {plan_name})")
    if optimum.by_quintile:
        lines.append(f"({optimum.quintile_note})")
    return "\n".join(lines)
