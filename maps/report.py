"""The scenario report of a sweep: one self-contained HTML page.

Contents, top to bottom: a selector and a slider over the sweep's solutions; the coverage map
(:mod:`maps.coverage_map`), switched between solutions in the page; for the selected solution, the
comparison with the plan in hand, coverage by district and the budget split (when present); the
trade-off curves over base counts (inline SVG, clickable); coverage by district for every
solution; and the table of all jobs. Leaflet and every script and style are inlined
(:mod:`maps.offline`). The sections are Jinja2 macros (``maps/templates/report.html.j2``) rendered
with autoescaping (:mod:`maps.templating`): every text from the input is escaped by the template.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import geopandas as gpd
import pandas as pd
from branca.element import Figure, MacroElement
from folium.template import Template
from markupsafe import Markup

import siting
from maps import charts, curves
from maps.coverage_map import build_map, solution_headline
from maps.equity_table import equity_table_html
from maps.html import as_float, esc, is_missing
from maps.offline import make_offline, render_offline
from maps.results import Solution, Sweep, coverage_by
from maps.templating import environment, fnum, fpct


class PageSection(MacroElement):
    """A block of already-escaped HTML placed in the page body in the order it is added."""

    _template = Template("""
        {% macro html(this, kwargs) %}{{ this.content }}{% endmacro %}
    """)

    def __init__(self, content: str) -> None:
        super().__init__()
        self._name = "PageSection"
        self.content = content


def _module() -> Any:
    """The report's macros (``maps/templates/report.html.j2``), autoescaped."""
    return environment().get_template("report.html.j2").module


def solution_label(sol: Solution, *, with_series: bool) -> str:
    """Option text (plain; the template escapes it): ``mclp, 20 min · 15 bases · 83.3% of need covered``."""
    head = f"{curves.series_label(sol.model, sol.minutes)} · " if with_series else ""
    return f"{head}{sol.n_bases} bases · {fpct(sol.summary.get('need_covered_share'))} of need covered"


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


_MEASURES = (("Need covered within reach", "need_covered_share", True, False),
             ("Need reached (children × need)", "need_covered", False, False),
             ("Worst travel time, min", "worst_minutes", False, True),
             ("Worst rural travel time, min", "worst_rural_minutes", False, True),
             ("Mean travel time (need-weighted), min", "mean_minutes", False, True))


def _number(x: object) -> float | None:
    return None if is_missing(x) else as_float(x)


