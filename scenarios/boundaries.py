"""Area boundaries for maps: the packaged ones (Norfolk's 2011 LSOAs) or a user's vector file.

:func:`boundaries_for` picks the packaged boundaries that hold the areas of a result, so a result
of the embedded ``norfolk`` case, of a scenario file over Norfolk's LSOAs or of an English
authority inside Norfolk all get polygons; otherwise maps draw area points as small discs.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from pathlib import Path

import geopandas as gpd

from scenarios import norfolk
from siting.errors import InputError

#: Packaged boundary files: name -> (path, id column).
PACKAGED: dict[str, tuple[Path, str]] = {
    "norfolk": (norfolk.data_dir() / "lsoa11_boundaries.geojson", "LSOA11CD"),
}
#: Share of a result's areas a boundary file must hold to be used.
MIN_MATCH = 0.95


def read_boundaries(path: Path, *, id_column: str) -> gpd.GeoDataFrame:
    """Polygons of a vector file (GeoJSON, GeoPackage, shapefile) as ``id, geometry``.

    Raises:
        InputError: unreadable file, no CRS, missing id column or a non-polygon geometry.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", source=str(path))
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types
        raise InputError(f"cannot read vector file: {' '.join(str(exc).split())}", source=str(path)) from exc
    if frame.crs is None:
        raise InputError("vector file has no coordinate reference system", source=str(path))
    if id_column not in frame.columns:
        have = ", ".join(str(c) for c in frame.columns if c != frame.geometry.name)
        raise InputError(f"missing id column (have: {have})", source=str(path), field=id_column)
    kinds = frame.geometry.geom_type.fillna("None")
    bad = ~kinds.isin(("Polygon", "MultiPolygon"))
    if bad.any():
        k = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(f"expected polygons, got {kinds.iloc[k]}", source=str(path), row=k + 1, field="geometry")
    out = gpd.GeoDataFrame({"id": frame[id_column].astype(str).str.strip()}, geometry=frame.geometry.values,
                           crs=frame.crs)
    return out


@lru_cache(maxsize=4)
def packaged(name: str) -> gpd.GeoDataFrame:
    """The packaged boundaries ``name`` (a key of :data:`PACKAGED`)."""
    path, column = PACKAGED[name]
    return read_boundaries(path, id_column=column)


def boundaries_for(area_ids: Collection[str], *, case: str | None = None) -> gpd.GeoDataFrame | None:
    """Packaged boundaries for these areas: the case's own if packaged, else any that holds them.

    Returns ``None`` when no packaged file holds at least :data:`MIN_MATCH` of the areas.
    """
    ids = {str(i) for i in area_ids}
    if not ids:
        return None
    names = ([case] if case in PACKAGED else []) + [n for n in PACKAGED if n != case]
    for name in names:
        frame = packaged(name)
        if len(ids & set(frame["id"])) >= MIN_MATCH * len(ids):
            return frame
    return None
