"""``siting explore`` from a scenario file's solve, from the result folder of ``siting run`` and from a sweep folder.

The scenario is a user's own data (Norwich's 83 LSOAs and its 7 children's centres in files beside
the scenario, not the embedded case) with a non-integer limit (10.5 minutes). Every optimum the
page carries is checked against brute force over all plans of that size; the page opens on the
scenario's solution; a folder whose data changed since it was solved is refused in one line; in
Chromium the distance to the optimum shows at 10.5 minutes and the figures equal the Python evaluator's.
"""

from __future__ import annotations

import itertools
import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from scenarios import norfolk
from scenarios.cli import cli
from scenarios.scenario_file import load_scenario
from scenarios.scenario_inputs import prepare
from siting.coverage import evaluate

MINUTES = 10.5


@pytest.fixture(scope="module")
def norwich(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user-data scenario: Norwich's LSOAs and its 7 children's centres, 3 bases within 10.5 minutes."""
    folder = tmp_path_factory.mktemp("norwich")
    data = folder / "data"
    data.mkdir()
    areas = pd.read_csv(norfolk.data_dir() / "lsoa11_demand.csv")
    areas[areas["lad19nm"] == "Norwich"].to_csv(data / "areas.csv", index=False)
    centres = pd.read_csv(norfolk.data_dir() / "childrens_centres_2019.csv")
    centres[centres["district"] == "Norwich"].to_csv(data / "centres.csv", index=False)
    path = folder / "norwich.yaml"
    path.write_text(textwrap.dedent(f"""
        name: norwich
        demand:
          file: data/areas.csv
          columns: {{id: lsoa11cd, children_0_4: pop2020_age0_4, district: lad19nm, lon: pwc_lon, lat: pwc_lat,
                    ruc_code: ruc11cd, idaci: idaci2019_score}}
        sites:
          file: data/centres.csv
          columns: {{id: centre_id, kind: building}}
        plan: {{name: three, sites: [NW01, NW02, NW03]}}
        model: {{name: mclp, bases: 3, minutes: {MINUTES}}}
        outputs: {{folder: results/norwich}}
        """).lstrip(), encoding="utf-8")
    return path


def invoke(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, list(args))
    return res.exit_code, res.output


def page_data(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="ex-data">(.*?)</script>', text, re.S)
    assert m is not None
    return dict(json.loads(m.group(1)))


def brute_force(norwich: Path) -> tuple[Any, Any, dict[int, float]]:
    prep = prepare(load_scenario(norwich))
    case, matrix = prep.case, prep.matrix
    best = {p: max(evaluate(case, matrix, combo, minutes=MINUTES).need_covered
                   for combo in itertools.combinations(case.sites.ids, p)) for p in range(1, len(case.sites) + 1)}
    return case, matrix, best


def check_page(data: dict[str, Any], case: Any, matrix: Any, best: dict[int, float]) -> None:
    ids = data["sites"]["ids"]
    assert ids == list(case.sites.ids) and len(data["areas"]["ids"]) == len(case.demand) == 83
    assert data["minutes"] == MINUTES
    assert list(data["optima"]) == ["10.5"]  # the key the page looks up (maps.explorer_data.minutes_key)
    optima = data["optima"]["10.5"]
    assert sorted(optima, key=int) == [str(p) for p in range(1, 8)]
    for p, o in optima.items():
        kept = [ids[j] for j in o["bases"]]
        assert len(kept) == int(p)
        assert o["covered"] == pytest.approx(best[int(p)], rel=1e-12)
        assert evaluate(case, matrix, kept, minutes=MINUTES).need_covered == pytest.approx(best[int(p)], rel=1e-12)
    initial = [ids[j] for j in data["initial"]]  # the page opens on the scenario's solution: an optimum
    assert len(initial) == 3
    assert evaluate(case, matrix, initial, minutes=MINUTES).need_covered == pytest.approx(best[3], rel=1e-12)
    assert data["planInHand"]["name"] == "three"
    assert [ids[j] for j in data["planInHand"]["bases"]] == ["NW01", "NW02", "NW03"]


def test_explore_a_scenario_file_its_run_and_its_sweep(norwich: Path, tmp_path: Path) -> None:
    case, matrix, best = brute_force(norwich)
    code, out = invoke("explore", str(norwich), "-o", str(tmp_path / "scenario.html"))
    assert code == 0, out
    assert "83 areas, 7 sites" in out
    from_scenario = page_data(tmp_path / "scenario.html")
    check_page(from_scenario, case, matrix, best)
    assert not (norwich.parent / "results").exists()  # exploring a scenario writes only the page

    code, out = invoke("run", str(norwich), "--out", str(tmp_path / "run"))
    assert code == 0, out
    code, out = invoke("explore", str(tmp_path / "run"), "-o", str(tmp_path / "run.html"))
    assert code == 0, out
    from_run = page_data(tmp_path / "run.html")
    check_page(from_run, case, matrix, best)
    assert from_run["initial"] == from_scenario["initial"]

    code, out = invoke("sweep", str(norwich), "--bases", "2:3", "--scheduler", "none", "--out", str(tmp_path / "sw"))
    assert code == 0, out
    code, out = invoke("explore", str(tmp_path / "sw"), "-o", str(tmp_path / "sweep.html"))
    assert code == 0, out
    from_sweep = page_data(tmp_path / "sweep.html")
    check_page(from_sweep, case, matrix, best)
    assert [s["label"] for s in from_sweep["solutions"]] == ["mclp 2 bases, 10.5 min", "mclp 3 bases, 10.5 min"]

    # the data changed since the run: refused in one line (nothing written), or a warning when allowed
    areas = norwich.parent / "data" / "areas.csv"
    original = areas.read_text()
    try:
        areas.write_text(original.replace("\n", "\n", 1) + "\n")
        code, out = invoke("explore", str(tmp_path / "run"), "-o", str(tmp_path / "changed.html"))
        assert code == 2 and len(out.strip().splitlines()) == 1, out
        assert "--allow-changed-data" in out and not (tmp_path / "changed.html").exists()
        code, out = invoke("explore", str(tmp_path / "run"), "-o", str(tmp_path / "changed.html"),
                           "--allow-changed-data")
        assert code == 0 and "warning" in out, out
    finally:
        areas.write_text(original)


@pytest.mark.browser
def test_page_of_a_scenario_shows_the_distance_at_10_5_minutes(norwich: Path, tmp_path: Path, browser: Any) -> None:
    from maps.explorer_data import reference_figures

    code, out = invoke("explore", str(norwich), "-o", str(tmp_path / "page.html"))
    assert code == 0, out
    prep = prepare(load_scenario(norwich))
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "blob:", "about:"))
            else outside.append(r.url))
    page.goto((tmp_path / "page.html").as_uri())
    page.wait_for_function("window.explorer !== undefined && window.explorer.figures !== null")
    f = page.evaluate("window.explorer.figures")
    assert f["minutes"] == MINUTES and f["optimum"] is not None
    assert page.inner_text('[data-fig="gap"]') == "0.0 pts"  # the scenario's solution is the optimum
    page.click("#ex-reset-plan")  # the scenario's plan in hand: NW01-NW03, short of the optimum
    f = page.evaluate("window.explorer.figures")
    ids = [prep.case.sites.ids[j] for j in f["bases"]]
    assert ids == ["NW01", "NW02", "NW03"]
    opt = f["optimum"]
    ref = reference_figures(prep.case, prep.matrix, ids, minutes=MINUTES)
    assert f["need_covered"] == pytest.approx(ref.coverage.need_covered, rel=1e-12)
    assert opt is not None and opt["short"] == pytest.approx(opt["covered"] - ref.coverage.need_covered, rel=1e-12)
    assert page.inner_text('[data-fig="gap"]') == f"{100 * opt['short'] / f['need_total']:.1f} pts"
    assert "no optimum" not in page.inner_text('[data-fig="gap-need"]')
    assert outside == []
    page.close()


@pytest.mark.browser
def test_page_of_a_scenario_with_rules(tmp_path: Path, browser: Any) -> None:
    """``siting explore scenarios/norfolk.yaml``: the council's rules rule sites out of the page and bind the optima."""
    from siting.problems import allowed_sites, build_problem
    from solvers import solve

    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "norfolk.yaml"
    code, out = invoke("explore", str(scenario), "-o", str(tmp_path / "page.html"))
    assert code == 0, out
    data = page_data(tmp_path / "page.html")
    prep = prepare(load_scenario(scenario))
    case, matrix, rules = prep.case, prep.matrix, prep.request.rules
    allowed = allowed_sites(case, rules)
    assert data["sites"]["canBase"] == [int(x) for x in allowed] and sum(allowed) < sum(case.sites.can_be_base)
    ruled = next(j for j, sid in enumerate(case.sites.ids) if sid in rules.excluded)
    assert data["sites"]["why"][ruled].startswith("ruled out: ")
    assert "suitable" in data["rules"]
    optima = data["optima"]["20"]
    low, high = min(map(int, optima)), max(map(int, optima))
    assert (low, high) == (15, int(sum(allowed)))  # fewer than 15 bases break the per-district minimums
    r = solve(build_problem(case, matrix, model="mclp", bases=16, minutes=20.0, rules=rules))
    assert optima["16"]["covered"] == pytest.approx(evaluate(case, matrix, [case.sites.ids[j] for j in r.selected],
                                                             minutes=20.0).need_covered, rel=1e-12)
    # a shared address naming a ruled-out site: left out, and said so
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    sid = case.sites.ids[ruled]
    page.goto((tmp_path / "page.html").as_uri() + f"#bases=NW01,{sid}&minutes=20")
    page.wait_for_function("window.explorer !== undefined && window.explorer.figures !== null")
    assert page.evaluate("window.explorer.figures.bases.map(j => window.explorer.d.sites.ids[j])") == ["NW01"]
    assert f"cannot be bases left out: {case.sites.frame['name'].iloc[ruled]} ({sid})" in page.inner_text("#ex-message")
    page.locator(f'.leaflet-marker-icon[data-site="{ruled}"]').dispatch_event("click")  # a click does not keep it
    assert "cannot be a base (ruled out: " in page.inner_text("#ex-message")
    assert page.evaluate("window.explorer.figures.bases.length") == 1
    page.close()
