"""English upper-tier authorities as cases: their 2011 LSOAs as demand, their 2016 public libraries as sites.

Data (package data under ``scenarios/data/england``): ``lsoa11_demand.csv.gz``, every English LSOA
with its population-weighted centroid, children aged 0-4 (mid-2020), IDACI 2019, rural-urban class,
district (``lad19nm``) and upper-tier authority (``utla_cd``/``utla_nm``); ``libraries_2016.csv``,
the public libraries of 2016 with the library authority's number (``authority_id``).

A library authority is an upper-tier authority. Each ``authority_id`` is matched to the upper-tier
authority that most of its libraries lie in, judged by the nearest LSOA centroid (robust for a
library on a border); where at least a quarter of them lie in another authority, the 2016 authority
was since split (Northamptonshire, Cumbria) and each library goes to the one it lies in. A
library's district is the district of its nearest LSOA.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from siting import validation
from siting.domain import Case
from siting.errors import InputError
from siting.geo import to_bng
from siting.need import weighted

DEMAND_FILE = "lsoa11_demand.csv.gz"
LIBRARIES_FILE = "libraries_2016.csv"
DEMAND_COLUMNS = {
    "id": "lsoa11cd", "name": "lsoa11nm", "lon": "pwc_lon", "lat": "pwc_lat", "district": "lad19nm",
    "ruc": "ruc11cd", "ruc_code": "ruc11cd", "children_0_4": "pop2020_age0_4", "idaci": "idaci2019_score",
}
#: An authority of 2016 whose libraries lie this much in a later authority was split (Northamptonshire, Cumbria).
SUCCESSOR_SHARE = 0.25
ATTRIBUTION = ("Contains ONS and MHCLG data © Crown copyright and database right (Open Government Licence v3); "
               "public library locations 2016 (DCMS/Libraries Taskforce, Open Government Licence v3)")


def data_dir() -> Path:
    """Folder of the packaged England data."""
    return Path(__file__).resolve().parent / "data" / "england"


def data_files() -> tuple[Path, ...]:
    """The files an England case is built from (for checksums)."""
    return (data_dir() / DEMAND_FILE, data_dir() / LIBRARIES_FILE)


@dataclass(frozen=True)
class Authority:
    """An upper-tier authority: code (``E10000020``) and name (``Norfolk``)."""

    code: str
    name: str


@lru_cache(maxsize=1)
def _lsoas() -> pd.DataFrame:
    frame = validation.read_table(data_dir() / DEMAND_FILE)
    x, y = to_bng(frame["pwc_lon"].to_numpy(), frame["pwc_lat"].to_numpy())
    return frame.assign(x_m=x, y_m=y)


@lru_cache(maxsize=1)
def _libraries() -> pd.DataFrame:
    """Every library with the upper-tier authority and district it belongs to."""
    lib = validation.read_table(data_dir() / LIBRARIES_FILE)
    lsoa = _lsoas()
    x, y = to_bng(lib["lng"].to_numpy(), lib["lat"].to_numpy())
    _, nearest = cKDTree(np.c_[lsoa["x_m"], lsoa["y_m"]]).query(np.c_[x, y])
    near = lsoa.iloc[nearest]
    lib = lib.assign(x_m=x, y_m=y, near_utla=near["utla_cd"].to_numpy(), district=near["lad19nm"].to_numpy())
    share = lib.groupby("authority_id")["near_utla"].value_counts(normalize=True)
    owner = share.groupby(level=0).idxmax().map(lambda k: k[1])
    successors = set(share[share >= SUCCESSOR_SHARE].index)
    keep_own = [(a, u) in successors for a, u in zip(lib["authority_id"], lib["near_utla"], strict=True)]
    lib["utla_cd"] = np.where(keep_own, lib["near_utla"], lib["authority_id"].map(owner))
    lib = lib.drop(columns="near_utla")
    lib["site_id"] = "LIB" + lib["id"].astype(str)
    return lib


@lru_cache(maxsize=1)
def authorities() -> tuple[Authority, ...]:
    """All 153 upper-tier authorities, sorted by code."""
    a = _lsoas()[["utla_cd", "utla_nm"]].drop_duplicates().sort_values("utla_cd")
    return tuple(Authority(str(c), str(n)) for c, n in zip(a["utla_cd"], a["utla_nm"], strict=True))


def find_authority(text: str) -> Authority:
    """The authority named or coded ``text`` (case-insensitive); ``InputError`` suggesting close names."""
    key = text.strip().casefold()
    for a in authorities():
        if key in (a.code.casefold(), a.name.casefold()):
            return a
    import difflib

    names = [a.name for a in authorities()]
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise InputError(f"unknown upper-tier authority {text!r}{hint}")


def load(authority: Authority, *, need: str = "children") -> Case:
    """The case of one authority: its LSOAs weighted by ``need``, and its libraries as candidate bases."""
    lsoa = _lsoas()
    rows = lsoa[lsoa["utla_cd"] == authority.code].reset_index(drop=True)
    source = f"{data_dir() / DEMAND_FILE} [{authority.name}]"
    demand = validation.demand_areas(rows, source=source, columns=DEMAND_COLUMNS)
    lib = _libraries()
    sub = lib[lib["utla_cd"] == authority.code].reset_index(drop=True)
    if sub.empty:
        raise InputError(f"no libraries in {authority.name} ({authority.code})",
                         source=str(data_dir() / LIBRARIES_FILE))
    sites = validation.sites(sub, source=f"{data_dir() / LIBRARIES_FILE} [{authority.name}]",
                             columns={"id": "site_id", "lon": "lng", "lat": "lat", "x_m": "x_m", "y_m": "y_m"},
                             districts=set(demand.districts) | set(sub["district"]))
    return Case(authority.code, weighted(demand, need), sites, provenance=ATTRIBUTION)


def library_count(authority: Authority) -> int:
    """Number of libraries (candidate bases) in ``authority``."""
    return int((_libraries()["utla_cd"] == authority.code).sum())
