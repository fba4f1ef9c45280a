"""siting.solve for the capacitated, facility-location and backup-coverage models: equal to the command line on the
same files, equal to a brute-force optimum on a tiny instance, and one-line errors for bad options and columns."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy.optimize import linprog

import siting
from siting.errors import InputError

W = np.array([3.0, 5.0, 2.0, 4.0, 6.0, 1.0])  # children in each area
T = np.array([  # minutes, area x site (integers: every comparison is exact)
    [4.0, 12.0, 25.0, 18.0],
    [9.0, 6.0, 14.0, 22.0],
    [16.0, 11.0, 5.0, 13.0],
    [21.0, 17.0, 8.0, 7.0],
    [13.0, 19.0, 12.0, 3.0],
    [7.0, 24.0, 15.0, 10.0],
])
CAP = np.array([10.0, 12.0, 9.0, 11.0])
OPEN_GBP = np.array([100.0, 80.0, 120.0, 90.0])
PRICE = 1.5  # GBP per child-minute
MINUTES = 12.0
AREAS = [f"a{i + 1}" for i in range(len(W))]
SITES = [f"s{j + 1}" for j in range(len(CAP))]


def _frames() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Six areas and four sites near Ipswich (WGS84), sites with capacity and opening-cost columns."""
    rng = np.random.default_rng(7)
    demand = gpd.GeoDataFrame({"id": AREAS, "children_0_4": W},
                              geometry=gpd.points_from_xy(1.1 + rng.uniform(0, 0.2, 6), 52.0 + rng.uniform(0, 0.1, 6)),
                              crs="EPSG:4326")
    sites = gpd.GeoDataFrame({"id": SITES, "places": CAP, "overhead_gbp": OPEN_GBP},
                             geometry=gpd.points_from_xy(1.1 + rng.uniform(0, 0.2, 4), 52.0 + rng.uniform(0, 0.1, 4)),
                             crs="EPSG:4326")
    return demand, sites


def _matrix() -> pd.DataFrame:
    return pd.DataFrame([(a, s, T[i, j]) for i, a in enumerate(AREAS) for j, s in enumerate(SITES)],
                        columns=["demand_id", "site_id", "minutes"])


SITE_COLUMNS = {"capacity": "places", "opening_cost_gbp": "overhead_gbp"}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("facade_models")
    demand, sites = _frames()
    demand.to_file(d / "demand.gpkg")
    sites.to_file(d / "sites.gpkg")
    _matrix().to_csv(d / "minutes.csv", index=False)
    return {"demand": d / "demand.gpkg", "sites": d / "sites.gpkg", "matrix": d / "minutes.csv", "dir": d}


# --- brute force, from the definitions only ---------------------------------------------------------------------

def _assignments(cols: tuple[int, ...], *, allow_none: bool, within: float | None = None,  # type: ignore[no-untyped-def]
                 cap: np.ndarray = CAP):
    """Every single-sourced assignment of the areas to ``cols`` (-1: unserved), within capacities."""
    choices = []
    for i in range(len(W)):
        ok = [j for j in cols if within is None or T[i, j] <= within]
        choices.append(ok + ([-1] if allow_none else []))
    for a in itertools.product(*choices):
        load = np.zeros(len(CAP))
        for i, j in enumerate(a):
            if j >= 0:
                load[j] += W[i]
        if np.all(load <= cap + 1e-9):
            yield a


def brute_cpmedian(p: int, *, cap: np.ndarray = CAP) -> float:
    return min(sum(W[i] * T[i, j] for i, j in enumerate(a))
               for cols in itertools.combinations(range(4), p) for a in _assignments(cols, allow_none=False, cap=cap))


def brute_cmclp(p: int) -> float:
    return max(sum(W[i] for i, j in enumerate(a) if j >= 0)
               for cols in itertools.combinations(range(4), p)
               for a in _assignments(cols, allow_none=True, within=MINUTES))


