"""The outreach model's terminal text: the plan, both sides of the trade-off, the frontier and robustness.

Moved out of :mod:`scenarios.outreach_run` (which builds the summary this module formats).
"""

from __future__ import annotations

import math

from siting.budget import CATEGORIES
from siting.formatting import gap_percent, gbp
from solvers import Status


def _num(x: object) -> float:
    return float(x) if isinstance(x, int | float) else math.nan


def _pct(x: object) -> str:
    return f"{100 * float(x):5.1f}%" if isinstance(x, int | float) and math.isfinite(float(x)) else "   n/a"


def _h(x: object) -> str:
    return f"{float(x):,.0f}" if isinstance(x, int | float) and math.isfinite(float(x)) else "n/a"


def format_outreach_text(s: dict[str, object]) -> str:
    """A readable account of an outreach outcome for the terminal."""
    par = s["parameters"]
    assert isinstance(par, dict)
    lines = [
        f"{s['case']}: outreach model, bases {s['bases_requested']}, budget {gbp(par['budget_gbp'])}, frontline floor "
        f"{_pct(par['frontline_floor']).strip()}, sessions {par['session_minutes']:g} min, drives up to "
        f"{par['max_drive_minutes']:g} min, need = {s['need_weighting']}",
    ]
    gap = s.get("gap")
    head = f"solver {s['solver']}: {s['status']}"
    if isinstance(gap, float) and math.isfinite(gap):
        fmt = _pct if "share" in str(s["objective_name"]) else _h
        head += (f" (objective {fmt(s['objective']).strip()} {s['objective_name']}, bound {fmt(s['bound']).strip()}, "
                 f"gap {gap_percent(gap)})")
    lines.append(head + ("" if s.get("verified") else "  [NOT VERIFIED]"))
    if s["status"] in (Status.INFEASIBLE.value, Status.ERROR.value) or "contact_hours" not in s:
        lines.append(f"  {s['message']}")
        _plan_lines(lines, s)
        _frontier_lines(lines, s)
        return "\n".join(lines)
    bases = s["bases"]
    assert isinstance(bases, list)
    lines.append(f"bases kept ({len(bases)}): {', '.join(bases)}")
    lines.append(f"contact hours {_h(s['contact_hours'])} a year of {_h(s['need_hours'])} needed "
                 f"({_pct(s['need_served_share']).strip()}); staff hours {_h(s['staff_hours_available'])} available, "
                 f"{_h(s['driving_hours'])} driving, {_h(s['spare_staff_hours'])} spare")
    budget = s["budget"]
    assert isinstance(budget, dict)
    lines.append("budget: " + " | ".join(f"{k.replace('_', ' ')} {gbp(budget['amounts_gbp'][k])} "
                                         f"({_pct(budget['shares'][k]).strip()})" for k in CATEGORIES))
    lines.append("")
    lines.append(f"{'base':6s} {'name':34s} {'staff h':>9s} {'driving h':>9s} {'contact h':>9s} {'areas':>5s}")
    for b in s["per_base"]:  # type: ignore[attr-defined]
        lines.append(f"{b['id']:6s} {str(b['name'])[:34]:34s} {_h(b['staff_hours']):>9s} {_h(b['driving_hours']):>9s} "
                     f"{_h(b['contact_hours']):>9s} {b['areas_served']:5d}")
    plan = s.get("plan_in_hand")
    plan_rows = {}
    if isinstance(plan, dict):
        plan_rows = {r["district"]: r for r in plan.get("by_district", [])}
    lines.append("")
    header = f"{'district':32s} {'bases':>5s} {'need h':>8s} {'served':>7s}"
    lines.append(header + (f" {'plan':>7s}" if plan_rows else ""))
    for r in s["by_district"]:  # type: ignore[attr-defined]
        row = f"{r['district']:32s} {r['bases']:5d} {_h(r['need_hours']):>8s} {_pct(r['served_share']):>7s}"
        if plan_rows:
            row += f" {_pct(plan_rows.get(r['district'], {}).get('served_share')):>7s}"
        lines.append(row)
    plan_class = {r["area_class"]: r for r in plan.get("by_class", [])} if isinstance(plan, dict) else {}
    for r in s["by_class"]:  # type: ignore[attr-defined]
        row = f"{r['area_class'] + ' areas':32s} {'':5s} {_h(r['need_hours']):>8s} {_pct(r['served_share']):>7s}"
        if plan_class:
            row += f" {_pct(plan_class.get(r['area_class'], {}).get('served_share')):>7s}"
        lines.append(row)
    worst_rows = s.get("worst_served")
    worst = [w for w in worst_rows if w["served_share"] < 1 - 1e-6] if isinstance(worst_rows, list) else []
    lines.append("")
    if worst:
        lines.append("worst-served areas:")
        for w in worst[:5]:
            lines.append(f"  {w['id']} {str(w['name'])[:28]:28s} {w['district'][:20]:20s} served "
                         f"{_pct(w['served_share'])}, {_h(w['unmet_hours'])} h unmet")
    else:
        lines.append("every area's need is served in full")
    lines.append(f"nearest base: worst {s['worst_minutes']:.1f} min (rural {s['worst_rural_minutes']:.1f} min); "
                 f"need within {s['minutes']:g} min: {_pct(s['need_covered_share']).strip()}")
    _sides_lines(lines, s)
    marginal = s.get("marginal")
    if isinstance(marginal, dict):
        for key, label in (("one_fewer", "one base fewer"), ("one_more", "one base more")):
            m = marginal.get(key)
            if isinstance(m, dict) and "delta_access_share" in m:
                lines.append(f"{label} ({m['bases']}): need within {s['minutes']:g} min "
                             f"{100 * float(m['delta_access_share']):+.1f} points, mean travel "
                             f"{float(m['delta_mean_minutes']):+.1f} min, spare posts "
                             f"{float(m['delta_spare_posts']):+.1f}"
                             f", contact hours {float(m['delta_contact_hours']):+,.0f}")
            elif isinstance(m, dict) and "delta_frontline_share" in m:
                floor_note = "" if m["meets_frontline_floor"] else " (breaks the frontline floor)"
                lines.append(f"{label} ({m['bases']}): contact hours {float(m['delta_contact_hours']):+,.0f}, "
                             f"frontline share {100 * float(m['delta_frontline_share']):+.1f} points, staff hours "
                             f"{float(m['delta_staff_hours_available']):+,.0f}{floor_note}")
            elif isinstance(m, dict):
                lines.append(f"{label} ({m['bases']}): {m.get('status')}: {m.get('note', '')}")
    tie = s.get("tie_break")
    if isinstance(tie, dict):
        lines.append(f"tie-break ({tie['rule']}): {tie['status']}")
    _plan_lines(lines, s)
    _frontier_lines(lines, s)
    return "\n".join(lines)


