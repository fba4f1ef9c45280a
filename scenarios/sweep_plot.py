"""The trade-off plot of a sweep: need covered and frontline share against the number of bases.

One line per model and travel-time limit; the plan in hand is marked (a star) at its number of
bases, measured the same way. For a sweep over several cases (English authorities) the line is the
median across cases with the interquartile range shaded, and a dotted line the 10th percentile.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

OK_STATUSES = ("optimal", "within_gap", "feasible", "time_limit")


def tradeoff_plot(results: pd.DataFrame, path: Path, *, title: str = "") -> None:
    """Write the plot of ``results`` (a sweep's results table) to ``path`` as PNG."""
    fig, ax = plt.subplots(figsize=(8.5, 5.2), dpi=120)
    ok = results[results["status"].isin(OK_STATUSES)] if len(results) else results
    multi = ok["case"].nunique() > 1 if len(ok) else False
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, ((model, minutes), g) in enumerate(ok.groupby(["model", "minutes"], sort=True)):
        colour = colours[k % len(colours)]
        label = f"need covered within {minutes:g} min ({model})"
        _line(ax, g, "need_covered_share", colour=colour, label=label, multi=multi, dashed=False)
        if g["frontline_share"].notna().any():
            _line(ax, g, "frontline_share", colour=colour, label=f"frontline share of budget ({model})",
                  multi=multi, dashed=True)
    if not multi and len(ok):
        _plan_marks(ax, ok)
    if len(ok) and not ok["frontline_share"].notna().any():
        ax.text(0.99, 0.02, "frontline share: sweep the outreach model (--model outreach)", transform=ax.transAxes,
                ha="right", va="bottom", fontsize=8, color="0.4")
    if not len(ok):
        ax.text(0.5, 0.5, "no finished job yet", transform=ax.transAxes, ha="center", va="center")
    cases = ok["case"].nunique() if len(ok) else 0
    ax.set_xlabel("number of bases")
    ax.set_ylabel("% (across cases)" if multi else "%")
    ax.set_ylim(0, 100)
    ax.grid(True, alpha=0.3)
    head = title or "sweep"
    ax.set_title(f"{head}: {cases} cases" if multi else head)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="lower right" if ok["frontline_share"].notna().any() else "center right")
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def _plan_marks(ax: plt.Axes, ok: pd.DataFrame) -> None:
    """The plan in hand: its need covered (per travel-time limit) and its frontline share, once each."""
    plan = ok.dropna(subset=["plan_bases", "plan_need_covered_share"])
    if not len(plan):
        return
    name = plan["plan_name"].iloc[0]
    for minutes, g in plan.groupby("minutes", sort=True):
        r = g.iloc[0]
        ax.plot([r["plan_bases"]], [100 * r["plan_need_covered_share"]], marker="*", markersize=16, color="gold",
                markeredgecolor="black", linestyle="none",
                label=f"plan in hand '{name}': need covered within {minutes:g} min")
    modelled = plan[plan["frontline_share"].notna()].dropna(subset=["plan_frontline_share"])
    source = modelled if len(modelled) else plan.dropna(subset=["plan_frontline_share"])
    if len(source):
        r = source.iloc[0]
        ax.plot([r["plan_bases"]], [100 * r["plan_frontline_share"]], marker="*", markersize=16, color="white",
                markeredgecolor="black", linestyle="none", label=f"plan in hand '{name}': frontline share")


def _line(ax: plt.Axes, g: pd.DataFrame, column: str, *, colour: str, label: str, multi: bool,
          dashed: bool) -> None:
    style = "--" if dashed else "-"
    if multi:
        q = g.groupby("bases")[column].describe(percentiles=[0.1, 0.25, 0.5, 0.75])
        ax.fill_between(q.index, 100 * q["25%"], 100 * q["75%"], color=colour, alpha=0.15)
        ax.plot(q.index, 100 * q["50%"], style, color=colour, label=label + " (median, IQR)")
        ax.plot(q.index, 100 * q["10%"], ":", color=colour, label=label + " (10th percentile)")
    else:
        s = g.sort_values("bases")
        ax.plot(s["bases"], 100 * s[column], style, marker="o", markersize=3, color=colour, label=label)
