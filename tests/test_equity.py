"""Equity by IDACI quintile and rural-urban class, checked by hand on six areas."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from siting.equity import equity_of_minutes, equity_text, idaci_quintiles


def test_quintiles_are_over_the_areas_given_and_ties_share_one() -> None:
    assert idaci_quintiles([0.5, 0.4, 0.3, 0.2, 0.1]).tolist() == [1, 2, 3, 4, 5]
    # six areas: 1 + floor(5 * (areas strictly more deprived) / 6)
    assert idaci_quintiles([0.5, 0.4, 0.4, 0.3, 0.2, 0.1]).tolist() == [1, 1, 1, 3, 4, 5]
    assert idaci_quintiles(np.linspace(1, 0, 10)).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_six_areas_by_hand() -> None:
    eq = equity_of_minutes(
        [5.0, 25.0, 15.0, 100.0, 10.0, math.inf], [10, 20, 30, 0, 40, 50], [0.5, 0.4, 0.4, 0.3, 0.2, 0.1],
        pd.Series(["Urban city and town", "Rural village", None, "Rural village", "Urban city and town", " "]),
        minutes=20.0)
    q = {g.group: g for g in eq.by_quintile}
    assert sorted(q) == ["1", "3", "4", "5"]  # nobody in quintile 2 (ties)
    assert (q["1"].areas, q["1"].need) == (3, 60.0)
    assert q["1"].covered_share == pytest.approx(40 / 60)
    assert q["1"].mean_minutes == pytest.approx((10 * 5 + 20 * 25 + 30 * 15) / 60)
    assert q["1"].worst_minutes == 25.0
    assert q["3"].need == 0.0 and math.isnan(q["3"].covered_share) and math.isnan(q["3"].worst_minutes)
    assert (q["4"].covered_share, q["4"].mean_minutes, q["4"].worst_minutes) == (1.0, 10.0, 10.0)
    assert q["5"].covered_share == 0.0 and math.isnan(q["5"].mean_minutes) and q["5"].worst_minutes == math.inf
    r = {g.group: g for g in eq.by_rurality}
    assert [g.group for g in eq.by_rurality] == ["Rural village", "Urban city and town", "unknown"]
    assert (r["Urban city and town"].need, r["Urban city and town"].covered_share) == (50.0, 1.0)
    assert r["Urban city and town"].mean_minutes == pytest.approx((10 * 5 + 40 * 10) / 50)
    assert (r["Rural village"].covered_share, r["Rural village"].worst_minutes) == (0.0, 25.0)  # the 0-need area
    assert r["unknown"].areas == 2 and r["unknown"].covered_share == pytest.approx(30 / 80)
    assert r["unknown"].mean_minutes == 15.0 and r["unknown"].worst_minutes == math.inf
    text = equity_text(eq, eq, plan_name="same")
    assert "IDACI quintile 1" in text and "unknown" in text and "66.7%" in text


def test_no_idaci_scores_no_quintiles() -> None:
    eq = equity_of_minutes([1.0, 2.0], [1, 1], [0.0, 0.0], pd.Series(["a", "b"]), minutes=5.0)
    assert eq.by_quintile == () and len(eq.by_rurality) == 2
