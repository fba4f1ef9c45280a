"""``siting map`` and ``siting report`` end to end, and their bad-input behaviour (one line, exit 2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from map_testdata import SWEEP_BASES, addresses
from PIL import Image

from scenarios.cli import cli

REPO = Path(__file__).resolve().parents[2]


def invoke(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, list(args))
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, res.output


def test_map_of_a_result_folder(result_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "maps" / "map.html"
    code, text = invoke("map", str(result_dir), "-o", str(out))
    assert code == 0, text
    assert "538 areas as polygons, 15 bases, 38 closed sites" in text
    page = out.read_text(encoding="utf-8")
    assert addresses(page) == set()
    assert out.stat().st_mode & 0o044  # readable by others, like any file the user writes (umask 022)


def test_map_of_the_embedded_case_solved_on_the_fly(tmp_path: Path) -> None:
    out = tmp_path / "map.html"
    code, text = invoke("map", "norfolk", "--bases", "7", "--minutes", "25", "--mode", "catchment", "-o", str(out))
    assert code == 0, text
    assert "7 bases" in text
    assert '"mode":"catchment"' in out.read_text(encoding="utf-8")


@pytest.mark.slow
def test_map_of_a_scenario_file(tmp_path: Path) -> None:
    scenario = REPO / "scenarios" / "norfolk.yaml"
    if not scenario.is_file():
        pytest.skip("no scenarios/norfolk.yaml")
    out = tmp_path / "map.html"
    code, text = invoke("map", str(scenario), "-o", str(out))
    assert code == 0, text
    assert "15 bases" in text and out.is_file()


@pytest.mark.slow
def test_map_of_a_scenario_with_polygon_areas_uses_them(tmp_path: Path, boundaries: object) -> None:
    """Areas given as a polygon file (ids unknown to the packaged boundaries) are drawn as those polygons."""
    import geopandas as gpd
    import pandas as pd

    from scenarios import norfolk

    d = pd.read_csv(norfolk.data_dir() / "lsoa11_demand.csv")
    g = gpd.GeoDataFrame(boundaries).merge(d, left_on="id", right_on="lsoa11cd")
    g["area"] = "X" + g["lsoa11cd"]
    g[["area", "lsoa11nm", "lad19nm", "ruc11", "pop2020_age0_4", "idaci2019_score", "geometry"]].to_file(
        tmp_path / "areas.gpkg", driver="GPKG")
    (tmp_path / "s.yaml").write_text(
        "name: polygons\n"
        "demand:\n  file: areas.gpkg\n"
        "  columns: {id: area, name: lsoa11nm, district: lad19nm, ruc: ruc11, children_0_4: pop2020_age0_4,"
        " idaci: idaci2019_score}\n"
        f"sites:\n  file: {norfolk.data_dir() / 'childrens_centres_2019.csv'}\n"
        "  columns: {id: centre_id, kind: building}\n"
        "model: {name: mclp, bases: 9, minutes: 20}\n")
    out = tmp_path / "map.html"
    code, text = invoke("map", str(tmp_path / "s.yaml"), "-o", str(out))
    assert code == 0, text
    assert "538 areas as polygons, 9 bases" in text


def test_map_with_tiles_names_only_the_tile_server(result_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "map.html"
    code, text = invoke("map", str(result_dir), "--tiles", "osm", "-o", str(out))
    assert code == 0, text
    assert {a for a in addresses(out.read_text(encoding="utf-8")) if "openstreetmap.org" not in a} == set()


def test_report_writes_the_page_and_the_png(sweep_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, text = invoke("report", str(sweep_dir), "-o", str(out))
    assert code == 0, text
    assert f"{len(SWEEP_BASES)} solutions" in text
    assert out.stat().st_size < 10_000_000
    png = tmp_path / "report_curves.png"
    with Image.open(png) as img:
        assert img.format == "PNG" and img.size[0] > 1000
        colours = img.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 20


@pytest.mark.parametrize(("args", "message"), [
    (["map", "{sweep}"], "this is a sweep folder: use 'siting report'"),
    (["map", "/no/such/place"], "not a result folder, a scenario file"),
    (["map", "{result}", "--bases", "3"], "--bases: --bases and --minutes apply to an embedded case"),
    (["map", "{result}", "--tiles", "google"], "Invalid value for '--tiles'"),
    (["report", "{result}"], "results.csv: file not found"),
    (["report", "{sweep}", "--case", "suffolk"], "--case: no case 'suffolk' in the sweep; cases: norfolk"),
])
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str, result_dir: Path, sweep_dir: Path,
                                          tmp_path: Path) -> None:
    argv = [a.format(sweep=sweep_dir, result=result_dir) for a in args] + ["-o", str(tmp_path / "x.html")]
    code, text = invoke(*argv)
    assert code == 2, text
    assert message in text
    assert not (tmp_path / "x.html").exists()


def test_broken_result_folder_names_file_line_and_field(result_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "r"
    shutil.copytree(result_dir, folder)
    lines = (folder / "bases.csv").read_text().splitlines()
    header = lines[0].split(",")
    row = lines[3].split(",")
    row[header.index("lat")] = "north"
    lines[3] = ",".join(row)
    (folder / "bases.csv").write_text("\n".join(lines) + "\n")
    code, text = invoke("map", str(folder), "-o", str(tmp_path / "x.html"))
    assert code == 2
    assert text.strip() == f"siting: error: {folder / 'bases.csv'}, line 4, field 'lat': not a number: 'north'"