def brute_cflp(*, single_source: bool, max_open: int = 4, cap: np.ndarray = CAP) -> float:
    """Least annual cost in GBP over every open set: opening costs + PRICE x child-minutes."""
    best = np.inf
    for k in range(1, max_open + 1):
        for cols in itertools.combinations(range(4), k):
            if single_source:
                travel = min((sum(W[i] * T[i, j] for i, j in enumerate(a))
                              for a in _assignments(cols, allow_none=False, cap=cap)), default=np.inf)
            else:  # the transportation LP of the open set: flows f_ij >= 0, each area's children all served
                c = [T[i, j] for i in range(6) for j in cols]
                a_eq = [[1.0 if ii == i else 0.0 for ii in range(6) for _ in cols] for i in range(6)]
                a_ub = [[1.0 if jj == j else 0.0 for _ in range(6) for jj in cols] for j in cols]
                lp = linprog(c, A_ub=a_ub, b_ub=cap[list(cols)], A_eq=a_eq, b_eq=W, bounds=(0, None))
                travel = lp.fun if lp.status == 0 else np.inf
            best = min(best, OPEN_GBP[list(cols)].sum() + PRICE * travel)
    return float(best)


def brute_bclp(p: int, *, require_cover: bool) -> float:
    near = T <= MINUTES
    best = -np.inf
    for cols in itertools.combinations(range(4), p):
        times = near[:, list(cols)].sum(axis=1)
        if require_cover and np.any(near.any(axis=1) & (times == 0)):
            continue
        best = max(best, float(W[times >= 2].sum()))
    return best


# --- facade = command line = brute force ------------------------------------------------------------------------

EIGHT = np.full(4, 8.0)
CASES: list[tuple[str, dict[str, Any], list[str], float]] = [
    ("cpmedian", {"bases": 2}, ["--bases", "2"], brute_cpmedian(2)),
    ("cpmedian", {"bases": 3, "capacity": 7.0}, ["--bases", "3", "--capacity", "7"],
     brute_cpmedian(3, cap=np.full(4, 7.0))),
    ("cmclp", {"bases": 1}, ["--bases", "1"], brute_cmclp(1)),  # 11 of 21: the capacity binds (12 within reach)
    ("cflp", {"travel_gbp_per_minute": PRICE}, ["--travel-gbp-per-minute", "1.5"], brute_cflp(single_source=False)),
    ("cflp", {"travel_gbp_per_minute": PRICE, "capacity": 8.0}, ["--travel-gbp-per-minute", "1.5", "--capacity", "8"],
     brute_cflp(single_source=False, cap=EIGHT)),  # split: 475.50 GBP
    ("cflp", {"travel_gbp_per_minute": PRICE, "capacity": 8.0, "single_source": True},
     ["--travel-gbp-per-minute", "1.5", "--capacity", "8", "--single-source"],
     brute_cflp(single_source=True, cap=EIGHT)),  # single sourcing costs more: 494.00 GBP
    ("bclp", {"bases": 3}, ["--bases", "3"], brute_bclp(3, require_cover=True)),
    ("bclp", {"bases": 2, "require_cover": False}, ["--bases", "2", "--backup-only"],
     brute_bclp(2, require_cover=False)),  # 10 covered twice; with every area covered once, 2 bases give 0
]


def test_the_instance_tells_the_variants_apart() -> None:
    """The tiny instance is chosen so each option changes the optimum (a test that cannot fail is a defect)."""
    assert brute_cmclp(1) < 12.0  # uncapacitated, one site reaches 12 children within 12 minutes
    assert brute_cflp(single_source=False, cap=EIGHT) < brute_cflp(single_source=True, cap=EIGHT)
    assert brute_bclp(2, require_cover=True) < brute_bclp(2, require_cover=False)
    assert brute_cpmedian(2) > brute_cpmedian(2, cap=np.full(4, np.inf))  # the capacities bind


