"""An HTML table of a solution's equity (see :mod:`siting.equity`), for map legends and reports.

Reads the ``equity`` part of ``summary.json`` (and the plan in hand's); nothing is recomputed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from maps.html import esc, num, pct


def _groups(eq: Mapping[str, Any] | None, key: str) -> dict[str, Mapping[str, Any]]:
    if not isinstance(eq, Mapping):
        return {}
    return {str(g.get("group")): g for g in eq.get(key) or [] if isinstance(g, Mapping)}


def equity_table_html(summary: Mapping[str, Any]) -> str:
    """Covered share, mean and worst minutes by IDACI quintile and rural-urban class ('' without equity)."""
    eq = summary.get("equity")
    if not isinstance(eq, Mapping):
        return ""
    plan = summary.get("plan_in_hand")
    plan_eq = plan.get("equity") if isinstance(plan, Mapping) else None
    plan_name = esc(plan.get("name", "plan in hand")) if isinstance(plan, Mapping) else ""
    head = "<tr><th>group</th><th>need</th><th>covered</th><th>mean min</th><th>worst min</th>"
    if plan_eq:
        head += f"<th>{plan_name}: covered</th><th>mean</th><th>worst</th>"
    rows = []
    for key, title in (("by_idaci_quintile", "IDACI quintile "), ("by_rural_urban_class", "")):
        other = _groups(plan_eq, key)
        for label, g in _groups(eq, key).items():
            cells = (f"<td>{esc(title + label)}</td><td>{num(g.get('need'))}</td><td>{pct(g.get('covered_share'))}</td>"
                     f"<td>{num(g.get('mean_minutes'), digits=1)}</td><td>{num(g.get('worst_minutes'), digits=1)}</td>")
            if plan_eq:
                o = other.get(label, {})
                cells += (f"<td>{pct(o.get('covered_share'))}</td><td>{num(o.get('mean_minutes'), digits=1)}</td>"
                          f"<td>{num(o.get('worst_minutes'), digits=1)}</td>")
            rows.append(f"<tr>{cells}</tr>")
    note = esc(eq.get("quintile_note", ""))
    return (f'<table class="siting-equity"><caption>Equity: need within {num(eq.get("minutes"))} min and travel '
            f"to the nearest base</caption><thead>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f'<p class="muted">{note}</p>')
