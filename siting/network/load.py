"""Reading a road network from a local file: OSM XML, OSM PBF or GraphML.

* ``.osm`` / ``.xml`` / ``.osm.bz2``: :func:`osmnx.graph_from_xml` (unsimplified, every component kept), then the
  drivable filter of :mod:`siting.network.speeds` on the ways' tags. OSMnx decides one-way streets.
* ``.osm.pbf`` / ``.pbf``: GDAL's OSM driver through pyogrio, ``lines`` layer (ways with a ``highway`` tag;
  ``maxspeed``, ``oneway``, ``junction``, ``access``, ... come from its ``other_tags`` column). The layer has no
  node ids, so ways are joined where they share a vertex: OSM stores coordinates to 1e-7 degree, so shared nodes
  have identical coordinates and distinct nodes practically never do.
* ``.graphml``: :func:`osmnx.load_graphml` (for example a graph saved by :func:`siting.network.online.download`
  or by OSMnx). Edges without a ``highway`` tag count as ``road`` (unknown class, 25 mph); curved edges
  (``geometry``) are split at their vertices; edge speeds are always imputed here (any ``speed_kph`` or
  ``travel_time`` already in the file is ignored, so every format is treated alike).

Coordinates are projected to British National Grid metres (EPSG:27700). Every failure on user input raises
:class:`~siting.errors.InputError` naming the file.
"""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer

from siting.errors import InputError
from siting.geo import BNG, to_bng
from siting.network import speeds as sp
from siting.network.graph import RoadNetwork, build_network

XML_SUFFIXES = (".osm", ".xml", ".osm.bz2", ".xml.bz2")
PBF_SUFFIXES = (".osm.pbf", ".pbf")
GRAPHML_SUFFIXES = (".graphml",)
#: OSM tags the loaders need on each way.
WAY_TAGS = ("highway", "maxspeed", "oneway", "junction", "access", "motor_vehicle", "motorcar", "service", "area")


def network_format(path: Path) -> str:
    """``xml``, ``pbf`` or ``graphml`` from the file name (``InputError`` otherwise)."""
    name = Path(path).name.lower()
    for fmt, suffixes in (("pbf", PBF_SUFFIXES), ("xml", XML_SUFFIXES), ("graphml", GRAPHML_SUFFIXES)):
        if name.endswith(suffixes):
            return fmt
    raise InputError("unknown road network format: expected .osm (OSM XML), .osm.pbf or .graphml",
                     source=str(path))


def read_network(path: Path, *, speeds_mph: Mapping[str, float] = sp.UK_DEFAULT_SPEEDS_MPH) -> RoadNetwork:
    """The drivable network in ``path`` (format from the suffix; see the module docstring)."""
    path = Path(path)
    fmt = network_format(path)
    if not path.is_file():
        raise InputError("file not found", source=str(path))
    if fmt == "pbf":
        net = read_pbf(path, speeds_mph=speeds_mph)
    elif fmt == "xml":
        net = read_osm_xml(path, speeds_mph=speeds_mph)
    else:
        net = read_graphml(path, speeds_mph=speeds_mph)
    if net.n_edges == 0:
        raise InputError("no drivable roads in the road network", source=str(path))
    return net


# --------------------------------------------------------------------------------------------- PBF (GDAL)


@contextlib.contextmanager
def _gdal_options(options: Mapping[str, str]) -> Iterator[None]:
    import pyogrio

    old = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(dict(options))
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(old)


def other_tag(other_tags: pd.Series, key: str) -> pd.Series:
    """One tag's values from GDAL's ``other_tags`` HSTORE text (``"k"=>"v","k2"=>"v2"``); NaN where absent."""
    pattern = '"' + re.escape(key) + r'"=>"((?:[^"\\]|\\.)*)"'
    return other_tags.fillna("").astype(str).str.extract(pattern, expand=False)


