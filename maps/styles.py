"""Colours, classes and marker symbols shared by maps, reports and plots.

Colours are chosen to stay apart under the common colour-vision deficiencies: need is a
yellow-to-brown ramp, travel time a blue (within reach) to red (beyond) diverging ramp, catchments
a qualitative palette coloured so that neighbouring catchments differ, uncovered areas a magenta
outline, kept bases dark filled circles and closed sites small hollow circles with a cross.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

#: Need (children aged 0-4 x need weight) classes, light to dark.
NEED_COLOURS: tuple[str, ...] = ("#ffffd4", "#fed98e", "#fe9929", "#d95f0e", "#993404")
#: Travel-time classes as multiples of the limit: <= 1/2, <= 1, <= 1.5, <= 2, beyond.
MINUTES_FACTORS: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0)
MINUTES_COLOURS: tuple[str, ...] = ("#2166ac", "#92c5de", "#f4a582", "#d6604d", "#67001f")
#: Catchment colours (qualitative, light enough for dark markers on top).
CATCHMENT_PALETTE: tuple[str, ...] = (
    "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#e5d8bd", "#bc80bd",
    "#ccebc5", "#ffed6f", "#d9d9d9",
)
NO_BASE_COLOUR = "#f0f0f0"
AREA_EDGE = "#ffffff"
FILL_OPACITY = 0.78
FILL_OPACITY_TILES = 0.55
UNCOVERED_COLOUR = "#c51b7d"
DISTRICT_COLOUR = "#252525"
KEPT_COLOUR = "#08214a"
CLOSED_COLOUR = "#5f5f5f"
PLAN_COLOUR = "#6a3d9a"

#: Marker symbols (inline SVG: no icon font, no image download). Sizes in CSS pixels.
KEPT_SIZE_PX = 22
CLOSED_SIZE_PX = 14
PLAN_SIZE_PX = 24
KEPT_SVG = (
    f'<svg width="{KEPT_SIZE_PX}" height="{KEPT_SIZE_PX}" viewBox="0 0 22 22" aria-hidden="true">'
    f'<circle cx="11" cy="11" r="9" fill="{KEPT_COLOUR}" stroke="#ffffff" stroke-width="2.5"/>'
    '<circle cx="11" cy="11" r="3" fill="#ffffff"/></svg>'
)
CLOSED_SVG = (
    f'<svg width="{CLOSED_SIZE_PX}" height="{CLOSED_SIZE_PX}" viewBox="0 0 14 14" aria-hidden="true">'
    f'<circle cx="7" cy="7" r="5.5" fill="#ffffff" fill-opacity="0.9" stroke="{CLOSED_COLOUR}" stroke-width="1.5"/>'
    f'<path d="M4.6 4.6 L9.4 9.4 M9.4 4.6 L4.6 9.4" stroke="{CLOSED_COLOUR}" stroke-width="1.5"/></svg>'
)
PLAN_SVG = (
    f'<svg width="{PLAN_SIZE_PX}" height="{PLAN_SIZE_PX}" viewBox="0 0 24 24" aria-hidden="true">'
    f'<rect x="3" y="3" width="18" height="18" fill="none" stroke="{PLAN_COLOUR}" stroke-width="2.5"/></svg>'
)


def nice_breaks(values: ArrayLike, *, classes: int = len(NEED_COLOURS)) -> list[float]:
    """Upper class limits (``classes - 1`` of them) at rounded quantiles of the positive ``values``.

    Quantile classes make a skewed need map readable; limits are rounded to two significant
    figures and made strictly increasing, so fewer classes may come back for near-constant data.
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return []
    out: list[float] = []
    for q in np.linspace(0, 1, classes + 1)[1:-1]:
        x = float(np.quantile(v, q))
        if x <= 0:
            continue
        digits = 1 - math.floor(math.log10(x))
        r = round(x, digits)
        if not out or r > out[-1]:
            out.append(r)
    return out


def classify(values: ArrayLike, breaks: Sequence[float]) -> list[int]:
    """Class index of each value: 0 for ``<= breaks[0]``, ..., ``len(breaks)`` beyond the last."""
    v = np.asarray(values, dtype=np.float64)
    return [int(i) for i in np.searchsorted(np.asarray(breaks, dtype=np.float64), v, side="left")]


def minutes_breaks(limit_minutes: float) -> list[float]:
    """Upper limits of the travel-time classes for a travel-time limit."""
    return [f * limit_minutes for f in MINUTES_FACTORS]


def class_labels(breaks: Sequence[float], *, unit: str = "", digits: int = 0) -> list[str]:
    """Readable labels for classes bounded by ``breaks``: ``up to a``, ``a–b``, ..., ``over z``."""
    def f(x: float) -> str:
        return f"{x:,.{digits}f}"
    if not breaks:
        return [f"all{unit}"]
    labels = [f"up to {f(breaks[0])}{unit}"]
    labels += [f"{f(a)}–{f(b)}{unit}" for a, b in itertools.pairwise(breaks)]
    labels.append(f"over {f(breaks[-1])}{unit}")
    return labels
