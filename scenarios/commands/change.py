"""``siting change CASE``: the best bases to close, or to add, from the plan in hand, the rest kept fixed."""

from __future__ import annotations

from pathlib import Path

import click

from scenarios.cases import load_case
from scenarios.cli import user_errors
from scenarios.closure_run import error_minutes
from scenarios.limits import MINUTES, TIME_LIMIT_S, check_value
from scenarios.output import atomic_dir, check_out_dir, write_json
from siting.change import Change, best_change, change_table
from siting.closure import Measure
from siting.domain import Case
from siting.errors import InputError
from solvers import ModelKind, SolveOptions


def _plan(case: Case, plan_name: str | None, plan_ids: str | None) -> tuple[str, tuple[str, ...]]:
    if plan_name is not None and plan_ids is not None:
        raise InputError("give either --from PLAN or --plan ID,ID,..., not both", source="--plan")
    if plan_ids is not None:
        ids = tuple(s.strip() for s in plan_ids.split(",") if s.strip())
        if not ids:
            raise InputError("expected site ids separated by commas", source="--plan")
        if len(set(ids)) != len(ids):
            dup = next(s for s in ids if ids.count(s) > 1)
            raise InputError(f"site id {dup!r} is listed twice", source="--plan")
        return "given plan", ids
    if plan_name is None:
        if case.plan_in_hand is None:
            raise InputError("the case has no plan in hand; give --plan ID,ID,...", source="--from")
        return case.plan_in_hand.name, case.plan_in_hand.site_ids
    if plan_name not in case.plans:
        raise InputError(f"unknown plan {plan_name!r}; plans: {', '.join(case.plans)}", source="--from")
    return plan_name, case.plans[plan_name].site_ids


def format_change(case: Case, change: Change, plan_name: str, table_text: str) -> str:
    """The terminal text: what was asked, the sites, the change and whether it is significant."""
    m = change.measure
    where = f" in {change.district}" if change.district else ""
    verb = "close" if change.action == "close" else "add"
    b, a = change.before, change.after
    noun = "base" if change.count == 1 else "bases"
    lines = [f"{case.name}: best {change.count} {noun} to {verb}{where} from {plan_name} ({len(b.bases)} bases), "
             f"the rest kept fixed; model {m.model.value}"
             + (f", {m.minutes:g}-minute reach" if m.model is ModelKind.MCLP else f" (coverage at {m.minutes:g} min)"),
             f"solver {a.solver}: {a.status}" + ("" if change.exact else "  [NOT PROVEN OPTIMAL: stopped short]")
             + (f" ({a.message})" if a.message and not a.has_plan else "")]
    if not a.has_plan:
        return "\n".join(lines)
    lines += ["", table_text, ""]
    share = change.need_covered_change / b.need_covered if b.need_covered else float("nan")
    lines.append(f"need within {m.minutes:g} min: {b.need_covered:,.0f} -> {a.need_covered:,.0f} "
                 f"({change.need_covered_change:+,.0f}, {100 * share:+.1f}%); need-weighted mean travel "
                 f"{b.mean_minutes:.1f} -> {a.mean_minutes:.1f} min ({change.mean_minutes_change:+.1f})")
    from siting.change import significance_rule

    lines.append(f"{'significant' if change.significant else 'NOT significant'}: {significance_rule(m)}")
    return "\n".join(lines)


@click.command("change")
@click.argument("case")
@click.option("--close", "close_count", type=int, default=None, help="Close the best K bases of the plan.")
@click.option("--add", "add_count", type=int, default=None, help="Add the best K sites to the plan.")
@click.option("--from", "plan_name", default=None, help="Plan in hand by name (default: the case's).")
@click.option("--plan", "plan_ids", default=None, help="Plan in hand as site ids: BR01,BR02,...")
@click.option("--district", default=None, help="Close or add only within this district.")
@click.option("--keep", multiple=True, help="Base of the plan that must not close (repeatable).")
@click.option("--model", type=click.Choice(["mclp", "pmedian"]), default="mclp", show_default=True,
              help="mclp: need within --minutes; pmedian: need-weighted mean minutes.")
@click.option("--minutes", type=float, default=20.0, show_default=True, help="Travel-time limit for coverage.")
@click.option("--need", default="children", show_default=True, help="Need weighting: children, idaci, deprived.")
@click.option("--solver", default="auto", show_default=True)
@click.option("--time-limit", "time_limit_s", type=float, default=None, help="Solver time limit, seconds.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for summary.json and changes.csv.")
@user_errors
def command(case: str, close_count: int | None, add_count: int | None, plan_name: str | None,
            plan_ids: str | None, district: str | None, keep: tuple[str, ...], model: str, minutes: float,
            need: str, solver: str, time_limit_s: float | None, out_dir: Path | None) -> None:
    """The best K bases to close (--close K) or to add (--add K) from a plan of CASE, exactly, the rest fixed."""
    if (close_count is None) == (add_count is None):
        raise InputError("give exactly one of --close K or --add K", source="--close/--add")
    count = close_count if close_count is not None else add_count
    if count is None or count < 1:
        raise InputError(f"K must be at least 1, got {count}", source="--close" if close_count is not None else "--add")
    if keep and add_count is not None:
        raise InputError("--keep is for --close (with --add every base of the plan stays)", source="--keep")
    if out_dir is not None:
        check_out_dir(out_dir)
    minutes = check_value(MINUTES, minutes, source="--minutes")
    if time_limit_s is not None:
        time_limit_s = check_value(TIME_LIMIT_S, time_limit_s, source="--time-limit")
    c, matrix = load_case(case, need=need)
    name, plan = _plan(c, plan_name, plan_ids)
    measure = Measure(model=ModelKind(model), minutes=minutes, error_minutes=error_minutes(c))
    change = best_change(c, matrix, plan=plan, measure=measure, close=close_count or 0, add=add_count or 0,
                         district=district, keep=keep, solver=solver,
                         options=SolveOptions(time_limit_s=time_limit_s))
    table = change_table(c, matrix, change)
    shown = table.assign(need_only_it_reaches=table["need_only_it_reaches"].map("{:,.0f}".format),
                         mean_minutes_without_it=table["mean_minutes_without_it"].map("{:.1f}".format))
    text = format_change(c, change, name, shown.to_string(index=False) if len(table) else "(no change)")
    if out_dir is not None:
        with atomic_dir(out_dir) as tmp:
            write_json(tmp / "summary.json", {"case": c.name, "need_weighting": need, "plan": name,
                                              **change.as_dict()})
            table.to_csv(tmp / "changes.csv", index=False)
    click.echo(text)
    if out_dir is not None:
        click.echo(f"\nwritten to {out_dir}/")
