"""What a commissioner hit in the map and the report, checked in headless Chromium.

The catchment legend stays clear of the layer control and shows its last row; it can be collapsed
and starts collapsed on a narrow screen; kept bases carry their names; printing hides the
controls and keeps the whole map; an offline ``--tiles osm`` page draws fills that match the
legend's swatches (same colour, same opacity, on white).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from map_testdata import HOSTILE_TITLE

from maps import styles
from maps.coverage_map import MODES, coverage_map_html
from maps.results import read_result

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def map_file(result_dir: Path, boundaries: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fixes") / "map.html"
    path.write_text(coverage_map_html(read_result(result_dir), boundaries, title=HOSTILE_TITLE), encoding="utf-8")
    return path


def rect(page: Any, selector: str) -> dict[str, float]:
    return dict(page.evaluate(f"(() => {{ const r = document.querySelector({selector!r}).getBoundingClientRect();"
                              " return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; })()"))


@pytest.mark.parametrize("height", [900, 620])
def test_catchment_legend_clear_of_the_layer_control_and_complete(open_page: Callable[..., Any], map_file: Path,
                                                                  height: int, artifacts: Path) -> None:
    w = open_page(map_file, height=height)
    page = w.page
    page.locator(".leaflet-control-layers").get_by_text(MODES["catchment"]).click()
    layers, legend, box = rect(page, ".leaflet-control-layers"), rect(page, ".siting-legend"), rect(page, ".folium-map")
    assert legend["top"] >= layers["bottom"], "the legend covers the layer control"
    assert legend["bottom"] <= box["bottom"] + 0.5
    # every entry of the layer control can be clicked (nothing on top of it)
    page.locator(".leaflet-control-layers").get_by_text("Closed sites").click()
    assert page.evaluate("document.querySelectorAll('.siting-closed').length") == 0
    # the last row of the legend can be scrolled fully into view
    page.evaluate("(() => { const l = document.querySelector('.siting-legend'); l.scrollTop = l.scrollHeight; })()")
    last = page.evaluate("(() => { const l = document.querySelector('.siting-legend');"
                         " const items = l.querySelectorAll('li'); const r = items[items.length - 1]"
                         ".getBoundingClientRect(); const b = l.getBoundingClientRect();"
                         " return [r.bottom, b.bottom]; })()")
    assert last[0] <= last[1] + 0.5, "the legend clips its last row"
    page.screenshot(path=str(artifacts / f"map_catchments_{height}px.png"))
    w.assert_clean()


def test_legend_collapses_and_starts_collapsed_at_800px(open_page: Callable[..., Any], map_file: Path,
                                                        artifacts: Path) -> None:
    w = open_page(map_file, width=800, height=700)
    page = w.page
    assert not page.is_visible(".siting-legend"), "at 800 px the legend starts collapsed (the coast is visible)"
    page.screenshot(path=str(artifacts / "map_800px_collapsed.png"))
    page.click(".siting-legend-toggle")
    assert page.is_visible(".siting-legend")
    page.click(".siting-legend-toggle")
    assert not page.is_visible(".siting-legend")
    w.assert_clean()
    wide = open_page(map_file)
    assert wide.page.is_visible(".siting-legend")
    wide.page.click(".siting-legend-toggle")
    assert not wide.page.is_visible(".siting-legend")


def test_kept_bases_carry_their_names(open_page: Callable[..., Any], map_file: Path, result_dir: Path) -> None:
    w = open_page(map_file)
    labels = w.page.evaluate("Array.from(document.querySelectorAll('.leaflet-tooltip.siting-label'),"
                             " e => e.textContent)")
    names = read_result(result_dir).bases["name"].tolist()
    assert sorted(labels) == sorted(names)
    assert w.page.evaluate("document.querySelectorAll('.leaflet-tooltip.siting-label img').length") == 0
    w.assert_clean()


def test_print_hides_controls_and_keeps_the_map(open_page: Callable[..., Any], map_file: Path,
                                                artifacts: Path) -> None:
    w = open_page(map_file, width=800, height=700)
    page = w.page
    page.emulate_media(media="print")
    for selector in (".leaflet-control-layers", ".leaflet-control-zoom", ".siting-legend-toggle"):
        assert not page.is_visible(selector), selector
    assert page.is_visible(".siting-legend"), "the legend prints open"
    pdf = artifacts / "map_print.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    w.assert_clean()


def test_offline_tiles_page_fills_match_the_legend(open_page: Callable[..., Any], result_dir: Path, boundaries: Any,
                                                   tmp_path: Path) -> None:
    path = tmp_path / "tiles.html"
    path.write_text(coverage_map_html(read_result(result_dir), boundaries, tiles="osm"), encoding="utf-8")
    w = open_page(path)
    page = w.page
    opacity = page.evaluate("Array.from(new Set(Array.from(document.querySelectorAll("
                            "'.leaflet-siting-areas-pane path'), p => p.getAttribute('fill-opacity'))))")
    assert opacity == [str(styles.FILL_OPACITY_TILES)]
    swatches = page.evaluate("Array.from(new Set(Array.from(document.querySelectorAll('.siting-legend .swatch'),"
                             " s => getComputedStyle(s).opacity)))")
    assert swatches == [str(styles.FILL_OPACITY_TILES)]
    assert page.evaluate("getComputedStyle(document.querySelector('.leaflet-container')).backgroundColor") == \
        "rgb(255, 255, 255)"
    # the tile requests went nowhere (no network): the fills are on white, as the swatches
    assert all("tile.openstreetmap.org" in u for u in w.outside)
