"""The readable text of a solve's summary (terminal output of ``siting solve`` and :attr:`siting.Solution.text`)."""

from __future__ import annotations

from siting.equity import Equity, GroupEquity, equity_text
from siting.formatting import gap_percent
from solvers import Status


def _pct(x: object) -> str:
    return f"{100 * float(x):5.1f}%" if isinstance(x, int | float) and x == x else "   n/a"


def _status_words(s: dict[str, object]) -> str:
    """The status with what it proves: the tolerance of ``optimal``, the requested gap of ``within_gap``."""
    status = s["status"]
    if status == Status.OPTIMAL.value and isinstance(s.get("tolerance_rel"), float):
        return f"optimal within {s['tolerance_rel']:g}"
    if status == Status.WITHIN_GAP.value and isinstance(s.get("gap_requested"), float):
        return f"within_gap: stopped at the requested gap {s['gap_requested']:g}, not proven optimal"
    return str(status)


def _bases_words(s: dict[str, object]) -> str:
    if s.get("bases_requested") is None:
        return "any number of" if s.get("model") == "cflp" else "fewest"
    return f"at most {s['bases_requested']}" if s.get("model") == "cflp" else str(s["bases_requested"])


def format_text(s: dict[str, object]) -> str:
    """A readable summary for the terminal."""
    lines = [
        f"{s['case']}: model {s['model']}, "
        f"{_bases_words(s)} bases, "
        f"{s['minutes']:g}-minute reach, "
        f"need = {s['need_weighting']}",
        f"solver {s['solver']}: {_status_words(s)}" + (f" (objective {s['objective']:.6g}, bound {s['bound']:.6g}, "
                                                  f"gap {gap_percent(s['gap'])})"
                                                  if isinstance(s["gap"], float) and s["gap"] == s["gap"] else "")
        + ("" if s["verified"] else "  [NOT VERIFIED]"),
    ]
    if s["status"] in (Status.INFEASIBLE.value, Status.ERROR.value):
        lines.append(f"  {s['message']}")
        return "\n".join(lines)
    lines.append(f"bases kept ({len(s['bases'])}): {', '.join(s['bases'])}")  # type: ignore[arg-type]
    lost = s.get("uncoverable_areas")
    if isinstance(lost, list) and lost:
        lines.append(f"areas no site can cover within {s['minutes']:g} minutes, left out ({len(lost)}): "
                     + ", ".join(map(str, lost[:20])) + (", ... (all in summary.json)" if len(lost) > 20 else ""))
    if "need_covered_share" in s:
        lines.append(f"need covered: {_pct(s['need_covered_share'])} of {s['need_total']:,.0f}; "
                     f"worst travel {s['worst_minutes']:.1f} min, need-weighted mean {s['mean_minutes']:.1f} min")
    travel = s.get("travel")
    if isinstance(travel, dict):  # the library facade's travel source and its error band
        water = travel.get("open_water_pairs")
        lines.append(f"travel times: {travel.get('estimator') or travel.get('source')}, {travel.get('error_band')}"
                     + (f"; {water:,} area-site pairs under 60 km cross open water" if water else ""))
    plan = s.get("plan_in_hand")
    if isinstance(plan, dict):
        lines.append(f"plan in hand '{plan['name']}' ({len(plan['bases'])} bases): need covered "
                     f"{_pct(plan['need_covered_share'])}; worst travel {plan['worst_minutes']:.1f} min")
    vs = s.get("versus_plan_in_hand")
    if isinstance(vs, dict):
        lines.append(versus_text(vs, minutes=float(s["minutes"])))  # type: ignore[arg-type]
    if "by_district" in s:
        lines.append("")
        header = f"{'district':32s} {'bases':>5s} {'need':>8s} {'covered':>8s}"
        if isinstance(plan, dict):
            header += f" {'plan':>8s}"
        lines.append(header)
        plan_rows = {r["district"]: r for r in plan["by_district"]} if isinstance(plan, dict) else {}
        for r in s["by_district"]:  # type: ignore[attr-defined]
            row = f"{r['district']:32s} {r['bases']:5d} {r['weight']:8,.0f} {_pct(r['share']):>8s}"
            if plan_rows:
                row += f" {_pct(plan_rows[r['district']]['share']):>8s}"
            lines.append(row)
        plan_classes = {r["area_class"]: r for r in plan["by_class"]} if isinstance(plan, dict) else {}
        for r in s.get("by_class", []):  # type: ignore[attr-defined]
            row = f"{r['area_class'] + ' areas':32s} {'':5s} {r['weight']:8,.0f} {_pct(r['share']):>8s}"
            if r["area_class"] in plan_classes:
                row += f" {_pct(plan_classes[r['area_class']]['share']):>8s}"
            lines.append(row)
    fac = s.get("facility")
    if isinstance(fac, dict) and "total_gbp" in fac:
        lines.append(f"annual cost £{fac['total_gbp']:,.0f}: {fac['bases']} bases £{fac['opening_gbp']:,.0f}, "
                     f"travel £{fac['travel_gbp']:,.0f} at £{fac['travel_gbp_per_minute']:g} per unit of need "
                     "per minute a year")
    elif isinstance(fac, dict):
        lines.append(f"need covered at least once: {_pct(fac['need_covered_once_share'])}; at least twice: "
                     f"{_pct(fac['need_covered_twice_share'])}")
    extra = equity_and_rules_text(s)
    return "\n".join(lines) + ("\n" + extra if extra else "")


