"""The embedded Norfolk case: 538 LSOAs, the 53 children's centres, the council's plans and budgets.

Data (package data under ``scenarios/data/norfolk``; see ``scenarios/data/PROVENANCE.md``):
ONS mid-2020 population aged 0-4 and population-weighted centroids of the 2011 LSOAs, IoD2019
IDACI scores, the 2011 rural-urban classification, the 53 children's centres and the council's
2019 decisions, and the budget table of the 22 January 2019 committee report.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from siting import validation
from siting.calibration import CalibrationReport, calibrate
from siting.domain import Budget, Case, Plan, TravelMatrix
from siting.geo import to_bng
from siting.need import weighted
from siting.travel import StraightLineEstimator

NAME = "norfolk"
DEMAND_COLUMNS = {
    "id": "lsoa11cd", "name": "lsoa11nm", "lon": "pwc_lon", "lat": "pwc_lat", "x_m": "pwc_easting",
    "y_m": "pwc_northing", "district": "lad19nm", "ruc": "ruc11", "ruc_code": "ruc11cd",
    "children_0_4": "pop2020_age0_4", "idaci": "idaci2019_score",
}
SITE_COLUMNS = {"id": "centre_id", "kind": "building"}
PLAN_COUNCIL = "council_2019"
PLAN_ORIGINAL = "original_proposal_2018"
PLAN_ALL_CENTRES = "all_centres_2018"
BUDGET_OLD = "children_centres_2018"
BUDGET_NEW = "early_childhood_family_service_2019"
ATTRIBUTION = "Contains ONS, MHCLG and OS data © Crown copyright and database right (Open Government Licence v3)"


def data_dir() -> Path:
    """Folder of the packaged Norfolk data."""
    return Path(__file__).resolve().parent / "data" / "norfolk"


def _read(name: str) -> pd.DataFrame:
    return validation.read_table(data_dir() / name)


@lru_cache(maxsize=4)
def load(need: str = "children") -> Case:
    """The Norfolk case with demand weighted by ``need`` (see :mod:`siting.need`)."""
    d_path = data_dir() / "lsoa11_demand.csv"
    demand = validation.demand_areas(_read("lsoa11_demand.csv"), source=str(d_path), columns=DEMAND_COLUMNS)
    s_path = data_dir() / "childrens_centres_2019.csv"
    raw_sites = _read("childrens_centres_2019.csv")
    sites = validation.sites(raw_sites, source=str(s_path), columns=SITE_COLUMNS, districts=set(demand.districts))
    kept = tuple(raw_sites.loc[raw_sites["council_2019_decision"] == "retained_base", "centre_id"].astype(str))
    first = tuple(raw_sites.loc[raw_sites["original_proposal_base"] == "yes", "centre_id"].astype(str))
    buildings = tuple(sites.frame.loc[sites.frame["kind"] == "building", "id"])
    plans = {
        PLAN_COUNCIL: Plan(PLAN_COUNCIL, kept, "the 15 bases the council kept in January 2019"),
        PLAN_ORIGINAL: Plan(PLAN_ORIGINAL, first, "the 7 bases first proposed in 2018"),
        PLAN_ALL_CENTRES: Plan(PLAN_ALL_CENTRES, buildings, "all 49 centre buildings (the old model)"),
    }
    b_path = data_dir() / "budget_2019.csv"
    table = _read("budget_2019.csv")
    budgets = {
        BUDGET_OLD: _with_bases(validation.budget(table, source=str(b_path), model=BUDGET_OLD), 53),
        BUDGET_NEW: _with_bases(validation.budget(table, source=str(b_path), model=BUDGET_NEW), 15),
    }
    return Case(NAME, weighted(demand, need), sites, plans, budgets, provenance=ATTRIBUTION)


def _with_bases(b: Budget, bases: int) -> Budget:
    return Budget(b.name, b.categories_gbp, bases)


def routed_pairs() -> pd.DataFrame:
    """Real routed drive times from each LSOA to 7 hospitals, as estimator calibration pairs."""
    routed = _read("routed_minutes_lsoa11_to_hospitals.csv")
    demand = _read("lsoa11_demand.csv")[["lsoa11cd", "pwc_easting", "pwc_northing"]]
    hosp = _read("hospitals.csv")
    hx, hy = to_bng(hosp["lon"].to_numpy(), hosp["lat"].to_numpy())
    hosp = hosp.assign(dx_m=hx, dy_m=hy)[["postcode", "dx_m", "dy_m"]]
    pairs = routed.merge(demand, on="lsoa11cd").merge(hosp, on="postcode")
    return pd.DataFrame({
        "origin_id": pairs["lsoa11cd"], "ox_m": pairs["pwc_easting"], "oy_m": pairs["pwc_northing"],
        "dest_id": pairs["postcode"], "dx_m": pairs["dx_m"], "dy_m": pairs["dy_m"], "minutes": pairs["minutes"],
    })


@lru_cache(maxsize=1)
def estimator() -> tuple[StraightLineEstimator, CalibrationReport]:
    """The straight-line estimator calibrated on Norfolk's routed drive times, and its errors."""
    return calibrate(routed_pairs())


def travel_matrix(case: Case | None = None) -> TravelMatrix:
    """Estimated drive minutes from every Norfolk LSOA to every centre."""
    case = case or load()
    est, report = estimator()
    m = est.matrix(case.demand, case.sites)
    return TravelMatrix(m.minutes, m.demand_ids, m.site_ids,
                        source=("Norfolk straight-line estimator (held-out destinations: mean absolute error "
                                f"{report.lodo_mae_minutes:.1f} min, "
                                f"90th percentile {report.lodo_p90_minutes:.1f} min)"))
