"""Two plans side by side: the sites each keeps and closes, and the same measures for both.

A side is a result folder (``summary.json``, as written by :func:`scenarios.solve.write_outcome`,
including one job folder of a sweep), a scenario file (solved first), or the plan in hand
recorded in a summary. Every measure comes from :mod:`siting.coverage` through the summary, so
both sides are measured the same way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from siting.errors import InputError

#: Measures compared, with a label and a format ('%' share, 'min' minutes, 'n' number, '£' money, 't' text).
METRICS: tuple[tuple[str, str, str], ...] = (
    ("model", "model", "t"),
    ("status", "status", "t"),
    ("n_bases", "bases kept", "n"),
    ("minutes", "travel-time limit (min)", "n"),
    ("objective", "objective", "n"),
    ("need_covered_share", "need covered", "%"),
    ("need_covered", "need covered (weight)", "n"),
    ("worst_minutes", "worst travel (min)", "n"),
    ("worst_rural_minutes", "worst rural travel (min)", "n"),
    ("mean_minutes", "need-weighted mean travel (min)", "n"),
    ("frontline_share", "frontline share of budget", "%"),
    ("contact_hours", "contact hours", "n"),
)


@dataclass(frozen=True)
class Side:
    """One plan: a label, the sites kept, the measures, and site names where known."""

    label: str
    bases: tuple[str, ...]
    metrics: Mapping[str, object]
    names: Mapping[str, str] = field(default_factory=dict)
    candidates: tuple[str, ...] = ()


def bases_of(summary: Mapping[str, object]) -> tuple[str, ...]:
    """The site ids a summary says were kept."""
    value = summary.get("bases")
    return tuple(str(b) for b in value) if isinstance(value, list | tuple) else ()


def side_from_summary(summary: Mapping[str, object], *, label: str, names: Mapping[str, str] | None = None,
                      candidates: tuple[str, ...] = ()) -> Side:
    """The optimum a summary describes."""
    bases = bases_of(summary)
    metrics = dict(summary)
    metrics["n_bases"] = len(bases)
    budget = summary.get("budget")
    if isinstance(budget, Mapping):
        for k in ("frontline_share", "contact_hours"):
            metrics.setdefault(k, budget.get(k))
    return Side(label, bases, metrics, dict(names or {}), candidates)


def plan_side(summary: Mapping[str, object], *, names: Mapping[str, str] | None = None,
              candidates: tuple[str, ...] = ()) -> Side | None:
    """The plan in hand a summary records (``None`` if it has none)."""
    plan = summary.get("plan_in_hand")
    if not isinstance(plan, Mapping):
        return None
    metrics = dict(plan)
    metrics.update({"model": "plan in hand", "status": "given", "minutes": summary.get("minutes")})
    bases = tuple(str(b) for b in plan.get("bases", []))
    metrics["n_bases"] = len(bases)
    return Side(f"plan in hand '{plan.get('name')}'", bases, metrics, dict(names or {}), candidates)


def read_result_folder(folder: Path) -> Side:
    """A side from a result folder (its ``summary.json`` and, for names, ``bases.csv``)."""
    path = folder / "summary.json"
    if not path.exists():
        raise InputError("not a result folder (no summary.json)", source=str(folder))
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", source=str(path)) from None
    names: dict[str, str] = {}
    if (folder / "bases.csv").exists():
        t = pd.read_csv(folder / "bases.csv")
        if {"id", "name"} <= set(t.columns):
            names = dict(zip(t["id"].astype(str), t["name"].astype(str), strict=True))
    return side_from_summary(summary, label=str(folder), names=names)


def _fmt(value: object, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "t":
        return str(value)
    if not isinstance(value, int | float):
        return str(value)
    if kind == "%":
        return f"{100 * value:.1f}%"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.3g}"


def _diff(a: object, b: object, kind: str) -> str:
    if kind == "t" or not isinstance(a, int | float) or not isinstance(b, int | float):
        return ""
    if any(isinstance(v, float) and math.isnan(v) for v in (a, b)):
        return ""
    d = b - a
    if kind == "%":
        return f"{100 * d:+.1f} pts"
    return f"{d:+,.1f}" if not float(d).is_integer() else f"{int(d):+,}"


def table(a: Side, b: Side) -> pd.DataFrame:
    """The measures side by side: ``measure, A, B, B - A``."""
    rows = []
    for key, label, kind in METRICS:
        va, vb = a.metrics.get(key), b.metrics.get(key)
        if va is None and vb is None:
            continue
        rows.append({"measure": label, "A": _fmt(va, kind), "B": _fmt(vb, kind), "B - A": _diff(va, vb, kind)})
    return pd.DataFrame(rows, columns=["measure", "A", "B", "B - A"])


def sites_table(a: Side, b: Side) -> pd.DataFrame:
    """Every site either keeps (and those both close, when the candidates are known): ``site, name, A, B``."""
    names = {**a.names, **b.names}
    universe = list(dict.fromkeys([*a.candidates, *b.candidates, *a.bases, *b.bases]))
    sa, sb = set(a.bases), set(b.bases)
    rows = [{"site": s, "name": names.get(s, ""), "A": "kept" if s in sa else "closed",
             "B": "kept" if s in sb else "closed"} for s in sorted(universe)]
    return pd.DataFrame(rows, columns=["site", "name", "A", "B"])


def text(a: Side, b: Side) -> str:
    """A readable comparison for the terminal (and ``comparison.txt``)."""
    names = {**a.names, **b.names}

    def label(ids: list[str]) -> str:
        return ", ".join(f"{s} ({names[s]})" if names.get(s) else s for s in ids) or "none"

    sa, sb = set(a.bases), set(b.bases)
    lines = [f"A: {a.label}", f"B: {b.label}", ""]
    t = table(a, b)
    width = max([len(r) for r in t["measure"]] + [8])
    wa = max([len(v) for v in t["A"]] + [6])
    wb = max([len(v) for v in t["B"]] + [6])
    lines.append(f"{'':{width}s}  {'A':>{wa}s}  {'B':>{wb}s}  B - A")
    for _, r in t.iterrows():
        lines.append(f"{r['measure']:{width}s}  {r['A']:>{wa}s}  {r['B']:>{wb}s}  {r['B - A']}")
    lines += ["", f"kept by both ({len(sa & sb)}): {label(sorted(sa & sb))}",
              f"kept only by A, closed by B ({len(sa - sb)}): {label(sorted(sa - sb))}",
              f"kept only by B, closed by A ({len(sb - sa)}): {label(sorted(sb - sa))}"]
    universe = set(a.candidates) | set(b.candidates)
    if universe:
        lines.append(f"closed by both: {len(universe - sa - sb)} of {len(universe)} candidate sites")
    return "\n".join(lines)