def read_pbf(path: Path, *, speeds_mph: Mapping[str, float] = sp.UK_DEFAULT_SPEEDS_MPH) -> RoadNetwork:
    """The drivable network of an OSM PBF file, read with GDAL's OSM driver (module docstring)."""
    import pyogrio

    # the OSM driver's custom node index needs sorted node ids; small extracts often are not sorted
    with _gdal_options({"OSM_USE_CUSTOM_INDEXING": "NO"}):
        try:
            frame = pyogrio.read_dataframe(path, layer="lines", columns=["highway", "other_tags"],
                                           where="highway IS NOT NULL")
        except Exception as exc:  # pyogrio raises several types
            raise InputError(f"cannot read OSM PBF: {' '.join(str(exc).split())}", source=str(path)) from exc
    if frame.empty:
        raise InputError("no roads (ways with a highway tag) in the file", source=str(path))
    tags = {"highway": frame["highway"]} | {k: other_tag(frame["other_tags"], k) for k in WAY_TAGS if k != "highway"}
    keep = sp.drivable_mask(tags["highway"], access=tags["access"], motor_vehicle=tags["motor_vehicle"],
                            motorcar=tags["motorcar"], service=tags["service"], area=tags["area"],
                            speeds_mph=speeds_mph)
    if not keep.any():
        raise InputError("no drivable roads in the road network", source=str(path))
    ways = frame.loc[keep].reset_index(drop=True)
    way_tags = {k: v[keep].reset_index(drop=True) for k, v in tags.items()}
    direction = sp.oneway_direction(way_tags["oneway"], way_tags["junction"])
    # the OSM driver always gives WGS84 longitude/latitude, stored by OSM to 1e-7 degree: a node's identity
    lonlat, way = shapely.get_coordinates(ways.geometry.to_numpy(), return_index=True)
    key = (np.round(lonlat[:, 0] * 1e7).astype(np.int64) << 32) + np.round(lonlat[:, 1] * 1e7).astype(np.int64)
    _, first, node = np.unique(key, return_index=True, return_inverse=True)
    x_m, y_m = to_bng(lonlat[first, 0], lonlat[first, 1])
    same_way = way[1:] == way[:-1]
    a, b = node[:-1][same_way], node[1:][same_way]
    seg_way = way[:-1][same_way]
    d = direction[seg_way]
    fwd, bwd = d >= 0, d <= 0
    tail = np.r_[a[fwd], b[bwd]]
    head = np.r_[b[fwd], a[bwd]]
    edge_way = np.r_[seg_way[fwd], seg_way[bwd]]
    highway = way_tags["highway"].astype(str).str.strip().str.lower().to_numpy(dtype=object)
    maxspeed = way_tags["maxspeed"].to_numpy(dtype=object)
    return build_network(x_m=x_m, y_m=y_m, tail=tail, head=head,
                         highway=highway[edge_way].tolist(), maxspeed=maxspeed[edge_way].tolist(),
                         speeds_mph=speeds_mph, source=str(path))


# --------------------------------------------------------------------------------------------- OSMnx graphs


@contextlib.contextmanager
def osmnx_way_tags() -> Iterator[None]:
    """Make OSMnx keep the way tags the drivable filter needs (restored afterwards)."""
    import osmnx as ox

    old = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = sorted(set(old) | set(WAY_TAGS))
    try:
        yield
    finally:
        ox.settings.useful_tags_way = old


def read_osm_xml(path: Path, *, speeds_mph: Mapping[str, float] = sp.UK_DEFAULT_SPEEDS_MPH) -> RoadNetwork:
    """The drivable network of an OSM XML file, read with :func:`osmnx.graph_from_xml`."""
    import osmnx as ox

    try:
        with osmnx_way_tags():
            graph = ox.graph_from_xml(path, simplify=False, retain_all=True, bidirectional=False)
    except ET.ParseError as exc:
        raise InputError(f"not valid OSM XML: {exc}", source=str(path)) from exc
    except KeyError as exc:
        raise InputError(f"a way refers to node {exc} which is not in the file (incomplete extract?)",
                         source=str(path)) from exc
    except (ValueError, OSError, EOFError) as exc:
        raise InputError(f"cannot read OSM XML: {' '.join(str(exc).split())}", source=str(path)) from exc
    return from_networkx(graph, speeds_mph=speeds_mph, source=str(path))


def read_graphml(path: Path, *, speeds_mph: Mapping[str, float] = sp.UK_DEFAULT_SPEEDS_MPH) -> RoadNetwork:
    """The drivable network of a GraphML file, read with :func:`osmnx.load_graphml`."""
    import osmnx as ox

    try:
        graph = ox.load_graphml(path)
    except Exception as exc:  # networkx and OSMnx raise many types on a bad file
        raise InputError(f"cannot read GraphML: {' '.join(str(exc).split())}", source=str(path)) from exc
    return from_networkx(graph, speeds_mph=speeds_mph, source=str(path))


