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
    return _finish(fig, dpi)


# --- the frontier and the robustness of its recommendation -----------------------------------------


def _finish(fig: plt.Figure, dpi: int) -> bytes:
    buf = io.BytesIO()
    try:
        fig.savefig(buf, dpi=dpi, format="png")
    finally:
        plt.close(fig)
    return buf.getvalue()


def frontier_png(frames: dict[str, pd.DataFrame], *, recommended: int | None, equally_good: Sequence[int] = (),
                 access_minutes: float, plans: Sequence[PlanMark] = (), plan_access: Sequence[float] = (),
                 title: str = "", dpi: int = 130) -> bytes:
    """The efficient frontier (``frontier.csv`` tables by calibration label) as PNG bytes.

    Left: families' access (need within ``access_minutes``) against spare posts, one line per
    table, efficient points filled, dominated or ineligible ones hollow, counts labelled, the
    recommendation starred and the counts equally good for families ringed; the error bars are the
    access within ``access_minutes`` ± the travel-time error. Right: both sides by number of bases.
    """
    if not frames or all(f.empty for f in frames.values()):
        raise ValueError("no frontier to plot")
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.0, 5.2), layout="constrained")
    twin = right.twinx()
    colours = [CONTACT_COLOUR, SPARE_COLOUR, SHARE_COLOUR]
    for k, (label, f) in enumerate(frames.items()):
        f = f[f["has_plan"].astype(bool)] if "has_plan" in f else f
        if f.empty:
            continue
        c = colours[k % len(colours)]
        x = f["spare_posts"].to_numpy(dtype=float)
        y = 100 * f["access_share"].to_numpy(dtype=float)
        eff = f["efficient"].astype(bool).to_numpy()
        lo = 100 * f["access_low"].to_numpy(dtype=float)
        hi = 100 * f["access_high"].to_numpy(dtype=float)
        left.errorbar(x, y, yerr=[y - lo, hi - y], color=c, alpha=0.25, linestyle="none", capsize=2)
        left.plot(x, y, color=c, linewidth=1, alpha=0.6)
        left.plot(x[eff], y[eff], "o", color=c, label=f"{label}: efficient")
        left.plot(x[~eff], y[~eff], "o", color=c, markerfacecolor="white", label=f"{label}: dominated or ineligible")
        for b, xx, yy in zip(f["bases"], x, y, strict=True):
            left.annotate(str(int(b)), (xx, yy), textcoords="offset points", xytext=(4, 4), fontsize=7, color=c)
        b = f["bases"].to_numpy()
        right.plot(b, y, "o-", color=c, label=f"{label}: need within {access_minutes:g} min")
        twin.plot(b, x, "s--", color=c, alpha=0.7, label=f"{label}: spare posts")
        if k == 0:
            ring = np.isin(b, list(equally_good))
            left.plot(x[ring], y[ring], "o", markersize=13, markerfacecolor="none", color=FLOOR_COLOUR,
                      label="equally good for families")
            if recommended is not None and recommended in set(b.tolist()):
                j = int(list(b).index(recommended))
                left.plot([x[j]], [y[j]], "*", markersize=16, color=FLOOR_COLOUR, label=f"recommended: {recommended}")
    for p, acc in zip(plans, plan_access, strict=False):
        if math.isfinite(acc) and math.isfinite(p.spare_staff_hours):
            left.plot([p.spare_staff_hours], [100 * acc], "D", color=PLAN_COLOUR, markersize=8, label=p.label)
    left.set_xlabel("spare frontline posts (after contact hours, driving and overheads)")
    left.set_ylabel(f"need within {access_minutes:g} minutes of a base (%)")
    left.grid(True, color="#e3e3e3")
    left.legend(frameon=False, fontsize=7)
    right.set_xlabel("number of bases")
    right.set_ylabel(f"need within {access_minutes:g} minutes (%)")
    twin.set_ylabel("spare posts")
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.grid(True, color="#e3e3e3")
    handles = right.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    right.legend(handles[0] + more[0], handles[1] + more[1], frameon=False, fontsize=7, loc="lower right")
    if title:
        fig.suptitle(title, fontsize=12)
    return _finish(fig, dpi)


def tornado_png(tornado: pd.DataFrame, *, title: str = "", dpi: int = 130) -> bytes:
    """The tornado table (``tornado.csv``) as PNG bytes: recommended count and families' access per parameter."""
    if tornado.empty:
        raise ValueError("no tornado to plot")
    base_n = float(tornado["baseline_bases"].iloc[0]) if tornado["baseline_bases"].notna().any() else math.nan
    base_a = 100 * float(tornado["baseline_access_share"].iloc[0])
    labels = list(dict.fromkeys(tornado["label"]))
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.0, 0.45 * len(labels) + 1.8), layout="constrained",
                                      sharey=True)
    for k, lab in enumerate(labels):
        rows = tornado[tornado["label"] == lab]
        for _, r in rows.iterrows():
            colour = "#3b75af" if float(r["factor"]) < 1 else "#c44e52"
            n = float(r["bases"]) if pd.notna(r["bases"]) else math.nan
            a = 100 * float(r["access_share"]) if pd.notna(r["access_share"]) else math.nan
            if math.isfinite(n) and math.isfinite(base_n):
                left.barh(k, n - base_n, left=base_n, color=colour, alpha=0.8, height=0.6)
                if pd.notna(r["low"]) and pd.notna(r["high"]):
                    left.plot([float(r["low"]), float(r["high"])], [k, k], color="black", linewidth=1)
            if math.isfinite(a):
                right.barh(k, a - base_a, left=base_a, color=colour, alpha=0.8, height=0.6)
    left.axvline(base_n, color="black", linewidth=1)
    right.axvline(base_a, color="black", linewidth=1)
    left.set_yticks(range(len(labels)), labels)
    left.invert_yaxis()
    left.set_xlabel("recommended number of bases (line: counts equally good for families)")
    right.set_xlabel("need within the travel threshold at the recommendation (%)")
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in (left, right):
        ax.grid(True, axis="x", color="#e3e3e3")
        ax.spines[["top", "right"]].set_visible(False)
    left.barh([], [], color="#3b75af", label="parameter at 75%")
    left.barh([], [], color="#c44e52", label="parameter at 125%")
    left.legend(frameon=False, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=12)
    return _finish(fig, dpi)


def frequency_png(freq: pd.DataFrame, *, title: str = "", dpi: int = 130) -> bytes:
    """How often each site is chosen (``site_frequency.csv``) as PNG bytes; recommended sites darker."""
    f = freq[freq["chosen"] > 0] if (freq["chosen"] > 0).any() else freq
    if f.empty:
        raise ValueError("no site frequencies to plot")
    fig, ax = plt.subplots(figsize=(8.0, 0.26 * len(f) + 1.5), layout="constrained")
    colours = [CONTACT_COLOUR if bool(r) else "#9ecae1" for r in f["in_recommendation"]]
    ax.barh(range(len(f)), 100 * f["share"].to_numpy(dtype=float), color=colours)
    ax.set_yticks(range(len(f)), [f"{i} {str(n)[:28]}" for i, n in zip(f["id"], f["name"], strict=True)], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(f"share of {int(f['samples'].iloc[0])} sampled parameter sets whose plan keeps the site (%)")
    ax.set_xlim(0, 100)
    ax.grid(True, axis="x", color="#e3e3e3")
    ax.barh([], [], color=CONTACT_COLOUR, label="in the recommended plan")
    ax.barh([], [], color="#9ecae1", label="not in it")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    if title:
        fig.suptitle(title, fontsize=11)
    return _finish(fig, dpi)