@pytest.mark.parametrize(("model", "options", "flags", "brute"), CASES,
                         ids=[f"{c[0]}-{'-'.join(c[2]).replace('--', '')}" for c in CASES])
def test_facade_equals_command_line_and_brute_force(files: dict[str, Path], model: str, options: dict[str, Any],
                                                    flags: list[str], brute: float) -> None:
    from scenarios.cli import cli

    demand, sites = _frames()
    if "capacity" in options:  # a uniform capacity replaces the column (giving both is an error)
        sites = sites.drop(columns="places")
        site_columns = {"opening_cost_gbp": "overhead_gbp"}
    else:
        site_columns = SITE_COLUMNS
    sol = siting.solve(demand, sites, model=model, minutes=MINUTES, travel=siting.Matrix(files["matrix"]),
                       site_columns=site_columns, **options)
    assert sol.status == "optimal" and sol.summary["verified"] is True
    sites_file = files["sites"]
    if "capacity" in options:
        sites_file = files["dir"] / "sites_no_capacity.gpkg"
        sites.to_file(sites_file)
    mapping = ",".join(f"{k}={v}" for k, v in site_columns.items())
    out = files["dir"] / f"out-{model}-{'-'.join(flags)}"
    res = CliRunner().invoke(cli, ["solve", "--demand", str(files["demand"]), "--sites", str(sites_file),
                                   "--matrix", str(files["matrix"]), "--site-column", mapping, "--model", model,
                                   "--minutes", str(MINUTES), *flags, "--out", str(out)])
    assert res.exit_code == 0, res.output
    cli_summary = json.loads((out / "summary.json").read_text())
    assert cli_summary["status"] == "optimal"
    assert cli_summary["objective"] == pytest.approx(sol.summary["objective"], rel=1e-9)
    assert cli_summary.get("facility") == sol.summary.get("facility")
    assert sorted(cli_summary["bases"]) == sorted(sol.base_ids)
    if model == "cflp":
        facility = sol.summary["facility"]
        assert isinstance(facility, dict)
        assert facility["total_gbp"] == pytest.approx(brute, abs=0.01)
        assert facility["total_gbp"] == pytest.approx(PRICE * float(sol.summary["objective"]), abs=0.01)
        assert facility["opening_gbp"] == pytest.approx(sum(OPEN_GBP[SITES.index(b)] for b in sol.base_ids))
    else:
        assert sol.summary["objective"] == pytest.approx(brute, abs=1e-6)
    if model == "bclp":  # recomputed from the chosen bases: need within MINUTES of two of them
        cols = [SITES.index(b) for b in sol.base_ids]
        twice = float(W[(T[:, cols] <= MINUTES).sum(axis=1) >= 2].sum())
        assert sol.summary["objective"] == pytest.approx(twice)


@pytest.mark.parametrize("at_most", [1, 2, 3])
def test_cflp_bases_caps_the_count(files: dict[str, Path], at_most: int) -> None:
    demand, sites = _frames()
    sol = siting.solve(demand, sites, model="cflp", bases=at_most, site_columns=SITE_COLUMNS,
                       travel_gbp_per_minute=PRICE, travel=siting.Matrix(files["matrix"]))
    best = brute_cflp(single_source=False, max_open=at_most)
    if np.isinf(best):  # no single site holds all 21 children
        assert sol.status == "infeasible"
        return
    assert sol.status == "optimal" and len(sol.base_ids) <= at_most
    assert sol.summary["facility"]["total_gbp"] == pytest.approx(best, abs=0.01)  # type: ignore[index]


# --- bad inputs: one line naming the option, column and row ---------------------------------------------------

