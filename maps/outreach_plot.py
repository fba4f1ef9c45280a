"""The outreach model's curve as a PNG: contact hours, spare staff hours and frontline share by number of bases.

Drawn with the non-interactive Agg backend. Points that break the frontline floor are hollow (the
best plan without the floor), the best number of bases is starred, and plans in hand are diamonds.
Spare staff hours (what is left after the contact hours and their driving) decide between numbers
of bases that deliver the same contact hours; they are exact where the tie-break stage ran.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator, PercentFormatter

CONTACT_COLOUR = "#1f6fb4"
SHARE_COLOUR = "#2e8b57"
FLOOR_COLOUR = "#b22222"
PLAN_COLOUR = "#e08a00"
SPARE_COLOUR = "#6a51a3"


@dataclass(frozen=True)
class PlanMark:
    """A plan in hand on the curve: its number of bases, contact hours, frontline share and spare staff hours."""

    label: str
    bases: int
    contact_hours: float
    frontline_share: float
    spare_staff_hours: float = math.nan


def curve_png(curve: pd.DataFrame, *, best_bases: int | None, frontline_floor: float, need_hours: float,
              plans: Sequence[PlanMark] = (), title: str = "", dpi: int = 130) -> bytes:
    """The curve (a :func:`siting.outreach.curve_frame` table) as PNG bytes (three panels)."""
    if curve.empty:
        raise ValueError("no curve to plot")
    fig, (top, middle, bottom) = plt.subplots(3, 1, figsize=(8.0, 9.0), sharex=True, layout="constrained",
                                              height_ratios=[3, 2, 2])
    ok = curve["meets_frontline_floor"].astype(bool).to_numpy()
    x = curve["bases"].to_numpy()
    y = curve["contact_hours"].to_numpy(dtype=float)
    share = curve["frontline_share"].to_numpy(dtype=float)
    top.plot(x, y, color=CONTACT_COLOUR, linewidth=1.5, zorder=2)
    top.plot(x[ok], y[ok], linestyle="none", marker="o", color=CONTACT_COLOUR, label="best plan (floor kept)", zorder=3)
    if (~ok).any():
        top.plot(x[~ok], y[~ok], linestyle="none", marker="o", markerfacecolor="white", color=CONTACT_COLOUR,
                 label=f"best plan, frontline below {frontline_floor:.0%}", zorder=3)
    top.axhline(need_hours, color="#888888", linestyle=":", linewidth=1, label="contact hours needed")
    if best_bases is not None and best_bases in set(x.tolist()):
        k = int(list(x).index(best_bases))
        top.plot([x[k]], [y[k]], marker="*", markersize=16, color=FLOOR_COLOUR, linestyle="none",
                 label=f"best number: {best_bases}", zorder=4)
    for p in plans:
        if math.isfinite(p.contact_hours):
            top.plot([p.bases], [p.contact_hours], marker="D", markersize=8, color=PLAN_COLOUR,
                     markeredgecolor="white", linestyle="none", label=p.label, zorder=5)
    top.set_ylabel("contact hours a year")
    top.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    top.grid(True, color="#e3e3e3")
    top.spines[["top", "right"]].set_visible(False)
    top.legend(frameon=False, fontsize=8, loc="lower left")
    spare = curve["spare_staff_hours"].to_numpy(dtype=float)
    broken = curve["tie_broken"].astype(bool).to_numpy() if "tie_broken" in curve else np.zeros(len(curve), bool)
    middle.plot(x, spare, color=SPARE_COLOUR, linewidth=1.5)
    middle.plot(x[broken], spare[broken], linestyle="none", marker="o", color=SPARE_COLOUR,
                label="most spare among the best plans")
    middle.plot(x[~broken], spare[~broken], linestyle="none", marker="o", markerfacecolor="white", color=SPARE_COLOUR,
                label="of the plan found")
    if best_bases is not None and best_bases in set(x.tolist()):
        k = int(list(x).index(best_bases))
        middle.plot([x[k]], [spare[k]], marker="*", markersize=16, color=FLOOR_COLOUR, linestyle="none", zorder=4)
    for p in plans:
        if math.isfinite(p.spare_staff_hours):
            middle.plot([p.bases], [p.spare_staff_hours], marker="D", markersize=8, color=PLAN_COLOUR,
                        markeredgecolor="white", linestyle="none", zorder=5)
    middle.set_ylabel("spare staff hours")
    middle.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    middle.grid(True, color="#e3e3e3")
    middle.spines[["top", "right"]].set_visible(False)
    middle.legend(frameon=False, fontsize=8)
    bottom.plot(x, share, color=SHARE_COLOUR, marker="o", linewidth=1.5, label="frontline share of budget")
    bottom.axhline(frontline_floor, color=FLOOR_COLOUR, linestyle="--", linewidth=1,
                   label=f"floor {frontline_floor:.0%}")
    for p in plans:
        if math.isfinite(p.frontline_share):
            bottom.plot([p.bases], [p.frontline_share], marker="D", markersize=8, color=PLAN_COLOUR,
                        markeredgecolor="white", linestyle="none", zorder=5)
    bottom.set_ylabel("frontline share")
    bottom.set_xlabel("number of bases")
    bottom.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.grid(True, color="#e3e3e3")
    bottom.spines[["top", "right"]].set_visible(False)
    bottom.legend(frameon=False, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=12)
    buf = io.BytesIO()
    try:
        fig.savefig(buf, dpi=dpi, format="png")
    finally:
        plt.close(fig)
    return buf.getvalue()
