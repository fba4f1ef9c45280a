"""Trade-off curves of a sweep over base counts: the data shared by the SVG charts and the PNG plots.

Each :class:`Panel` holds one measure against the number of bases, one :class:`Curve` per model
and travel-time limit (plus a dashed curve for a companion measure such as the worst rural
travel time), and :class:`Mark` points for the plan in hand measured the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from maps.html import as_float
from maps.results import Sweep

SERIES_COLOURS: tuple[str, ...] = ("#1f5fa8", "#c0392b", "#2e8b3a", "#7b4ea3", "#d9821e", "#6b4a2b")


@dataclass(frozen=True)
class Curve:
    """One line: ``y`` against ``x`` (bases); ``solution[k]`` is the index of the point's solution or ``None``."""

    label: str
    x: list[float]
    y: list[float]
    solution: list[int | None]
    colour: str
    dashed: bool = False


@dataclass(frozen=True)
class Mark:
    """A labelled point (the plan in hand)."""

    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Panel:
    """One chart: a measure against the number of bases."""

    key: str
    title: str
    y_label: str
    percent: bool
    curves: list[Curve]
    marks: list[Mark]


#: (key, title, y label, percent?, [(column, suffix, dashed)], plan keys)
_PANELS: tuple[tuple[str, str, str, bool, tuple[tuple[str, str, bool], ...], tuple[str, ...]], ...] = (
    ("coverage", "Need covered within reach", "share of need", True,
     (("need_covered_share", "", False),), ("need_covered_share",)),
    ("worst", "Worst travel time to the nearest base", "minutes",
     False, (("worst_minutes", "all areas", False), ("worst_rural_minutes", "rural areas", True)),
     ("worst_minutes", "worst_rural_minutes")),
    ("frontline", "Frontline share of the budget", "share of budget", True,
     (("frontline_share", "", False),), ()),
    ("contact", "Contact hours", "hours", False, (("contact_hours", "", False),), ()),
)


def _finite(x: object) -> bool:
    try:
        return math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def series_label(model: str, minutes: float) -> str:
    """``mclp, 20 min``."""
    return f"{model or 'model'}, {minutes:g} min" if _finite(minutes) else (model or "model")


def panels(sweep: Sweep) -> list[Panel]:
    """The panels that have data, in a fixed order (coverage, worst travel, frontline, contact hours)."""
    r = sweep.results
    index = {job: k for k, (job, _) in enumerate(sweep.solutions)}
    groups = list(r.groupby(["model", "minutes"], sort=True, dropna=False))
    plan = sweep.solutions[0][1].plan_in_hand if sweep.solutions else None
    out = []
    for key, title, y_label, percent, columns, plan_keys in _PANELS:
        curves = []
        for g, ((model, minutes), rows) in enumerate(groups):
            rows = rows[rows["bases"].map(_finite)].sort_values("bases")
            for column, suffix, dashed in columns:
                ok = rows[rows[column].map(_finite)]
                if ok.empty:
                    continue
                label = series_label(str(model), as_float(minutes))
                if suffix and len(columns) > 1:
                    label = f"{label} ({suffix})" if len(groups) > 1 else suffix
                curves.append(Curve(label, ok["bases"].astype(float).tolist(), ok[column].astype(float).tolist(),
                                    [index.get(str(j)) for j in ok["job_id"]],
                                    SERIES_COLOURS[g % len(SERIES_COLOURS)], dashed))
        if not curves:
            continue
        marks = []
        if key == "frontline":
            marks += _plan_from_results(r, "plan_frontline_share")
        if plan is not None:
            n = len(plan.get("bases", []))
            for pk in plan_keys:
                v = plan.get(pk)
                if _finite(v):
                    what = "" if len(plan_keys) == 1 else (" (rural)" if "rural" in pk else " (all)")
                    marks.append(Mark(float(n), as_float(v), f"plan in hand{what}"))
        out.append(Panel(key, title, y_label, percent, curves, marks))
    return out


def _plan_from_results(r: pd.DataFrame, column: str) -> list[Mark]:
    """The plan in hand's value of ``column`` as ``siting sweep`` records it (``plan_bases``, ``column``)."""
    if column not in r or "plan_bases" not in r:
        return []
    ok = r[r[column].map(_finite) & r["plan_bases"].map(_finite)]
    if ok.empty:
        return []
    return [Mark(as_float(ok["plan_bases"].iloc[0]), as_float(ok[column].iloc[0]), "plan in hand")]


def plan_name(sweep: Sweep) -> str | None:
    """The name of the plan in hand the sweep was compared with, if any."""
    plan = sweep.solutions[0][1].plan_in_hand if sweep.solutions else None
    return None if plan is None else str(plan.get("name", "plan in hand"))


def has_column(results: pd.DataFrame, column: str) -> bool:
    """Whether ``results`` has at least one finite value in ``column``."""
    return column in results and bool(results[column].map(_finite).any())