def _sides_lines(lines: list[str], s: dict[str, object]) -> None:
    """The two sides of the plan (and of the plan in hand): service in posts, families in minutes."""
    plan = s.get("plan_in_hand") if isinstance(s.get("plan_in_hand"), dict) else {}
    assert isinstance(plan, dict)
    for label, d in (("plan found", s), (f"plan in hand ({plan.get('name')})", plan)):
        sv, fam = d.get("service"), d.get("families")
        if not isinstance(sv, dict) or not isinstance(fam, dict):
            continue
        lines.append(f"{label}: service {float(sv['frontline_posts']):.1f} frontline posts, "
                     f"{float(sv['driving_posts']):.1f} of them driving, {float(sv['spare_posts']):.1f} spare; "
                     f"families {_pct(fam['access_share']).strip()} of need within "
                     f"{float(fam['access_minutes']):g} min "
                     f"({_pct(fam['access_share_low']).strip()}-{_pct(fam['access_share_high']).strip()} at "
                     f"±{float(fam['travel_error_minutes']):g} min), mean {float(fam['mean_minutes']):.1f} min, "
                     f"worst {float(fam['worst_minutes']):.1f} min")


def _plan_lines(lines: list[str], s: dict[str, object]) -> None:
    plan = s.get("plan_in_hand")
    if isinstance(plan, dict):
        lines.append("")
        if "contact_hours" in plan:
            note = "" if plan["meets_model"] else f" [breaks the model's rules: {plan['reason']}]"
            lines.append(f"plan in hand '{plan['name']}' ({plan['number_of_bases']} bases): contact hours "
                         f"{_h(plan['contact_hours'])} ({_pct(plan['need_served_share']).strip()}), frontline "
                         f"{_pct(plan['frontline_share']).strip()}, spare staff hours {_h(plan['spare_staff_hours'])}"
                         f"{note}")
        else:
            lines.append(f"plan in hand '{plan['name']}': cannot run on this budget ({plan['reason']})")
        if "contact_hours" in s and "contact_hours" in plan:
            d_contact = _num(s["contact_hours"]) - _num(plan["contact_hours"])
            d_spare = _num(s["spare_staff_hours"]) - _num(plan["spare_staff_hours"])
            lines.append(f"  the plan found delivers {d_contact:+,.0f} contact hours and {d_spare:+,.0f} spare staff "
                         "hours against it")
    diff = s.get("site_differences")
    if isinstance(diff, list) and diff:
        lines.append(f"  sites that differ ({len(diff)}): reversing that one choice (adding or dropping the site) "
                     "changes contact / spare staff hours by")
        lines.append(f"    {'site':6s} {'name':26s} {'kept by':8s} {'in the plan in hand':>21s} "
                     f"{'in the plan found':>21s}")
        for d in diff:
            side = "found" if d["in_optimal"] else "in hand"
            lines.append(f"    {d['id']:6s} {str(d['name'])[:26]:26s} {side:8s} "
                         f"{_num(d['plan_delta_contact_hours']):+9,.0f} "
                         f"{_num(d['plan_delta_spare_staff_hours']):+9,.0f}    "
                         f"{_num(d['optimal_delta_contact_hours']):+9,.0f} "
                         f"{_num(d['optimal_delta_spare_staff_hours']):+9,.0f}")
        first = diff[0]
        lines.append(f"    (each base costs {gbp(first['overhead_gbp'])} a year, {_h(first['overhead_staff_hours'])} "
                     "staff hours, unless its costs are overridden)")
    old = s.get("old_model")
    if isinstance(old, dict):
        at = old["at_planned_budget"]
        assert isinstance(at, dict)
        lines.append(f"old model '{old['name']}' ({old['bases']} centres, {gbp(old['budget_gbp'])}): contact hours "
                     f"{_h(old.get('contact_hours'))}, frontline {_pct(old.get('frontline_share')).strip()} "
                     f"(published {_pct(old['published_frontline_share']).strip()})")
        lines.append(f"  on the planned budget ({gbp(at['budget_gbp'])}) its overheads would leave "
                     f"{gbp(at['frontline_gbp'])} for frontline staff; keeping the frontline floor would take "
                     f"{gbp(at['shortfall_gbp'])} a year more")


