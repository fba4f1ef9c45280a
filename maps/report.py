"""The scenario report of a sweep: one self-contained HTML page.

Contents, top to bottom: a selector and a slider over the sweep's solutions; the coverage map
(:mod:`maps.coverage_map`), switched between solutions in the page; for the selected solution, the
comparison with the plan in hand, coverage by district and the budget split (when present); the
trade-off curves over base counts (inline SVG, clickable); coverage by district for every
solution; and the table of all jobs. Leaflet and every script and style are inlined
(:mod:`maps.offline`); every text from the input is escaped (:mod:`maps.html`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import geopandas as gpd
import pandas as pd
from branca.element import Figure, MacroElement
from folium.template import Template

import siting
from maps import charts, curves
from maps.coverage_map import build_map, solution_headline
from maps.equity_table import equity_table_html
from maps.html import any_table, as_float, esc, is_missing, key_values, num, pct, table
from maps.offline import make_offline, render_offline
from maps.results import Solution, Sweep, coverage_by


class PageSection(MacroElement):
    """A block of already-escaped HTML placed in the page body in the order it is added."""

    _template = Template("""
        {% macro html(this, kwargs) %}{{ this.content }}{% endmacro %}
    """)

    def __init__(self, content: str) -> None:
        super().__init__()
        self._name = "PageSection"
        self.content = content


def solution_label(sol: Solution, *, with_series: bool) -> str:
    """Escaped option text: ``mclp, 20 min · 15 bases · 83.3% covered``."""
    head = f"{esc(curves.series_label(sol.model, sol.minutes))} · " if with_series else ""
    return f"{head}{sol.n_bases} bases · {pct(sol.summary.get('need_covered_share'))} of need covered"


def _diff(a: object, b: object, *, percent: bool, lower_is_better: bool, digits: int = 1) -> str:
    if is_missing(a) or is_missing(b):
        return "–"
    d = as_float(a) - as_float(b)
    text = f"{100 * d:+.1f} pts" if percent else f"{d:+,.{digits}f}"
    if abs(d) < 1e-9:
        return text
    good = (d < 0) if lower_is_better else (d > 0)
    return f'<span class="{"better" if good else "worse"}">{text}</span>'


def _comparison(sol: Solution) -> str:
    s, plan = sol.summary, sol.plan_in_hand or {}
    rows = [["Bases", str(sol.n_bases), str(len(plan.get("bases", []))) if plan else "–", "–"]]
    measures = (("Need covered within reach", "need_covered_share", True, False),
                ("Need reached (children × need)", "need_covered", False, False),
                ("Worst travel time, min", "worst_minutes", False, True),
                ("Worst rural travel time, min", "worst_rural_minutes", False, True),
                ("Mean travel time (need-weighted), min", "mean_minutes", False, True))
    for label, key, percent, lower in measures:
        a, b = s.get(key), plan.get(key)
        digits = 0 if key == "need_covered" else 1
        fa = pct(a) if percent else num(a, digits=digits)
        fb = pct(b) if percent else num(b, digits=digits)
        rows.append([label, fa, fb if plan else "–",
                     _diff(a, b, percent=percent, lower_is_better=lower, digits=digits)])
    head = ["", "This solution", f"Plan in hand ({esc(plan.get('name', ''))})" if plan else "Plan in hand",
            "Difference"]
    return table(head, rows, cls="compare", caption="Compared with the plan in hand")


def plan_shares(sols: Sequence[Solution], key: str) -> dict[str, dict[str, Any]]:
    """The plan in hand's coverage by ``key`` (``district``/``area_class``) from the first summary that has it.

    The outreach model reports its plan by hours served, not by reach: its summaries lack
    ``share``, so the plan's figures come from another job of the sweep (same plan, same minutes).
    """
    for sol in sols:
        plan = sol.plan_in_hand or {}
        rows = plan.get("by_district" if key == "district" else "by_class") or []
        found = {str(r.get(key)): r for r in rows if isinstance(r, dict) and "share" in r}
        if found:
            return found
    return {}


def _by_district(sol: Solution, plan_rows: dict[str, dict[str, Any]], plan_classes: dict[str, dict[str, Any]]) -> str:
    served = {str(r.get("district")): r.get("served_share") for r in sol.summary.get("by_district") or []
              if isinstance(r, dict) and "served_share" in r}
    served_classes = {str(r.get("area_class")): r.get("served_share") for r in sol.summary.get("by_class") or []
                      if isinstance(r, dict) and "served_share" in r}
    rows = []
    for kind, frame, plans, extra in (("district", coverage_by(sol, "district"), plan_rows, served),
                                      ("area_class", coverage_by(sol, "area_class"), plan_classes, served_classes)):
        for _, r in frame.iterrows():
            name = str(r[kind])
            p = plans.get(name, {})
            label = esc(name) if kind == "district" else f"<i>{esc(name)} areas</i>"
            row = [label, num(r["bases"]) if kind == "district" else "",
                   num(p.get("bases")) if p and kind == "district" else "", num(r["weight"]), pct(r["share"]),
                   pct(p.get("share")) if p else "–",
                   _diff(r["share"], p.get("share"), percent=True, lower_is_better=False) if p else "–"]
            if served:
                row.append(pct(extra.get(name)))
            rows.append(row)
    if not rows:
        return ""
    head = ["District", "Bases", "Plan bases", "Need", "Covered", "Plan covered", "Difference"]
    if served:
        head.append("Need hours served (outreach)")
    return table(head, rows, caption=f"Coverage by district (need within {num(sol.minutes)} min of a base)")


def _budget(sol: Solution, row: pd.Series | None) -> str:
    parts = []
    figures = []
    if row is not None:
        if not is_missing(row.get("frontline_share")):
            figures.append(("Frontline share of the budget", pct(row.get("frontline_share"))))
        if not is_missing(row.get("contact_hours")):
            figures.append(("Contact hours", num(row.get("contact_hours"))))
    if figures:
        parts.append(key_values(figures))
    budget = sol.summary.get("budget")
    if budget:
        parts.append(any_table(budget))
    if not parts:
        return ""
    return '<div class="budget"><h3>Budget split</h3>' + "".join(parts) + "</div>"


def _status(sol: Solution) -> str:
    s = sol.summary
    gap = s.get("gap")
    text = f"solver {esc(s.get('solver', '?'))}: {esc(s.get('status', '?'))}"
    if not is_missing(gap):
        text += f", gap {100 * as_float(gap):.3g}%"
    if s.get("verified") is False:
        text += " — <b>not verified</b>"
    return f'<p class="muted">{text}; kept: {esc(", ".join(map(str, s.get("bases", []))))}</p>'


def _panel(k: int, job: str, sol: Solution, row: pd.Series | None, *, initial: int,
           plan_rows: dict[str, dict[str, Any]], plan_classes: dict[str, dict[str, Any]]) -> str:
    hidden = "" if k == initial else " hidden"
    return (f'<section data-solution-panel="{k}"{hidden}><h2>Selected solution: job {esc(job)}</h2>'
            f"<p>{solution_headline(sol, with_equity=False)}</p>{_status(sol)}"
            f'<div class="scroll">{equity_table_html(sol.summary)}</div>'
            f'<div class="charts"><div class="chart">{_comparison(sol)}</div>'
            f'<div class="chart">{_budget(sol, row)}</div></div>'
            f'<div class="scroll">{_by_district(sol, plan_rows, plan_classes)}</div></section>')


def _district_matrix(sweep: Sweep, *, with_series: bool) -> str:
    sols = [sol for _, sol in sweep.solutions]
    cols: list[tuple[str, dict[str, Any]]] = []
    for sol in sols:
        series = f"{esc(curves.series_label(sol.model, sol.minutes))}<br>" if with_series else ""
        frame = coverage_by(sol, "district")
        shares = {str(d): v for d, v in zip(frame["district"], frame["share"], strict=True)}
        cols.append((f"{series}{sol.n_bases} bases", shares))
    plan = sols[0].plan_in_hand
    plan_rows = plan_shares(sols, "district")
    if plan and plan_rows:
        cols.append((f"Plan in hand<br>{esc(plan.get('name', ''))}",
                     {d: r.get("share") for d, r in plan_rows.items()}))
    districts = sorted({str(d) for _, shares in cols for d in shares})
    if not districts:
        return ""
    rows = [[esc(d), *[pct(shares.get(d)) for _, shares in cols]] for d in districts]
    total = ["<b>All areas</b>", *[pct(sol.summary.get("need_covered_share")) for sol in sols]]
    if plan and plan_rows:
        total.append(pct(plan.get("need_covered_share")))
    rows.append(total)
    return ('<h2>Coverage by district, every solution</h2><div class="scroll">'
            + table(["District", *[c for c, _ in cols]], rows, cls="matrix") + "</div>")


def _jobs(sweep: Sweep) -> str:
    r = sweep.results
    extra = [(c, h) for c, h in (("frontline_share", "Frontline share"), ("contact_hours", "Contact hours"))
             if curves.has_column(r, c)]
    head = ["Job", "Model", "Bases", "Minutes", "Status", "Objective", "Gap", "Need covered", "Worst min",
            "Worst rural min", *[h for _, h in extra], "Solve s"]
    rows = []
    for _, x in r.iterrows():
        rows.append([esc(x["job_id"]), esc(x["model"]), num(x["bases"]), num(x["minutes"]), esc(x["status"]),
                     num(x["objective"], digits=1), pct(x["gap"], digits=2), pct(x["need_covered_share"]),
                     num(x["worst_minutes"], digits=1), num(x["worst_rural_minutes"], digits=1),
                     *[pct(x[c]) if c == "frontline_share" else num(x[c]) for c, _ in extra],
                     num(x["solve_seconds"], digits=2)])
    return ('<h2>All jobs of the sweep</h2><div class="scroll">'
            + table(head, rows, numeric_from=2, cls="jobs") + "</div>")


def _controls(sweep: Sweep, *, initial: int, with_series: bool) -> str:
    n = len(sweep.solutions)
    options = "".join(f'<option value="{k}"{" selected" if k == initial else ""}>'
                      f"{solution_label(sol, with_series=with_series)}</option>"
                      for k, (_, sol) in enumerate(sweep.solutions))
    series: dict[str, list[str]] = {}
    for _, sol in sweep.solutions:
        series.setdefault(curves.series_label(sol.model, sol.minutes), []).append(str(sol.n_bases))
    ticks = "; ".join((f"{esc(name)}: " if with_series else "") + " · ".join(counts)
                      for name, counts in series.items())
    return (f'<div class="controls"><label for="siting-slider">Solution</label>'
            f'<input type="range" id="siting-slider" min="0" max="{n - 1}" step="1" value="{initial}" '
            f'aria-describedby="siting-ticks"><span id="siting-ticks" class="muted">bases: {ticks}</span>'
            f'<select id="siting-select" aria-label="Solution">{options}</select>'
            f'<div id="siting-current">{solution_headline(sweep.solutions[initial][1])}</div></div>')


def default_title(sweep: Sweep) -> str:
    """``Norfolk: which bases to keep, 5 to 15 bases``."""
    sols = [s for _, s in sweep.solutions]
    case = (sols[0].case or "Scenario").capitalize()
    lo, hi = min(s.n_bases for s in sols), max(s.n_bases for s in sols)
    return f"{case}: which bases to keep, {lo} to {hi} bases" if lo != hi else f"{case}: {lo} bases"


def report_html(sweep: Sweep, boundaries: gpd.GeoDataFrame | None, *, tiles: str | None = None,
                title: str | None = None, initial: int | None = None,
                curves_png: str | None = "report_curves.png") -> str:
    """The self-contained report page of ``sweep`` (see the module docstring).

    Args:
        sweep: the sweep (:func:`maps.results.read_sweep`).
        boundaries: area polygons with an ``id`` column (``None``: area points as discs).
        tiles: optional tile layer (``osm``); none by default, so the page works offline.
        title: the page title (default from the case and base counts).
        initial: the solution shown first (default: the one with the most bases).
        curves_png: the file name of the PNG curves written beside the page (mentioned in the page).
    """
    sols = [s for _, s in sweep.solutions]
    title = title or default_title(sweep)
    if initial is None:
        initial = max(range(len(sols)), key=lambda k: (sols[k].n_bases, -k))
    with_series = len({(s.model, s.minutes) for s in sols}) > 1
    rows = sweep.results.set_index("job_id")
    panels = curves.panels(sweep)
    plan = sols[0].plan_in_hand

    figure = Figure(title=esc(title))
    first = sols[0]
    intro = (f'<div class="siting-report"><header><h1>{esc(title)}</h1>'
             f'<p class="sub">{len(sweep.results)} jobs, {len(sols)} with a solution · need weighting '
             f'{esc(first.summary.get("need_weighting", ""))} · travel-time limit '
             f'{esc(", ".join(f"{m:g}" for m in sorted({s.minutes for s in sols})))} min')
    if plan:
        intro += (f' · compared with the plan in hand <b>{esc(plan.get("name", ""))}</b>'
                  f' ({esc(plan.get("description", ""))})')
    intro += "</p></header>" + _controls(sweep, initial=initial, with_series=with_series)
    figure.add_child(PageSection(intro))
    layers = build_map(sols, boundaries, title=title, tiles=tiles, initial=initial, figure=figure, height="640px")
    plan_rows, plan_classes = plan_shares(sols, "district"), plan_shares(sols, "area_class")
    body = [_panel(k, job, sol, cast(pd.Series, rows.loc[job]) if job in rows.index else None, initial=initial,
                   plan_rows=plan_rows, plan_classes=plan_classes)
            for k, (job, sol) in enumerate(sweep.solutions)]
    if panels:
        body.append("<h2>Trade-off over the number of bases</h2><div class=\"charts\">"
                    + "".join(f'<div class="chart">{charts.line_chart(p)}</div>' for p in panels)
                    + '</div><p class="muted">Click a point to show that solution on the map.'
                    + (f" The same curves for documents: <code>{esc(curves_png)}</code> beside this file."
                       if curves_png else "") + "</p>")
    body.append(_district_matrix(sweep, with_series=with_series))
    body.append(_jobs(sweep))
    body.append(f'<footer>{esc(first.summary.get("provenance", ""))}<br>siting {esc(siting.__version__)} · '
                f"sweep folder {esc(sweep.folder.name)}</footer></div>")
    section = PageSection("".join(body))
    figure.add_child(section)
    make_offline(figure)
    return render_offline(figure, allowed=layers.tiles_allowed)

