"""Downloading a drivable network from OpenStreetMap, only when explicitly asked (``--place``, ``--bbox``).

The engine works offline from local files; this is the one place that goes online. It fails within seconds
without internet: OSMnx's Overpass rate-limit check is off, requests time out after ``timeout_s`` (10 s), DNS over
HTTPS is off, and connection errors become an :class:`~siting.errors.InputError` saying the API cannot be reached.
OSMnx settings (and the socket resolver OSMnx patches) are restored afterwards; nothing is written to OSMnx's
HTTP cache folder. The graph (unsimplified, ``drive_service`` roads) is saved as GraphML, atomically.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from siting.errors import InputError
from siting.network.load import osmnx_way_tags

OVERPASS = "the OpenStreetMap Overpass API"
NETWORK_TYPE = "drive_service"


@contextlib.contextmanager
def fail_fast(timeout_s: float) -> Iterator[None]:
    """OSMnx settings for a quick, side-effect-free download attempt (restored on exit)."""
    import osmnx as ox

    changes: dict[str, Any] = {"overpass_rate_limit": False, "requests_timeout": float(timeout_s),
                               "doh_url_template": None, "use_cache": False, "log_console": False}
    old = {k: getattr(ox.settings, k) for k in changes}
    resolver = socket.getaddrinfo
    for k, v in changes.items():
        setattr(ox.settings, k, v)
    try:
        with osmnx_way_tags():
            yield
    finally:
        for k, v in old.items():
            setattr(ox.settings, k, v)
        socket.getaddrinfo = resolver


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``"west,south,east,north"`` in degrees (WGS84) -> a tuple; ``InputError`` if malformed."""
    parts = [p.strip() for p in text.split(",")]
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"expected west,south,east,north in degrees, got {text!r}", source="--bbox") from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise InputError(f"not a valid box (west < east, south < north, in degrees): {text!r}", source="--bbox")
    return west, south, east, north


def slug(text: str) -> str:
    """A file-name-safe version of a place name or box."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "network"


def download(*, out: Path, place: str | None = None, bbox: tuple[float, float, float, float] | None = None,
             timeout_s: float = 10.0) -> Path:
    """Download the drivable network of ``place`` (e.g. ``"Norwich, UK"``) or ``bbox`` (west, south, east, north
    in degrees) and save it to ``out`` (GraphML). Raises :class:`InputError` when offline or nothing is found."""
    import osmnx as ox
    import requests

    if (place is None) == (bbox is None):
        raise InputError("give exactly one of a place name or a bounding box", source="download")
    where = f"place {place!r}" if place is not None else f"box {bbox}"
    try:
        with fail_fast(timeout_s):
            if place is not None:
                graph = ox.graph_from_place(place, network_type=NETWORK_TYPE, simplify=False, retain_all=True)
            elif bbox is not None:
                graph = ox.graph_from_bbox(bbox, network_type=NETWORK_TYPE, simplify=False, retain_all=True)
            else:  # pragma: no cover - excluded above
                raise InputError("nothing to download", source="download")
    except requests.exceptions.RequestException as exc:
        raise InputError(f"cannot reach {OVERPASS} (no internet?) to download {where} "
                         f"({type(exc).__name__}); use a local .osm.pbf, .osm or .graphml file instead",
                         source="download") from exc
    except ValueError as exc:  # OSMnx's InsufficientResponseError, ResponseStatusCodeError, geocoding failures
        raise InputError(f"OpenStreetMap returned no usable road network for {where}: "
                         f"{' '.join(str(exc).split())}", source="download") from exc
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".graphml", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        ox.save_graphml(graph, tmp)
        tmp.chmod(0o644)
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out
