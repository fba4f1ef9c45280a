"""Inline SVG line charts of :mod:`maps.curves` panels (no JavaScript library, no image file).

Points that belong to a solution shown on the report's map carry ``data-solution-point`` so that
clicking one selects that solution (``siting.js``), and the selected one is highlighted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from maps.curves import Panel
from maps.html import esc

WIDTH = 600
HEIGHT = 340
MARGIN = {"left": 62, "right": 18, "top": 58, "bottom": 48}
PLAN_COLOUR = "#6a3d9a"


def nice_ticks(lo: float, hi: float, *, count: int = 5) -> list[float]:
    """Round tick values covering ``[lo, hi]`` (steps of 1, 2 or 5 times a power of ten)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi <= lo:
        lo, hi = lo - 1, hi + 1
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while t < hi + step * 0.999:
        ticks.append(round(t, 10))
        t += step
    return ticks


def _fmt(v: float, percent: bool) -> str:
    if percent:
        return f"{100 * v:.0f}%"
    return f"{v:,.0f}" if abs(v) >= 10 or v == int(v) else f"{v:.1f}"


def line_chart(panel: Panel, *, x_label: str = "number of bases", plan_label: str = "plan in hand") -> str:
    """One panel as an inline ``<svg>`` element (text escaped)."""
    xs = [x for c in panel.curves for x in c.x] + [m.x for m in panel.marks]
    ys = [y for c in panel.curves for y in c.y] + [m.y for m in panel.marks]
    xt = nice_ticks(min(xs), max(xs), count=min(8, max(2, len(set(xs)))))
    if panel.percent:
        yt = nice_ticks(min(0.0, min(ys)), max(1.0, max(ys)) if max(ys) > 0.6 else max(ys), count=5)
    else:
        yt = nice_ticks(min(0.0, min(ys)), max(ys), count=5)
    x0, x1, y0, y1 = xt[0], xt[-1], yt[0], yt[-1]
    items = [(c.label, c.colour, c.dashed, False) for c in panel.curves]
    if panel.marks:
        items.append((plan_label, PLAN_COLOUR, False, True))
    legend, legend_rows = _legend(items, x=MARGIN["left"], y=38, right=WIDTH - MARGIN["right"])
    pl, pr = MARGIN["left"], WIDTH - MARGIN["right"]
    pt, pb = MARGIN["top"] + 16 * (legend_rows - 1), HEIGHT - MARGIN["bottom"]

    def sx(x: float) -> float:
        return pl + (x - x0) / (x1 - x0 or 1) * (pr - pl)

    def sy(y: float) -> float:
        return pb - (y - y0) / (y1 - y0 or 1) * (pb - pt)

    out = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{esc(panel.title)}" '
           f'font-family="system-ui, sans-serif" font-size="12">',
           f'<text x="{pl}" y="18" font-size="15" font-weight="700">{esc(panel.title)}</text>']
    for t in yt:
        out.append(f'<line x1="{pl}" x2="{pr}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" stroke="#e3e3e3"/>'
                   f'<text x="{pl - 6}" y="{sy(t) + 4:.1f}" text-anchor="end" fill="#444">'
                   f"{_fmt(t, panel.percent)}</text>")
    for t in xt:
        out.append(f'<line x1="{sx(t):.1f}" x2="{sx(t):.1f}" y1="{pb}" y2="{pb + 5}" stroke="#666"/>'
                   f'<text x="{sx(t):.1f}" y="{pb + 18}" text-anchor="middle" fill="#444">{_fmt(t, False)}</text>')
    out.append(f'<line x1="{pl}" x2="{pr}" y1="{pb}" y2="{pb}" stroke="#666"/>'
               f'<line x1="{pl}" x2="{pl}" y1="{pt}" y2="{pb}" stroke="#666"/>'
               f'<text x="{(pl + pr) / 2:.0f}" y="{HEIGHT - 8}" text-anchor="middle" fill="#222">{esc(x_label)}</text>'
               f'<text transform="translate(14 {(pt + pb) / 2:.0f}) rotate(-90)" text-anchor="middle" '
               f'fill="#222">{esc(panel.y_label)}</text>')
    for c in panel.curves:
        pts = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in zip(c.x, c.y, strict=True))
        dash = ' stroke-dasharray="6 4"' if c.dashed else ""
        out.append(f'<polyline points="{pts}" fill="none" stroke="{c.colour}" stroke-width="2.2"{dash}/>')
        for x, y, k in zip(c.x, c.y, c.solution, strict=True):
            tip = f"{esc(c.label)}: {_fmt(x, False)} bases, {_fmt(y, panel.percent) if panel.percent else f'{y:,.1f}'}"
            dot = (f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="4.5" fill="{"#fff" if c.dashed else c.colour}" '
                   f'stroke="{c.colour}" stroke-width="1.8"><title>{tip}</title></circle>')
            out.append(dot if k is None else f'<g class="chart-point" data-solution-point="{k}">{dot}</g>')
    for m in panel.marks:
        cx, cy = sx(m.x), sy(m.y)
        value = _fmt(m.y, panel.percent) if panel.percent else f"{m.y:,.1f}"
        out.append(f'<path d="M{cx:.1f} {cy - 7:.1f} L{cx + 7:.1f} {cy:.1f} L{cx:.1f} {cy + 7:.1f} '
                   f'L{cx - 7:.1f} {cy:.1f} Z" fill="{PLAN_COLOUR}" stroke="#fff" stroke-width="1.2">'
                   f'<title>{esc(m.label)}: {_fmt(m.x, False)} bases, {value}</title></path>')
    out.append(legend)
    out.append("</svg>")
    return "".join(out)


def _legend(items: Sequence[tuple[str, str, bool, bool]], *, x: float, y: float, right: float) -> tuple[str, int]:
    """Legend entries in rows that fit between ``x`` and ``right``; the SVG and the number of rows."""
    parts = []
    cx, cy, rows = x, y, 1
    for label, colour, dashed, diamond in items:
        width = 34 + 6.6 * len(label)
        if cx > x and cx + width > right:
            cx, cy, rows = x, cy + 16, rows + 1
        if diamond:
            parts.append(f'<path d="M{cx + 9} {cy - 6} L{cx + 15} {cy} L{cx + 9} {cy + 6} L{cx + 3} {cy} Z" '
                         f'fill="{colour}"/>')
        else:
            dash = ' stroke-dasharray="6 4"' if dashed else ""
            parts.append(f'<line x1="{cx}" x2="{cx + 20}" y1="{cy}" y2="{cy}" stroke="{colour}" '
                         f'stroke-width="2.2"{dash}/>')
        parts.append(f'<text x="{cx + 25}" y="{cy + 4}" fill="#222">{esc(label)}</text>')
        cx += width + 6
    return "".join(parts), rows
