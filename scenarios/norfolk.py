"""The embedded Norfolk case: 538 LSOAs, the 53 children's centres, the council's plans and budgets.

Data (package data under ``scenarios/data/norfolk``; see ``scenarios/data/PROVENANCE.md``):
ONS mid-2020 population aged 0-4 and population-weighted centroids of the 2011 LSOAs, IoD2019
IDACI scores, the 2011 rural-urban classification, the 53 children's centres and the council's
2019 decisions, and the budget table of the 22 January 2019 committee report.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from siting import significance, validation
from siting.calibration import CalibrationReport, calibrate
from siting.domain import Budget, Case, Plan, Sites, TravelMatrix
from siting.errors import InputError
from siting.geo import to_bng
from siting.need import weighted
from siting.problems import ALL_DISTRICTS, DistrictLimit, SiteRules
from siting.significance import Residuals
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
SUITABILITY_LEVELS = ("suitable", "limited", "unsuitable", "unknown")
RULE_SETS = ("council", "none")
#: The council's published minimum number of bases per district (report sections 4.5 and 6.1).
COUNCIL_MIN_PER_DISTRICT: dict[str, int] = {ALL_DISTRICTS: 2, "Norwich": 3}
COUNCIL_RULES_TEXT = "only buildings the council's report calls suitable; at least 2 bases per district, 3 in Norwich"
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
    cache = _cache()
    if cache is not None and cache["site_ids"].tolist() == raw_sites["centre_id"].astype(str).tolist():
        # the centres' BNG coordinates, projected when the cache was written (saves loading pyproj)
        raw_sites = raw_sites.assign(x_m=cache["site_x_m"], y_m=cache["site_y_m"])
    sites = validation.sites(raw_sites, source=str(s_path), columns=SITE_COLUMNS, districts=set(demand.districts))
    kept = tuple(raw_sites.loc[raw_sites["council_2019_decision"] == "retained_base", "centre_id"].astype(str))
    first = tuple(raw_sites.loc[raw_sites["original_proposal_base"] == "yes", "centre_id"].astype(str))
    sites = Sites(sites.frame.merge(suitability()[["id", "suitability", "suitability_reason"]], on="id", how="left")
                  .fillna({"suitability": "unknown", "suitability_reason": ""}), sites.source)
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


@lru_cache(maxsize=1)
def heldout_residuals() -> Residuals:
    """The estimator's held-out residuals (:func:`siting.significance.heldout_residuals`), from the cache when valid."""
    z = _cache()
    if z is not None:
        return Residuals(z["heldout_km"], z["heldout_minutes"], z["heldout_band_edges_km"],
                         float(z["heldout_mae_minutes"]))
    return significance.heldout_residuals(routed_pairs())


def error_minutes() -> float:
    """The calibrated estimator's held-out mean absolute error, minutes (from the cache when valid)."""
    z = _cache()
    return float(z["estimator_mae_minutes"]) if z is not None else float(estimator()[1].mae_minutes)


#: Derived arrays of the Norfolk case cached as package data: the travel matrix as computed by
#: :func:`estimated_matrix`, the centres' BNG coordinates, the estimator's held-out residuals and its mean
#: absolute error (it saves loading scipy.spatial and pyproj and calibrating on every ``siting solve norfolk``).
#: Used only while the data files hash to ``inputs_sha256``;
#: ``tests/test_norfolk_cache.py`` checks the cache equals a fresh computation bit for bit. Regenerate it with
#: ``python -c "import scenarios.norfolk as n; n.write_matrix_cache()"`` after changing the estimator or the data.
MATRIX_CACHE = "travel_minutes_cache.npz"
_MATRIX_INPUTS = ("lsoa11_demand.csv", "childrens_centres_2019.csv", "routed_minutes_lsoa11_to_hospitals.csv",
                  "hospitals.csv")


def _inputs_digest() -> str:
    """SHA-256 over the data files the matrix is computed from."""
    h = hashlib.sha256()
    for name in _MATRIX_INPUTS:
        h.update((data_dir() / name).read_bytes())
    return h.hexdigest()


def estimated_matrix(case: Case) -> TravelMatrix:
    """The matrix computed now by the calibrated straight-line estimator (its source names its held-out error)."""
    est, report = estimator()
    m = est.matrix(case.demand, case.sites)
    return TravelMatrix(m.minutes, m.demand_ids, m.site_ids,
                        source=("Norfolk straight-line estimator (held-out destinations: mean absolute error "
                                f"{report.lodo_mae_minutes:.1f} min, "
                                f"90th percentile {report.lodo_p90_minutes:.1f} min)"))


def write_matrix_cache(path: Path | None = None) -> Path:
    """Compute the matrix of the Norfolk case and write the cache (default: the packaged file)."""
    raw_sites = _read("childrens_centres_2019.csv")
    x_m, y_m = to_bng(raw_sites["lon"].to_numpy(), raw_sites["lat"].to_numpy())
    load.cache_clear()
    _cache.cache_clear()
    case = load()
    m = estimated_matrix(case)
    path = path or data_dir() / MATRIX_CACHE
    held = significance.heldout_residuals(routed_pairs())
    np.savez_compressed(path, minutes=m.minutes, demand_ids=np.array(m.demand_ids), site_ids=np.array(m.site_ids),
                        inputs_sha256=np.array(_inputs_digest()), source=np.array(m.source),
                        site_x_m=x_m, site_y_m=y_m, heldout_km=held.km, heldout_minutes=held.minutes,
                        heldout_band_edges_km=held.band_edges_km, heldout_mae_minutes=np.array(held.mae_minutes),
                        estimator_mae_minutes=np.array(estimator()[1].mae_minutes))
    load.cache_clear()
    _cache.cache_clear()
    heldout_residuals.cache_clear()
    return path


