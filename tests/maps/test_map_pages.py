"""Maps and reports without a browser: content, escaping, geometry, sizes and bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely
from map_testdata import (
    HOSTILE_AREA,
    HOSTILE_CLOSED,
    HOSTILE_DISTRICT,
    HOSTILE_PLAN,
    HOSTILE_SITE,
    HOSTILE_TITLE,
    SWEEP_BASES,
    addresses,
)

from maps import charts, curves, geometry, styles
from maps.coverage_map import coverage_map_html
from maps.html import any_table, esc, script_json
from maps.report import report_html
from maps.results import read_result, read_sweep
from siting.errors import InputError

HOSTILE = (HOSTILE_SITE, HOSTILE_CLOSED, HOSTILE_AREA, HOSTILE_DISTRICT, HOSTILE_PLAN, HOSTILE_TITLE)
MB = 1_000_000


@pytest.fixture(scope="module")
def map_page(result_dir: Path, boundaries: Any) -> str:
    return coverage_map_html(read_result(result_dir), boundaries, title=HOSTILE_TITLE)


@pytest.fixture(scope="module")
def report_page(sweep_dir: Path, boundaries: Any) -> str:
    return report_html(read_sweep(sweep_dir), boundaries, title=HOSTILE_TITLE)


def view_data(page: str) -> dict[str, Any]:
    """The JSON handed to ``sitingMap`` in the page."""
    m = re.search(r"data: (\{.*\})\n\s*\}\);", page)
    assert m, "sitingMap call not found"
    return json.loads(m.group(1))


# --- escaping -----------------------------------------------------------------------------------------------


def test_esc_neutralises_markup_quotes_and_template_literals() -> None:
    text = esc(HOSTILE_CLOSED + HOSTILE_SITE + "'\"")
    assert not set(text) & set("<>`$\"'")
    assert esc(None) == "" and esc(float("nan")) == ""


def test_script_json_cannot_close_a_script_element() -> None:
    text = script_json({"a": HOSTILE_AREA, "b": "\u2028"})
    assert "<" not in text and ">" not in text and "\u2028" not in text
    assert json.loads(text)["a"] == HOSTILE_AREA


@pytest.mark.parametrize("page_name", ["map_page", "report_page"])
def test_no_hostile_text_reaches_the_page_raw(page_name: str, request: pytest.FixtureRequest) -> None:
    page = request.getfixturevalue(page_name)
    for text in HOSTILE:
        assert text not in page, f"raw {text!r} in the page"
    for fragment in ("<img src=x", "alert(1)>", "${alert(3)}", "`);alert(2)", "<script>alert(4)", "<b>Norfolk</b>",
                     "<i>2019</i>", "<u>15</u>", "<b>buildings</b>"):
        assert fragment not in page, f"raw {fragment!r} in the page"
    assert "&lt;img src=x onerror=alert(1)&gt;" in page or "\\u0026lt;img src=x" in page


def test_any_table_escapes_keys_and_values() -> None:
    html = any_table({"<k>": "<v>", "rows": [{"a": 1, "<b>": "<c>"}], "n": 3250000.0})
    assert "<k>" not in html and "<v>" not in html and "<b>" not in html and "<c>" not in html
    assert "3,250,000" in html


# --- the map page -------------------------------------------------------------------------------------------


def test_map_page_is_self_contained_and_small(map_page: str) -> None:
    assert addresses(map_page) == set()
    assert "<script src" not in map_page and "<link " not in map_page
    assert len(map_page.encode()) < 3 * MB


def test_map_page_data_match_the_result(map_page: str, result_dir: Path) -> None:
    data = view_data(map_page)
    sol = read_result(result_dir)
    assert len(data["solutions"]) == 1
    s = data["solutions"][0]
    assert len(s["baseLabels"]) == 15 == sol.n_bases
    assert len(s["areaBase"]) == len(data["need"]["cls"]) == 538
    assert sum(s["areaCovered"]) == int(sol.areas["covered"].sum())
    # every area's nearest base, as an index into the solution's bases, is the one in areas.csv
    ids = sol.bases["id"].tolist()
    assert [ids[k] for k in s["areaBase"]] == sol.areas["base_id"].tolist()
    assert len(data["sites"]) == 53
    kept = {data["sites"][i]["tip"] for i in s["kept"]}
    assert kept == {esc(n) for n in sol.bases["name"]}
    assert map_page.count("siting-site siting-plan") == 15  # the plan in hand's bases (folium markers)
    assert "Staff hours" in map_page  # the outreach model's column, shown when present


def test_catchments_that_touch_get_different_colours(map_page: str, result_dir: Path, boundaries: Any) -> None:
    data = view_data(map_page)
    sol = read_result(result_dir)
    geo, missing = geometry.display_areas(boundaries, sol.areas["id"].tolist())
    assert missing == []
    pairs = geometry.neighbours(geo)
    s = data["solutions"][0]
    base, colour = s["areaBase"], s["baseColours"]
    clashes = [(i, j) for i, j in pairs if base[i] != base[j] and colour[base[i]] == colour[base[j]]]
    assert clashes == []


def test_catchment_colouring_on_a_small_graph() -> None:
    # four catchments in a ring a-b-c-d-a plus a chord a-c: needs three colours
    area_base = ["a", "b", "c", "d"]
    pairs = np.array([[0, 1], [1, 2], [2, 3], [0, 3], [0, 2]])
    colours = geometry.catchment_colours(area_base, pairs, ["r", "g", "b"])
    for i, j in pairs:
        assert colours[area_base[i]] != colours[area_base[j]]
    assert geometry.catchment_colours(area_base, pairs, ["r", "g"])  # too few colours: still a colour each


def test_display_geometry_is_simplified_rounded_and_complete(boundaries: Any) -> None:
    ids = boundaries["id"].tolist()
    geo, missing = geometry.display_areas(boundaries, ids)
    assert missing == [] and len(geo) == 538 and geo["id"].tolist() == ids
    raw = int(shapely.get_num_coordinates(np.asarray(boundaries.geometry.values)).sum())
    drawn = int(shapely.get_num_coordinates(np.asarray(geo.geometry.values)).sum())
    assert drawn < 0.7 * raw
    assert geo.is_valid.all()
    fc = json.dumps(geometry.feature_collection(geo, [{} for _ in ids]))
    assert not re.search(r"\d\.\d{6,}", fc), "coordinates are rounded to 5 decimals"
    # the simplified areas still tile the county: total area within 1% of the original
    a0 = boundaries.to_crs(27700).area.sum()
    a1 = geo.to_crs(27700).area.sum()
    assert abs(a1 / a0 - 1) < 0.01
    outlines = geometry.district_outlines(geo, ["x" if k < 100 else "y" for k in range(len(geo))])
    assert outlines["district"].tolist() == ["x", "y"]


def test_areas_without_boundaries_are_drawn_as_discs(result_dir: Path, boundaries: Any) -> None:
    sol = read_result(result_dir)
    assert sol.area_points is not None
    part = boundaries.iloc[:500]
    geo, missing = geometry.display_areas(part, sol.areas["id"].tolist(), points=sol.area_points)
    assert missing == [] and len(geo) == 538
    page = coverage_map_html(sol, None)  # no boundaries at all: every area a disc
    assert len(view_data(page)["need"]["cls"]) == 538


def test_need_classes_and_labels() -> None:
    values = np.arange(1, 101, dtype=float)
    breaks = styles.nice_breaks(values)
    assert breaks == [21.0, 41.0, 60.0, 80.0]
    assert styles.classify([1, 21, 22, 100], breaks) == [0, 0, 1, 4]
    assert styles.class_labels([10.0, 20.0]) == ["up to 10", "10–20", "over 20"]
    assert styles.minutes_breaks(20) == [10, 20, 30, 40]


def test_tiles_only_when_asked(result_dir: Path, boundaries: Any) -> None:
    page = coverage_map_html(read_result(result_dir), boundaries, tiles="osm")
    assert "tile.openstreetmap.org" in page
    assert {a for a in addresses(page) if "openstreetmap.org" not in a} == set()


# --- the report page ----------------------------------------------------------------------------------------


def test_report_is_self_contained_and_under_10_mb(report_page: str, map_page: str) -> None:
    assert addresses(report_page) == set()
    size = len(report_page.encode())
    assert size < 10 * MB
    # The geometry and the sites are in the page once; each further solution adds little, so that a
    # sweep of 150 solutions (5 to 30 bases x 3 limits x 2 models) still stays under 10 MB.
    per_solution = (size - len(map_page.encode())) / (len(SWEEP_BASES) - 1)
    assert size + 147 * per_solution < 10 * MB, f"{per_solution / 1000:.0f} kB per solution"


def test_report_has_one_solution_per_solved_job(report_page: str, sweep_dir: Path) -> None:
    data = view_data(report_page)
    assert [len(s["baseLabels"]) for s in data["solutions"]] == list(SWEEP_BASES)
    assert data["initial"] == len(SWEEP_BASES) - 1  # the most bases first
    for k in range(len(SWEEP_BASES)):
        assert f'data-solution-panel="{k}"' in report_page
        assert f'data-solution-point="{k}"' in report_page
        assert f'<option value="{k}"' in report_page
    assert [len(s["kept"]) for s in data["solutions"]] == list(SWEEP_BASES)
    assert "mclp-b002-m20" in report_page and ">error<" in report_page  # the failed job is listed
    assert "Budget split" in report_page and "3,250,000" in report_page and "62.0%" in report_page


def test_curves_match_results(sweep_dir: Path) -> None:
    sweep = read_sweep(sweep_dir)
    panels = {p.key: p for p in curves.panels(sweep)}
    assert set(panels) == {"coverage", "worst", "frontline"}
    cov = panels["coverage"]
    r = pd.read_csv(sweep_dir / "results.csv").dropna(subset=["need_covered_share"])
    assert cov.curves[0].x == [float(b) for b in SWEEP_BASES]
    assert cov.curves[0].y == pytest.approx(r.sort_values("bases")["need_covered_share"].tolist())
    assert cov.curves[0].solution == [0, 1, 2]
    assert [m.label for m in cov.marks] == ["plan in hand"] and cov.marks[0].x == 15
    svg = charts.line_chart(cov)
    assert svg.startswith("<svg") and svg.count("data-solution-point=") == 3
    assert cov.y_label in svg


def test_nice_ticks() -> None:
    assert charts.nice_ticks(5, 15) == [4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0]
    assert charts.nice_ticks(0, 1) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]


# --- bad input ----------------------------------------------------------------------------------------------


def test_missing_file_names_it(tmp_path: Path, result_dir: Path) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "summary.json").write_text((result_dir / "summary.json").read_text())
    with pytest.raises(InputError, match=r"areas\.csv: file not found"):
        read_result(folder)


def test_bad_covered_value_names_line_and_field(tmp_path: Path, result_dir: Path) -> None:
    import shutil

    folder = tmp_path / "r"
    shutil.copytree(result_dir, folder)
    areas = pd.read_csv(folder / "areas.csv", dtype=str)
    areas.loc[4, "covered"] = "maybe"
    areas.to_csv(folder / "areas.csv", index=False)
    with pytest.raises(InputError, match=r"areas\.csv, line 6, field 'covered': expected true or false"):
        read_result(folder)


def test_multi_case_sweep_needs_a_case(tmp_path: Path, sweep_dir: Path) -> None:
    import shutil

    folder = tmp_path / "s"
    shutil.copytree(sweep_dir, folder)
    r = pd.read_csv(folder / "results.csv")
    r.loc[0, "case"] = "suffolk"
    r.to_csv(folder / "results.csv", index=False)
    with pytest.raises(InputError, match="choose one with --case"):
        read_sweep(folder)
    assert len(read_sweep(folder, case="norfolk").solutions) == 2


def test_report_opens_on_the_plan_in_hands_count() -> None:
    from types import SimpleNamespace

    from maps.report import initial_solution

    plan = {"bases": ["a"] * 15}
    sols = [SimpleNamespace(n_bases=n, plan_in_hand=plan) for n in (5, 10, 15, 20, 25)]
    assert initial_solution(sols) == 2  # type: ignore[arg-type]
    near = [SimpleNamespace(n_bases=n, plan_in_hand=plan) for n in (5, 14, 16, 25)]
    assert initial_solution(near) == 2  # type: ignore[arg-type]  # 14 and 16 tie: the larger
    none = [SimpleNamespace(n_bases=n, plan_in_hand=None) for n in (5, 25, 10)]
    assert initial_solution(none) == 1  # type: ignore[arg-type]  # no plan: the most bases
