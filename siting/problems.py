"""From a case to a :class:`solvers.Problem`: site rules, districts, and the index mapping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from siting.domain import Case, TravelMatrix
from siting.errors import InputError
from solvers import GroupLimit, ModelKind, Problem, make_problem

#: Models whose coverage threshold is the travel-time limit in minutes.
RADIUS_MODELS = frozenset({ModelKind.MCLP, ModelKind.CMCLP, ModelKind.LSCP})


@dataclass(frozen=True, kw_only=True)
class SiteRules:
    """Rules on which sites may or must be bases.

    Attributes:
        must_keep: site ids that must be bases.
        must_close: site ids that must not be bases (sites unsuitable as a base are always closed).
        min_per_district: at least this many bases in every district (0: no rule), or per district.
        max_per_district: at most this many bases in every district (None: no rule), or per district.
    """

    must_keep: tuple[str, ...] = ()
    must_close: tuple[str, ...] = ()
    min_per_district: int | Mapping[str, int] = 0
    max_per_district: int | Mapping[str, int] | None = None
    extra_groups: tuple[tuple[str, tuple[str, ...], int, int | None], ...] = field(default=())


def site_positions(case: Case, ids: Sequence[str], *, what: str) -> list[int]:
    try:
        return case.sites.index_of(list(ids))
    except KeyError as exc:
        raise InputError(f"unknown site id {exc.args[0]!r}", source=what) from None


def district_groups(case: Case, rules: SiteRules) -> tuple[GroupLimit, ...]:
    """One :class:`GroupLimit` per district with a rule."""
    frame = case.sites.frame
    groups = []
    districts = sorted(frame["district"].unique())
    for name in list(_keys(rules.min_per_district)) + list(_keys(rules.max_per_district)):
        if name not in districts:
            raise InputError(f"unknown district {name!r} (known: {', '.join(districts)})", source="district rule")
    for d in districts:
        lo = _value(rules.min_per_district, d, 0)
        hi = _value(rules.max_per_district, d, None)
        if lo == 0 and hi is None:
            continue
        members = tuple(int(j) for j in np.flatnonzero(frame["district"].to_numpy() == d))
        groups.append(GroupLimit(d, members, int(lo or 0), None if hi is None else int(hi)))
    for name, ids, lo2, hi2 in rules.extra_groups:
        groups.append(GroupLimit(name, tuple(site_positions(case, ids, what=f"group {name}")), lo2, hi2))
    return tuple(groups)


def _keys(v: int | Mapping[str, int] | None) -> list[str]:
    return list(v) if isinstance(v, Mapping) else []


def _value(v: int | Mapping[str, int] | None, key: str, default: int | None) -> int | None:
    if isinstance(v, Mapping):
        return v.get(key, default)
    return default if v is None else v


def build_problem(case: Case, matrix: TravelMatrix, *, model: ModelKind | str, bases: int | None,
                  minutes: float | None = None, rules: SiteRules | None = None,
                  capacity: Sequence[float] | None = None, extra: object | None = None) -> Problem:
    """The solver problem for ``case`` (weights from ``case.demand``, costs from ``matrix``)."""
    kind = ModelKind(model)
    rules = rules or SiteRules()
    if matrix.demand_ids != tuple(case.demand.ids) or matrix.site_ids != tuple(case.sites.ids):
        raise InputError("travel matrix rows/columns do not match the demand areas and sites", source=matrix.source)
    keep = site_positions(case, rules.must_keep, what="must_keep")
    unsuitable = np.flatnonzero(~case.sites.can_be_base).tolist()
    bad_keep = sorted(set(keep) & set(unsuitable))
    if bad_keep:
        raise InputError(f"site {case.sites.ids[bad_keep[0]]!r} cannot be a base (outreach-only or unsuitable)",
                         source="must_keep")
    close = set(site_positions(case, rules.must_close, what="must_close")) | set(unsuitable)
    if kind in RADIUS_MODELS and minutes is None:
        raise InputError(f"model {kind} needs a travel-time limit in minutes", source="--minutes")
    return make_problem(
        kind, case.demand.weight, matrix.minutes, p=bases,
        radius=float(minutes) if (minutes is not None and kind in RADIUS_MODELS) else None,
        must_open=keep, must_close=sorted(close), groups=district_groups(case, rules),
        capacity=capacity, extra=extra,
    )
