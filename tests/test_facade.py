"""The library facade (siting.solve / siting.evaluate / Solution) on Suffolk, and its checks on entry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import LineString, Point

import siting
from siting.errors import InputError

COLUMNS = siting.examples.SUFFOLK_COLUMNS


@pytest.fixture(scope="module")
def suffolk() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    return siting.examples.suffolk()


@pytest.fixture(scope="module")
def solved(suffolk: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> siting.Solution:
    demand, libraries = suffolk
    return siting.solve(demand, libraries, bases=15, minutes=20, columns=COLUMNS)


def test_suffolk_in_eight_lines_equals_the_command_line(solved: siting.Solution, tmp_path: Path) -> None:
    """The issue's exercise: a few lines of public API, no import from scenarios; the CLI gives the same answer."""
    from scenarios.cli import cli

    siting.examples.copy_to("suffolk", tmp_path / "data")
    mapping = ",".join(f"{k}={v}" for k, v in siting.examples.SUFFOLK_FILE_COLUMNS.items())
    res = CliRunner().invoke(cli, ["solve", "--demand", str(tmp_path / "data" / "lsoa_demand.csv"), "--sites",
                                   str(tmp_path / "data" / "libraries.csv"), "--column", mapping, "--bases", "15",
                                   "--minutes", "20", "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    cli_summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert solved.status == "optimal" and cli_summary["status"] == "optimal"
    assert sorted(cli_summary["bases"]) == sorted(solved.base_ids)
    assert cli_summary["need_covered_share"] == pytest.approx(solved.need_covered_share, abs=1e-12)
    assert cli_summary["objective"] == pytest.approx(solved.summary["objective"], abs=1e-9)
    assert cli_summary["by_district"] == solved.summary["by_district"]


def test_solution_layers_and_figures_recomputed(solved: siting.Solution,
                                                suffolk: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    demand, _ = suffolk
    assert len(solved.bases) == 15 and len(solved.areas) == 441 and len(solved.sites) == 45
    assert str(solved.bases.crs) == str(solved.areas.crs) == "EPSG:4326"
    assert solved.summary["metric_crs"] == "EPSG:27700"
    # need covered recomputed from the areas layer: weight of areas within 20 min of their base
    a = solved.areas
    w = a["weight"].to_numpy()
    assert float(w[a["base_minutes"].to_numpy() <= 20].sum() / w.sum()) == pytest.approx(solved.need_covered_share)
    assert solved.summary["objective"] == pytest.approx(float(w[a["covered"].to_numpy()].sum()))
    # every line joins an area's point to its base's point
    line = solved.lines.iloc[0]
    base_pt = solved.bases.set_index("id").geometry[line["base_id"]]
    assert isinstance(line.geometry, LineString)
    assert Point(line.geometry.coords[-1]).distance(base_pt) < 1e-9
    # the rural-urban class mapped from ONS codes (ruc: ruc11cd): both classes, nothing defaulted
    classes = {r["area_class"]: r for r in solved.summary["by_class"]}  # type: ignore[union-attr]
    rural_codes = demand["ruc11cd"].str[0].isin(["D", "E", "F"])
    assert set(classes) == {"rural", "urban"}
    assert classes["rural"]["weight"] == pytest.approx(float(demand.loc[rural_codes, "pop2020_age0_4"].sum()))
    # libraries carry no district: joined from the areas, so the district table counts the 15 bases
    assert sum(r["bases"] for r in solved.summary["by_district"]) == 15  # type: ignore[union-attr]
    assert "unknown" not in set(solved.sites["district"])
    assert solved.summary["travel"]["estimator"] == "England straight-line estimator"  # type: ignore[index]
    assert 0 < solved.summary["travel"]["heldout_mae_minutes"] < 10  # type: ignore[index]


def test_any_crs_in_results_in_that_crs(suffolk: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
                                        solved: siting.Solution) -> None:
    demand, libraries = suffolk
    sol = siting.solve(demand.to_crs("EPSG:3857"), libraries.to_crs("EPSG:27700"), bases=15, minutes=20,
                       columns=COLUMNS)
    assert str(sol.areas.crs) == "EPSG:3857" and str(sol.bases.crs) == "EPSG:27700"
    assert sorted(sol.base_ids) == sorted(solved.base_ids)


def test_evaluate_measures_a_plan_as_solve_does(suffolk: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
                                                solved: siting.Solution) -> None:
    demand, libraries = suffolk
    plan = [str(i) for i in libraries["id"].head(15)]
    given = siting.evaluate(demand, libraries, plan, minutes=20, columns=COLUMNS)
    compared = siting.solve(demand, libraries, bases=15, minutes=20, columns=COLUMNS, plan=plan)
    assert given.status == "given"
    assert compared.summary["plan_in_hand"]["need_covered_share"] == pytest.approx(  # type: ignore[index]
        given.need_covered_share)
    assert given.need_covered_share <= solved.need_covered_share + 1e-12  # the optimum is at least as good


def test_polygons_give_catchments(suffolk: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    demand, libraries = suffolk
    poly = demand.to_crs("EPSG:27700")
    poly = poly.set_geometry(poly.geometry.buffer(300))
    sol = siting.solve(poly, libraries, bases=5, minutes=20, columns=COLUMNS)
    assert set(sol.areas.geom_type) == {"Polygon"}
    assert sol.catchments is not None and len(sol.catchments) == len(set(sol.areas["base_id"].dropna()))
    assert sol.catchments["weight"].sum() == pytest.approx(sol.areas["weight"].sum())


def test_to_folder_and_explore(solved: siting.Solution, tmp_path: Path) -> None:
    out = solved.to_folder(tmp_path / "result")
    assert json.loads((out / "summary.json").read_text())["bases"] == solved.summary["bases"]
    assert (out / ".siting-output").exists() and (out / "solution.gpkg").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("years")
    with pytest.raises(InputError, match="not written by siting"):
        solved.to_folder(mine)
    fmap = solved.explore()
    html = fmap.get_root().render()
    from maps.offline import external_urls

    assert type(fmap).__name__ == "Map" and external_urls(html) == []
    with pytest.raises(InputError, match="map backend"):
        solved.explore(backend="no.such.module:draw")


def _tiny(crs: str = "EPSG:4326", *, lon: float = 1.15, lat: float = 52.06) -> tuple[Any, Any]:
    d = gpd.GeoDataFrame({"id": ["A", "B", "C"], "children_0_4": [10.0, 20.0, 5.0]},
                         geometry=[Point(lon, lat), Point(lon + 0.05, lat), Point(lon, lat + 0.05)], crs=crs)
    s = gpd.GeoDataFrame({"id": ["S1", "S2"]}, geometry=[Point(lon, lat), Point(lon + 0.05, lat + 0.02)], crs=crs)
    return d, s


@pytest.mark.parametrize(("change", "words"), [
    (lambda d, s: (d.drop(columns="id"), s), "field 'id': missing column"),
    (lambda d, s: (d.assign(children_0_4=[1.0, np.nan, 2.0]), s), "field 'children_0_4': missing count (row 1)"),
    (lambda d, s: (d.assign(children_0_4=[1.0, -3.0, 2.0]), s), "field 'children_0_4': count -3 is below 0"),
    (lambda d, s: (d.assign(id=["A", "B", "A"]), s), "field 'id': duplicate id 'A'"),
    (lambda d, s: (d.iloc[:0], s), "demand: the frame is empty"),
    (lambda d, s: (d.set_crs(None, allow_override=True), s), "has no CRS"),
    (lambda d, s: (d, s.to_crs("EPSG:27700").buffer(50).to_frame("geometry").assign(id=["S1", "S2"])),
     "geometry is a Polygon, points needed (row 0)"),
    (lambda d, s: (d, s.assign(id=["S1", "S1"])), "sites, field 'id': duplicate id 'S1'"),
])
def test_frames_checked_on_entry(change: Any, words: str) -> None:
    d, s = change(*_tiny())
    with pytest.raises(InputError) as err:
        siting.solve(d, s, bases=1, minutes=20)
    assert words in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(("columns", "words"), [
    ({"ruc_class": "x"}, "unknown demand column key 'ruc_class'"),
    ({"childs": "x"}, "did you mean 'children_0_4'"),
    ({"ruc": "ruc11cd"}, "column 'ruc11cd' (mapped from 'ruc') is not in the table"),
    ({"lon": "x"}, "has no effect here"),
    ({"rural": "id", "ruc_code": "id"}, "'ruc_code' has no effect when 'rural' is mapped"),
])
def test_mappings_that_would_mislead_are_errors(columns: dict[str, str], words: str) -> None:
    d, s = _tiny()
    with pytest.raises(InputError) as err:
        siting.solve(d, s, bases=1, minutes=20, columns=columns)
    assert words in str(err.value)


def test_missing_optional_columns_are_unknown_everywhere() -> None:
    d, s = _tiny()
    sol = siting.solve(d, s, bases=1, minutes=20)
    assert [r["area_class"] for r in sol.summary["by_class"]] == ["unknown"]  # type: ignore[union-attr]
    assert [r["district"] for r in sol.summary["by_district"]] == ["unknown"]  # type: ignore[union-attr]
    assert set(sol.areas["area_class"]) == {"unknown"} and "urban" not in sol.text


def test_south_america_refused_by_the_estimate_and_solved_with_a_matrix() -> None:
    d, s = _tiny(lon=-58.4, lat=-34.6)  # Buenos Aires
    with pytest.raises(InputError, match="demand area 'A' lies outside England"):
        siting.solve(d, s, bases=1, minutes=20)
    minutes = pd.DataFrame({"demand_id": ["A", "B", "C", "A"], "site_id": ["S1", "S1", "S1", "S2"],
                            "minutes": [1.0, 30.0, 25.0, 8.0]})
    sol = siting.solve(d, s, bases=1, minutes=20, travel=siting.Matrix(minutes))
    assert sol.summary["metric_crs"] == "EPSG:32721"  # UTM 21S, not British National Grid
    assert sol.base_ids == ["S1"] and sol.summary["objective"] == pytest.approx(10.0)  # only A within 20 min
    assert str(sol.areas.crs) == "EPSG:4326"
    assert sol.areas.set_index("id").loc["B", "base_minutes"] == pytest.approx(30.0)  # nearest kept base
