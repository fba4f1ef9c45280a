"""The council's rules as data and as the Norfolk default: transcription, every model, brute force, mappings."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scenarios import norfolk
from scenarios.cli import cli
from scenarios.commands.solve import parse_district_limits
from scenarios.solve import SolveRequest, run
from siting.errors import InputError
from siting.problems import SiteRules, build_problem, count_range, district_limit
from solvers import solve
from solvers.check import evaluate

REPORT = Path(__file__).resolve().parents[1].parent.parent / "shared" / "docs" / "003_a2d6fe4e6951983e.txt"
REPORTS = [p for p in (REPORT, Path("/work/shared/docs/003_a2d6fe4e6951983e.txt")) if p.exists()]


def _norm(text: str) -> str:
    text = text.replace("\u2013", "-").replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).lower().strip()


@pytest.fixture(scope="module")
def case_matrix(norfolk_case):  # type: ignore[no-untyped-def]
    return norfolk_case


def suitable_ids() -> set[str]:
    t = norfolk.suitability()
    return set(t.loc[t["suitability"] == "suitable", "id"])


# --- the data ----------------------------------------------------------------------------------------------------

def test_suitability_covers_the_53_centres_with_known_levels() -> None:
    t = norfolk.suitability()
    centres = pd.read_csv(norfolk.data_dir() / "childrens_centres_2019.csv")
    assert list(t["id"]) == list(centres["centre_id"].astype(str))
    assert t["suitability"].value_counts().to_dict() == {"unsuitable": 23, "suitable": 19, "limited": 7, "unknown": 4}
    # every base the council kept, and every base of its first proposal, is a building it called suitable
    kept = set(centres.loc[centres["council_2019_decision"] == "retained_base", "centre_id"])
    first = set(centres.loc[centres["original_proposal_base"] == "yes", "centre_id"])
    assert kept | first <= suitable_ids() and len(kept) == 15 and len(first) == 7
    outreach_only = set(centres.loc[centres["building"] == "outreach_only", "centre_id"])
    assert outreach_only == set(t.loc[t["basis"] == "no_physical_site", "id"])
    assert outreach_only <= set(t.loc[t["suitability"] == "unsuitable", "id"])


def test_classification_follows_the_reports_words() -> None:
    t = norfolk.suitability()
    for r in t.itertuples():
        reason = r.suitability_reason.lower()
        if r.suitability == "suitable":
            assert "suitable office accommodation" in reason, r.id
        elif r.suitability == "unsuitable":
            assert ("unsuitable" in reason or "not suitable" in reason or "no physical" in reason
                    or "no permanent physical" in reason), r.id
        elif r.suitability == "limited":
            assert "unsuitable" not in reason and re.search(r"limited office|less office|poorer option", reason), r.id
        else:  # unknown: the report gives no word about the building
            assert not re.search(r"office|accommodation|space|building|room", reason), r.id


@pytest.mark.skipif(not REPORTS, reason="the council's report is not beside the repository")
def test_every_reason_is_quoted_from_the_centres_own_entry_in_section_6_1() -> None:
    text = REPORTS[0].read_text(encoding="utf-8")
    section = text[text.index("6.1 What our proposals"):text.index("6.2 De-designation")]
    entries = {}
    for line in section.splitlines():
        if "<ul" in line:
            name, _, rest = line.partition("\t")
            entries[_norm(name)] = _norm(rest)
    t = norfolk.suitability()
    for r in t.itertuples():
        entry = entries[_norm(r.report_name)]
        for part in r.suitability_reason.split("; "):
            assert _norm(part).rstrip(".") in entry, (r.id, part)


# --- the rules reach every model ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("model", "bases"), [("mclp", 15), ("mclp", 17), ("mclp", 19), ("pmedian", 15),
                                              ("pmedian", 16), ("pmedian", 18), ("pcenter", 15), ("pcenter", 17),
                                              ("lscp", None)])
def test_council_rules_never_propose_an_unsuitable_building(case_matrix, model: str, bases: int | None) -> None:  # type: ignore[no-untyped-def]
    case, matrix = case_matrix
    out = run(case, matrix, SolveRequest(model=model, bases=bases, minutes=20.0 if model != "lscp" else 30.0,
                                         rules=norfolk.council_rules(case)))
    assert out.summary["status"] == "optimal" and out.summary["verified"]
    chosen = set(out.summary["bases"])  # type: ignore[arg-type]
    assert chosen <= suitable_ids()
    district = dict(zip(case.sites.ids, case.sites.frame["district"], strict=True))
    counts = pd.Series([district[s] for s in chosen]).value_counts()
    assert all(counts.get(d, 0) >= (3 if d == "Norwich" else 2) for d in set(district.values()))
    assert out.summary["rules"]["name"] == "council"  # type: ignore[index]


@pytest.mark.parametrize("bases", [15, 17, "auto"])
def test_outreach_honours_the_council_rules(case_matrix, bases: int | str) -> None:  # type: ignore[no-untyped-def]
    case, matrix = case_matrix
    out = run(case, matrix, SolveRequest(model="outreach", bases=bases, rules=norfolk.council_rules(case)))  # type: ignore[arg-type]
    assert set(out.summary["bases"]) <= suitable_ids()  # type: ignore[arg-type]
    for point in out.summary.get("curve") or []:  # type: ignore[attr-defined]
        assert 15 <= point["bases"] <= 19


def test_cli_default_for_norfolk_is_the_council_rules(tmp_path: Path) -> None:
    out = tmp_path / "o"
    res = CliRunner().invoke(cli, ["solve", "norfolk", "--model", "pmedian", "--out", str(out)])
    assert res.exit_code == 0, res.output
    s = json.loads((out / "summary.json").read_text())
    assert s["rules"]["name"] == "council" and set(s["bases"]) <= suitable_ids()
    assert "rules: council" in res.output and "what the rules cost" in res.output
    cost = s["rules"]["cost"]
    # the rules' cost: the unconstrained optimum, recomputed by the independent checker, is no worse
    case, matrix = norfolk.load(), norfolk.travel_matrix()
    free = build_problem(case, matrix, model="pmedian", bases=15, minutes=20.0, rules=SiteRules())
    value = evaluate(free, case.sites.index_of(cost["bases_without_rules"])).objective
    assert value == pytest.approx(cost["objective_without_rules"], rel=1e-9)
    assert cost["objective_without_rules"] <= cost["objective_with_rules"] + 1e-9
    assert cost["ruled_out_bases_without_rules"] == [b for b in cost["bases_without_rules"]
                                                     if b not in suitable_ids()]


def test_allow_limited_admits_and_flags_limited_buildings(case_matrix) -> None:  # type: ignore[no-untyped-def]
    case, matrix = case_matrix
    rules = norfolk.council_rules(case, allow_limited=True)
    t = norfolk.suitability()
    limited = set(t.loc[t["suitability"] == "limited", "id"])
    assert count_range(case, rules) == (15, 26)
    out = run(case, matrix, SolveRequest(model="mclp", bases=26, rules=rules))
    chosen = set(out.summary["bases"])  # type: ignore[arg-type]
    assert chosen == suitable_ids() | limited
    assert {f["id"] for f in out.summary["rules"]["flagged_bases"]} == limited  # type: ignore[index]


# --- brute force: the rules' optimum is the best of every plan the rules allow -----------------------------------

def _allowed_plans(case, rules: SiteRules, p: int) -> list[tuple[int, ...]]:  # type: ignore[no-untyped-def]
    ids = case.sites.ids
    district = case.sites.frame["district"].to_numpy()
    allowed = [j for j, s in enumerate(ids) if s not in rules.excluded and case.sites.can_be_base[j]]
    plans = []
    for combo in itertools.combinations(allowed, p):
        ds = pd.Series(district[list(combo)]).value_counts()
        if all(ds.get(d, 0) >= (district_limit(rules.min_per_district, d, 0) or 0) for d in set(district)):
            plans.append(combo)
    return plans


@pytest.mark.parametrize(("model", "bases"), [("mclp", 15), ("pmedian", 15), ("pcenter", 15), ("mclp", 16),
                                              ("pmedian", 17)])
def test_optimum_under_rules_equals_brute_force(case_matrix, model: str, bases: int) -> None:  # type: ignore[no-untyped-def]
    case, matrix = case_matrix
    rules = norfolk.council_rules(case)
    plans = _allowed_plans(case, rules, bases)
    if bases == 15:
        assert len(plans) == 81  # two of three in Breckland, Great Yarmouth, King's Lynn, North Norfolk
    t = np.asarray(matrix.minutes, dtype=np.float64)
    w = case.demand.weight

    def value(combo: tuple[int, ...]) -> float:
        near = t[:, list(combo)].min(axis=1)
        if model == "mclp":
            return -float(w[near <= 20.0].sum())
        if model == "pmedian":
            return float((w * near).sum())
        return float(near[w > 0].max())

    best = min(value(c) for c in plans)
    problem = build_problem(case, matrix, model=model, bases=bases, minutes=20.0, rules=rules)
    result = solve(problem)
    assert result.status.value == "optimal"
    assert value(result.selected) == pytest.approx(best, rel=1e-9, abs=1e-6)


# --- per-district limits as mappings -----------------------------------------------------------------------------

def test_parse_district_limits() -> None:
    assert parse_district_limits((), source="x") is None
    assert parse_district_limits(("2", "Norwich=3"), source="x") == {"*": 2, "Norwich": 3}
    assert parse_district_limits(("King's Lynn and West Norfolk=1",), source="x") == {
        "King's Lynn and West Norfolk": 1}
    for bad in (("x",), ("=2",), ("Norwich=-1",), ("2", "3")):
        with pytest.raises(InputError):
            parse_district_limits(bad, source="x")
    assert district_limit({"*": 2, "Norwich": 3}, "Norwich") == 3
    assert district_limit({"*": 2, "Norwich": 3}, "Breckland") == 2
    assert district_limit({"Norwich": 3}, "Breckland", 0) == 0


def test_mapping_limits_on_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "o"
    res = CliRunner().invoke(cli, ["solve", "norfolk", "--rules", "none", "--bases", "15",
                                   "--min-per-district", "2", "--min-per-district", "Norwich=3",
                                   "--max-per-district", "3", "--max-per-district", "Norwich=3", "--out", str(out)])
    assert res.exit_code == 0, res.output
    s = json.loads((out / "summary.json").read_text())
    counts = {r["district"]: r["bases"] for r in s["by_district"]}
    assert counts["Norwich"] == 3 and all(v == 2 for d, v in counts.items() if d != "Norwich")
    assert s["rules"]["name"] == "none" and "cost" not in s["rules"]


def test_scenario_file_rules_keys(tmp_path: Path) -> None:
    from scenarios.scenario_file import load_scenario
    from scenarios.scenario_inputs import prepare

    path = tmp_path / "s.yaml"
    path.write_text("demand: {case: norfolk}\nconstraints:\n  rules: council\n  min_per_district: {'*': 1, "
                    "Norwich: 3}\n  max_per_district: {Norwich: 3}\n", encoding="utf-8")
    rules = prepare(load_scenario(path)).request.rules
    assert rules.name == "council" and rules.min_per_district == {"*": 1, "Norwich": 3}
    assert count_range(norfolk.load(), rules) == (9, 19)
    path.write_text("demand: {case: norfolk}\n", encoding="utf-8")
    default = prepare(load_scenario(path)).request.rules
    assert default.name == "council" and default.min_per_district == {"*": 2, "Norwich": 3}
    path.write_text("demand: {case: norfolk}\nconstraints:\n  must_keep: [NW01, BR04]\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 3, field 'constraints.must_keep\[1\]': site 'BR04' cannot be kept"):
        prepare(load_scenario(path))
    path.write_text("demand: {case: norfolk}\nconstraints:\n  rules: none\n  allow_limited: true\n", encoding="utf-8")
    with pytest.raises(InputError, match="allow_limited goes with rules: council"):
        prepare(load_scenario(path))
