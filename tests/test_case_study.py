"""The case study: every number against an independent computation, and the committed doc is regenerated exactly.

Independent means: measures recomputed here from the raw CSV columns and the travel matrix with plain numpy/pandas
(not :mod:`siting.coverage` or :mod:`siting.equity`), optima by brute force over every plan the rules allow (or
the independent checker where brute force is out of reach), and draw shares by a plain loop over the draws.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scenarios import case_study, norfolk
from siting.calibration import calibrate
from siting.problems import SiteRules, build_problem
from siting.significance import heldout_residuals, perturbed_matrices
from solvers.check import evaluate

DOC = Path(__file__).resolve().parents[1] / "docs" / "norfolk-case-study.md"


@pytest.fixture(scope="module")
def cs() -> case_study.CaseStudy:
    return case_study.compute()


@pytest.fixture(scope="module")
def raw() -> dict[str, object]:
    case = norfolk.load()
    matrix = norfolk.travel_matrix(case)
    d = pd.read_csv(norfolk.data_dir() / "lsoa11_demand.csv").set_index("lsoa11cd").loc[list(matrix.demand_ids)]
    centres = pd.read_csv(norfolk.data_dir() / "childrens_centres_2019.csv").set_index("centre_id")
    suit = pd.read_csv(norfolk.data_dir() / "base_suitability_2019.csv").set_index("centre_id")
    return {"t": np.asarray(matrix.minutes, dtype=np.float64), "w": d["pop2020_age0_4"].to_numpy(float),
            "idaci": d["idaci2019_score"].to_numpy(float), "ruc": d["ruc11"].to_numpy(object),
            "col": {s: k for k, s in enumerate(matrix.site_ids)}, "district": centres["district"].to_dict(),
            "suitable": [s for s in matrix.site_ids if suit.loc[s, "suitability"] == "suitable"],
            "x": d["pwc_easting"].to_numpy(float), "y": d["pwc_northing"].to_numpy(float), "case": case,
            "matrix": matrix}


def _measures(raw: dict, bases, t: np.ndarray | None = None) -> tuple[float, float, float]:  # type: ignore[type-arg,no-untyped-def]
    t = raw["t"] if t is None else t
    near = t[:, [raw["col"][s] for s in bases]].min(axis=1)
    w = raw["w"]
    return float(w[near <= 20.0].sum()), float((w * near).sum() / w.sum()), float(near[w > 0].max())


def test_plan_measures_recomputed_from_raw_arrays(cs: case_study.CaseStudy, raw: dict) -> None:  # type: ignore[type-arg]
    w = raw["w"]
    for p in cs.plans.values():
        covered, mean, worst = _measures(raw, p.bases)
        assert p.covered_need == pytest.approx(covered) and p.covered_share == pytest.approx(covered / w.sum())
        assert p.mean_minutes == pytest.approx(mean) and p.worst_minutes == pytest.approx(worst)
    assert cs.plans["council15"].bases == tuple(
        s for s in raw["col"] if s in {"BR01", "BR02", "BL01", "BL02", "GY01", "GY02", "KL01", "KL02", "NN01", "NN02",
                                       "NW01", "NW02", "NW03", "SN01", "SN02"})
    assert set(cs.plans["first7"].bases) == {"BR03", "BL02", "GY02", "KL07", "NN04", "NW02", "SN02"}
    assert cs.rules_cost_need == pytest.approx(_measures(raw, cs.plans["free15"].bases)[0]
                                               - _measures(raw, cs.plans["mclp15"].bases)[0])


def test_equity_recomputed_with_pandas(cs: case_study.CaseStudy, raw: dict) -> None:  # type: ignore[type-arg]
    n = len(raw["idaci"])
    higher = pd.Series(-raw["idaci"]).rank(method="min").to_numpy() - 1  # areas strictly more deprived
    quint = (1 + (5 * higher) // n).astype(int)
    for p in cs.plans.values():
        near = raw["t"][:, [raw["col"][s] for s in p.bases]].min(axis=1)
        frame = pd.DataFrame({"q": quint, "ruc": raw["ruc"], "w": raw["w"], "t": near})
        frame["cov"] = np.where(frame["t"] <= 20, frame["w"], 0.0)
        frame["wt"] = frame["w"] * frame["t"]
        for key, groups in (("q", p.equity.by_quintile), ("ruc", p.equity.by_rurality)):
            agg = frame.groupby(key).agg(need=("w", "sum"), cov=("cov", "sum"), wt=("wt", "sum"), worst=("t", "max"))
            assert len(agg) == len(groups)
            for g in groups:
                row = agg.loc[int(g.group) if key == "q" else g.group]
                assert g.need == pytest.approx(row["need"])
                assert g.covered_share == pytest.approx(row["cov"] / row["need"])
                assert g.mean_minutes == pytest.approx(row["wt"] / row["need"])
                assert g.worst_minutes == pytest.approx(row["worst"])


def _brute(raw: dict, p: int, minimum: dict[str, int]) -> list[tuple[str, ...]]:  # type: ignore[type-arg]
    out = []
    for combo in itertools.combinations(raw["suitable"], p):
        counts = pd.Series([raw["district"][s] for s in combo]).value_counts()
        if all(counts.get(d, 0) >= minimum.get(d, minimum["*"]) for d in set(raw["district"].values())):
            out.append(combo)
    return out


def test_engine_plans_are_the_brute_force_optima(cs: case_study.CaseStudy, raw: dict) -> None:  # type: ignore[type-arg]
    plans15 = _brute(raw, 15, {"*": 2, "Norwich": 3})
    assert len(plans15) == 81
    values = np.array([_measures(raw, c) for c in plans15])
    assert cs.plans["mclp15"].covered_need == pytest.approx(values[:, 0].max())
    assert cs.plans["pmedian15"].mean_minutes == pytest.approx(values[:, 1].min())
    assert cs.plans["pcenter15"].worst_minutes == pytest.approx(values[:, 2].min())
    # the council's 15 attain the best mean travel and the best worst travel; not the most coverage
    council = _measures(raw, cs.plans["council15"].bases)
    assert council[1] == pytest.approx(values[:, 1].min()) and council[2] == pytest.approx(values[:, 2].min())
    assert council[0] < values[:, 0].max()
    # limited buildings allowed: exactly 2 per district (3 in Norwich) at 15, so a product over districts
    limited = set(pd.read_csv(norfolk.data_dir() / "base_suitability_2019.csv").query("suitability == 'limited'")[
        "centre_id"])
    pool = [s for s in raw["col"] if s in set(raw["suitable"]) | limited]
    by_district = [[s for s in pool if raw["district"][s] == d] for d in sorted(set(raw["district"].values()))]
    choices = [list(itertools.combinations(m, 3 if raw["district"][m[0]] == "Norwich" else 2)) for m in by_district]
    t, w = raw["t"], raw["w"]
    best = 0.0
    for parts in itertools.product(*choices):
        cols = [raw["col"][s] for part in parts for s in part]
        best = max(best, float(w[t[:, cols].min(axis=1) <= 20.0].sum()))
    assert sum(1 for _ in itertools.product(*choices)) == 10 * 1 * 10 * 6 * 6 * 4 * 1
    assert cs.plans["mclp15_limited"].covered_need == pytest.approx(best)
    plans7 = _brute(raw, 7, {"*": 1})
    assert len(plans7) == 3 * 2 * 3 * 3 * 3 * 3 * 2
    assert cs.plans["mclp7"].covered_need == pytest.approx(max(_measures(raw, c)[0] for c in plans7))
    # without the rules, brute force is out of reach: the independent checker confirms the value
    case, matrix = raw["case"], raw["matrix"]
    free = build_problem(case, matrix, model="mclp", bases=15, minutes=20.0, rules=SiteRules())
    assert evaluate(free, case.sites.index_of(list(cs.plans["free15"].bases))).objective == pytest.approx(
        cs.plans["free15"].covered_need)
    assert cs.engine_status == dict.fromkeys(("mclp15", "pmedian15", "pcenter15", "mclp15_limited", "mclp7", "free15"),
                                             "optimal")
    assert cs.free_ruled_out == tuple(s for s in cs.plans["free15"].bases if s not in raw["suitable"])


def test_swaps_recomputed(cs: case_study.CaseStudy, raw: dict) -> None:  # type: ignore[type-arg]
    for plan, best, swaps in (("council15", "mclp15", cs.swaps15), ("first7", "mclp7", cs.swaps7)):
        a, b = set(cs.plans[plan].bases), set(cs.plans[best].bases)
        assert {(s.out_id, s.in_id) for s in swaps} == {
            (o, i) for o in a - b for i in b - a if raw["district"][o] == raw["district"][i]}
        base = _measures(raw, cs.plans[plan].bases)
        for s in swaps:
            new = _measures(raw, [x for x in cs.plans[plan].bases if x != s.out_id] + [s.in_id])
            assert s.covered_gain == pytest.approx(new[0] - base[0])
            assert s.mean_minutes_gain == pytest.approx(base[1] - new[1])
    assert len(cs.swaps15) == 2


def test_draw_shares_recomputed_by_a_plain_loop(cs: case_study.CaseStudy, raw: dict) -> None:  # type: ignore[type-arg]
    residuals = heldout_residuals(norfolk.routed_pairs())
    assert residuals.mae_minutes == pytest.approx(calibrate(norfolk.routed_pairs())[1].mae_minutes)
    assert cs.mae_minutes == pytest.approx(residuals.mae_minutes)
    case = raw["case"]
    km = np.hypot(raw["x"][:, None] - case.sites.x_m[None, :], raw["y"][:, None] - case.sites.y_m[None, :]) / 1000
    nxt = perturbed_matrices(raw["t"], km, residuals, draws=cs.draws, seed=cs.seed)
    keys = ("council15", "mclp15", "pmedian15", "pcenter15", "mclp15_limited", "first7", "mclp7")
    per: dict[str, list[tuple[float, float, float]]] = {k: [] for k in keys}
    for _ in range(cs.draws):
        t = nxt()
        for k in keys:
            per[k].append(_measures(raw, cs.plans[k].bases, t))
    for name, comparisons in cs.comparisons.items():
        a, b = name.split(" vs ")
        for c, idx, better in zip(comparisons[:3], (0, 1, 2), (1, -1, -1), strict=True):
            diff = better * (np.array([m[idx] for m in per[a]]) - np.array([m[idx] for m in per[b]]))
            assert c.share_a_better == pytest.approx(np.mean(diff > 0)), (name, c.measure)
            assert c.share_b_better == pytest.approx(np.mean(diff < 0)), (name, c.measure)
            won = c.share_a_better if better * (c.a_value - c.b_value) > 0 else c.share_b_better
            in_minutes = idx > 0
            assert c.significant == (c.a_value != c.b_value and won >= 0.95
                                     and (not in_minutes or abs(c.a_value - c.b_value) >= cs.mae_minutes))
    main = {c.measure: c for c in cs.comparisons["mclp15 vs council15"]}
    assert not main["need covered within 20 min (children)"].significant  # the "+0.8%, not significant"


def test_committed_doc_is_what_the_generator_writes(cs: case_study.CaseStudy) -> None:
    assert DOC.read_text(encoding="utf-8") == case_study.render(cs)
    text = DOC.read_text(encoding="utf-8")
    assert "at least 95% of the draws" in text and "not significant" in text


def test_draws_are_seeded() -> None:
    # (the generator as a whole: the committed doc, written by another process, is regenerated exactly above)
    residuals = heldout_residuals(norfolk.routed_pairs())
    t, km = np.full((4, 3), 20.0), np.array([[1.0, 20, 40]] * 4)
    a, b, c = (perturbed_matrices(t, km, residuals, draws=2, seed=s) for s in (1, 1, 2))
    first = a()
    assert np.array_equal(first, b()) and not np.array_equal(first, c())
    assert not np.array_equal(first, a())