def _frontier_lines(lines: list[str], s: dict[str, object]) -> None:
    rows = s.get("frontier")
    rec = s.get("recommendation")
    if not isinstance(rows, list) or not rows or not isinstance(rec, dict):
        return
    lines.append("")
    lines.append("frontier (* recommended, = equally good for families, - dominated or not eligible, "
                 "x no plan keeping the frontline floor):")
    within = f"within {float(rec['access_minutes']):g} min"
    lines.append(f"  {'bases':>5s} {'status':>10s} {within:>14s} "
                 f"{'mean min':>8s} {'worst min':>9s} {'spare posts':>11s} {'contact h':>10s}")
    good = set(rec["equally_good"])
    last_bad = -1
    for k, r in enumerate(rows):
        if not r["has_plan"]:
            if k == last_bad + 1 and k > 0 and not rows[k - 1]["has_plan"]:
                last_bad = k
                if k == len(rows) - 1 or rows[k + 1]["has_plan"]:
                    lines.append(f" x ...{r['bases']:3d} likewise")
                continue
            last_bad = k
            lines.append(f" x{r['bases']:5d} {r['status']:>10s}  {str(r['note'])[:100]}")
            continue
        mark = "*" if r["bases"] == rec.get("shown_bases") else "=" if r["bases"] in good else (
            " " if r["efficient"] else "-")
        lines.append(f" {mark}{r['bases']:5d} {r['status']:>10s} {_pct(r['access_share']):>14s} "
                     f"{float(r['mean_minutes']):8.1f} {float(r['worst_minutes']):9.1f} "
                     f"{float(r['spare_posts']):11.1f} "
                     f"{_h(r['contact_hours']):>10s}")
    lines.append(str(rec["sentence"]))
    robust = s.get("robustness")
    if isinstance(robust, dict):
        lines.append("")
        lines.append("robustness: the recommendation with each parameter at 75% / 125% "
                     "(counts equally good in brackets)")
        by: dict[str, list[str]] = {}
        for t in robust["tornado"]:
            n = "range" if t.get("bases") is None or t.get("bases") != t.get("bases") else str(int(t["bases"]))
            by.setdefault(str(t["label"]), []).append(f"{n} [{t.get('equally_good', '')}]")
        for label, vals in by.items():
            lines.append(f"  {label:28s} {' / '.join(vals)}")
        for name, c in robust["calibrations"].items():
            lines.append(f"  overheads {name.replace('_', ' ')}: {c['sentence']}")
        if robust["samples"]:
            freq = [f for f in robust["site_frequency"] if f["in_recommendation"]]
            lines.append(f"  over {robust['samples']} sampled parameter sets the recommended sites are kept "
                         + ", ".join(f"{f['id']} {100 * float(f['share']):.0f}%" for f in freq))

