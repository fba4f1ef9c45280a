"""``siting solve norfolk --model outreach`` end to end: fixed bases, ``--bases auto``, bad input, no money."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from scenarios.cli import cli

SUMMARY_KEYS = ("model", "solver", "status", "objective", "bound", "gap", "bases", "contact_hours",
                "frontline_share", "budget", "need_served_share", "by_district", "by_class", "worst_minutes",
                "worst_rural_minutes", "plan_in_hand", "need_covered_share")


def _solve(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, ["solve", "norfolk", "--model", "outreach", *args])
    return res.exit_code, res.output


@pytest.fixture(scope="module")
def fixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("outreach") / "fixed"
    code, text = _solve("--bases", "15", "--minutes", "20", "--out", str(out))
    assert code == 0, text
    return out, text


@pytest.fixture(scope="module")
def auto(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("outreach") / "auto"
    code, text = _solve("--bases", "auto", "--out", str(out))
    assert code == 0, text
    return out, text


def test_fixed_bases_outputs(fixed: tuple[Path, str]) -> None:
    out, text = fixed
    assert {p.name for p in out.iterdir()} >= {"summary.json", "bases.csv", "areas.csv", "solution.gpkg",
                                               "budget.csv", "site_differences.csv"}
    s = json.loads((out / "summary.json").read_text())
    for key in SUMMARY_KEYS:
        assert key in s, key
    assert s["model"] == "outreach" and s["status"] == "optimal" and s["verified"]
    assert len(s["bases"]) == 15 and s["gap"] < 1e-9
    # the plan found is never worse than the council's 15 under the same model
    plan = s["plan_in_hand"]
    assert plan["name"] == "council_2019" and plan["number_of_bases"] == 15
    assert s["weighted_contact_hours"] >= plan["weighted_contact_hours"] - 1e-6
    assert plan["frontline_share"] == pytest.approx(s["frontline_share"])
    budget = pd.read_parquet(out / "budget.parquet")  # full precision
    assert budget["amount_gbp"].sum() == pytest.approx(5_232_177)
    assert pd.read_csv(out / "budget.csv")["amount_gbp"].sum() == pytest.approx(5_232_177, abs=2)  # whole pounds
    assert budget.set_index("category").loc["frontline_delivery", "share"] == pytest.approx(s["frontline_share"])
    bases = pd.read_parquet(out / "bases.parquet")
    assert sorted(bases["id"]) == sorted(s["bases"])
    assert bases["contact_hours"].sum() == pytest.approx(s["contact_hours"], rel=1e-9)
    assert (bases["staff_hours"] - bases["driving_hours"] - bases["contact_hours"]).abs().max() < 1e-6
    areas = pd.read_parquet(out / "areas.parquet")
    assert len(areas) == 538 and {"need_hours", "served_share", "serving_base", "covered"} <= set(areas.columns)
    assert areas["contact_hours"].sum() == pytest.approx(s["contact_hours"], rel=1e-9)
    m = s["marginal"]
    assert m["one_fewer"]["bases"] == 14 and m["one_more"]["bases"] == 16
    assert not m["one_more"]["meets_frontline_floor"]  # 16 bases leave less than 60% for the frontline
    assert s["old_model"]["bases"] == 53
    assert s["old_model"]["frontline_share"] == pytest.approx(0.39, abs=0.015)
    assert "bases kept (15)" in text and "plan in hand 'council_2019'" in text
    assert "would leave -£" in text and "£-" not in text  # the old model's overheads exceed the planned budget
    assert "e-" not in text.split("gap ")[1].split(")")[0]  # the gap prints without float noise


def test_auto_curve_and_its_argmax(auto: tuple[Path, str]) -> None:
    out, text = auto
    names = {p.name for p in out.iterdir()}
    assert {"curve.csv", "curve.png", "summary.json", "bases.csv", "budget.csv"} <= names
    assert (out / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    curve = pd.read_parquet(out / "curve.parquet")
    assert set(range(5, 31)) <= set(curve["bases"])
    s = json.loads((out / "summary.json").read_text())
    ok = curve[curve["meets_frontline_floor"].astype(bool)]
    top = ok["objective"].max()
    tied = ok[ok["objective"] >= top * (1 - 1e-6)]
    # the best number has the most contact hours; among ties, the most spare staff hours
    assert s["best_bases"] in set(tied["bases"])
    assert s["number_of_bases"] == s["best_bases"] == len(s["bases"])
    best_row = curve.set_index("bases").loc[s["best_bases"]]
    assert best_row["spare_staff_hours"] == pytest.approx(tied["spare_staff_hours"].max(), abs=1.0)
    assert s["weighted_contact_hours"] == pytest.approx(top, rel=1e-6)
    # the frontline share falls as bases are added, and the floor is met exactly where the curve says
    assert curve["frontline_share"].is_monotonic_decreasing
    assert ((curve["frontline_share"] >= 0.6 - 1e-9) == curve["meets_frontline_floor"].astype(bool)).all()
    # marginal values are the curve's neighbours
    nxt = curve.set_index("bases").loc[s["best_bases"] + 1]
    assert s["marginal"]["one_more"]["contact_hours"] == pytest.approx(nxt["contact_hours"])
    assert "curve (best:" in text


def test_bad_parameter_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "never"
    for args, field in ((["--session-minutes", "0"], "session_minutes"),
                        (["--cost-per-post-gbp", "-1"], "cost_per_post_gbp"),
                        (["--productive-hours", "0"], "productive_hours_per_post")):
        code, text = _solve("--bases", "15", *args, "--out", str(out))
        assert code == 2, text
        assert field in text and len(text.strip().splitlines()) == 1
        assert not out.exists()


def test_outreach_option_with_another_model_is_an_error() -> None:
    res = CliRunner().invoke(cli, ["solve", "norfolk", "--model", "mclp", "--frontline-floor", "0.5"])
    assert res.exit_code == 2 and "--frontline-floor" in res.output


def test_unaffordable_budget_says_by_how_much(tmp_path: Path, norfolk_case) -> None:  # type: ignore[no-untyped-def]
    from scenarios.solve import SolveRequest, run

    case, matrix = norfolk_case
    outcome = run(case, matrix, SolveRequest(model="outreach", bases=15, params={"budget_gbp": 1_000_000.0}))
    s = outcome.summary
    assert s["status"] == "infeasible"
    assert s["shortfall_gbp"] > 0 and math.isfinite(s["shortfall_gbp"])  # type: ignore[arg-type]
    # the command refuses it as a user mistake: one line with the shortfall, exit 2, nothing written
    out = tmp_path / "poor"
    code, text = _solve("--bases", "15", "--budget-gbp", "1000000", "--out", str(out))
    assert code == 2, text
    assert f"falls short by {s['shortfall_gbp']:,.0f} GBP" in text
    assert len(text.strip().splitlines()) == 1
    assert not out.exists()
