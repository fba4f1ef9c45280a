r"""Which OSM ways a car may use, in which direction, and at what speed (UK defaults).

**Drivable roads** (the OSMnx ``drive_service`` network type, applied to tags rather than to an
Overpass query): ``highway`` is one of the classes in :data:`UK_DEFAULT_SPEEDS_MPH`; ways tagged
``area=yes``, ``access=no|private`` (unless ``motor_vehicle`` or ``motorcar`` allows cars),
``motor_vehicle=no|private``, ``motorcar=no|private`` or ``service=emergency_access|parking|parking_aisle|private``
are left out. Footways, paths, cycleways, tracks, bridleways, steps, busways and roads under construction are
not drivable.

**One-way** (the rules OSMnx applies to OSM XML, mirrored so that every file format gives the same graph):
``oneway`` in ``yes, true, 1, F`` is one-way along the way's node order, ``-1, reverse, T`` one-way against it,
and ``junction=roundabout`` is one-way along the node order; anything else is two-way.

**Speeds** (``speed_kmh`` of an edge):

1. a numeric ``maxspeed`` is used as it stands: ``"30 mph"`` is 30 mph, a bare number is km/h (the OSM
   convention), ``"knots"`` are knots; several values (``"30 mph;40 mph"``, or a list after OSMnx
   simplification) are averaged; UK zone codes ``GB:zone20`` / ``GB:urban`` / ``GB:motorway`` mean
   20 / 30 / 70 mph;
2. ``national``, ``GB:nsl_single``, ``GB:nsl_dual``, ``none``, ``signals``, ``variable``, a missing value or
   anything unreadable (including values <= 0 or above 130 mph) falls back to the default speed of the road class
   below. For ``national`` the default is capped at the national speed limit (70 mph on motorways and dual
   carriageways, 60 mph on single carriageways), so a custom speed table cannot exceed the law.

Default speeds by class (mph; a typical free-flow speed rather than the legal limit where they differ):

=============================  =====  =============================  =====
class                          mph    class                          mph
=============================  =====  =============================  =====
motorway                       70     motorway_link                  40
trunk                          60     trunk_link                     40
primary                        50     primary_link                   30
secondary                      40     secondary_link                 30
tertiary                       35     tertiary_link                  25
unclassified                   30     road (unknown class)           25
residential                    25     living_street                  10
service                        15
=============================  =====  =============================  =====

Residential streets carry a 30 mph limit in the UK; 25 mph is the typical speed once junctions, parked cars and
traffic calming are allowed for. Edge travel time is ``length_m / (speed_kmh / 3.6)`` seconds.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

MPH_KMH = 1.609344
KNOT_KMH = 1.852
#: Highest believable maxspeed; anything above (or <= 0) is treated as unreadable.
MAX_BELIEVABLE_MPH = 130.0

#: Default speeds (mph) by OSM ``highway`` class; also the list of drivable classes (see the module docstring).
UK_DEFAULT_SPEEDS_MPH: Mapping[str, float] = MappingProxyType({
    "motorway": 70.0, "motorway_link": 40.0,
    "trunk": 60.0, "trunk_link": 40.0,
    "primary": 50.0, "primary_link": 30.0,
    "secondary": 40.0, "secondary_link": 30.0,
    "tertiary": 35.0, "tertiary_link": 25.0,
    "unclassified": 30.0, "residential": 25.0, "living_street": 10.0,
    "road": 25.0, "service": 15.0,
})

#: National speed limits (mph).
NATIONAL_SINGLE_MPH = 60.0
NATIONAL_DUAL_MPH = 70.0

#: Where an edge's speed came from (``RoadNetwork.speed_source`` codes).
SPEED_SOURCES: tuple[str, ...] = ("maxspeed", "class default (no maxspeed)", "class default (national limit)",
                                  "class default (unreadable maxspeed)")
FROM_MAXSPEED, FROM_DEFAULT, FROM_NATIONAL, FROM_UNREADABLE = range(4)

ONEWAY_FORWARD_VALUES = frozenset({"yes", "true", "1", "-1", "reverse", "T", "F"})
ONEWAY_REVERSED_VALUES = frozenset({"-1", "reverse", "T"})
EXCLUDED_SERVICE = frozenset({"emergency_access", "parking", "parking_aisle", "private"})
NO_ACCESS = frozenset({"no", "private"})
CAR_ALLOWED = frozenset({"yes", "destination", "permissive", "designated"})

_NATIONAL = frozenset({"national", "gb:national", "uk:national", "gb:nsl_single", "gb:nsl_dual", "gb:nsl_restricted",
                       "uk:nsl_single", "uk:nsl_dual"})
_DEFAULTED = frozenset({"none", "signals", "variable", "unknown", "no", ""})
_ZONES_MPH = {"gb:urban": 30.0, "uk:urban": 30.0, "gb:motorway": 70.0, "uk:motorway": 70.0, "walk": 4.0}
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph|knots)?\s*$", re.IGNORECASE)
_ZONE = re.compile(r"^(?:gb|uk):zone(\d+)$", re.IGNORECASE)


def first_value(value: Any) -> str | None:
    """The first item of an OSM tag value that may be a list (OSMnx simplification) or a string of one."""
    values = tag_values(value)
    return values[0] if values else None


def tag_values(value: Any) -> list[str]:
    """All items of a tag value: ``None``/NaN -> ``[]``; a list or ``"['a', 'b']"`` -> items; ``"a;b"`` -> items."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, list | tuple | set):
        return [str(v).strip() for v in value if v is not None]
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            parsed = None
        if isinstance(parsed, list):
            return [str(v).strip() for v in parsed]
    return [v.strip() for v in text.split(";") if v.strip()]


