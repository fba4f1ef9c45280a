"""Closure values as a PNG: for each base and group of a plan, what closing it loses, four ways.

One panel per plan (rows of ``closures.csv``). Each row shows the loss of closing the group alone (others
fixed), with its best replacement (others fixed), with every base re-optimised, and re-optimised with that
many bases fewer. A group whose bar for "alone" is longer than its bases' single bars put together is the
point of the chart: single values do not add up. Negative losses (gains) extend left of zero.

The chart is laid out as data (:func:`closures_layout`: panels, labels, bars in pixels) and drawn with
Pillow (:func:`closures_png`), which loads in milliseconds: ``siting solve`` writes this chart on every
run, and matplotlib would take longer to import and draw it than the whole closure analysis takes.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: (column suffix, legend label, colour)
SERIES: tuple[tuple[str, str, str], ...] = (
    ("if_closed_alone_others_fixed", "closed alone, others fixed", "#b22222"),
    ("best_replacement_others_fixed", "best replacement, others fixed", "#e08a00"),
    ("reoptimised_same_count", "all bases re-optimised, same number", "#1f6fb4"),
    ("reoptimised_fewer_bases", "re-optimised with fewer bases", "#6a51a3"),
)

WIDTH_PX = 1080
ROW_PX = 50  # height of one group's four bars and the gap after them
AXIS_PX = 80  # below a panel: tick labels, the unit and a margin
LABEL_FONT_PX = 13
TITLE_FONT_PX = 16
RIGHT_PX = 30
LEGEND_PX = 62  # two rows of two series and a note under the title


@dataclass(frozen=True)
class Bar:
    """One bar: its value (NaN: no plan obeys the rules, drawn as a cross at zero) and rectangle in pixels."""

    series: int
    value: float
    x0: float
    x1: float
    y0: float
    y1: float


@dataclass
class Panel:
    """One plan's panel: title, row labels, the x axis (value -> pixel) and the bars."""

    title: str
    labels: list[str]
    top: float
    bottom: float
    left: float
    right: float
    lo: float
    hi: float
    ticks: list[float]
    bars: list[Bar] = field(default_factory=list)

    def x(self, value: float) -> float:
        return self.left + (value - self.lo) / (self.hi - self.lo) * (self.right - self.left)


@dataclass
class Layout:
    """The whole chart: size in pixels, title, the unit of the x axes, one panel per plan."""

    width: int
    height: int
    title: str
    unit: str
    panels: list[Panel]


def _nice_ticks(lo: float, hi: float, *, target: int = 6) -> tuple[float, float, list[float]]:
    """Axis limits widened to whole steps of 1, 2, 2.5 or 5 times a power of ten, and the ticks between."""
    if not hi > lo:
        lo, hi = lo - 1.0, hi + 1.0
    raw = (hi - lo) / target
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(k * power for k in (1.0, 2.0, 2.5, 5.0, 10.0) if k * power >= raw)
    a, b = math.floor(lo / step) * step, math.ceil(hi / step) * step
    ticks = [a + k * step for k in range(round((b - a) / step) + 1)]
    return a, b, ticks


def _tick_text(v: float) -> str:
    return f"{v:,.0f}" if abs(v - round(v)) < 1e-9 else f"{v:,.2f}".rstrip("0").rstrip(".")


