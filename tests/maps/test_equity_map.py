"""Equity in the map (area popups, the solution's folded table) and in the report's solution panel."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from maps.equity_table import equity_table_html
from maps.report import _module, _panel_data
from maps.results import read_result
from scenarios.cli import cli


def test_map_and_report_show_equity(tmp_path: Path) -> None:
    out = tmp_path / "o"
    res = CliRunner().invoke(cli, ["solve", "norfolk", "--out", str(out)])
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    res = CliRunner().invoke(cli, ["map", str(out), "-o", str(tmp_path / "m.html")])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert "Equity by deprivation and rurality" in html and "Rural-urban class" in html
    assert "IDACI quintile (of the case" in html
    table = equity_table_html(summary)
    for key in ("by_idaci_quintile", "by_rural_urban_class"):
        for g, p in zip(summary["equity"][key], summary["plan_in_hand"]["equity"][key], strict=True):
            row = f"<td>{100 * g['covered_share']:.1f}%</td><td>{g['mean_minutes']:.1f}</td>"
            plan = f"<td>{100 * p['covered_share']:.1f}%</td><td>{p['mean_minutes']:.1f}</td>"
            assert row in table and plan in table
    panel = str(_module().panel(_panel_data(0, "job", read_result(out), None, initial=0, plan_rows={},
                                            plan_classes={})))
    assert table in panel and "Equity by deprivation" not in panel  # the table once, not folded in the headline
    assert equity_table_html({}) == ""
