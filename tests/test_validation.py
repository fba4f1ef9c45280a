"""Input validation: every bad input names its file, line and field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting import validation
from siting.errors import InputError


def demand_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "id": ["A", "B", "C"], "name": ["a", "b", "c"], "lon": [1.0, 1.1, 1.2], "lat": [52.6, 52.7, 52.8],
        "district": ["X", "X", "Y"], "children_0_4": [10, 20, 0], "idaci": [0.1, 0.2, 0.3],
    })


def test_valid_demand_projects_to_bng_and_defaults_weight() -> None:
    d = validation.demand_areas(demand_frame(), source="d.csv")
    assert d.ids == ["A", "B", "C"]
    np.testing.assert_allclose(d.weight, [10, 20, 0])
    # Norwich-ish longitude/latitude lands in East Anglia's BNG range
    assert 550_000 < d.x_m[0] < 650_000 and 290_000 < d.y_m[0] < 330_000


@pytest.mark.parametrize(
    ("mutate", "line", "field", "words"),
    [
        (lambda f: f.drop(columns=["children_0_4"]), 1, "children_0_4", "missing column"),
        (lambda f: f.assign(lat=[52.6, np.nan, 52.8]), 3, "lat", "missing latitude"),
        (lambda f: f.assign(lon=[1.0, 1.1, 200.0]), 4, "lon", "above 180"),
        (lambda f: f.assign(children_0_4=[10, -1, 0]), 3, "children_0_4", "below 0"),
        (lambda f: f.assign(children_0_4=[10, "many", 0]), 3, "children_0_4", "not a number"),
        (lambda f: f.assign(id=["A", "B", "A"]), 4, "id", "duplicate id 'A' (first on line 2)"),
        (lambda f: f.assign(idaci=[0.1, 1.5, 0.3]), 3, "idaci", "above 1"),
    ],
)
def test_bad_demand_names_line_and_field(mutate, line: int, field: str, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as err:
        validation.demand_areas(mutate(demand_frame()), source="d.csv")
    e = err.value
    assert (e.source, e.row, e.field) == ("d.csv", line, field)
    assert words in str(e)
    assert "\n" not in str(e)
    assert str(e).startswith(f"d.csv, line {line}, field '{field}'")


def test_unknown_district() -> None:
    with pytest.raises(InputError, match=r"line 4, field 'district': unknown district 'Y'"):
        validation.demand_areas(demand_frame(), source="d.csv", districts={"X"})


def site_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "id": ["S1", "S2"], "name": ["one", "two"], "lon": [1.0, 1.2], "lat": [52.6, 52.7],
        "district": ["X", "Y"], "kind": ["building", "outreach-only"], "suitable_base": ["yes", "no"],
    })


def test_sites_kinds_and_base_mask() -> None:
    s = validation.sites(site_frame(), source="s.csv")
    assert s.frame["kind"].tolist() == ["building", "outreach_only"]
    assert s.can_be_base.tolist() == [True, False]


def test_bad_site_kind_and_flag() -> None:
    with pytest.raises(InputError, match=r"s.csv, line 3, field 'kind'"):
        validation.sites(site_frame().assign(kind=["building", "tent"]), source="s.csv")
    with pytest.raises(InputError, match=r"s.csv, line 2, field 'suitable_base': expected yes/no"):
        validation.sites(site_frame().assign(suitable_base=["maybe", "no"]), source="s.csv")


def test_bases_count_limits() -> None:
    s = validation.sites(site_frame(), source="s.csv")
    assert validation.bases_count(1, s) == 1
    with pytest.raises(InputError, match="at least 1"):
        validation.bases_count(0, s)
    with pytest.raises(InputError, match="2 bases asked for but only 1 sites can be bases"):
        validation.bases_count(2, s)


def test_matrix_shape_and_values(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"shape \(2, 2\), expected \(3 areas, 2 sites\)"):
        validation.travel_matrix(np.zeros((2, 2)), ["a", "b", "c"], ["s", "t"], source="m")
    with pytest.raises(InputError, match=r"m, line 3, field 't'"):
        validation.travel_matrix(np.array([[1, 2], [3, np.nan]]), ["a", "b"], ["s", "t"], source="m")
    wide = tmp_path / "wide.csv"
    pd.DataFrame({"area": ["a", "b"], "s": [1.0, 2.0], "t": [3.0, np.inf]}).to_csv(wide, index=False)
    m = validation.travel_matrix_file(wide, ["b", "a"], ["t", "s"])
    np.testing.assert_array_equal(m.minutes, np.array([[np.inf, 2.0], [3.0, 1.0]], dtype=np.float32))
    long = tmp_path / "long.parquet"
    pd.DataFrame({"demand_id": ["a", "b"], "site_id": ["s", "t"], "minutes": [4.0, 5.0]}).to_parquet(long)
    m2 = validation.travel_matrix_file(long, ["a", "b"], ["s", "t"])
    assert m2.minutes[0, 0] == 4.0 and m2.minutes[1, 1] == 5.0 and np.isinf(m2.minutes[0, 1])
    with pytest.raises(InputError, match="no column for site 'u'"):
        validation.travel_matrix_file(wide, ["a", "b"], ["s", "u"])


def test_missing_file() -> None:
    with pytest.raises(InputError, match=r"nope\.csv: file not found"):
        validation.read_table(Path("nope.csv"))
