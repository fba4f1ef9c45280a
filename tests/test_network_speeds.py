"""Drivable roads, one-way rules and speed imputation from OSM tags (siting.network.speeds)."""

from __future__ import annotations

import pytest

from siting.network import speeds as sp

MPH = sp.MPH_KMH


@pytest.mark.parametrize(("value", "kmh", "source"), [
    ("30 mph", 30 * MPH, sp.FROM_MAXSPEED),
    ("30mph", 30 * MPH, sp.FROM_MAXSPEED),
    ("50", 50.0, sp.FROM_MAXSPEED),  # a bare number is km/h
    ("50 km/h", 50.0, sp.FROM_MAXSPEED),
    ("10 knots", 18.52, sp.FROM_MAXSPEED),
    ("30 mph;40 mph", 35 * MPH, sp.FROM_MAXSPEED),
    ("['30 mph', '40 mph']", 35 * MPH, sp.FROM_MAXSPEED),  # OSMnx-simplified edge, as stored in GraphML
    (["20 mph", "30 mph"], 25 * MPH, sp.FROM_MAXSPEED),
    ("GB:zone20", 20 * MPH, sp.FROM_MAXSPEED),
    ("GB:urban", 30 * MPH, sp.FROM_MAXSPEED),
    ("national", None, sp.FROM_NATIONAL),
    ("GB:nsl_single", None, sp.FROM_NATIONAL),
    ("none", None, sp.FROM_UNREADABLE),
    ("signals", None, sp.FROM_UNREADABLE),
    ("fast", None, sp.FROM_UNREADABLE),
    ("0", None, sp.FROM_UNREADABLE),
    ("500 mph", None, sp.FROM_UNREADABLE),
    (None, None, sp.FROM_DEFAULT),
    (float("nan"), None, sp.FROM_DEFAULT),
    ("", None, sp.FROM_DEFAULT),
])
def test_parse_maxspeed(value: object, kmh: float | None, source: int) -> None:
    got, src = sp.parse_maxspeed_kmh(value)
    assert src == source
    if kmh is None:
        assert got is None
    else:
        assert got == pytest.approx(kmh)


def test_impute_uses_maxspeed_else_class_default_and_national_limit() -> None:
    highway = ["motorway", "residential", "primary", "unclassified", "trunk", "residential"]
    maxspeed = ["national", None, "40 mph", "60", "GB:nsl_single", "junk"]
    kmh, source = sp.impute_speeds_kmh(highway, maxspeed)
    assert kmh == pytest.approx([70 * MPH, 25 * MPH, 40 * MPH, 60.0, 60 * MPH, 25 * MPH])
    assert source.tolist() == [sp.FROM_NATIONAL, sp.FROM_DEFAULT, sp.FROM_MAXSPEED, sp.FROM_MAXSPEED,
                               sp.FROM_NATIONAL, sp.FROM_UNREADABLE]


def test_national_limit_caps_a_custom_speed_table() -> None:
    fast = dict(sp.UK_DEFAULT_SPEEDS_MPH) | {"primary": 80.0, "motorway": 90.0}
    kmh, _ = sp.impute_speeds_kmh(["primary", "motorway", "primary"], ["national", "national", None], speeds_mph=fast)
    assert kmh == pytest.approx([60 * MPH, 70 * MPH, 80 * MPH])


def test_drivable_filter() -> None:
    highway = ["residential", "footway", "service", "service", "primary", "track", "residential", "residential",
               "unclassified", "cycleway", "pedestrian", "motorway_link"]
    access = [None, None, None, None, "private", None, "no", None, "private", None, None, None]
    motor_vehicle = [None, None, None, None, None, None, "destination", "no", None, None, None, None]
    service = [None, None, "driveway", "parking_aisle", None, None, None, None, None, None, None, None]
    area = [None] * 11 + ["yes"]
    mask = sp.drivable_mask(highway, access=access, motor_vehicle=motor_vehicle, motorcar=[None] * 12,
                            service=service, area=area)
    assert mask.tolist() == [True, False, True, False, False, False, True, False, False, False, False, False]


def test_oneway_rules_mirror_osmnx() -> None:
    oneway = ["yes", "-1", None, "no", None, "true", "reverse", "1", "alternating"]
    junction = [None, None, "roundabout", None, None, None, None, None, None]
    assert sp.oneway_direction(oneway, junction).tolist() == [1, -1, 1, 0, 0, 1, -1, 1, 0]


def test_highway_class_of_lists_and_missing() -> None:
    assert sp.highway_class(["Residential", "tertiary"]) == "residential"
    assert sp.highway_class("['primary', 'trunk']") == "primary"
    assert sp.highway_class(None) == "road"
