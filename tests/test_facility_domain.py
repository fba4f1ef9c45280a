"""Capacities and opening costs from data (siting.facility): columns, uniform options, pounds, bad inputs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scenarios import norfolk
from siting import validation
from siting.domain import Case, Sites, TravelMatrix
from siting.errors import InputError
from siting.facility import FacilityOptions, cost_split, facility_problem
from siting.problems import SiteRules
from solvers import ModelKind, solve


@pytest.fixture(scope="module")
def norfolk_case() -> tuple[Case, TravelMatrix]:
    case = norfolk.load()
    return case, norfolk.travel_matrix(case)


def _with_columns(case: Case, **columns: list[float]) -> Case:
    frame = case.sites.frame.copy()
    for name, values in columns.items():
        frame[name] = values
    return dataclasses.replace(case, sites=validation.sites(frame, source="sites.csv"))


def test_columns_are_read_and_checked() -> None:
    frame = pd.DataFrame({"id": ["a", "b"], "lon": [1.29, 1.30], "lat": [52.63, 52.62],
                          "capacity": ["10", "inf"], "opening_cost_gbp": [5.0, 7.5]})
    sites = validation.sites(frame, source="s.csv")
    assert sites.capacity is not None and sites.capacity.tolist() == [10.0, np.inf]
    assert sites.opening_cost_gbp is not None and sites.opening_cost_gbp.tolist() == [5.0, 7.5]
    assert Sites(sites.frame.drop(columns=["capacity"])).capacity is None
    with pytest.raises(InputError, match=r"s.csv.*line 3.*opening_cost_gbp.*infinite"):
        validation.sites(frame.assign(opening_cost_gbp=["5", "inf"]), source="s.csv")
    with pytest.raises(InputError, match=r"line 2.*capacity.*not a number"):
        validation.sites(frame.assign(capacity=["ten", "1"]), source="s.csv")


def test_uniform_options_make_the_cflp_and_the_pounds_add_up(norfolk_case: tuple[Case, TravelMatrix]) -> None:
    case, matrix = norfolk_case
    options = FacilityOptions(opening_cost_gbp=93_166.0, travel_gbp_per_minute=2.0)
    problem = facility_problem(case, matrix, model="cflp", bases=None, minutes=None,
                               rules=SiteRules(), options=options)
    assert problem.kind is ModelKind.CFLP and problem.capacity is None
    assert problem.opening_cost is not None and np.allclose(problem.opening_cost, 93_166.0 / 2.0)
    r = solve(problem, solver="highs")
    split = cost_split(case, options, r.selected, r.objective)
    assert split.opening_gbp == pytest.approx(93_166.0 * len(r.selected))
    # travel in pounds recomputed from the matrix: every area to its nearest kept base
    minutes = np.asarray(matrix.minutes, dtype=np.float64)[:, list(r.selected)].min(axis=1)
    assert split.travel_gbp == pytest.approx(2.0 * float(np.dot(case.demand.weight, minutes)), rel=1e-9)
    # a dearer minute of travel never means fewer bases
    dear = dataclasses.replace(options, travel_gbp_per_minute=8.0)
    more = solve(facility_problem(case, matrix, model="cflp", bases=None, minutes=None,
                                  rules=SiteRules(), options=dear), solver="highs")
    assert len(more.selected) >= len(r.selected)


def test_site_columns_feed_the_capacitated_models(norfolk_case: tuple[Case, TravelMatrix]) -> None:
    case, matrix = norfolk_case
    m = len(case.sites)
    big = _with_columns(case, capacity=[5000.0] * m, opening_cost_gbp=[90_000.0] * (m - 1) + [0.0])
    problem = facility_problem(big, matrix, model="cpmedian", bases=12, minutes=None,
                               rules=SiteRules(), options=FacilityOptions())
    assert problem.capacity is not None and problem.capacity[0] == 5000.0
    free_last = facility_problem(big, matrix, model="cflp", bases=None, minutes=None,
                                 rules=SiteRules(), options=FacilityOptions(travel_gbp_per_minute=1.0))
    assert free_last.opening_cost is not None and free_last.opening_cost[-1] == 0.0
    with pytest.raises(InputError, match="not both"):
        facility_problem(big, matrix, model="cpmedian", bases=12, minutes=None,
                         rules=SiteRules(), options=FacilityOptions(capacity=10.0))


def test_single_sourcing_refuses_an_area_heavier_than_every_base(norfolk_case: tuple[Case, TravelMatrix]) -> None:
    case, matrix = norfolk_case
    heaviest = float(case.demand.weight.max())
    options = FacilityOptions(capacity=heaviest - 1.0, opening_cost_gbp=1.0, travel_gbp_per_minute=1.0,
                              single_source=True)
    tiny = dataclasses.replace(case, demand=case.demand.with_weight(
        np.where(case.demand.weight == heaviest, heaviest, 1.0)))
    with pytest.raises(InputError, match=r"area '.*' weighs .* single sourcing cannot serve it"):
        facility_problem(tiny, matrix, model="cflp", bases=None, minutes=None,
                         rules=SiteRules(), options=options)


def test_cflp_and_bclp_run_from_the_command_line(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from scenarios.cli import cli

    out = tmp_path / "cflp"
    res = CliRunner().invoke(cli, ["solve", "norfolk", "--model", "cflp", "--opening-cost-gbp", "93188",
                                   "--travel-gbp-per-minute", "4", "--rules", "none", "--no-closures",
                                   "--out", str(out)])
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    fac = summary["facility"]
    assert fac["bases"] == len(summary["bases"]) == 7
    assert fac["opening_gbp"] == pytest.approx(7 * 93188)
    assert fac["total_gbp"] == pytest.approx(summary["objective"] * 4, rel=1e-9)
    assert "annual cost" in res.output
    res = CliRunner().invoke(cli, ["solve", "norfolk", "--model", "bclp", "--bases", "15", "--backup-only",
                                   "--no-closures"])
    assert res.exit_code == 0, res.output
    assert "at least twice" in res.output