@pytest.mark.parametrize(("options", "message"), [
    ({"model": "mclp", "capacity": 5.0}, r"^capacity=: is for the models cflp, cmclp, cpmedian, not mclp$"),
    ({"model": "cpmedian", "opening_cost_gbp": 5.0}, r"^opening_cost_gbp=: is for the model cflp, not cpmedian$"),
    ({"model": "pmedian", "single_source": True}, r"^single_source=: is an option of the cflp model, not of pmedian$"),
    ({"model": "mclp", "require_cover": False}, r"^require_cover=False: is an option of the bclp model, not of mclp$"),
    ({"model": "cpmedian", "capacity": -1.0}, r"^capacity=: must be at least 0, got -1.0$"),
    ({"model": "cpmedian", "capacity": float("nan")}, r"^capacity=: must be a finite number"),
    ({"model": "cflp", "travel_gbp_per_minute": 0.0, "opening_cost_gbp": 1.0}, r"^travel_gbp_per_minute=: must be"),
    ({"model": "cflp", "opening_cost_gbp": 1.0}, r"^model: model cflp needs travel_gbp_per_minute=: the annual"),
    ({"model": "cpmedian"}, r"^model: model cpmedian needs a capacity for every site: a capacity column in the sites"),
    ({"model": "cflp", "travel_gbp_per_minute": 1.0}, r"needs an opening cost for every site"),
    ({"model": "cpmedian", "capacity": 7.0, "site_columns": {"capacity": "places"}},
     r"^capacity=: the sites have a capacity column; give either the column or capacity=, not both$"),
    ({"model": "outreach"}, r"the outreach model runs on the command line"),
])
def test_bad_options_are_one_line_errors(files: dict[str, Path], options: dict[str, Any], message: str) -> None:
    demand, sites = _frames()
    with pytest.raises(InputError, match=message) as err:
        siting.solve(demand, sites, bases=2, travel=siting.Matrix(files["matrix"]), **options)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(("value", "message"), [
    (np.nan, r"^sites, field 'places': missing places \(write inf for no limit\) \(row 2\)$"),
    (-3.0, r"^sites, field 'places': places -3 is negative \(row 2\)$"),
    ("lots", r"^sites, field 'places': not a number: 'lots' \(row 2\)$"),
])
def test_bad_capacity_column_names_column_and_row(files: dict[str, Path], value: object, message: str) -> None:
    demand, sites = _frames()
    sites["places"] = sites["places"].astype(object)
    sites.loc[2, "places"] = value
    with pytest.raises(InputError, match=message):
        siting.solve(demand, sites, model="cpmedian", bases=2, site_columns={"capacity": "places"},
                     travel=siting.Matrix(files["matrix"]))


def test_bad_opening_cost_column(files: dict[str, Path]) -> None:
    demand, sites = _frames()
    sites.loc[1, "overhead_gbp"] = np.inf
    with pytest.raises(InputError, match=r"^sites, field 'overhead_gbp': overhead_gbp is infinite \(row 1\)$"):
        siting.solve(demand, sites, model="cflp", site_columns=SITE_COLUMNS, travel_gbp_per_minute=1.0,
                     travel=siting.Matrix(files["matrix"]))


def test_command_line_names_its_flags(files: dict[str, Path]) -> None:
    """The same checks on the command line name the flags (one check, two spellings)."""
    from scenarios.cli import cli

    res = CliRunner().invoke(cli, ["solve", "--demand", str(files["demand"]), "--sites", str(files["sites"]),
                                   "--matrix", str(files["matrix"]), "--model", "cpmedian", "--bases", "2",
                                   "--site-column", "capacity=places", "--capacity", "5"])
    assert res.exit_code == 2
    assert res.output.strip().splitlines()[-1].endswith(
        "--capacity: the sites file has a capacity column; give either the column or --capacity, not both")
    res = CliRunner().invoke(cli, ["solve", "--demand", str(files["demand"]), "--sites", str(files["sites"]),
                                   "--matrix", str(files["matrix"]), "--model", "mclp", "--bases", "2",
                                   "--capacity", "5"])
    assert res.exit_code == 2 and "--capacity: is for the models cflp, cmclp, cpmedian, not mclp" in res.output
