"""Shared test data for the maps tests: hostile names, the hostile Norfolk case, the address check.

Imported by ``conftest.py`` and the test modules as ``map_testdata`` (pytest puts this folder on
``sys.path``).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from maps import offline
from siting.domain import Case, DemandAreas, Plan, Sites

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "maps"
HOSTILE_SITE = "<img src=x onerror=alert(1)>"  # BR04, kept in every solution of the sweep
HOSTILE_CLOSED = "Swaffham`);alert(2);(`${alert(3)}"  # BR01, closed in every solution
HOSTILE_AREA = "</script><script>alert(4)</script>"  # LSOA E01026419
HOSTILE_DISTRICT = 'North <b>Norfolk</b> & "Co"'
HOSTILE_PLAN = "council <i>2019</i>"
HOSTILE_TITLE = "Norfolk <script>alert(5)</script>"
SWEEP_BASES = (5, 10, 15)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-default-apps", "--disable-sync",
                 "--disable-extensions", "--no-default-browser-check", "--metrics-recording-only"]


def hostile_case(case: Case) -> Case:
    """``case`` (Norfolk) with hostile names on a kept base, a closed site, an area, a district and the plan."""
    sites = case.sites.frame.copy()
    sites.loc[sites["id"] == "BR04", "name"] = HOSTILE_SITE
    sites.loc[sites["id"] == "BR01", "name"] = HOSTILE_CLOSED
    sites["district"] = sites["district"].replace("North Norfolk", HOSTILE_DISTRICT)
    demand = case.demand.frame.copy()
    demand.loc[demand["id"] == "E01026419", "name"] = HOSTILE_AREA
    demand["district"] = demand["district"].replace("North Norfolk", HOSTILE_DISTRICT)
    plan = case.plan_in_hand
    assert plan is not None
    plans = {HOSTILE_PLAN: Plan(HOSTILE_PLAN, plan.site_ids, "the <u>15</u> bases kept in 2019")}
    return dataclasses.replace(case, demand=DemandAreas(demand, case.demand.source),
                               sites=Sites(sites, case.sites.source), plans=plans)


#: Any absolute or protocol-relative web address.
URL = re.compile(r"(?:https?:)?//[a-z0-9][a-z0-9.-]*\.[a-z]{2,}[^\s\"'<>)]*", re.IGNORECASE)


def addresses(page: str) -> set[str]:
    """Web addresses in ``page`` outside the vendored Leaflet code and XML namespace names."""
    rest = page.replace(offline.leaflet_js(), "").replace(offline.leaflet_css(), "")
    return {u for u in URL.findall(rest) if not u.startswith(("http://www.w3.org/", "//www.w3.org/"))}
