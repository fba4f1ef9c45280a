"""Scenario files: schema, line-precise errors, relative paths, sites by postcode, plans, and CLI behaviour."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from scenarios.cli import cli
from scenarios.scenario_file import load_scenario
from scenarios.scenario_inputs import prepare, prepare_all
from siting.errors import InputError

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def error_of(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        prepare_all(load_scenario(path))
    return info.value


def test_shipped_scenarios_load_and_prepare() -> None:
    for name in ("norfolk.yaml", "norfolk_plan_vs_optimum.yaml"):
        sc = load_scenario(SCENARIOS / name)
        (prep,) = prepare_all(sc)
        assert prep.matrix.shape == (538, 53)
        assert prep.case.plan_in_hand is not None and prep.case.plan_in_hand.name == "council_2019"
        assert prep.request.model == "mclp" and prep.request.bases == 15 and prep.request.minutes == 20
    eng = load_scenario(SCENARIOS / "england_all.yaml")
    assert eng.spec.demand.england is not None and eng.spec.demand.england.authority == "all"


def test_unknown_key_names_key_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, """
        demand: {case: norfolk}
        model:
          name: mclp
          basis: 15
        """)
    err = error_of(path)
    assert err.row == 4 and err.field == "model.basis"
    assert str(err).startswith(f"{path}, line 4, field 'model.basis': unknown key 'basis' (did you mean 'bases'?)")


def test_wrong_type_names_key_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, """
        # a comment
        demand: {case: norfolk}

        model:
          name: mclp
          minutes: 20
          bases: fifteen
        """)
    err = error_of(path)
    assert (err.row, err.field) == (7, "model.bases")
    assert "valid integer" in str(err) and "'fifteen'" in str(err)


def test_missing_file_names_key_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, """
        name: user-data
        demand:
          file: data/areas.csv
        sites:
          file: data/sites.csv
        """)
    err = error_of(path)
    assert (err.row, err.field) == (3, "demand.file")
    assert "file not found" in str(err) and str(tmp_path / "data" / "areas.csv") in str(err)


def test_unknown_site_in_list_names_the_item_line(tmp_path: Path) -> None:
    path = write(tmp_path, """
        demand: {case: norfolk}
        constraints:
          must_keep:
            - NW01
            - XX99
        """)
    err = error_of(path)
    assert (err.row, err.field) == (5, "constraints.must_keep[1]") and "unknown site id 'XX99'" in str(err)


@pytest.mark.parametrize(("text", "row", "field", "words"), [
    ("demand: {case: norfolk}\nneed: poverty\n", 2, "need", "'children', 'idaci' or 'deprived'"),
    ("need: children\nmodel: {bases: 3}\n", 1, "demand", "missing required key 'demand'"),
    ("demand: {case: norfolk}\ndemand: {case: norfolk}\n", 2, "demand", "duplicate key 'demand'"),
    ("demand: {case: norfolk, england: {authority: Norfolk}}\n", 1, "demand", "exactly one of"),
    ("demand: {england: {authority: Norflok}}\n", 1, "demand.england.authority", "did you mean 'Norfolk'"),
    ("demand: {case: norfolk}\nplan: {name: x, sitez: [BR01]}\n", 2, "plan.sitez", "unknown key 'sitez'"),
    ("demand: {case: norfolk}\nconstraints:\n  min_per_district: {Norwich: 1, Nowhere: 2}\n", 3,
     "constraints.min_per_district.Nowhere", "unknown district 'Nowhere'"),
    ("demand: {case: norfolk}\nmodel: {name: mcl}\n", 2, "model.name", "unknown model 'mcl'"),
    ("demand: {case: norfolk}\nsolver: {name: gurobi}\n", 2, "solver.name", "unknown solver 'gurobi'"),
    ("demand: {case: norfolk}\nplan: council_2020\n", 2, "plan", "unknown plan 'council_2020'"),
    ("demand: {case: norfolk}\ntravel: {source: matrix}\n", 2, "travel", "needs 'file'"),
])
def test_malformed_files(tmp_path: Path, text: str, row: int, field: str, words: str) -> None:
    err = error_of(write(tmp_path, text))
    assert (err.row, err.field) == (row, field), str(err)
    assert words in str(err)


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    err = error_of(write(tmp_path, "demand: {case: norfolk}\nmodel:\n  bases: [3\n  name: x\n"))
    assert err.row is not None and err.row >= 3 and "invalid YAML" in str(err)


def test_toml_scenarios_with_lines(tmp_path: Path) -> None:
    good = write(tmp_path, '[demand]\ncase = "norfolk"\n\n[model]\nname = "mclp"\nbases = 7\n', "ok.toml")
    assert prepare_all(load_scenario(good))[0].request.bases == 7
    bad = write(tmp_path, '[demand]\ncase = "norfolk"\n\n[model]\nname = "mclp"\nbases = "x"\n', "bad.toml")
    err = error_of(bad)
    assert (err.row, err.field) == (6, "model.bases")


def test_user_files_relative_paths_postcodes_and_plan_file(tmp_path: Path) -> None:
    """Demand and sites from user files (resolved against the scenario's folder), sites by postcode, a plan file."""
    from scenarios import norfolk

    data = tmp_path / "data"
    data.mkdir()
    raw = pd.read_csv(norfolk.data_dir() / "lsoa11_demand.csv")
    raw[raw["lad19nm"] == "Norwich"].rename(columns={"lsoa11cd": "LSOA", "pop2020_age0_4": "under5"}).to_csv(
        data / "areas.csv", index=False)
    pd.DataFrame({"site_id": ["A", "B", "C"], "postcode": ["NR1 1AA", "NR1 1AR", "NR1 1AA"],
                  "kind": ["building"] * 3}).to_csv(data / "sites.csv", index=False)
    pd.DataFrame({"site_id": ["A", "C"]}).to_csv(data / "plan.csv", index=False)
    path = write(tmp_path, """
        demand:
          file: data/areas.csv
          columns: {id: LSOA, children_0_4: under5, lon: pwc_lon, lat: pwc_lat, district: lad19nm,
                    x_m: pwc_easting, y_m: pwc_northing}
        sites: {file: data/sites.csv, columns: {id: site_id}}
        plan: {name: ours, file: data/plan.csv}
        model: {bases: 2}
        """)
    prep = prepare(load_scenario(path))
    assert len(prep.case.demand) == int((raw["lad19nm"] == "Norwich").sum())
    assert prep.case.sites.ids == ["A", "B", "C"]
    assert set(prep.case.sites.frame["district"]) == {"Norwich"}  # nearest area's district
    assert prep.case.plan_in_hand is not None and prep.case.plan_in_hand.site_ids == ("A", "C")
    assert str(data / "areas.csv") in {str(p) for p in prep.data_files}
    # the same sites inline by postcode, one unknown: the error names the item's line
    bad = write(tmp_path, """
        demand: {case: norfolk}
        sites:
          by_postcode:
            - {id: A, postcode: NR1 1AA}
            - {id: B, postcode: ZZ9 9ZZ}
        """, "pc.yaml")
    err = error_of(bad)
    assert (err.row, err.field) == (5, "sites.by_postcode[1].postcode") and "unknown postcode 'ZZ9 9ZZ'" in str(err)


def test_england_authority_case() -> None:
    from scenarios import england

    a = england.find_authority("e10000020")
    case = england.load(a)
    assert a.name == "Norfolk" and len(case.demand) == 538 and len(case.sites) == 47
    # split authorities keep their libraries (Northamptonshire 2016 -> North and West Northamptonshire)
    assert england.library_count(england.find_authority("North Northamptonshire")) > 5
    assert england.library_count(england.find_authority("West Northamptonshire")) > 5


def test_cli_bad_scenario_exit_2_and_nothing_written(tmp_path: Path) -> None:
    path = write(tmp_path, "demand: {case: norfolk}\nmodel: {name: mclp, bases: 15, minutess: 20}\n")
    out = tmp_path / "out"
    for args in (["run", str(path), "--out", str(out)],
                 ["sweep", str(path), "--bases", "5:7", "--out", str(out), "--scheduler", "none"],
                 ["alternatives", str(path), "--out", str(out)]):
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == 2, res.output
        assert "line 2, field 'model.minutess': unknown key 'minutess'" in res.output
        assert len(res.output.strip().splitlines()) == 1
        assert not out.exists()
    res = CliRunner().invoke(cli, ["run", str(tmp_path / "nope.yaml")])
    assert res.exit_code == 2 and "file not found" in res.output
