"""Fixtures for the maps tests: a Norfolk case with hostile names, a result folder, a small sweep, a browser.

The hostile case is the embedded Norfolk case with some names replaced by markup and script
(a kept base, a closed site, an area, a district and the plan in hand): names do not change the
optimum, so the figures are Norfolk's, and every page built from it must show those names as text.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from map_testdata import ARTIFACTS, CHROMIUM_ARGS, SWEEP_BASES, hostile_case

from siting.domain import Case, TravelMatrix


@pytest.fixture(scope="session")
def hostile(norfolk_case: tuple[Case, TravelMatrix]) -> tuple[Case, TravelMatrix]:
    case, matrix = norfolk_case
    return hostile_case(case), matrix


def _solve(case: Case, matrix: TravelMatrix, bases: int, folder: Path, *, staff_hours: bool = False,
           budget: bool = False) -> dict[str, Any]:
    from scenarios.solve import SolveRequest, run, write_outcome

    outcome = run(case, matrix, SolveRequest(bases=bases, minutes=20.0))
    if staff_hours:
        b = outcome.tables["bases.csv"]
        outcome.tables["bases.csv"] = b.assign(staff_hours=[37.5 * (k + 1) for k in range(len(b))])
    if budget:
        outcome.summary["budget"] = {"name": "early_childhood_family_service_2019", "frontline_share": 0.62,
                                     "categories_gbp": {"frontline_delivery": 3250000, "management_and_admin": 1150000,
                                                        "<b>buildings</b>": 550000}}
    write_outcome(outcome, folder)
    return outcome.summary


@pytest.fixture(scope="session")
def result_dir(hostile: tuple[Case, TravelMatrix], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A result folder (15 bases, 20 minutes) of the hostile case, with staff hours per base."""
    folder = tmp_path_factory.mktemp("result") / "r15"
    _solve(*hostile, 15, folder, staff_hours=True)
    return folder


@pytest.fixture(scope="session")
def sweep_dir(hostile: tuple[Case, TravelMatrix], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sweep folder as ``siting sweep`` writes it: 5, 10 and 15 bases solved, one failed job without a folder."""
    folder = tmp_path_factory.mktemp("sweep") / "sweep"
    rows = []
    for p in SWEEP_BASES:
        job = f"mclp-b{p:03d}-m20"
        s = _solve(*hostile, p, folder / "jobs" / job, budget=(p == 15))
        rows.append({"job_id": job, "case": "norfolk", "model": "mclp", "bases": p, "minutes": 20.0,
                     "status": s["status"], "objective": s["objective"], "bound": s["bound"], "gap": s["gap"],
                     "need_covered_share": s["need_covered_share"], "worst_minutes": s["worst_minutes"],
                     "worst_rural_minutes": s["worst_rural_minutes"],
                     "frontline_share": 0.62 if p == 15 else None, "contact_hours": None,
                     "solve_seconds": s["solve_seconds"]})
    rows.append({"job_id": "mclp-b002-m20", "case": "norfolk", "model": "mclp", "bases": 2, "minutes": 20.0,
                 "status": "error", "objective": None, "bound": None, "gap": None, "need_covered_share": None,
                 "worst_minutes": None, "worst_rural_minutes": None, "frontline_share": None,
                 "contact_hours": None, "solve_seconds": 0.01})
    pd.DataFrame(rows).to_csv(folder / "results.csv", index=False)
    return folder


@pytest.fixture(scope="session")
def boundaries() -> Any:
    from scenarios.boundaries import packaged

    return packaged("norfolk")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# --- the browser -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (skipped, with the reason, if either is missing)."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright (python) is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Watched:
    """A page and what happened on it: console errors, requests outside the file, dialogs."""

    page: Any
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.outside == [], f"requests outside the file: {self.outside}"
        assert self.dialogs == [], f"dialogs opened (script ran): {self.dialogs}"


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[[Path], Watched]]:
    """``open_page(path)``: load a local HTML file in a fresh page, recording errors, requests and dialogs."""
    contexts = []

    def _open(path: Path, *, width: int = 1400, height: int = 900) -> Watched:
        context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
        contexts.append(context)
        page = context.new_page()
        w = Watched(page)

        def on_console(msg: Any) -> None:
            if msg.type == "error":
                w.errors.append(msg.text)

        def on_request(req: Any) -> None:
            if not req.url.startswith(("file:", "data:", "about:")):
                w.outside.append(req.url)

        def on_dialog(dialog: Any) -> None:
            w.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("console", on_console)
        page.on("pageerror", lambda exc: w.errors.append(f"page error: {exc}"))
        page.on("request", on_request)
        page.on("dialog", on_dialog)
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.wait_for_function("window.sitingView !== undefined")
        return w

    yield _open
    for c in contexts:
        c.close()
