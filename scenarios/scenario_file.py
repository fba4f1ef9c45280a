"""Scenario files: the schema, and loading with errors that name the file, line and key.

A scenario file (YAML, or TOML) states one what-if completely::

    name: norfolk-15-bases
    demand: {case: norfolk}              # or {file: areas.csv, columns: {...}} or {england: {authority: Norfolk}}
    need: children                       # children | idaci | deprived
    sites: {}                            # the case's own; or {file: ..., columns: ...}; or {by_postcode: [...]}
    plan: council_2019                   # plan in hand: a case plan by name, or {name:, sites: [...]} / {name:, file:}
    travel: {source: estimate}           # or {source: matrix, file: ...} or {source: network, file: ...}
    model: {name: mclp, bases: 15, minutes: 20, params: {}}
    constraints: {rules: null, allow_limited: false, must_keep: [], must_close: [], min_per_district: null,
                  max_per_district: null, groups: []}   # rules null: the case's default (council for norfolk)
    solver: {name: auto, time_limit_s: null, gap: 0, threads: null, seed: 0}
    outputs: {folder: out/norfolk}
    sweep: {bases: "5:30", minutes: [15, 20, 30], models: [mclp]}   # defaults for ``siting sweep``

Relative paths resolve against the folder of the scenario file. :func:`load_scenario` returns a
:class:`Scenario`: the validated :class:`ScenarioSpec`, the file, and the line of every key, so
that later checks (an unknown site id in ``must_keep``, a missing data file) can name the line.
A resolved copy (``scenario.resolved.yaml``, see :mod:`scenarios.provenance`) has the same schema
plus a ``provenance`` section.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from scenarios.limit_types import (  # the limits shared with the command line (scenarios.limits)
    Capacity,
    Gbp,
    GbpPerMinute,
    Minutes,
    RelativeGap,
    Seed,
    Threads,
    TimeLimitSeconds,
)
from scenarios.limits import (
    MAX_MINUTES as MAX_MINUTES,
)
from scenarios.limits import (
    MAX_TIME_LIMIT_S as MAX_TIME_LIMIT_S,
)
from scenarios.limits import (
    check_value as check_value,
)
from scenarios.package_paths import from_record
from scenarios.yaml_lines import Key, KeyPath, LineMap, dotted, load_with_lines
from siting.errors import InputError

NeedName = Literal["children", "idaci", "deprived"]

class _Strict(BaseModel):
    """Unknown keys are errors (a misspelt key never silently falls back on a default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class EnglandSpec(_Strict):
    """English LSOAs (2011) of one upper-tier authority, by name or code; ``all`` (sweeps) or a list."""

    authority: str | list[str]


class DemandSpec(_Strict):
    """Where the demand areas come from: exactly one of ``case``, ``file`` or ``england``."""

    case: str | None = None
    file: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    england: EnglandSpec | None = None

    @model_validator(mode="after")
    def _one_source(self) -> DemandSpec:
        given = [k for k in ("case", "file", "england") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'case', 'file' or 'england'"
                             + (f" (got {', '.join(given)})" if given else ""))
        if self.columns and self.file is None:
            raise ValueError("'columns' goes with 'file'")
        return self


class PostcodeSite(_Strict):
    """A candidate site given by its postcode."""

    id: str
    postcode: str
    name: str | None = None
    kind: Literal["building", "outreach_only"] = "building"
    district: str | None = None


class SitesSpec(_Strict):
    """Candidate sites: the case's own (empty), a ``file``, or a list ``by_postcode``."""

    file: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    by_postcode: list[PostcodeSite] | None = None
    postcode_lookup: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> SitesSpec:
        if self.file is not None and self.by_postcode is not None:
            raise ValueError("give 'file' or 'by_postcode', not both")
        if self.columns and self.file is None:
            raise ValueError("'columns' goes with 'file'")
        return self


class PlanSpec(_Strict):
    """A plan in hand: site ids listed (``sites``) or in a file (``file``: a column ``id`` or ``site_id``)."""

    name: str
    sites: list[str] | None = None
    file: str | None = None
    description: str = ""

    @model_validator(mode="after")
    def _one_source(self) -> PlanSpec:
        if (self.sites is None) == (self.file is None):
            raise ValueError("give exactly one of 'sites' or 'file'")
        return self


class TravelSpec(_Strict):
    """Travel times: the calibrated ``estimate``, a ``matrix`` file, or a road ``network`` file."""

    source: Literal["estimate", "matrix", "network"] = "estimate"
    file: str | None = None
    max_minutes: Minutes = 120.0

    @model_validator(mode="after")
    def _file(self) -> TravelSpec:
        if self.source != "estimate" and self.file is None:
            raise ValueError(f"travel source '{self.source}' needs 'file'")
        if self.source == "estimate" and self.file is not None:
            raise ValueError("the estimate needs no 'file' (did you mean source: matrix?)")
        return self


class ModelSpec(_Strict):
    """The model and its parameters.

    ``capacity`` and ``opening_cost_gbp`` give every site one value (instead of the sites file's
    columns); ``travel_gbp_per_minute`` and ``single_source`` are for ``cflp``, ``require_cover``
    for ``bclp`` (:mod:`siting.facility`). For ``cflp``, ``bases`` is an upper limit (null: none).
    """

    name: str = "mclp"
    bases: int | Literal["auto"] | None = Field(default=15)
    minutes: Minutes = 20.0
    params: dict[str, Any] = Field(default_factory=dict)
    capacity: Capacity | None = None
    opening_cost_gbp: Gbp | None = None
    travel_gbp_per_minute: GbpPerMinute | None = None
    single_source: bool = False
    require_cover: bool = True


class GroupSpec(_Strict):
    """At least ``min`` and at most ``max`` of the ``sites`` are bases."""

    name: str
    sites: list[str]
    min: int = Field(default=0, ge=0)
    max: int | None = Field(default=None, ge=0)


class ConstraintsSpec(_Strict):
    """Site rules: a rule set (``rules``; ``null``: the case's default, ``council`` for Norfolk) and the user's own.

    ``min_per_district`` / ``max_per_district``: one number, or a mapping district -> number where
    ``"*"`` stands for every district not named; an explicit minimum replaces the rule set's.
    """

    rules: Literal["council", "none"] | None = None
    allow_limited: bool = False
    must_keep: list[str] = Field(default_factory=list)
    must_close: list[str] = Field(default_factory=list)
    min_per_district: int | dict[str, int] | None = None
    max_per_district: int | dict[str, int] | None = None
    groups: list[GroupSpec] = Field(default_factory=list)


class SolverSpec(_Strict):
    """Solver options."""

    name: str = "auto"
    time_limit_s: TimeLimitSeconds | None = None
    gap: RelativeGap = 0.0
    threads: Threads | None = None
    seed: Seed = 0


class OutputsSpec(_Strict):
    """Where results go (default: ``siting-out/<name>`` in the current folder)."""

    folder: str | None = None


class SweepSpec(_Strict):
    """Defaults for ``siting sweep``: base counts (``"5:30"`` or a list), minutes, models."""

    bases: str | list[int] | None = None
    minutes: list[Minutes] | None = None
    models: list[str] | None = None


class ProvenanceSpec(_Strict):
    """What a resolved copy records for audit: versions, checksums of data files and matrices."""

    siting_version: str
    created: str
    python: str = ""
    source_scenario: str | None = None
    command: str | None = None
    checksums: dict[str, str] = Field(default_factory=dict)
    travel_matrix_sha256: dict[str, str] = Field(default_factory=dict)
    solver_versions: dict[str, str] = Field(default_factory=dict)


def _plain_name(value: str | None) -> str | None:
    """A scenario name is a plain folder name (it names ``siting-out/<name>``): it cannot leave that folder."""
    if value is None:
        return value
    if not value.strip() or value.strip() in (".", ".."):
        raise ValueError("a name must be a plain word such as norfolk-15-bases")
    bad = next((c for c in ("/", "\\", "\x00", ":") if c in value), None)
    if bad is not None or value.startswith(("~", ".")):
        raise ValueError("a name must be a plain word (no folder separators, no leading '.' or '~'), "
                         "it names the results folder siting-out/<name>; use outputs.folder for another place")
    return value


class ScenarioSpec(_Strict):
    """A whole scenario file."""

    name: Annotated[str | None, AfterValidator(_plain_name)] = None
    description: str = ""
    demand: DemandSpec
    need: NeedName = "children"
    sites: SitesSpec = Field(default_factory=SitesSpec)
    plan: str | PlanSpec | None = None
    travel: TravelSpec = Field(default_factory=TravelSpec)
    model: ModelSpec = Field(default_factory=ModelSpec)
    constraints: ConstraintsSpec = Field(default_factory=ConstraintsSpec)
    solver: SolverSpec = Field(default_factory=SolverSpec)
    outputs: OutputsSpec = Field(default_factory=OutputsSpec)
    sweep: SweepSpec | None = None
    provenance: ProvenanceSpec | None = None


@dataclass(frozen=True)
class Scenario:
    """A validated scenario and where it came from.

    Attributes:
        spec: the validated contents.
        path: the scenario file (absolute).
        lines: the line of every key, for errors found later.
    """

    spec: ScenarioSpec
    path: Path
    lines: LineMap

    @property
    def folder(self) -> Path:
        """The folder relative paths resolve against."""
        return self.path.parent

    @property
    def name(self) -> str:
        """The scenario's name (its ``name``, else the file name without suffix)."""
        return self.spec.name or self.path.stem.removesuffix(".resolved")

    def error(self, key_path: Sequence[Key], message: str) -> InputError:
        """An :class:`InputError` naming this file, the line of ``key_path`` and the key."""
        return InputError(message, source=str(self.path), row=self.lines.line_of(key_path), field=dotted(key_path))

    def resolve(self, value: str, key_path: Sequence[Key], *, must_exist: bool = True) -> Path:
        """A path from the file, made absolute against the scenario's folder (checked to exist).

        ``package:scenarios/data/...`` (as resolved copies record package data) is relative to the installed package.
        """
        p = from_record(value).expanduser()
        p = (p if p.is_absolute() else self.folder / p).resolve()
        if must_exist and not p.exists():
            raise self.error(key_path, f"file not found: {p}")
        return p

    def output_folder(self, override: Path | None = None) -> Path:
        """The outputs folder: ``override``, else ``outputs.folder``, else ``siting-out/<name>``."""
        if override is not None:
            return Path(override).resolve()
        if self.spec.outputs.folder is not None:
            return self.resolve(self.spec.outputs.folder, ("outputs", "folder"), must_exist=False)
        return (Path.cwd() / "siting-out" / self.name).resolve()


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate a scenario file; errors name the file, line and key."""
    path = Path(path).expanduser().resolve()
    data, lines = load_with_lines(path)
    if data is None:
        raise InputError("the scenario file is empty", source=str(path), row=1)
    if not isinstance(data, dict):
        raise InputError("a scenario file is a mapping of keys (demand:, model:, ...)", source=str(path), row=1)
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        raise _first_error(exc, data, lines, path) from None
    return Scenario(spec, path, lines)


# --- mapping pydantic errors back to lines ----------------------------------------------------------


def _data_path(loc: Sequence[str | int], data: Any) -> tuple[KeyPath, bool]:
    """The part of ``loc`` that walks real data (union tags dropped), and whether all of it did."""
    out: list[Key] = []
    node = data
    complete = True
    for part in loc:
        walks_dict = isinstance(node, dict) and isinstance(part, str) and part in node
        walks_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if walks_dict or walks_list:
            out.append(part)
            node = node[part]
        elif isinstance(node, dict | list):
            if isinstance(part, str) and part[:1].islower() and not _is_type_tag(part):
                out.append(part)  # a missing key: keep it to name it
                complete = False
                break
            continue  # a union tag such as 'PlanSpec' or 'dict[str,int]'
        else:
            continue
    return tuple(out), complete


def _is_type_tag(part: str) -> bool:
    return any(c in part for c in "[],") or part in ("str", "int", "float", "bool", "list", "dict", "none")


def _model_at(path: KeyPath) -> type[BaseModel] | None:
    """The pydantic model describing the mapping at ``path`` (for listing the allowed keys)."""
    model: type[BaseModel] | None = ScenarioSpec
    for part in path:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = _first_model(field.annotation)
    return model


def _first_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list):
        for arg in typing.get_args(annotation):
            if (m := _first_model(arg)) is not None:
                return m
    return None


def _first_error(exc: ValidationError, data: Any, lines: LineMap, path: Path) -> InputError:
    """The most specific error, as an :class:`InputError` with file, line and key."""
    best: tuple[int, KeyPath, Any] | None = None
    for candidate in exc.errors():
        key_path, _ = _data_path(candidate["loc"], data)
        score = len(key_path)
        if candidate["type"] in ("string_type", "int_type", "model_type", "dict_type", "list_type") and best:
            score -= 1  # prefer the union member that matched the shape
        if best is None or score > best[0]:
            best = (score, key_path, candidate)
    assert best is not None
    _, key_path, detail = best
    err: dict[str, Any] = dict(detail)
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(key_path[-1])
        model = _model_at(key_path[:-1])
        allowed = sorted(model.model_fields) if model is not None else []
        hint = difflib.get_close_matches(key, allowed, n=1)
        message = f"unknown key '{key}'" + (f" (did you mean '{hint[0]}'?)" if hint else "")
        if allowed:
            message += f"; allowed here: {', '.join(allowed)}"
        return InputError(message, source=str(path), row=lines.line_of(key_path), field=dotted(key_path))
    if kind == "missing":
        return InputError(f"missing required key '{key_path[-1]}'", source=str(path),
                          row=lines.line_of(key_path[:-1]), field=dotted(key_path))
    message = str(err["msg"]).removeprefix("Value error, ")
    if kind not in ("value_error", "assertion_error") and "input" in err and not isinstance(err["input"], dict | list):
        message += f", got {err['input']!r}"
    return InputError(message, source=str(path), row=lines.line_of(key_path), field=dotted(key_path) or None)
