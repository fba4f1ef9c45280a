"""``siting solve norfolk`` end to end, and its bad-input behaviour."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from scenarios.cli import cli


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scenarios", *args], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("run") / "out"
    res = CliRunner().invoke(cli, ["solve", "norfolk", "--bases", "15", "--minutes", "20", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out, res.output


def test_outputs_written(solved: tuple[Path, str]) -> None:
    out, text = solved
    assert {p.name for p in out.iterdir()} >= {"bases.csv", "areas.csv", "solution.gpkg", "summary.json"}
    s = json.loads((out / "summary.json").read_text())
    for key in ("model", "solver", "status", "objective", "bound", "gap", "bases", "need_covered_share",
                "by_district", "plan_in_hand"):
        assert key in s
    assert s["status"] == "optimal" and s["gap"] == 0.0 and len(s["bases"]) == 15
    # the optimum is never worse than the plan in hand under the same measure
    assert s["need_covered_share"] >= s["plan_in_hand"]["need_covered_share"]
    assert s["plan_in_hand"]["name"] == "council_2019" and len(s["plan_in_hand"]["bases"]) == 15
    assert abs(s["need_covered_share"] - s["objective"] / s["need_total"]) < 1e-9
    areas = pd.read_parquet(out / "areas.parquet")  # full precision, the engine's names
    assert len(areas) == 538 and areas["weight"].sum() == 44201
    people = pd.read_csv(out / "areas.csv")  # rounded for people, units in the names
    assert list(people["id"]) == list(areas["id"]) and people["need_children"].sum() == 44201
    assert (people["minutes_to_base"] - areas["base_minutes"]).abs().max() <= 0.05 + 1e-9
    assert (people["minutes_to_base"] * 10 - (people["minutes_to_base"] * 10).round()).abs().max() < 1e-6
    bases = pd.read_csv(out / "bases.csv")
    assert sorted(bases["id"]) == sorted(s["bases"])
    assert {d["district"] for d in s["by_district"]} == set(areas["district"])
    assert "bases kept (15)" in text and "plan in hand 'council_2019'" in text


def test_need_only_here_is_what_closing_loses(norfolk_case) -> None:  # type: ignore[no-untyped-def]
    from siting.coverage import evaluate

    case, matrix = norfolk_case
    plan = list(case.plans["council_2019"].site_ids)
    full = evaluate(case, matrix, plan, minutes=20)
    for _, row in full.per_base.head(5).iterrows():
        without = evaluate(case, matrix, [b for b in plan if b != row["id"]], minutes=20)
        assert full.need_covered - without.need_covered == pytest.approx(row["need_only_here"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["solve", "nowhere"], "unknown case 'nowhere'"),
        (["solve", "norfolk", "--bases", "50"], "50 bases asked for but only 49 sites can be bases"),
        (["solve", "norfolk", "--bases", "0"], "at least 1"),
        (["solve", "norfolk", "--bases", "x"], "--bases: expected a whole number"),
        (["solve", "norfolk", "--keep", "ZZ99"], "unknown site id 'ZZ99'"),
        (["solve", "norfolk", "--need", "wealth"], "unknown need weighting 'wealth'"),
        (["solve", "norfolk", "--minutes", "-5"], "--minutes: Input should be greater than 0"),
        (["solve", "norfolk", "--bases", "3", "--keep", "NW01", "--keep", "NW02", "--keep", "BR01", "--keep", "BR02"],
         "the council rules need at least 15 bases"),
        (["solve", "norfolk", "--bases", "20"], "the council rules allow at most 19 bases"),
        (["solve", "norfolk", "--keep", "BR04"], "'BR04' cannot be kept under the council rules: unsuitable"),
        (["solve", "norfolk", "--rules", "none", "--allow-limited"], "--allow-limited: goes with --rules council"),
        (["solve", "norfolk", "--min-per-district", "Norwich=x"], "--min-per-district: expected N or DISTRICT=N"),
        (["solve", "norfolk", "--min-per-district", "Nowhere=1"], "unknown district 'Nowhere'"),
        (["solve", "norfolk", "--min-per-district", "2", "--min-per-district", "3"], "every district' given twice"),
        (["solve", "norfolk", "--rules", "none", "--bases", "3", "--keep", "NW01", "--keep", "NW02", "--keep", "BR01",
          "--keep", "BR02"],
         "the site rules need at least 4 bases (the per-district minimums; 4 site(s) must be kept)"),
    ],
)
def test_bad_input_exit_2_one_line_no_output(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "out"
    res = run_cli(*args, "--out", str(out))
    assert res.returncode == 2, res.stderr
    assert message in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
