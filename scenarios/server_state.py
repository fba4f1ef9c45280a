"""The state of ``siting serve`` on disk: the plan being explored, locks, optima and background sweeps.

Everything the page changes is written to the serve folder at once (atomic replace), so closing
the browser or stopping the server loses nothing: ``state.json`` (plan, limit, locks),
``optima.json`` (exact optima found by re-optimisation and sweeps, by limit and number of bases)
and ``sweeps/<id>.json`` (each sweep's progress and results). A sweep that was running when the
server stopped is reported as ``interrupted`` when the server starts again.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maps.explorer_data import count_key, minutes_key
from siting.errors import InputError


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` by replacing it whole (readers never see half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, allow_nan=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path, default: Any) -> Any:
    if not path.is_file():
        return default
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read JSON: {' '.join(str(exc).split())}", source=str(path)) from None


def _object(data: Any) -> dict[str, Any]:
    """``data`` if it is a JSON object, else empty (a file of another shape is not siting's)."""
    return data if isinstance(data, dict) else {}


def saved_optima(folder: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """The optima kept in ``folder/optima.json`` (empty when there is none); reads only, creates nothing."""
    return _object(read_json(folder / "optima.json", {}))


SOURCE_NAME = "source.json"


def check_source(folder: Path, *, digest: str, label: str) -> None:
    """Refuse a folder whose optima belong to another source (another case, data, travel times or rules).

    Reads only; a folder without ``source.json`` (new, or from before it was written) is accepted.
    """
    recorded = _object(read_json(folder / SOURCE_NAME, {}))
    if recorded.get("fingerprint") not in (None, digest):
        raise InputError(f"this folder holds the plan and optima of another source ({recorded.get('label', '?')}: "
                         "other areas, sites, travel times or rules); choose another --folder", source=str(folder))


@dataclass
class ServeState:
    """The serve folder and a lock for the files in it."""

    folder: Path
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "sweeps").mkdir(exist_ok=True)
        for path in (self.folder / "sweeps").glob("*.json"):
            sweep = _object(read_json(path, {}))
            if sweep.get("status") == "running":
                write_json_atomic(path, {**sweep, "status": "interrupted"})

    @property
    def state_path(self) -> Path:
        return self.folder / "state.json"

    def plan(self) -> dict[str, Any] | None:
        with self.lock:
            data = read_json(self.state_path, None)
        return data if isinstance(data, dict) else None

    def save_plan(self, plan: dict[str, Any]) -> None:
        with self.lock:
            write_json_atomic(self.state_path, {**plan, "saved_at": time.time()})

    def record_source(self, *, digest: str, label: str) -> None:
        """Note which source this folder's plan and optima belong to (:func:`check_source`)."""
        with self.lock:
            write_json_atomic(self.folder / SOURCE_NAME, {"fingerprint": digest, "label": label})

    def optima(self) -> dict[str, dict[str, dict[str, Any]]]:
        with self.lock:
            return saved_optima(self.folder)

    def add_optimum(self, minutes: float, bases: list[int], covered: float) -> None:
        """Record a proven optimum (site positions) for ``len(bases)`` bases at ``minutes``."""
        with self.lock:
            data = saved_optima(self.folder)
            data.setdefault(minutes_key(minutes), {})[count_key(len(bases))] = {"bases": sorted(bases),
                                                                                "covered": covered}
            write_json_atomic(self.folder / "optima.json", data)

    def sweep(self, sweep_id: str) -> dict[str, Any] | None:
        path = self.folder / "sweeps" / f"{sweep_id}.json"
        with self.lock:
            data = read_json(path, None)
        return data if isinstance(data, dict) else None

    def save_sweep(self, sweep_id: str, data: dict[str, Any]) -> None:
        with self.lock:
            write_json_atomic(self.folder / "sweeps" / f"{sweep_id}.json", data)

    def running_sweep(self) -> str | None:
        for path in sorted((self.folder / "sweeps").glob("*.json")):
            if _object(read_json(path, {})).get("status") == "running":
                return path.stem
        return None


def run_sweep(state: ServeState, sweep_id: str, *, minutes: float, counts: list[int],
              solve_one: Callable[[int], tuple[list[int], float, str]]) -> None:
    """Solve each count in turn (``solve_one(p) -> (site positions, need covered, status)``), saving progress."""
    data: dict[str, Any] = {"id": sweep_id, "minutes": minutes, "counts": counts, "done": 0, "total": len(counts),
                            "status": "running", "results": [], "started_at": time.time()}
    state.save_sweep(sweep_id, data)
    try:
        for p in counts:
            bases, covered, status = solve_one(p)
            data["results"].append({"bases": p, "sites": bases, "need_covered": covered, "status": status})
            if status == "optimal":
                state.add_optimum(minutes, bases, covered)
            data["done"] += 1
            state.save_sweep(sweep_id, data)
        data["status"] = "done"
    except Exception as exc:  # reported in the sweep's file, not lost in a thread
        data["status"] = "error"
        data["message"] = f"{type(exc).__name__}: {exc}"
    data["finished_at"] = time.time()
    state.save_sweep(sweep_id, data)