@lru_cache(maxsize=1)
def _cache() -> dict[str, np.ndarray] | None:
    """The packaged cache's arrays if it was written from today's data files, else ``None``."""
    path = data_dir() / MATRIX_CACHE
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    keys = {"minutes", "demand_ids", "site_ids", "inputs_sha256", "source", "site_x_m", "site_y_m", "heldout_km",
            "heldout_minutes", "heldout_band_edges_km", "heldout_mae_minutes", "estimator_mae_minutes"}
    return arrays if keys <= set(arrays) and str(arrays["inputs_sha256"]) == _inputs_digest() else None


def cached_matrix(case: Case) -> TravelMatrix | None:
    """The packaged matrix if it was computed from today's data files for ``case``'s areas and sites, else ``None``."""
    z = _cache()
    if z is None:
        return None
    demand_ids, site_ids = tuple(z["demand_ids"].tolist()), tuple(z["site_ids"].tolist())
    if demand_ids != tuple(case.demand.ids) or site_ids != tuple(case.sites.ids):
        return None
    return TravelMatrix(z["minutes"].copy(), demand_ids, site_ids, source=str(z["source"]))


def travel_matrix(case: Case | None = None) -> TravelMatrix:
    """Estimated drive minutes from every Norfolk LSOA to every centre (from the packaged cache when valid)."""
    case = case or load()
    return cached_matrix(case) or estimated_matrix(case)


@lru_cache(maxsize=1)
def suitability() -> pd.DataFrame:
    """Each centre's suitability as a base, transcribed from section 6.1 of the council's report.

    Columns: ``id``, ``name``, ``suitability`` (one of :data:`SUITABILITY_LEVELS`), ``basis``
    (``building``, ``location``, ``no_physical_site``, ``not_stated``), ``suitability_reason`` (the
    report's words) and ``source_section``. See ``scenarios/data/PROVENANCE.md``.
    """
    path = data_dir() / "base_suitability_2019.csv"
    raw = _read("base_suitability_2019.csv").fillna({"note": "", "basis": ""})
    validation.require_columns(raw, ["centre_id", "suitability", "reason", "source_section"], str(path))
    bad = ~raw["suitability"].isin(SUITABILITY_LEVELS)
    if bad.any():
        k = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(f"suitability must be one of {', '.join(SUITABILITY_LEVELS)}, got "
                         f"{raw['suitability'].iloc[k]!r}", source=str(path), row=k + 2, field="suitability")
    return raw.rename(columns={"centre_id": "id", "reason": "suitability_reason"}).astype({"id": str})


def council_rules(case: Case, *, allow_limited: bool = False, min_per_district: DistrictLimit | None = None,
                  max_per_district: DistrictLimit | None = None, must_keep: tuple[str, ...] = (),
                  must_close: tuple[str, ...] = ()) -> SiteRules:
    """The council's published rule set: suitable buildings only, 2 bases per district and 3 in Norwich.

    ``limited`` buildings are ruled out unless ``allow_limited`` (then allowed and flagged);
    ``unknown`` ones are always ruled out (the council kept only buildings it called suitable).
    An explicit ``min_per_district`` replaces the council's minimums.
    """
    frame = case.sites.frame
    allowed = {"suitable", "limited"} if allow_limited else {"suitable"}
    excluded = {str(r.id): f"{r.suitability} as a base (report 6.1: {r.suitability_reason})"
                for r in frame.itertuples() if r.suitability not in allowed}
    flagged = {str(r.id): f"limited as a base (report 6.1: {r.suitability_reason})"
               for r in frame.itertuples() if allow_limited and r.suitability == "limited"}
    text = COUNCIL_RULES_TEXT if not allow_limited else COUNCIL_RULES_TEXT.replace(
        "calls suitable", "calls suitable or limited (limited ones flagged)")
    if min_per_district is not None:
        text = text.split(";")[0] + "; per-district minimums set by the user"
    return SiteRules(
        must_keep=must_keep, must_close=must_close,
        min_per_district=dict(COUNCIL_MIN_PER_DISTRICT) if min_per_district is None else min_per_district,
        max_per_district=max_per_district, name="council", description=text, excluded=excluded, flagged=flagged,
    )


def rules(name: str, case: Case, *, allow_limited: bool = False, min_per_district: DistrictLimit | None = None,
          max_per_district: DistrictLimit | None = None, must_keep: tuple[str, ...] = (),
          must_close: tuple[str, ...] = ()) -> SiteRules:
    """The rule set ``name`` (``council`` or ``none``) with the user's own rules on top."""
    if name == "council":
        return council_rules(case, allow_limited=allow_limited, min_per_district=min_per_district,
                             max_per_district=max_per_district, must_keep=must_keep, must_close=must_close)
    if name != "none":
        raise InputError(f"unknown rule set {name!r}; choose from {', '.join(RULE_SETS)}", source="--rules")
    if allow_limited:
        raise InputError("goes with --rules council", source="--allow-limited")
    return SiteRules(must_keep=must_keep, must_close=must_close,
                     min_per_district=0 if min_per_district is None else min_per_district,
                     max_per_district=max_per_district)
