"""``siting run`` with its auditable copy, ``siting compare`` and ``siting alternatives`` (checked by brute force)."""

from __future__ import annotations

import itertools
import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from scenarios import alternatives, norfolk
from scenarios.cli import cli
from scenarios.scenario_file import load_scenario
from scenarios.scenario_inputs import prepare
from siting.coverage import evaluate

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


@pytest.fixture()
def norwich(tmp_path: Path) -> Path:
    """A small user-data scenario: Norwich's LSOAs and its 7 children's centres, in files beside it."""
    data = tmp_path / "data"
    data.mkdir()
    areas = pd.read_csv(norfolk.data_dir() / "lsoa11_demand.csv")
    areas[areas["lad19nm"] == "Norwich"].to_csv(data / "areas.csv", index=False)
    centres = pd.read_csv(norfolk.data_dir() / "childrens_centres_2019.csv")
    centres[centres["district"] == "Norwich"].to_csv(data / "centres.csv", index=False)
    path = tmp_path / "norwich.yaml"
    path.write_text(textwrap.dedent("""
        name: norwich
        demand:
          file: data/areas.csv
          columns: {id: lsoa11cd, children_0_4: pop2020_age0_4, district: lad19nm, lon: pwc_lon, lat: pwc_lat,
                    ruc_code: ruc11cd, idaci: idaci2019_score}
        sites:
          file: data/centres.csv
          columns: {id: centre_id, kind: building}
        plan: {name: three, sites: [NW01, NW02, NW03]}
        model: {name: mclp, bases: 3, minutes: 10.5}
        outputs: {folder: results/norwich}
        """).lstrip(), encoding="utf-8")
    return path


def invoke(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, list(args))
    return res.exit_code, res.output


def test_run_writes_outputs_and_resolved_copy_that_reproduces(tmp_path: Path) -> None:
    out = tmp_path / "r1"
    code, text = invoke("run", str(SCENARIOS / "norfolk_plan_vs_optimum.yaml"), "--out", str(out))
    assert code == 0, text
    assert {p.name for p in out.iterdir()} >= {"summary.json", "bases.csv", "areas.csv", "solution.gpkg",
                                               "scenario.resolved.yaml", "comparison.txt"}
    first = json.loads((out / "summary.json").read_text())
    assert first["status"] == "optimal" and len(first["bases"]) == 15
    assert first["need_covered_share"] >= first["plan_in_hand"]["need_covered_share"]
    resolved = yaml.safe_load((out / "scenario.resolved.yaml").read_text())
    prov = resolved["provenance"]
    assert resolved["outputs"]["folder"] == str(out.resolve()) and prov["siting_version"]
    assert "package:scenarios/data/norfolk/lsoa11_demand.csv" in prov["checksums"]  # relative to the package
    assert "norfolk" in prov["travel_matrix_sha256"]
    assert "comparison" not in text or "plan in hand 'council_2019'" in text
    comparison = (out / "comparison.txt").read_text()
    # council rules: at 15 bases the minimums (2 per district, 3 in Norwich) fix the count in every district, so
    # the optimum can only swap within Breckland, Great Yarmouth, King's Lynn and North Norfolk (brute force of
    # those 81 plans: tests/test_rules.py)
    assert "kept only by A, closed by B (2)" in comparison and "need covered" in comparison
    assert "closed by both: 2 of 19 candidate sites" in comparison
    # the auditable copy reproduces the result
    code, text = invoke("run", str(out / "scenario.resolved.yaml"), "--out", str(tmp_path / "r2"))
    assert code == 0, text
    again = json.loads((tmp_path / "r2" / "summary.json").read_text())
    assert again["bases"] == first["bases"] and again["objective"] == first["objective"]
    again_resolved = yaml.safe_load((tmp_path / "r2" / "scenario.resolved.yaml").read_text())
    assert again_resolved["provenance"]["checksums"] == prov["checksums"]
    assert again_resolved["provenance"]["source_scenario"] == prov["source_scenario"]