def parse_maxspeed_kmh(value: Any) -> tuple[float | None, int]:
    """A ``maxspeed`` tag in km/h, or ``None`` when the class default applies, with its :data:`SPEED_SOURCES` code.

    ``"30 mph"`` -> 48.28; ``"50"`` -> 50 (km/h); ``"30 mph;40 mph"`` -> the mean; ``"national"`` ->
    ``(None, FROM_NATIONAL)``; missing -> ``(None, FROM_DEFAULT)``; unreadable -> ``(None, FROM_UNREADABLE)``.
    """
    items = tag_values(value)
    if not items:
        return None, FROM_DEFAULT
    speeds: list[float] = []
    national = False
    for item in items:
        low = item.lower()
        if low in _NATIONAL:
            national = True
            continue
        if low in _DEFAULTED:
            continue
        if low in _ZONES_MPH:
            speeds.append(_ZONES_MPH[low] * MPH_KMH)
            continue
        if zone := _ZONE.match(low):
            speeds.append(float(zone.group(1)) * MPH_KMH)
            continue
        if number := _NUMBER.match(item):
            unit = (number.group(2) or "km/h").lower()
            factor = MPH_KMH if unit == "mph" else KNOT_KMH if unit == "knots" else 1.0
            kmh = float(number.group(1)) * factor
            if 0.0 < kmh <= MAX_BELIEVABLE_MPH * MPH_KMH:
                speeds.append(kmh)
    if speeds:
        return float(np.mean(speeds)), FROM_MAXSPEED
    if national:
        return None, FROM_NATIONAL
    return None, FROM_UNREADABLE


def national_limit_mph(highway: str, maxspeed: Any) -> float:
    """The national speed limit that applies (70 mph on motorways and tagged dual carriageways, else 60)."""
    dual = any(v.lower().endswith("nsl_dual") for v in tag_values(maxspeed))
    return NATIONAL_DUAL_MPH if dual or highway.startswith("motorway") else NATIONAL_SINGLE_MPH


def impute_speeds_kmh(highway: Iterable[str], maxspeed: Iterable[Any], *,
                      speeds_mph: Mapping[str, float] = UK_DEFAULT_SPEEDS_MPH,
                      ) -> tuple[NDArray[np.float64], NDArray[np.int8]]:
    """Speed (km/h) and its source code for each edge, from its class and ``maxspeed`` (module docstring).

    Distinct ``(highway, maxspeed)`` values are parsed once, so this is fast on millions of edges.
    """
    frame = pd.DataFrame({"highway": list(highway), "maxspeed": [None if _missing(m) else str(m) for m in maxspeed]})
    if frame.empty:
        return np.zeros(0), np.zeros(0, dtype=np.int8)
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(frame.fillna({"maxspeed": "\x00"})))
    kmh = np.empty(len(uniques))
    source = np.empty(len(uniques), dtype=np.int8)
    for k, (hw, ms) in enumerate(uniques):
        ms_value = None if ms == "\x00" else ms
        default_kmh = float(speeds_mph.get(hw, speeds_mph.get("road", 25.0))) * MPH_KMH
        parsed, src = parse_maxspeed_kmh(ms_value)
        if parsed is None and src == FROM_NATIONAL:
            parsed = min(default_kmh, national_limit_mph(hw, ms_value) * MPH_KMH)
        kmh[k] = default_kmh if parsed is None else parsed
        source[k] = src
    return kmh[codes], source[codes]


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _lower(values: Iterable[Any]) -> pd.Series:
    return pd.Series([first_value(v) for v in values], dtype=object).fillna("").astype(str).str.strip().str.lower()


def drivable_mask(highway: Iterable[Any], *, access: Iterable[Any], motor_vehicle: Iterable[Any],
                  motorcar: Iterable[Any], service: Iterable[Any], area: Iterable[Any],
                  speeds_mph: Mapping[str, float] = UK_DEFAULT_SPEEDS_MPH) -> NDArray[np.bool_]:
    """Which ways a car may use (module docstring); every argument has one value per way (``None`` if untagged)."""
    hw = _lower(highway)
    acc, mv, mc = _lower(access), _lower(motor_vehicle), _lower(motorcar)
    svc, ar = _lower(service), _lower(area)
    car_ok = mv.isin(CAR_ALLOWED) | mc.isin(CAR_ALLOWED)
    ok = hw.isin(list(speeds_mph)) & (ar != "yes")
    ok &= ~acc.isin(NO_ACCESS) | car_ok
    ok &= ~mv.isin(NO_ACCESS) & ~mc.isin(NO_ACCESS)
    ok &= ~svc.isin(EXCLUDED_SERVICE)
    return ok.to_numpy(dtype=bool)


def oneway_direction(oneway: Iterable[Any], junction: Iterable[Any]) -> NDArray[np.int8]:
    """Per way: ``0`` two-way, ``1`` one-way along the node order, ``-1`` one-way against it (module docstring)."""
    ow = pd.Series([first_value(v) for v in oneway], dtype=object).fillna("").astype(str).str.strip()
    jn = _lower(junction)
    one = ow.isin(ONEWAY_FORWARD_VALUES) | (jn == "roundabout")
    rev = ow.isin(ONEWAY_REVERSED_VALUES)
    out = np.where(one, np.where(rev, -1, 1), 0)
    return out.astype(np.int8)


def highway_class(value: Any) -> str:
    """The road class of an edge (the first of a list; ``road`` when untagged)."""
    first = first_value(value)
    return first.strip().lower() if first else "road"
