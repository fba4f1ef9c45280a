"""``siting change`` and the closure columns of ``siting solve``, end to end, against brute force on Norfolk."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scenarios.cli import cli


def covered_by(case, matrix, ids: Iterable[str], minutes: float = 20.0) -> float:  # type: ignore[no-untyped-def]
    """Need within ``minutes`` of ``ids``, straight from the raw matrix."""
    cols = [matrix.site_ids.index(s) for s in ids]
    t = np.asarray(matrix.minutes, dtype=np.float64)[:, cols].min(axis=1)
    return float(case.demand.weight[t <= minutes].sum())


def test_close_two_matches_brute_force(norfolk_case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case, matrix = norfolk_case
    plan = case.plans["council_2019"].site_ids
    best = max(covered_by(case, matrix, [s for s in plan if s not in pair])
               for pair in itertools.combinations(plan, 2))
    out = tmp_path / "close2"
    res = CliRunner().invoke(cli, ["change", "norfolk", "--from", "council_2019", "--close", "2", "--out", str(out)])
    assert res.exit_code == 0, res.output
    s = json.loads((out / "summary.json").read_text())
    assert s["status"] == "optimal" and s["exact"] and len(s["closed"]) == 2 and s["added"] == []
    assert s["after"]["need_covered"] == best
    assert covered_by(case, matrix, s["after"]["bases"]) == best
    assert s["need_covered_change"] == best - covered_by(case, matrix, plan)
    changes = pd.read_csv(out / "changes.csv")
    assert sorted(changes["id"]) == sorted(s["closed"]) and set(changes["action"]) == {"close"}
    assert "best 2 bases to close from council_2019 (15 bases)" in res.output
    assert "significant" in res.output and "±2.8 min" in res.output


def test_add_one_in_norwich_matches_brute_force(norfolk_case) -> None:  # type: ignore[no-untyped-def]
    case, matrix = norfolk_case
    plan = list(case.plans["council_2019"].site_ids)
    frame = case.sites.frame
    candidates = frame.loc[(frame["district"] == "Norwich") & case.sites.can_be_base & ~frame["id"].isin(plan), "id"]
    gains = {c: covered_by(case, matrix, [*plan, c]) for c in candidates}
    res = CliRunner().invoke(cli, ["change", "norfolk", "--add", "1", "--district", "Norwich"])
    assert res.exit_code == 0, res.output
    chosen = [c for c in gains if f"\n{c} " in res.output]
    assert len(chosen) == 1 and gains[chosen[0]] == max(gains.values())
    assert f"{covered_by(case, matrix, plan):,.0f} -> {max(gains.values()):,.0f}" in res.output


def test_plan_as_ids_equals_named_plan(norfolk_case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case, _ = norfolk_case
    ids = ",".join(case.plans["council_2019"].site_ids)
    a, b = tmp_path / "a", tmp_path / "b"
    for out, args in ((a, ["--from", "council_2019"]), (b, ["--plan", ids])):
        res = CliRunner().invoke(cli, ["change", "norfolk", "--close", "1", "--model", "pmedian", *args,
                                       "--out", str(out)])
        assert res.exit_code == 0, res.output
    sa, sb = (json.loads((p / "summary.json").read_text()) for p in (a, b))
    assert sa["closed"] == sb["closed"] and sa["after"] == sb["after"] and sa["status"] == "optimal"
    assert sa["mean_minutes_change"] > 0 and "at least 2.8 min" in sa["significance_rule"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["change", "norfolk"], "give exactly one of --close K or --add K"),
        (["change", "norfolk", "--close", "1", "--add", "1"], "give exactly one of --close K or --add K"),
        (["change", "norfolk", "--close", "0"], "--close: K must be at least 1"),
        (["change", "norfolk", "--close", "15"], "cannot close 15 of the plan's 15 bases"),
        (["change", "norfolk", "--add", "1", "--district", "Atlantis"], "unknown district 'Atlantis'"),
        (["change", "norfolk", "--from", "nope", "--close", "1"], "unknown plan 'nope'"),
        (["change", "norfolk", "--plan", "BR01,ZZ99", "--close", "1"], "unknown site id 'ZZ99'"),
        (["change", "norfolk", "--plan", "BR01,BR01", "--close", "1"], "'BR01' is listed twice"),
        (["change", "norfolk", "--from", "council_2019", "--plan", "BR01", "--close", "1"], "not both"),
        (["change", "norfolk", "--close", "1", "--keep", "BR03"], "'BR03' is not a base of the plan"),
        (["change", "norfolk", "--add", "1", "--keep", "BR01"], "--keep is for --close"),
        (["change", "norfolk", "--close", "1", "--solver", "nosuch"], "--solver: unknown solver 'nosuch'"),
        (["change", "norfolk", "--close", "1", "--solver", "pcenter-exact"], "cannot solve model mclp"),
    ],
)
def test_bad_input_exit_2_one_line_nothing_written(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "scenarios", *args, "--out", str(out)], capture_output=True,
                         text=True, check=False)
    assert res.returncode == 2, res.stderr
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.stderr and not out.exists()


# --- siting solve: bases.csv and closures.csv ------------------------------------------------------------

@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("closures") / "out"
    # --rules none: under the council's rules (the Norfolk default) Broadland, Norwich and South Norfolk have no
    # alternative building, so a same-count re-optimisation without one of their bases is infeasible (NaN)
    res = CliRunner().invoke(cli, ["solve", "norfolk", "--bases", "15", "--minutes", "20", "--rules", "none",
                                   "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out, res.output


def test_bases_csv_labels_and_reoptimised_columns(solved: tuple[Path, str], norfolk_case) -> None:  # type: ignore[no-untyped-def]
    out, _ = solved
    case, matrix = norfolk_case
    bases = pd.read_csv(out / "bases.csv")
    assert "need_only_here" not in bases.columns
    optimum = list(bases["id"])
    full = covered_by(case, matrix, optimum)
    for _, row in bases.iterrows():
        assert row["need_lost_if_closed_alone_others_fixed"] == full - covered_by(
            case, matrix, [b for b in optimum if b != row["id"]])
    # the plan is the optimum: no plan of 15 without one of its bases does better, and a replacement is at least
    # as good as closing alone (others fixed)
    assert (bases["need_lost_reoptimised_same_count"] >= 0).all()
    assert (bases["need_lost_best_replacement_others_fixed"] <= bases["need_lost_if_closed_alone_others_fixed"]).all()
    assert (bases["need_lost_reoptimised_same_count"] <= bases["need_lost_best_replacement_others_fixed"]).all()
    assert (bases["closure_status"] == "optimal").all()


def test_closures_csv_recomputed_from_the_matrix(solved: tuple[Path, str], norfolk_case) -> None:  # type: ignore[no-untyped-def]
    out, text = solved
    case, matrix = norfolk_case
    assert (out / "closures.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    t = pd.read_csv(out / "closures.csv", keep_default_na=False)
    assert set(t["plan"]) == {"optimum", "council_2019"}
    assert {"base", "district"} <= set(t["scope"])
    council = case.plans["council_2019"].site_ids
    full = covered_by(case, matrix, council)
    rows = t[t["plan"] == "council_2019"]
    for _, r in rows.iterrows():
        closed = r["closed"].split()
        assert r["need_lost_if_closed_alone_others_fixed"] == full - covered_by(
            case, matrix, [b for b in council if b not in closed])
        reopt = r["reoptimised_bases"].split()
        assert len(reopt) == 15 and not set(reopt) & set(closed)
        assert r["need_lost_reoptimised_same_count"] == full - covered_by(case, matrix, reopt)
        fewer = r["fewer_bases"].split()
        assert len(fewer) == 15 - len(closed)
        assert r["need_lost_reoptimised_fewer_bases"] == full - covered_by(case, matrix, fewer)
    norwich = rows[(rows["scope"] == "district") & (rows["group"] == "Norwich")].iloc[0]
    assert norwich["closed"] == "NW01 NW02 NW03" and norwich["need_lost_if_closed_alone_others_fixed"] == 1211
    assert "closing Norwich's 3 bases together loses 1,211 need within 20 min" in text
    s = json.loads((out / "summary.json").read_text())
    assert s["closures"]["exact"] is True and any("Norwich" in line for line in s["closures"]["findings"])
