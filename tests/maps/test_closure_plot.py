"""The closure chart draws every row of closures.csv (one panel per plan) and fails loudly on a bad table."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from PIL import Image

from maps.closure_plot import SERIES, closures_figure, closures_png


def _table(prefix: str) -> pd.DataFrame:
    rows = []
    for plan in ("optimum", "council"):
        for k, (scope, group) in enumerate([("base", "A"), ("base", "B"), ("district", "D")]):
            row = {"plan": plan, "scope": scope, "group": group, "n_closed": 2 if scope == "district" else 1}
            row |= {f"{prefix}_{s}": float(k - 1) for s, _, _ in SERIES}
            rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("prefix", ["need_lost", "mean_minutes_added"])
def test_png_one_panel_per_plan(prefix: str) -> None:
    table = _table(prefix)
    fig = closures_figure(table, title="t")
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["optimum: closing bases", "council: closing bases"]
    for ax in fig.axes:
        assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B", "D (2 together)"]
        widths = sorted(round(p.get_width(), 6) for p in ax.patches)
        assert widths == [-1.0] * 4 + [0.0] * 4 + [1.0] * 4  # 3 rows x 4 series, values as given
    assert Image.open(io.BytesIO(closures_png(table))).format == "PNG"


def test_missing_column_is_an_error() -> None:
    with pytest.raises(KeyError):
        closures_png(_table("need_lost").drop(columns=["need_lost_reoptimised_fewer_bases"]))
