"""Closure values as a PNG: for each base and group of a plan, what closing it loses, four ways.

One panel per plan (rows of ``closures.csv``). Each row shows the loss of closing the group alone (others
fixed), with its best replacement (others fixed), with every base re-optimised, and re-optimised with that
many bases fewer. A group whose bar for "alone" is longer than its bases' single bars put together is the
point of the chart: single values do not add up. Negative losses (gains) extend left of zero.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

#: (column suffix, legend label, colour)
SERIES: tuple[tuple[str, str, str], ...] = (
    ("if_closed_alone_others_fixed", "closed alone, others fixed", "#b22222"),
    ("best_replacement_others_fixed", "best replacement, others fixed", "#e08a00"),
    ("reoptimised_same_count", "all bases re-optimised, same number", "#1f6fb4"),
    ("reoptimised_fewer_bases", "re-optimised with fewer bases", "#6a51a3"),
)


def closures_figure(table: pd.DataFrame, *, title: str = "") -> Figure:
    """The chart of ``closures.csv`` (:func:`siting.closure.closure_table`): one panel per plan."""
    plans = list(dict.fromkeys(table["plan"]))
    prefix = "need_lost" if any(c.startswith("need_lost") for c in table.columns) else "mean_minutes_added"
    unit = ("need lost within the travel-time limit" if prefix == "need_lost"
            else "minutes added to need-weighted mean travel")
    heights = [max(2.0, 0.42 * int((table["plan"] == p).sum()) + 1.2) for p in plans]
    fig, axes = plt.subplots(len(plans), 1, figsize=(9.0, sum(heights)), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, plan in zip(axes[:, 0], plans, strict=True):
        rows = table[table["plan"] == plan].reset_index(drop=True)
        labels = [g if s == "base" else f"{g} ({n} together)"
                  for s, g, n in zip(rows["scope"], rows["group"], rows["n_closed"], strict=True)]
        y = np.arange(len(rows))
        width = 0.8 / len(SERIES)
        for k, (suffix, label, colour) in enumerate(SERIES):
            values = pd.to_numeric(rows[f"{prefix}_{suffix}"], errors="coerce").to_numpy(dtype=float)
            ax.barh(y - 0.4 + (k + 0.5) * width, np.nan_to_num(values), height=width, color=colour, label=label)
        ax.axvline(0.0, color="black", linewidth=0.6)
        ax.set_yticks(y, labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_title(f"{plan}: closing bases", fontsize=10, loc="left")
        ax.set_xlabel(unit, fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    axes[0, 0].legend(fontsize=8, loc="lower right")
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0.0, 0.0, 1.0, 1.0 - (0.45 / sum(heights) if title else 0.0)))
    return fig


def closures_png(table: pd.DataFrame, *, title: str = "", dpi: int = 120) -> bytes:
    """:func:`closures_figure` as PNG bytes."""
    fig = closures_figure(table, title=title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()
