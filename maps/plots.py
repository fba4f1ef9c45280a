"""Matplotlib figures for documents: the sweep's trade-off curves as a PNG.

The same :mod:`maps.curves` panels as the report's inline charts, drawn with the non-interactive
Agg backend (no display needed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from maps.charts import PLAN_COLOUR
from maps.curves import Panel


def curves_figure(panels: Sequence[Panel], *, title: str = "", plan_label: str = "plan in hand") -> Figure:
    """A figure with one axes per panel (two per row)."""
    if not panels:
        raise ValueError("no curve to plot")
    cols = 1 if len(panels) == 1 else 2
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6.2 * cols, 4.0 * rows), squeeze=False, layout="constrained")
    for ax, panel in zip(axes.flat, panels, strict=False):
        for c in panel.curves:
            ax.plot(c.x, c.y, color=c.colour, linestyle="--" if c.dashed else "-", marker="o",
                    markerfacecolor="white" if c.dashed else c.colour, linewidth=2, label=c.label)
        for k, m in enumerate(panel.marks):
            ax.plot([m.x], [m.y], linestyle="none", marker="D", markersize=8, color=PLAN_COLOUR,
                    markeredgecolor="white", label=plan_label if k == 0 else None, zorder=5)
        ax.set_title(panel.title, loc="left", fontsize=12, fontweight="bold")
        ax.set_xlabel("number of bases")
        ax.set_ylabel(panel.y_label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if panel.percent:
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        else:
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ys = [y for c in panel.curves for y in c.y] + [m.y for m in panel.marks]
        lo, hi = min(0.0, *ys), max(ys)
        ax.set_ylim(lo, hi + 0.06 * ((hi - lo) or 1.0))
        ax.grid(True, color="#e3e3e3")
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(frameon=False, fontsize=9)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, fontsize=13)
    return fig


def save_curves_png(panels: Sequence[Panel], path: Path, *, title: str = "", dpi: int = 150) -> Path:
    """Write the curves to ``path`` as a PNG and return the path."""
    fig = curves_figure(panels, title=title)
    try:
        fig.savefig(path, dpi=dpi, format="png")
    finally:
        plt.close(fig)
    return Path(path)
