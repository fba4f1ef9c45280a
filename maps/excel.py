"""The report's tables as an Excel workbook (openpyxl): rounded for people, labelled with units.

Sheets: ``Jobs`` (one row per job of the sweep), ``Solutions`` (each solution beside the plan in
hand), ``Districts`` (need covered by district, every solution, and the plan in hand) and ``About``
(source, provenance, what the columns mean). Values are rounded (shares to 0.1 of a point, minutes
to 0.1, need and money to whole units) and carry a number format, so they read as in the report;
full precision stays in the sweep's CSV and JSON files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

import siting
from maps.report import plan_shares
from maps.results import Sweep, coverage_by

#: Column kinds: (number format, decimal places kept).
KINDS: dict[str, tuple[str, int]] = {
    "text": ("@", 0), "int": ("#,##0", 0), "need": ("#,##0", 0), "minutes": ("0.0", 1), "share": ("0.0%", 3),
    "gap": ("0.00%", 4), "seconds": ("0.00", 2), "gbp": ("£#,##0", 0), "hours": ("#,##0", 0),
}
HEADER_FILL = PatternFill("solid", fgColor="E8ECF4")


def _value(x: object, kind: str) -> object:
    """``x`` rounded for its kind (``None`` when missing), text as text (no formula is ever written)."""
    if kind == "text":
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return None
        s = str(x)
        return "'" + s if s.startswith(("=", "+", "-", "@")) else s
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(v):
        return None
    digits = KINDS[kind][1]
    return round(v) if digits == 0 else round(v, digits)


def _sheet(wb: Workbook, title: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[object]]) -> Worksheet:
    ws = wb.create_sheet(title)
    ws.append([label for label, _ in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append([_value(x, kind) for x, (_, kind) in zip(row, columns, strict=True)])
    for k, (label, kind) in enumerate(columns, start=1):
        letter = get_column_letter(k)
        for cell in ws[letter][1:]:
            cell.number_format = KINDS[kind][0]
        longest = max([len(label) // 2 + 2] + [len(str(c.value or "")) + 2 for c in ws[letter][1:]])
        ws.column_dimensions[letter].width = min(max(longest, 9), 48)
    ws.freeze_panes = "B2"
    return ws


def report_workbook(sweep: Sweep, path: Path, *, title: str) -> None:
    """Write the workbook of ``sweep`` to ``path`` (see the module docstring)."""
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    r = sweep.results
    job_cols: list[tuple[str, str]] = [
        ("Job", "text"), ("Model", "text"), ("Bases", "int"), ("Travel-time limit (minutes)", "minutes"),
        ("Status", "text"), ("Objective", "need"), ("Gap (share of bound)", "gap"),
        ("Need covered (share)", "share"), ("Worst travel (minutes)", "minutes"),
        ("Worst rural travel (minutes)", "minutes"), ("Frontline share of budget", "share"),
        ("Contact hours a year", "hours"), ("Solve time (seconds)", "seconds")]
    keys = ["job_id", "model", "bases", "minutes", "status", "objective", "gap", "need_covered_share",
            "worst_minutes", "worst_rural_minutes", "frontline_share", "contact_hours", "solve_seconds"]
    _sheet(wb, "Jobs", job_cols, [[row.get(k) for k in keys] for row in r.to_dict("records")])

    sols = sweep.solutions
    plan = sols[0][1].plan_in_hand
    sol_cols: list[tuple[str, str]] = [
        ("Solution", "text"), ("Bases", "int"), ("Travel-time limit (minutes)", "minutes"),
        ("Need covered (children x need)", "need"), ("Need covered (share)", "share"),
        ("Mean travel, need-weighted (minutes)", "minutes"), ("Worst travel (minutes)", "minutes"),
        ("Worst rural travel (minutes)", "minutes"), ("Sites kept", "text")]
    rows: list[list[Any]] = []
    for job, sol in sols:
        s = sol.summary
        rows.append([job, sol.n_bases, sol.minutes, s.get("need_covered"), s.get("need_covered_share"),
                     s.get("mean_minutes"), s.get("worst_minutes"), s.get("worst_rural_minutes"),
                     ", ".join(map(str, s.get("bases", [])))])
    if plan:
        rows.append([f"Plan in hand: {plan.get('name', '')}", len(plan.get("bases", [])), sols[0][1].minutes,
                     plan.get("need_covered"), plan.get("need_covered_share"), plan.get("mean_minutes"),
                     plan.get("worst_minutes"), plan.get("worst_rural_minutes"),
                     ", ".join(map(str, plan.get("bases", [])))])
    _sheet(wb, "Solutions", sol_cols, rows)

    shares = []
    heads = []
    for job, sol in sols:
        frame = coverage_by(sol, "district")
        shares.append({str(d): v for d, v in zip(frame["district"], frame["share"], strict=True)})
        heads.append((f"{job}: {sol.n_bases} bases (share covered)", "share"))
    plan_rows = plan_shares([s for _, s in sols], "district")
    if plan and plan_rows:
        shares.append({d: row.get("share") for d, row in plan_rows.items()})
        heads.append((f"Plan in hand {plan.get('name', '')} (share covered)", "share"))
    districts = sorted({d for x in shares for d in x})
    _sheet(wb, "Districts", [("District", "text"), *heads], [[d, *[x.get(d) for x in shares]] for d in districts])

    about = wb.create_sheet("About")
    for line in (title, f"sweep folder {sweep.folder.name}", str(sols[0][1].summary.get("provenance", "")),
                 f"siting {siting.__version__}",
                 "Need = children aged 0-4 x need weight. Covered = nearest kept base within the travel-time limit.",
                 "Values are rounded for reading; full precision is in the sweep's results.csv and summary.json files.",
                 "Differences smaller than the travel-time error (about 2.8 minutes) are not significant."):
        about.append([_value(line, "text")])
    about.column_dimensions["A"].width = 110
    wb.save(path)
