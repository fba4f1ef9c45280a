"""The resolved copy of a scenario: everything needed to audit a result and to reproduce it.

``scenario.resolved.yaml`` has the scenario's own schema with every path made absolute (a path into the
installed package as ``package:scenarios/data/...``, so that the copy reproduces on another machine), the
parameters actually used, and a ``provenance`` section: package and Python versions, the solver
versions, the command, and SHA-256 checksums of every data file and of every travel matrix. Run
again (``siting run OUT/scenario.resolved.yaml``), it gives the same result, and refuses (or, when
asked, warns) if a data file or a travel matrix changed since.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import sys
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

import siting
from scenarios.package_paths import from_record, to_record
from scenarios.scenario_file import Scenario
from scenarios.scenario_inputs import Prepared
from siting.domain import TravelMatrix
from siting.errors import InputError


@lru_cache(maxsize=256)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes (cached by path, size and modification time)."""
    st = path.stat()
    return _sha256_cached(str(path), st.st_size, st.st_mtime_ns)


def matrix_sha256(matrix: TravelMatrix) -> str:
    """SHA-256 of a travel matrix: its minutes (float32, C order) and its row and column ids."""
    h = hashlib.sha256()
    h.update(matrix.minutes.astype("<f4", copy=False).tobytes(order="C"))
    h.update("\n".join(matrix.demand_ids).encode())
    h.update(b"\0")
    h.update("\n".join(matrix.site_ids).encode())
    return h.hexdigest()


def _absolute(scenario: Scenario, value: str | None) -> str | None:
    """A path as recorded: absolute, or ``package:...`` inside the installed package (:mod:`package_paths`)."""
    return None if value is None else to_record(scenario.resolve(value, (), must_exist=False))


def resolved_data(scenario: Scenario, prepared: Sequence[Prepared], *, out_dir: Path, command: str,
                  overrides: Mapping[str, Any] | None = None,
                  solver_versions: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The resolved scenario as plain data (see the module docstring).

    ``overrides`` replaces top-level sections (for example ``sweep`` with the grid actually run).
    """
    spec = scenario.spec
    data: dict[str, Any] = spec.model_dump(mode="json", exclude={"provenance"})
    data["name"] = scenario.name
    d = data["demand"]
    d["file"] = _absolute(scenario, spec.demand.file)
    s = data["sites"]
    s["file"] = _absolute(scenario, spec.sites.file)
    s["postcode_lookup"] = _absolute(scenario, spec.sites.postcode_lookup)
    if isinstance(data.get("plan"), dict):
        data["plan"]["file"] = _absolute(scenario, data["plan"].get("file"))
    data["travel"]["file"] = _absolute(scenario, spec.travel.file)
    data["outputs"] = {"folder": str(Path(out_dir).resolve())}
    for key, value in (overrides or {}).items():
        data[key] = value
    files = sorted({to_record(p) for prep in prepared for p in prep.data_files})
    data["provenance"] = {
        "siting_version": siting.__version__,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "source_scenario": (scenario.spec.provenance.source_scenario if scenario.spec.provenance
                            and scenario.spec.provenance.source_scenario else to_record(scenario.path)),
        "command": command,
        "checksums": {f: sha256_file(from_record(f)) for f in files},
        "travel_matrix_sha256": {p.label: matrix_sha256(p.matrix) for p in prepared},
        "solver_versions": dict(solver_versions or {}),
    }
    return _drop_empty(data)


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    """Leave out ``None`` values (the schema's defaults) so that the copy reads like a scenario file."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        if isinstance(v, dict) and k not in ("columns", "params", "checksums", "travel_matrix_sha256"):
            v = _drop_empty(v)
        if v is None:
            continue
        out[k] = v
    return out


def dump_resolved(data: Mapping[str, Any]) -> str:
    """YAML text of a resolved scenario, with a header saying what it is."""
    header = (f"# Resolved scenario written by siting {siting.__version__}: every path absolute (package data as\n"
              "# package:..., relative to the installed siting), every data file and travel matrix checksummed.\n"
              "# `siting run` on this file reproduces the result.\n")
    return header + yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, width=110)


def fingerprint(data: Mapping[str, Any]) -> str:
    """What makes two sweeps the same: the resolved scenario without outputs, grid, names and times."""
    core = {k: v for k, v in data.items() if k not in ("name", "description", "outputs", "sweep", "provenance")}
    core["model"] = {"params": dict(data.get("model", {})).get("params", {})}  # model, bases, minutes: per job
    prov = data.get("provenance", {})
    core["checksums"] = sorted(prov.get("checksums", {}).values())
    core["travel_matrix_sha256"] = prov.get("travel_matrix_sha256", {})
    return hashlib.sha256(json.dumps(core, sort_keys=True, default=str).encode()).hexdigest()[:16]


def check_files(scenario: Scenario) -> list[InputError]:
    """Problems with the data checksums recorded in a resolved scenario (none for a plain scenario file)."""
    prov = scenario.spec.provenance
    if prov is None:
        return []
    problems = []
    for name, digest in prov.checksums.items():
        path = from_record(name)
        key = ("provenance", "checksums", name)
        if not path.exists():
            problems.append(scenario.error(key, f"data file {path} recorded in the resolved scenario is missing"))
        elif sha256_file(path) != digest:
            problems.append(scenario.error(key, f"data file {path} changed since the result was produced "
                                                f"(sha256 {sha256_file(path)[:12]}..., recorded {digest[:12]}...)"))
    return problems


def check_matrices(scenario: Scenario, prepared: Iterable[Prepared]) -> list[InputError]:
    """Problems with the travel-matrix checksums recorded in a resolved scenario."""
    prov = scenario.spec.provenance
    if prov is None:
        return []
    problems = []
    for p in prepared:
        want = prov.travel_matrix_sha256.get(p.label)
        if want is not None and matrix_sha256(p.matrix) != want:
            problems.append(scenario.error(("provenance", "travel_matrix_sha256", p.label),
                                           f"the travel matrix of {p.title} differs from the recorded one "
                                           "(data or estimator changed)"))
    return problems


def enforce(problems: Sequence[InputError], *, allow_changed: bool) -> list[str]:
    """Raise the first problem, or (``allow_changed``) return them as warnings."""
    if problems and not allow_changed:
        first = problems[0]
        raise InputError(f"{first.detail}; rerun with --allow-changed-data to go ahead anyway", source=first.source,
                         row=first.row, field=first.field)
    return [f"warning: {p}" for p in problems]


def command_line() -> str:
    """The command as typed (for the record)."""
    return " ".join(["siting", *sys.argv[1:]])
