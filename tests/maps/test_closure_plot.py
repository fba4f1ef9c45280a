"""The closure chart draws every row of closures.csv (one panel per plan) and fails loudly on a bad table."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from maps.closure_plot import SERIES, closures_layout, closures_png
from tests.test_startup import loaded_after


def _table(prefix: str) -> pd.DataFrame:
    rows = []
    for plan in ("optimum", "council"):
        for k, (scope, group) in enumerate([("base", "A"), ("base", "B"), ("district", "D")]):
            row = {"plan": plan, "scope": scope, "group": group, "n_closed": 2 if scope == "district" else 1}
            row |= {f"{prefix}_{s}": float(k - 1) for s, _, _ in SERIES}
            rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("prefix", ["need_lost", "mean_minutes_added"])
def test_one_panel_per_plan_with_every_row(prefix: str) -> None:
    layout = closures_layout(_table(prefix), title="t")
    assert [p.title for p in layout.panels] == ["optimum: closing bases", "council: closing bases"]
    for panel in layout.panels:
        assert panel.labels == ["A", "B", "D (2 together)"]
        assert sorted(b.value for b in panel.bars) == [-1.0] * 4 + [0.0] * 4 + [1.0] * 4  # 3 rows x 4 series
        zero = panel.x(0.0)
        for b in panel.bars:  # a bar runs from zero to its value on the panel's axis
            assert (b.x0, b.x1) == pytest.approx(sorted((zero, panel.x(b.value))))
        assert panel.lo <= -1.0 and panel.hi >= 1.0 and panel.lo in panel.ticks and panel.hi in panel.ticks
    assert Image.open(io.BytesIO(closures_png(_table(prefix)))).format == "PNG"


def test_bar_lengths_in_the_png_are_proportional_to_the_values() -> None:
    """Counted in the image: each series' colour covers a length proportional to its loss."""
    row = {"plan": "p", "scope": "base", "group": "A", "n_closed": 1}
    row |= {f"need_lost_{s}": v for (s, _, _), v in zip(SERIES, (4000.0, 2000.0, 1000.0, 500.0), strict=True)}
    image = np.asarray(Image.open(io.BytesIO(closures_png(pd.DataFrame([row])))).convert("RGB"))
    [panel] = closures_layout(pd.DataFrame([row])).panels
    lengths = []
    for (_, _, colour), bar in zip(SERIES, panel.bars, strict=True):
        rgb = tuple(int(colour[k:k + 2], 16) for k in (1, 3, 5))
        line = image[int((bar.y0 + bar.y1) / 2)]
        lengths.append(int((line == rgb).all(axis=1).sum()))
    assert lengths[0] > 0
    assert [x / lengths[0] for x in lengths] == pytest.approx([1.0, 0.5, 0.25, 0.125], abs=2 / lengths[0])


def test_infeasible_values_are_marked_not_drawn_as_zero() -> None:
    table = _table("need_lost")
    table.loc[0, "need_lost_reoptimised_fewer_bases"] = math.nan
    bar = closures_layout(table).panels[0].bars[3]
    assert math.isnan(bar.value)


def test_drawing_the_chart_loads_no_matplotlib() -> None:
    code = ("import pandas as pd; from maps.closure_plot import closures_png; "
            "closures_png(pd.DataFrame([{'plan': 'p', 'scope': 'base', 'group': 'A', 'n_closed': 1, "
            "**{f'need_lost_{s}': 1.0 for s in ('if_closed_alone_others_fixed', 'best_replacement_others_fixed', "
            "'reoptimised_same_count', 'reoptimised_fewer_bases')}}]))")
    assert "matplotlib" not in loaded_after(code)


def test_missing_column_is_an_error() -> None:
    with pytest.raises(KeyError):
        closures_png(_table("need_lost").drop(columns=["need_lost_reoptimised_fewer_bases"]))