def from_networkx(graph: Any, *, speeds_mph: Mapping[str, float] = sp.UK_DEFAULT_SPEEDS_MPH,
                  source: str = "") -> RoadNetwork:
    """A :class:`RoadNetwork` from an OSMnx-style (Multi)DiGraph: nodes with ``x``/``y`` in ``graph['crs']``
    (default EPSG:4326), edges with OSM tags and optionally a shapely ``geometry``; curved edges are split."""
    nodes = list(graph.nodes)
    if not nodes:
        raise InputError("the road network has no nodes", source=source)
    try:
        nx_ = np.fromiter((float(graph.nodes[n]["x"]) for n in nodes), dtype=np.float64, count=len(nodes))
        ny_ = np.fromiter((float(graph.nodes[n]["y"]) for n in nodes), dtype=np.float64, count=len(nodes))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"a node has no usable x/y coordinate ({exc})", source=source) from exc
    try:
        to_bng = Transformer.from_crs(CRS.from_user_input(graph.graph.get("crs", "EPSG:4326")), BNG, always_xy=True)
    except Exception as exc:  # pyproj.exceptions.CRSError and others
        raise InputError(f"unknown coordinate reference system {graph.graph.get('crs')!r}", source=source) from exc
    x, y = (np.asarray(v, dtype=np.float64) for v in to_bng.transform(nx_, ny_))
    pos = {n: k for k, n in enumerate(nodes)}
    cols: dict[str, list[Any]] = {k: [] for k in (*WAY_TAGS, "geometry")}
    us: list[int] = []
    vs: list[int] = []
    for u, v, data in graph.edges(data=True):
        us.append(pos[u])
        vs.append(pos[v])
        for k, col in cols.items():
            col.append(data.get(k))
    if not us:
        raise InputError("the road network has no edges", source=source)
    highway = [sp.highway_class(h) for h in cols["highway"]]
    keep = sp.drivable_mask(highway, access=cols["access"], motor_vehicle=cols["motor_vehicle"],
                            motorcar=cols["motorcar"], service=cols["service"], area=cols["area"],
                            speeds_mph=speeds_mph)
    u_arr = np.asarray(us, dtype=np.int64)[keep]
    v_arr = np.asarray(vs, dtype=np.int64)[keep]
    hw = np.asarray(highway, dtype=object)[keep]
    ms = np.asarray(pd.Series(cols["maxspeed"], dtype=object), dtype=object)[keep]
    geoms = np.asarray(pd.Series(cols["geometry"], dtype=object), dtype=object)[keep]
    is_geom = np.array([isinstance(g, shapely.Geometry) for g in geoms], dtype=bool)
    curved = np.zeros(geoms.size, dtype=bool)
    curved[is_geom] = shapely.get_num_coordinates(geoms[is_geom]) > 2
    tail, head, edge, x, y = _split_curved(u_arr, v_arr, geoms, curved, x, y, to_bng)
    return build_network(x_m=x, y_m=y, tail=tail, head=head, highway=hw[edge].tolist(), maxspeed=ms[edge].tolist(),
                         speeds_mph=speeds_mph, source=source)


def _split_curved(u: NDArray[np.int64], v: NDArray[np.int64], geoms: NDArray[Any], curved: NDArray[np.bool_],
                  x: NDArray[np.float64], y: NDArray[np.float64], to_bng: Transformer,
                  ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.float64],
                             NDArray[np.float64]]:
    """Straight edges: straight ones as they are, curved ones split at their interior vertices.

    Interior vertices become nodes shared by the edges between the same two end nodes (both directions of a
    two-way road) at the same position (to the millimetre). Returns tail, head, the original edge of each
    straight edge, and the extended node coordinates.
    """
    straight = np.flatnonzero(~curved)
    bent = np.flatnonzero(curved)
    if bent.size == 0:
        return u, v, np.arange(u.size), x, y
    coords, gi = shapely.get_coordinates(geoms[bent].tolist(), return_index=True)
    cx, cy = (np.asarray(c, dtype=np.float64) for c in to_bng.transform(coords[:, 0], coords[:, 1]))
    count = np.bincount(gi, minlength=bent.size)
    start = np.r_[0, np.cumsum(count)[:-1]]
    is_first = np.zeros(gi.size, dtype=bool)
    is_first[start] = True
    is_last = np.zeros(gi.size, dtype=bool)
    is_last[start + count - 1] = True
    node = np.empty(gi.size, dtype=np.int64)
    node[is_first] = u[bent]
    node[is_last] = v[bent]
    inner = ~(is_first | is_last)
    ub, vb = u[bent][gi[inner]], v[bent][gi[inner]]
    keys = pd.DataFrame({"lo": np.minimum(ub, vb), "hi": np.maximum(ub, vb),
                         "x": np.round(cx[inner] * 1000).astype(np.int64),
                         "y": np.round(cy[inner] * 1000).astype(np.int64)})
    code = keys.groupby(["lo", "hi", "x", "y"], sort=False).ngroup().to_numpy(dtype=np.int64)
    n_new = int(code.max()) + 1 if code.size else 0
    first_of = np.zeros(n_new, dtype=np.int64)
    first_of[code[::-1]] = np.arange(code.size)[::-1]
    node[inner] = x.size + code
    x = np.r_[x, cx[inner][first_of]]
    y = np.r_[y, cy[inner][first_of]]
    pair = gi[1:] == gi[:-1]
    tail = np.r_[u[straight], node[:-1][pair]]
    head = np.r_[v[straight], node[1:][pair]]
    edge = np.r_[straight, bent[gi[:-1][pair]]]
    return tail, head, edge, x, y