def closures_layout(table: pd.DataFrame, *, title: str = "") -> Layout:
    """The chart of ``closures.csv`` (:func:`siting.closure.closure_table`) as panels and bars in pixels."""
    plans = list(dict.fromkeys(table["plan"]))
    prefix = "need_lost" if any(c.startswith("need_lost") for c in table.columns) else "mean_minutes_added"
    unit = ("need lost within the travel-time limit" if prefix == "need_lost"
            else "minutes added to need-weighted mean travel")
    font = _font(LABEL_FONT_PX)
    y = (40.0 if title else 10.0) + LEGEND_PX
    panels = []
    for plan in plans:
        rows = table[table["plan"] == plan].reset_index(drop=True)
        labels = [str(g) if s == "base" else f"{g} ({n} together)"
                  for s, g, n in zip(rows["scope"], rows["group"], rows["n_closed"], strict=True)]
        values = np.column_stack([pd.to_numeric(rows[f"{prefix}_{suffix}"], errors="coerce").to_numpy(dtype=float)
                                  for suffix, _, _ in SERIES]).reshape(len(rows), len(SERIES))
        finite = np.nan_to_num(values)
        lo, hi, ticks = _nice_ticks(min(0.0, float(finite.min(initial=0.0))), max(0.0, float(finite.max(initial=0.0))))
        left = 20.0 + max((font.getlength(t) for t in labels), default=0.0) + 10.0
        top = y + 30.0
        bottom = top + ROW_PX * max(len(rows), 1)
        panel = Panel(f"{plan}: closing bases", labels, top, bottom, left, WIDTH_PX - RIGHT_PX, lo, hi, ticks)
        bar_h = (ROW_PX * 0.8) / len(SERIES)
        for r in range(len(rows)):
            for k in range(len(SERIES)):
                v = float(finite[r, k])
                y0 = top + r * ROW_PX + ROW_PX * 0.1 + k * bar_h
                x0, x1 = sorted((panel.x(0.0), panel.x(v)))
                panel.bars.append(Bar(k, float(values[r, k]), x0, x1, y0, y0 + bar_h))
        panels.append(panel)
        y = bottom + AXIS_PX
    return Layout(WIDTH_PX, int(y), title, unit, panels)


def _font(size: int):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def closures_png(table: pd.DataFrame, *, title: str = "") -> bytes:
    """The chart of ``closures.csv`` as PNG bytes (Pillow; see :func:`closures_layout`)."""
    from PIL import Image, ImageDraw

    layout = closures_layout(table, title=title)
    img = Image.new("RGB", (layout.width, layout.height), "white")
    draw = ImageDraw.Draw(img)
    small, big = _font(LABEL_FONT_PX), _font(TITLE_FONT_PX)
    if layout.title:
        draw.text((layout.width / 2, 12), layout.title, fill="black", font=big, anchor="mt")
    _legend(draw, 40.0 if layout.title else 10.0, layout.width, small)
    for panel in layout.panels:
        draw.text((panel.left, panel.top - 8), panel.title, fill="black", font=big, anchor="ls")
        for t in panel.ticks:  # grid, ticks and tick labels
            x = panel.x(t)
            draw.line([(x, panel.top), (x, panel.bottom)], fill="#e3e3e3")
            draw.text((x, panel.bottom + 6), _tick_text(t), fill="black", font=small, anchor="mt")
        draw.rectangle([panel.left, panel.top, panel.right, panel.bottom], outline="#555555")
        for r, label in enumerate(panel.labels):
            draw.text((panel.left - 8, panel.top + (r + 0.5) * ROW_PX), label, fill="black", font=small, anchor="rm")
        for bar in panel.bars:
            if math.isnan(bar.value):
                cx, cy, h = bar.x0 + 5, (bar.y0 + bar.y1) / 2, 3
                draw.line([(cx - h, cy - h), (cx + h, cy + h)], fill=SERIES[bar.series][2])
                draw.line([(cx - h, cy + h), (cx + h, cy - h)], fill=SERIES[bar.series][2])
            elif bar.x1 - bar.x0 >= 0.5:
                draw.rectangle([bar.x0, bar.y0, bar.x1, bar.y1 - 1], fill=SERIES[bar.series][2])
        zero = panel.x(0.0)
        draw.line([(zero, panel.top), (zero, panel.bottom)], fill="black", width=1)
        draw.text(((panel.left + panel.right) / 2, panel.bottom + 26), layout.unit, fill="black", font=small,
                  anchor="mt")
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def _legend(draw, top: float, width: int, font) -> None:  # type: ignore[no-untyped-def]
    """The four series in two rows of two, centred under the title."""
    for k, (_, label, colour) in enumerate(SERIES):
        x = width / 2 + (-330 if k % 2 == 0 else 30)
        y = top + 4 + 20 * (k // 2)
        draw.rectangle([x, y + 2, x + 14, y + 12], fill=colour)
        draw.text((x + 20, y + 7), label, fill="black", font=font, anchor="lm")
    draw.text((width / 2, top + 52), "x at zero: no plan obeys the site rules (infeasible)", fill="#555555",
              font=font, anchor="mm")