def _panel_data(k: int, job: str, sol: Solution, row: pd.Series | None, *, initial: int,
                plan_rows: dict[str, dict[str, Any]], plan_classes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    s, plan = sol.summary, sol.plan_in_hand or {}
    measures = [{"label": label, "a": _number(s.get(key)), "b": _number(plan.get(key)), "percent": percent,
                 "lower": lower, "digits": 0 if key == "need_covered" else 1}
                for label, key, percent, lower in _MEASURES]
    served = {str(r.get("district")): r.get("served_share") for r in s.get("by_district") or []
              if isinstance(r, dict) and "served_share" in r}
    served_classes = {str(r.get("area_class")): r.get("served_share") for r in s.get("by_class") or []
                      if isinstance(r, dict) and "served_share" in r}
    district_rows = []
    for kind, frame, plans, extra in (("district", coverage_by(sol, "district"), plan_rows, served),
                                      ("area_class", coverage_by(sol, "area_class"), plan_classes, served_classes)):
        for _, r in frame.iterrows():
            name = str(r[kind])
            p = plans.get(name, {})
            plan_part = ({**p, "share": _number(p.get("share"))} if p else None)
            district_rows.append({"name": name, "kind": kind, "bases": r.get("bases"), "weight": r["weight"],
                                  "share": _number(r["share"]), "plan": plan_part, "served": extra.get(name)})
    figures = []
    if row is not None:
        if not is_missing(row.get("frontline_share")):
            figures.append(("Frontline share of the budget", fpct(row.get("frontline_share"))))
        if not is_missing(row.get("contact_hours")):
            figures.append(("Contact hours", fnum(row.get("contact_hours"))))
    return {"k": k, "job": job, "shown": k == initial, "headline": Markup(solution_headline(sol, with_equity=False)),
            "equity": Markup(equity_table_html(s)),
            "solver": s.get("solver", "?"), "status": s.get("status", "?"), "gap": s.get("gap"),
            "verified": s.get("verified"), "bases": [str(b) for b in s.get("bases", [])],
            "n_bases": sol.n_bases, "plan": plan or None, "plan_bases": len(plan.get("bases", [])),
            "measures": measures, "minutes": sol.minutes, "district_rows": district_rows, "served": bool(served),
            "figures": figures, "budget": s.get("budget")}


def _district_matrix(sweep: Sweep, *, with_series: bool) -> Markup:
    sols = [sol for _, sol in sweep.solutions]
    heads: list[Markup] = []
    cols: list[dict[str, Any]] = []
    for sol in sols:
        series = f"{esc(curves.series_label(sol.model, sol.minutes))}<br>" if with_series else ""
        frame = coverage_by(sol, "district")
        cols.append({str(d): v for d, v in zip(frame["district"], frame["share"], strict=True)})
        heads.append(Markup(f"{series}{sol.n_bases} bases"))
    plan = sols[0].plan_in_hand
    plan_rows = plan_shares(sols, "district")
    if plan and plan_rows:
        heads.append(Markup("Plan in hand<br>{}").format(plan.get("name", "")))
        cols.append({d: r.get("share") for d, r in plan_rows.items()})
    districts = sorted({d for shares in cols for d in shares})
    if not districts:
        return Markup("")
    rows: list[list[Any]] = [[d, *[fpct(shares.get(d)) for shares in cols]] for d in districts]
    total: list[Any] = [Markup("<b>All areas</b>"), *[fpct(sol.summary.get("need_covered_share")) for sol in sols]]
    if plan and plan_rows:
        total.append(fpct(plan.get("need_covered_share")))
    rows.append(total)
    return Markup(_module().district_matrix(heads, rows))


def _jobs(sweep: Sweep) -> Markup:
    r = sweep.results
    extra = [(c, h) for c, h in (("frontline_share", "Frontline share"), ("contact_hours", "Contact hours"))
             if curves.has_column(r, c)]
    return Markup(_module().jobs(r.to_dict("records"), extra))


def _ticks(sweep: Sweep, *, with_series: bool) -> str:
    series: dict[str, list[str]] = {}
    for _, sol in sweep.solutions:
        series.setdefault(curves.series_label(sol.model, sol.minutes), []).append(str(sol.n_bases))
    return "; ".join((f"{name}: " if with_series else "") + " · ".join(counts) for name, counts in series.items())


def default_title(sweep: Sweep) -> str:
    """``Norfolk: which bases to keep, 5 to 15 bases``."""
    sols = [s for _, s in sweep.solutions]
    case = (sols[0].case or "Scenario").capitalize()
    lo, hi = min(s.n_bases for s in sols), max(s.n_bases for s in sols)
    return f"{case}: which bases to keep, {lo} to {hi} bases" if lo != hi else f"{case}: {lo} bases"


def initial_solution(sols: Sequence[Solution]) -> int:
    """The solution shown first: the one with as many bases as the plan in hand (the most bases without a plan).

    Among several with that count (different models or limits), the first; without an exact
    match, the nearest count (the larger on a tie).
    """
    plan = sols[0].plan_in_hand
    if plan is None or not plan.get("bases"):
        return max(range(len(sols)), key=lambda k: (sols[k].n_bases, -k))
    want = len(plan["bases"])
    return min(range(len(sols)), key=lambda k: (abs(sols[k].n_bases - want), -sols[k].n_bases, k))


def report_html(sweep: Sweep, boundaries: gpd.GeoDataFrame | None, *, tiles: str | None = None,
                title: str | None = None, initial: int | None = None,
                curves_png: str | None = "report_curves.png") -> str:
    """The self-contained report page of ``sweep`` (see the module docstring).

    Args:
        sweep: the sweep (:func:`maps.results.read_sweep`).
        boundaries: area polygons with an ``id`` column (``None``: area points as discs).
        tiles: optional tile layer (``osm``); none by default, so the page works offline.
        title: the page title (default from the case and base counts).
        initial: the solution shown first (default: the one with the plan in hand's number of bases,
            :func:`initial_solution`).
        curves_png: the file name of the PNG curves written beside the page (mentioned in the page).
    """
    sols = [s for _, s in sweep.solutions]
    title = title or default_title(sweep)
    if initial is None:
        initial = initial_solution(sols)
    with_series = len({(s.model, s.minutes) for s in sols}) > 1
    rows = sweep.results.set_index("job_id")
    panels = curves.panels(sweep)
    plan = sols[0].plan_in_hand
    macros = _module()

    figure = Figure(title=esc(title))
    first = sols[0]
    intro = macros.intro(
        title, len(sweep.results), len(sols), first.summary.get("need_weighting", ""),
        ", ".join(f"{m:g}" for m in sorted({s.minutes for s in sols})), plan,
        [solution_label(sol, with_series=with_series) for _, sol in sweep.solutions], initial, len(sols),
        _ticks(sweep, with_series=with_series), Markup(solution_headline(sweep.solutions[initial][1])))
    figure.add_child(PageSection(str(intro)))
    layers = build_map(sols, boundaries, title=title, tiles=tiles, initial=initial, figure=figure, height="640px")
    plan_rows, plan_classes = plan_shares(sols, "district"), plan_shares(sols, "area_class")
    body = [str(macros.panel(_panel_data(k, job, sol, cast(pd.Series, rows.loc[job]) if job in rows.index else None,
                                         initial=initial, plan_rows=plan_rows, plan_classes=plan_classes)))
            for k, (job, sol) in enumerate(sweep.solutions)]
    if panels:
        body.append(str(macros.charts([Markup(charts.line_chart(p)) for p in panels], curves_png)))
    body.append(str(_district_matrix(sweep, with_series=with_series)))
    body.append(str(_jobs(sweep)))
    body.append(str(macros.footer(first.summary.get("provenance", ""), siting.__version__, sweep.folder.name)))
    figure.add_child(PageSection("".join(body)))
    make_offline(figure)
    return render_offline(figure, allowed=layers.tiles_allowed)
