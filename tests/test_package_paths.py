"""A resolved scenario records package data relative to the package, so it reproduces on another machine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from scenarios import package_paths
from scenarios.cli import cli
from scenarios.package_paths import from_record, package_root, to_record

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "norfolk.yaml"


def test_records_are_relative_to_the_package_and_read_back_elsewhere(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    data = package_root() / "scenarios" / "data" / "norfolk" / "budget_2019.csv"
    assert to_record(data) == "package:scenarios/data/norfolk/budget_2019.csv"
    assert from_record(to_record(data)) == data
    mine = tmp_path / "mine.csv"
    assert to_record(mine) == str(mine.resolve()) and from_record(str(mine)) == mine  # the user's files stay put
    other = tmp_path / "site-packages"  # the same package installed somewhere else
    monkeypatch.setattr(package_paths, "package_root", lambda: other)
    assert from_record("package:scenarios/data/norfolk/budget_2019.csv") == (
        other / "scenarios" / "data" / "norfolk" / "budget_2019.csv")


def test_resolved_scenario_reproduces_from_another_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "first"
    res = CliRunner().invoke(cli, ["run", str(SCENARIO), "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = (out / "scenario.resolved.yaml").read_text(encoding="utf-8")
    prov = yaml.safe_load(text)["provenance"]
    assert prov["checksums"] and all(k.startswith("package:scenarios/data/") for k in prov["checksums"])
    assert prov["source_scenario"] == "package:scenarios/norfolk.yaml"
    body = "\n".join(line for line in text.splitlines() if "command:" not in line)
    assert str(package_root()) not in body  # no path into this installation's package
    moved = tmp_path / "elsewhere" / "copy.resolved.yaml"  # the copy travels; it is run from another folder
    moved.parent.mkdir()
    shutil.copy(out / "scenario.resolved.yaml", moved)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    res = CliRunner().invoke(cli, ["run", str(moved), "--out", "again"])
    assert res.exit_code == 0, res.output
    first = json.loads((out / "summary.json").read_text())
    again = json.loads((cwd / "again" / "summary.json").read_text())
    assert again["objective"] == first["objective"] and again["bases"] == first["bases"]
    assert yaml.safe_load((cwd / "again" / "scenario.resolved.yaml").read_text())["provenance"]["checksums"] == (
        prov["checksums"])
