"""Numbers as people read them in text: money and optimality gaps (one place, so every output agrees)."""

from __future__ import annotations

import math

#: A relative gap smaller than this prints as ``0%``: below 0.0005 percentage points it is float noise
#: (``1.46e-16``), not a statement about the solution.
GAP_SHOWN_FROM = 5e-6


def gbp(amount: object, *, missing: str = "n/a") -> str:
    """Pounds, whole, with thousands separators and the sign before the symbol: ``-£330,176``, ``£5,232,177``."""
    if isinstance(amount, bool) or not isinstance(amount, int | float) or not math.isfinite(float(amount)):
        return missing
    whole = round(float(amount))
    return f"{'-' if whole < 0 else ''}£{abs(whole):,}"


def gap_percent(gap: object, *, missing: str = "n/a") -> str:
    """A relative optimality gap as a percentage with 3 significant digits, never in exponent form: ``0%``,
    ``0.0123%``, ``1.5%``."""
    if isinstance(gap, bool) or not isinstance(gap, int | float) or math.isnan(float(gap)):
        return missing
    g = float(gap)
    if math.isinf(g):
        return "inf"
    if abs(g) < GAP_SHOWN_FROM:
        return "0%"
    return f"{100 * g:,.0f}%" if abs(g) >= 10 else f"{100 * g:.3g}%"
