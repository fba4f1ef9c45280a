"""From a case to a :class:`solvers.Problem`: site rules, districts, and the index mapping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from siting.domain import Case, TravelMatrix
from siting.errors import InputError
from solvers import GroupLimit, ModelKind, Problem, make_problem
from solvers.models import DEFINITIONS

if TYPE_CHECKING:
    from solvers.formulations.outreach_spec import OutreachSpec

#: Models whose coverage threshold is the travel-time limit in minutes (their definition needs a radius).
RADIUS_MODELS = frozenset(k for k, d in DEFINITIONS.items() if d.needs_radius)


#: Key of a per-district mapping that stands for every district not named (``{"*": 2, "Norwich": 3}``).
ALL_DISTRICTS = "*"

DistrictLimit = int | Mapping[str, int]


@dataclass(frozen=True, kw_only=True)
class SiteRules:
    """Rules on which sites may or must be bases.

    A *rule set* (``name``, for example the council's published one) closes the sites it rules
    out (``excluded``, each with its reason) and states per-district limits; the user's own
    ``must_keep`` / ``must_close`` come on top. Per-district limits are one number for every
    district or a mapping district -> number, where the key :data:`ALL_DISTRICTS` (``"*"``) stands
    for every district not named.

    Attributes:
        must_keep: site ids that must be bases.
        must_close: site ids that must not be bases (sites unsuitable as a base are always closed).
        min_per_district: at least this many bases in every district (0: no rule), or per district.
        max_per_district: at most this many bases in every district (None: no rule), or per district.
        extra_groups: further groups ``(name, site ids, min, max)``.
        name: the rule set (``none``: no rule set; ``council``: the council's published rules).
        description: the rule set in one sentence, for summaries.
        excluded: site id -> why the rule set rules it out (closed like ``must_close``).
        flagged: site id -> why a base there needs a second look (allowed, but reported).
    """

    must_keep: tuple[str, ...] = ()
    must_close: tuple[str, ...] = ()
    min_per_district: DistrictLimit = 0
    max_per_district: DistrictLimit | None = None
    extra_groups: tuple[tuple[str, tuple[str, ...], int, int | None], ...] = field(default=())
    name: str = "none"
    description: str = ""
    excluded: Mapping[str, str] = field(default_factory=dict, hash=False)
    flagged: Mapping[str, str] = field(default_factory=dict, hash=False)


def site_positions(case: Case, ids: Sequence[str], *, what: str) -> list[int]:
    try:
        return case.sites.index_of(list(ids))
    except KeyError as exc:
        raise InputError(f"unknown site id {exc.args[0]!r}", source=what) from None


def district_groups(case: Case, rules: SiteRules) -> tuple[GroupLimit, ...]:
    """One :class:`GroupLimit` per district with a rule."""
    members_of = case.sites.members_by_district
    groups = []
    districts = list(members_of)
    for name in list(_keys(rules.min_per_district)) + list(_keys(rules.max_per_district)):
        if name not in districts:
            raise InputError(f"unknown district {name!r} (known: {', '.join(districts)})", source="district rule")
    for d in districts:
        lo = _value(rules.min_per_district, d, 0)
        hi = _value(rules.max_per_district, d, None)
        if lo == 0 and hi is None:
            continue
        groups.append(GroupLimit(d, members_of[d], int(lo or 0), None if hi is None else int(hi)))
    for name, ids, lo2, hi2 in rules.extra_groups:
        groups.append(GroupLimit(name, tuple(site_positions(case, ids, what=f"group {name}")), lo2, hi2))
    return tuple(groups)


def _keys(v: DistrictLimit | None) -> list[str]:
    return [k for k in v if k != ALL_DISTRICTS] if isinstance(v, Mapping) else []


def _value(v: DistrictLimit | None, key: str, default: int | None) -> int | None:
    if isinstance(v, Mapping):
        return v.get(key, v.get(ALL_DISTRICTS, default))
    return default if v is None else v


def district_limit(v: DistrictLimit | None, district: str, default: int | None = None) -> int | None:
    """The limit ``v`` (a number, or a mapping with ``"*"`` for the rest) sets for ``district``."""
    return _value(v, district, default)


def allowed_sites(case: Case, rules: SiteRules) -> NDArray[np.bool_]:
    """Sites that may be bases under ``rules``: able to be a base, not excluded, not closed by the user."""
    ok = np.asarray(case.sites.can_be_base, dtype=bool).copy()
    pos = {s: k for k, s in enumerate(case.sites.ids)}
    for s in (*rules.excluded, *rules.must_close):
        if s in pos:
            ok[pos[s]] = False
    return ok


def count_range(case: Case, rules: SiteRules) -> tuple[int, int]:
    """The fewest and most bases ``rules`` allow (before any model constraint).

    Fewest: the per-district minimums (each capped by the district's allowed sites, a shortfall
    being infeasible anyway) and the sites that must be kept; most: the allowed sites, with each
    district capped by its maximum.
    """
    ok = allowed_sites(case, rules)
    ids = case.sites.ids
    keep = set(rules.must_keep)
    lo_total, hi_total = 0, 0
    for d, members in case.sites.members_by_district.items():
        able = int(ok[list(members)].sum())
        kept = sum(1 for j in members if ids[j] in keep)
        lo = max(int(district_limit(rules.min_per_district, d, 0) or 0), kept)
        hi = district_limit(rules.max_per_district, d, None)
        lo_total += lo
        hi_total += able if hi is None else min(able, int(hi))
    return lo_total, hi_total


def check_base_count(case: Case, rules: SiteRules, bases: int, *, source: str = "--bases") -> None:
    """A one-line :class:`InputError` when ``bases`` is outside what ``rules`` allow."""
    lo, hi = count_range(case, rules)
    what = f"the {rules.name} rules" if rules.name != "none" else "the site rules"
    if bases < lo:
        why = rules.description or "the per-district minimums"
        if rules.must_keep:
            why += f"; {len(rules.must_keep)} site(s) must be kept"
        raise InputError(f"{what} need at least {lo} bases ({why}); asked for {bases}", source=source)
    if bases > hi:
        raise InputError(f"{what} allow at most {hi} bases (the sites that may be bases); asked for {bases}",
                         source=source)


def build_problem(case: Case, matrix: TravelMatrix, *, model: ModelKind | str, bases: int | None,
                  minutes: float | None = None, rules: SiteRules | None = None,
                  capacity: Sequence[float] | NDArray[np.float64] | None = None, extra: OutreachSpec | None = None,
                  opening_cost: Sequence[float] | NDArray[np.float64] | None = None, single_source: bool = False,
                  require_cover: bool = True) -> Problem:
    """The solver problem for ``case`` (weights from ``case.demand``, costs from ``matrix``).

    ``capacity`` and ``opening_cost`` (in the objective's units) are per site, in the sites' order;
    :func:`siting.facility.facility_problem` takes them from the data and converts pounds.
    """
    kind = ModelKind(model)
    rules = rules or SiteRules()
    if matrix.demand_ids != tuple(case.demand.ids) or matrix.site_ids != tuple(case.sites.ids):
        raise InputError("travel matrix rows/columns do not match the demand areas and sites", source=matrix.source)
    keep = site_positions(case, rules.must_keep, what="must_keep")
    ruled_out = [s for s in rules.must_keep if s in rules.excluded]
    if ruled_out:
        raise InputError(f"site {ruled_out[0]!r} cannot be kept under the {rules.name} rules: "
                         f"{rules.excluded[ruled_out[0]]}", source="must_keep")
    unsuitable = np.flatnonzero(~case.sites.can_be_base).tolist()
    bad_keep = sorted(set(keep) & set(unsuitable))
    if bad_keep:
        raise InputError(f"site {case.sites.ids[bad_keep[0]]!r} cannot be a base (outreach-only or unsuitable)",
                         source="must_keep")
    close = set(site_positions(case, rules.must_close, what="must_close")) | set(unsuitable)
    known = set(case.sites.ids)
    close |= set(site_positions(case, [s for s in rules.excluded if s in known], what="rules"))
    if kind in RADIUS_MODELS and minutes is None:
        raise InputError(f"model {kind} needs a travel-time limit in minutes", source="--minutes")
    return make_problem(
        kind, case.demand.weight, matrix.minutes, p=bases,
        radius=float(minutes) if (minutes is not None and kind in RADIUS_MODELS) else None,
        must_open=keep, must_close=sorted(close), groups=district_groups(case, rules),
        capacity=capacity, extra=extra, opening_cost=opening_cost, single_source=single_source,
        require_cover=require_cover,
    )
