"""Example data that ships with the package: Suffolk's 441 LSOAs and its 45 public libraries (2016).

>>> from siting import examples
>>> demand, libraries = examples.suffolk()
>>> len(demand), len(libraries), str(demand.crs)
(441, 45, 'EPSG:4326')

The files keep their sources' column names (ONS codes such as ``lsoa11cd``), as a user's own data would:
:data:`SUFFOLK_COLUMNS` maps them to the names :func:`siting.solve` reads. ``siting example suffolk --out DIR``
copies the CSV files (and their provenance) to a folder for the command line. Provenance and licence:
``siting/data/examples/PROVENANCE.md`` (Open Government Licence v3).
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from siting.errors import InputError

#: Example name -> (demand file, sites file) in ``siting/data/examples/NAME/``.
EXAMPLES: dict[str, tuple[str, str]] = {"suffolk": ("lsoa_demand.csv", "libraries.csv")}
#: The Suffolk demand file's columns under the names :func:`siting.solve` reads (canonical name -> file column).
SUFFOLK_COLUMNS: dict[str, str] = {
    "id": "lsoa11cd", "name": "lsoa11nm", "district": "lad19nm", "children_0_4": "pop2020_age0_4",
    "ruc": "ruc11cd", "idaci": "idaci2019_score",
}
#: The same for tables read from the CSV (with its coordinate columns).
SUFFOLK_FILE_COLUMNS: dict[str, str] = {**SUFFOLK_COLUMNS, "lon": "pwc_lon", "lat": "pwc_lat"}
#: Files copied beside the data (attribution travels with it).
ATTRIBUTION_FILES = ("PROVENANCE.md", "OGL-UK-3.0.txt")


def folder(name: str = "suffolk") -> Path:
    """The packaged folder of example ``name``."""
    if name not in EXAMPLES:
        raise InputError(f"unknown example {name!r}; examples: {', '.join(sorted(EXAMPLES))}", source="example")
    return Path(str(resources.files("siting") / "data" / "examples" / name))


def paths(name: str = "suffolk") -> tuple[Path, Path]:
    """The demand and sites files of example ``name``."""
    base = folder(name)
    d, s = EXAMPLES[name]
    return base / d, base / s


def suffolk() -> tuple[Any, Any]:
    """Suffolk's LSOAs (population-weighted centroids) and libraries as GeoDataFrames in EPSG:4326."""
    import geopandas as gpd
    import pandas as pd

    d_path, s_path = paths("suffolk")
    d = pd.read_csv(d_path)
    s = pd.read_csv(s_path)
    demand = gpd.GeoDataFrame(d.drop(columns=["pwc_lon", "pwc_lat"]),
                              geometry=gpd.points_from_xy(d["pwc_lon"], d["pwc_lat"]), crs="EPSG:4326")
    sites = gpd.GeoDataFrame(s.drop(columns=["lon", "lat"]), geometry=gpd.points_from_xy(s["lon"], s["lat"]),
                             crs="EPSG:4326")
    return demand, sites


def copy_to(name: str, out: Path) -> list[Path]:
    """Copy example ``name`` (its two CSV files and their provenance) into folder ``out``.

    ``out`` follows the output-safety rules (:mod:`siting.output`): it must be new, empty or a folder siting
    wrote; it is written atomically.
    """
    from siting.output import atomic_dir, check_out_dir

    base = folder(name)
    files = [*EXAMPLES[name], *ATTRIBUTION_FILES]
    out = check_out_dir(Path(out))
    with atomic_dir(out) as tmp:
        for f in files:
            shutil.copyfile((base if f in EXAMPLES[name] else base.parent) / f, tmp / f)
    return [out / f for f in files]