def test_resolved_copy_refuses_changed_data(norwich: Path, tmp_path: Path) -> None:
    code, text = invoke("run", str(norwich))
    assert code == 0, text
    out = norwich.parent / "results" / "norwich"  # outputs.folder, relative to the scenario file
    resolved = out / "scenario.resolved.yaml"
    assert resolved.exists()
    data = yaml.safe_load(resolved.read_text())
    assert data["demand"]["file"] == str(norwich.parent / "data" / "areas.csv")
    areas = norwich.parent / "data" / "areas.csv"
    frame = pd.read_csv(areas)
    children = frame["pop2020_age0_4"].to_numpy(dtype=float, copy=True)
    children[0] += 50
    frame["pop2020_age0_4"] = children
    frame.to_csv(areas, index=False)
    code, text = invoke("run", str(resolved), "--out", str(tmp_path / "again"))
    assert code == 2 and "changed since the result was produced" in text and "--allow-changed-data" in text
    line = next(k for k, t in enumerate(resolved.read_text().splitlines(), start=1) if str(areas) + ":" in t)
    assert f"line {line}, field 'provenance.checksums." in text
    assert not (tmp_path / "again").exists()
    code, text = invoke("run", str(resolved), "--out", str(tmp_path / "again"), "--allow-changed-data")
    assert code == 0 and "warning:" in text


def test_compare_folders_and_scenarios(norwich: Path, tmp_path: Path) -> None:
    assert invoke("run", str(norwich), "--out", str(tmp_path / "a"))[0] == 0
    code, text = invoke("compare", str(tmp_path / "a"), str(norwich), "--csv", str(tmp_path / "sites.csv"))
    assert code == 0, text
    assert "kept only by A, closed by B (0)" in text and "need covered" in text
    sites = pd.read_csv(tmp_path / "sites.csv")
    assert set(sites.columns) == {"site", "name", "A", "B"} and (sites["A"] == sites["B"]).all()
    code, text = invoke("compare", str(tmp_path / "a"), str(tmp_path / "missing"))
    assert code == 2 and "not found" in text


def test_alternatives_match_brute_force(norwich: Path, tmp_path: Path) -> None:
    prep = prepare(load_scenario(norwich))
    case, matrix, request = prep.case, prep.matrix, prep.request
    p, d = 3, 2
    value = {c: evaluate(case, matrix, c, minutes=request.minutes).need_covered
             for c in itertools.combinations(case.sites.ids, p)}
    report = alternatives.near_optimal_plans(case, matrix, request, within=0.5, count=3, min_diff=d)
    # brute force: each plan is the best among those differing from all earlier plans in >= d sites
    chosen: list[tuple[str, ...]] = []
    for plan in report.plans:
        allowed = [c for c in value if all(len(set(c) - set(q)) >= d for q in chosen)]
        assert plan.objective == pytest.approx(max(value[c] for c in allowed))
        assert plan.checked_objective == pytest.approx(value[tuple(sorted(plan.bases, key=case.sites.ids.index))])
        chosen.append(plan.bases)
    assert len(report.plans) >= 2
    best = report.plans[0].objective
    assert best > 0 and len(set(value.values())) > 5  # a real choice, not all ties
    assert all(a.objective >= 0.5 * best for a in report.plans)
    for a, b in itertools.combinations(report.plans, 2):
        assert len(set(a.bases) - set(b.bases)) >= d
    # a tight tolerance stops early, and says why: only plans tying with the optimum are within 0%
    tight = alternatives.near_optimal_plans(case, matrix, request, within=0.0, count=3, min_diff=d)
    assert all(a.objective == pytest.approx(best) for a in tight.plans)
    assert len(tight.plans) < 4 and ("outside 0%" in tight.stopped or "no further plan" in tight.stopped)


def test_alternatives_cli(norwich: Path, tmp_path: Path) -> None:
    out = tmp_path / "alt"
    code, text = invoke("alternatives", str(norwich), "--within", "50%", "--count", "2", "--min-diff", "1",
                        "--out", str(out))
    assert code == 0, text
    table = pd.read_csv(out / "alternatives.csv")
    assert table["plan"].iloc[0] == "optimum" and (table["objective"] == table["checked_objective"]).all()
    assert (out / "optimum" / "summary.json").exists() and (out / "scenario.resolved.yaml").exists()
    assert invoke("alternatives", str(norwich), "--within", "2")[0] == 2
    assert invoke("alternatives", str(norwich), "--min-diff", "9")[0] == 2
