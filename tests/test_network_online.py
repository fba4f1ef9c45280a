"""Downloads happen only when asked and fail fast, with a clear message, when OpenStreetMap cannot be reached."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from siting.errors import InputError
from siting.network import online

ox = pytest.importorskip("osmnx")
requests = pytest.importorskip("requests")
MESSAGE = "cannot reach the OpenStreetMap Overpass API (no internet?)"


def test_place_download_without_internet_is_a_clear_input_error(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def offline(*args: Any, **kwargs: Any) -> None:
        seen.update(rate_limit=ox.settings.overpass_rate_limit, timeout=ox.settings.requests_timeout,
                    use_cache=ox.settings.use_cache, kwargs=kwargs)
        raise requests.exceptions.ConnectionError("Name or service not known")

    monkeypatch.setattr(ox, "graph_from_place", offline)
    before = (ox.settings.overpass_rate_limit, ox.settings.requests_timeout, ox.settings.use_cache)
    with pytest.raises(InputError, match=r"cannot reach the OpenStreetMap Overpass API \(no internet\?\)") as err:
        online.download(out=tmp_path / "n.graphml", place="Norwich, UK")
    assert "Norwich, UK" in str(err.value)
    assert seen["rate_limit"] is False and seen["timeout"] <= 10 and seen["use_cache"] is False
    assert seen["kwargs"]["network_type"] == "drive_service"
    # settings are restored and nothing was written
    assert (ox.settings.overpass_rate_limit, ox.settings.requests_timeout, ox.settings.use_cache) == before
    assert list(tmp_path.iterdir()) == []


def test_real_attempt_against_a_closed_port_fails_fast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real HTTP attempt (no mock): port 9 on this machine refuses connections, as an offline machine would."""
    monkeypatch.setattr(ox.settings, "overpass_url", "http://127.0.0.1:9/api")
    monkeypatch.setattr(ox.settings, "nominatim_url", "http://127.0.0.1:9/")
    resolver = socket.getaddrinfo
    with pytest.raises(InputError, match=re.escape(MESSAGE)):
        online.download(out=tmp_path / "n.graphml", bbox=(1.29, 52.62, 1.30, 52.63), timeout_s=2.0)
    with pytest.raises(InputError, match="no internet"):
        online.download(out=tmp_path / "n.graphml", place="Norwich, UK", timeout_s=2.0)
    assert socket.getaddrinfo is resolver  # OSMnx's DNS patch is undone


def test_exactly_one_of_place_or_bbox(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="exactly one"):
        online.download(out=tmp_path / "n.graphml")
    with pytest.raises(InputError, match="exactly one"):
        online.download(out=tmp_path / "n.graphml", place="x", bbox=(0.0, 0.0, 1.0, 1.0))


@pytest.mark.parametrize("text", ["1,2,3", "a,b,c,d", "2,50,1,51", "0,91,1,92"])
def test_bad_bbox(text: str) -> None:
    with pytest.raises(InputError, match="--bbox"):
        online.parse_bbox(text)


def test_cli_place_offline_exits_2_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scenarios.cli import cli

    def offline(*args: Any, **kwargs: Any) -> None:
        raise requests.exceptions.ConnectionError("Name or service not known")

    monkeypatch.setattr(ox, "graph_from_place", offline)
    demand = tmp_path / "d.csv"
    pd.DataFrame({"id": ["a"], "x_m": [620000.0], "y_m": [308000.0], "children_0_4": [1], "district": ["x"]}
                 ).to_csv(demand, index=False)
    sites = tmp_path / "s.csv"
    pd.DataFrame({"id": ["s"], "x_m": [620100.0], "y_m": [308000.0]}).to_csv(sites, index=False)
    out = tmp_path / "m.parquet"
    run = CliRunner().invoke(cli, ["travel-times", "--place", "Norwich, UK", "--demand", str(demand), "--sites",
                                   str(sites), "-o", str(out), "--cache-dir", str(tmp_path / "cache")])
    assert run.exit_code == 2
    assert MESSAGE in run.output
    assert run.output.strip().splitlines()[-1].startswith("siting: error:")
    assert not out.exists()