def equity_and_rules_text(s: dict[str, object]) -> str:
    """The rules and equity lines of a summary (empty when it has neither)."""
    lines = rules_text(s)
    eq = equity_from_dict(s.get("equity"))
    if eq is not None:
        plan = s.get("plan_in_hand")
        plan_eq = equity_from_dict(plan.get("equity")) if isinstance(plan, dict) else None
        lines += ["", equity_text(eq, plan_eq, plan_name=str(plan["name"]) if isinstance(plan, dict) else "plan")]
    return "\n".join(lines)


def rules_text(s: dict[str, object]) -> list[str]:
    """Terminal lines for the ``rules`` part of a summary."""
    r = s.get("rules")
    if not isinstance(r, dict):
        return []
    lines = [f"rules: {r['name']} ({r['description']})"]
    cost = r.get("cost")
    if isinstance(cost, dict):
        lines.append(f"  what the rules cost: objective {cost['objective_with_rules']:.6g} with them, "
                     f"{cost['objective_without_rules']:.6g} without ({cost['status_without_rules']}); "
                     f"without them the optimum keeps {len(cost['ruled_out_bases_without_rules'])} "
                     f"site(s) the rules rule out"
                     + (f": {', '.join(cost['ruled_out_bases_without_rules'])}"
                        if cost["ruled_out_bases_without_rules"] else ""))
    for f in r.get("flagged_bases") or []:
        lines.append(f"  flagged base {f['id']}: {f['why']}")
    for f in r.get("plan_in_hand_excluded") or []:
        lines.append(f"  plan in hand keeps {f['id']}, which the rules rule out: {f['why']}")
    return lines


def equity_from_dict(d: object) -> Equity | None:
    """An :class:`Equity` back from its ``as_dict`` form (``None`` if absent)."""
    if not isinstance(d, dict):
        return None

    def groups(key: str) -> tuple[GroupEquity, ...]:
        return tuple(GroupEquity(str(g["group"]), int(g["areas"]), float(g["need"]), float(g["covered_share"]),
                                 float(g["mean_minutes"]), float(g["worst_minutes"])) for g in d.get(key) or [])

    return Equity(float(d["minutes"]), groups("by_idaci_quintile"), groups("by_rural_urban_class"),
                  str(d.get("quintile_note", "")))


def versus_text(v: dict[str, object], *, minutes: float) -> str:
    """One line for the terminal."""
    d = float(v["need_covered_difference"])  # type: ignore[arg-type]
    m = float(v["mean_minutes_difference"])  # type: ignore[arg-type]
    share = float(v["need_covered_share_optimum_better"])  # type: ignore[arg-type]
    return (f"optimum against the plan in hand: {d:+,.0f} need within {minutes:g} min "
            f"({v['need_covered_verdict']}: better in {share:.0%} of draws), "
            f"mean travel {m:+.1f} min ({v['mean_minutes_verdict']}); significant only if better in 95% of "
            "travel-time draws")
