"""Maps and the report in a real browser (headless Debian Chromium through Playwright).

Every page is opened from a ``file://`` URL; each test fails on a console error, on any request
that is not ``file:``/``data:`` (nothing may be fetched from the network) and on any dialog (a
hostile name that ran as script). Screenshots go to ``test-artifacts/maps/``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from map_testdata import HOSTILE_AREA, HOSTILE_CLOSED, HOSTILE_PLAN, HOSTILE_SITE, HOSTILE_TITLE, SWEEP_BASES
from PIL import Image

from maps import styles
from maps.coverage_map import MODES, coverage_map_html
from maps.report import report_html
from maps.results import read_result, read_sweep

pytestmark = pytest.mark.browser

AREA_PATHS = ".leaflet-siting-areas-pane path"
UNCOVERED_PATHS = ".leaflet-siting-uncovered-pane path"


@pytest.fixture(scope="module")
def map_file(result_dir: Path, boundaries: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pages") / "map.html"
    path.write_text(coverage_map_html(read_result(result_dir), boundaries, title=HOSTILE_TITLE), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def report_file(sweep_dir: Path, boundaries: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pages") / "report.html"
    path.write_text(report_html(read_sweep(sweep_dir), boundaries, title=HOSTILE_TITLE), encoding="utf-8")
    return path


def count(page: Any, selector: str) -> int:
    return int(page.evaluate(f"document.querySelectorAll({selector!r}).length"))


def fills(page: Any) -> list[str]:
    return list(page.evaluate(f"Array.from(document.querySelectorAll({AREA_PATHS!r}), p => p.getAttribute('fill'))"))


def screenshot(page: Any, path: Path, *, full_page: bool = False, selector: str | None = None) -> None:
    """Save a screenshot (of the page or of one element) and check it is not blank."""
    if selector is None:
        page.screenshot(path=str(path), full_page=full_page)
    else:
        page.locator(selector).screenshot(path=str(path))
    with Image.open(path) as img:
        colours = img.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50, f"{path.name} looks blank ({len(colours or [])} colours)"


def layer_control(page: Any, label: str) -> None:
    """Click the entry ``label`` of the layer control."""
    page.locator(".leaflet-control-layers").get_by_text(label).click()


def open_popup(page: Any, needle: str, *, areas: bool = False) -> str:
    """Open the popup of the marker (or area) whose popup (tooltip) holds ``needle``; its text."""
    js = """([needle, areas]) => {
        const map = window[Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map)];
        map.closePopup();
        document.querySelectorAll('.leaflet-popup').forEach(p => p.remove());  // one still fading out
        let found = null;
        map.eachLayer(l => {
            if (found || !l.getPopup || !l.getPopup()) return;
            const text = areas ? (l.feature && l.feature.properties.t) : l.getPopup().getContent();
            if (typeof text === 'string' && text.includes(needle)) found = l;
        });
        if (!found) return false;
        found.openPopup();
        return true;
    }"""
    assert page.evaluate(js, [needle, areas]), f"no layer with {needle!r}"
    page.wait_for_selector(".leaflet-popup-content")
    assert count(page, ".leaflet-popup-content") == 1
    return str(page.inner_text(".leaflet-popup-content"))


def test_map_loads_offline_and_draws_everything(open_page: Callable[..., Any], map_file: Path,
                                                artifacts: Path) -> None:
    w = open_page(map_file)
    page = w.page
    assert count(page, AREA_PATHS) == 538
    assert count(page, ".siting-kept") == 15
    assert count(page, ".siting-closed") == 53 - 15
    assert count(page, UNCOVERED_PATHS) > 0
    assert count(page, ".leaflet-siting-districts-pane path") == 7
    assert count(page, ".leaflet-control-scale") == 1
    assert count(page, ".leaflet-control-layers") == 1
    legend = page.inner_text(".siting-legend")
    assert "Need per area" in legend and "Kept base" in legend and "Closed site" in legend
    assert HOSTILE_TITLE in legend  # the title, as text
    assert count(page, ".siting-legend script") == 0
    assert set(fills(page)) <= set(styles.NEED_COLOURS)
    screenshot(page, artifacts / "map_norfolk_15_need.png")
    w.assert_clean()


def test_map_modes_recolour_the_areas(open_page: Callable[..., Any], map_file: Path, artifacts: Path) -> None:
    w = open_page(map_file)
    page = w.page
    need = fills(page)
    layer_control(page, MODES["catchment"])
    catchment = fills(page)
    assert len(catchment) == 538 and catchment != need
    assert set(catchment) <= set(styles.CATCHMENT_PALETTE) | {styles.NO_BASE_COLOUR}
    assert page.locator(".siting-legend [data-catchments] li").count() == 15
    screenshot(page, artifacts / "map_norfolk_15_catchments.png")
    layer_control(page, MODES["minutes"])
    minutes = fills(page)
    assert set(minutes) <= set(styles.MINUTES_COLOURS) and len(set(minutes)) >= 3
    # the layer checkboxes hide and show layers
    layer_control(page, "Closed sites")
    assert count(page, ".siting-closed") == 0
    layer_control(page, "Closed sites")
    assert count(page, ".siting-closed") == 38
    w.assert_clean()


def test_hostile_names_show_as_text(open_page: Callable[..., Any], map_file: Path) -> None:
    w = open_page(map_file)
    page = w.page
    text = open_popup(page, "&lt;img src=x")
    assert HOSTILE_SITE in text and "Kept as a base" in text and "Staff hours" in text
    assert HOSTILE_PLAN not in text  # the plan's name is not on this popup, but "In the plan in hand" is
    assert count(page, ".leaflet-popup-content img") == 0
    text = open_popup(page, "Swaffham")
    assert HOSTILE_CLOSED in text and "Closed in this solution" in text
    text = open_popup(page, "&lt;/script&gt;", areas=True)
    assert HOSTILE_AREA in text and "Nearest base" in text
    page.hover(".siting-kept >> nth=0")
    layer_control(page, "Plan in hand: council")  # the plan's layer, named with markup
    assert count(page, ".siting-plan") == 15
    assert HOSTILE_PLAN in page.inner_text(".leaflet-control-layers")
    page.wait_for_timeout(200)
    w.assert_clean()


def test_report_switches_between_solutions(open_page: Callable[..., Any], report_file: Path,
                                           artifacts: Path) -> None:
    w = open_page(report_file)
    page = w.page
    assert count(page, AREA_PATHS) == 538
    assert count(page, ".siting-kept") == SWEEP_BASES[-1]  # the most bases first
    uncovered = {SWEEP_BASES[-1]: count(page, UNCOVERED_PATHS)}
    screenshot(page, artifacts / "report_norfolk.png", full_page=True)
    page.select_option("#siting-select", "0")
    assert count(page, ".siting-kept") == SWEEP_BASES[0]
    uncovered[SWEEP_BASES[0]] = count(page, UNCOVERED_PATHS)
    assert uncovered[SWEEP_BASES[0]] > uncovered[SWEEP_BASES[-1]]  # fewer bases, more need left out
    assert page.is_visible('[data-solution-panel="0"]') and not page.is_visible('[data-solution-panel="2"]')
    assert page.input_value("#siting-slider") == "0"
    page.locator("#siting-slider").fill("1")
    assert count(page, ".siting-kept") == SWEEP_BASES[1]
    assert page.input_value("#siting-select") == "1"
    assert f"{SWEEP_BASES[1]} bases" in page.inner_text("#siting-current")
    page.click('.chart [data-solution-point="2"] >> nth=0')
    assert count(page, ".siting-kept") == SWEEP_BASES[2]
    assert page.evaluate("window.sitingView.current()") == 2
    # the comparison with the plan in hand names the plan as text
    assert HOSTILE_PLAN in page.inner_text('[data-solution-panel="2"]')
    page.select_option("#siting-select", "1")
    layer_control(page, MODES["minutes"])
    text = open_popup(page, "&lt;img src=x")
    assert HOSTILE_SITE in text
    screenshot(page, artifacts / "report_norfolk_10_minutes.png", selector=".folium-map")
    w.assert_clean()
