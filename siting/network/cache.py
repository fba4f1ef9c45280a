"""The on-disk cache of loaded networks and travel matrices: content-addressed, atomic, safe to share.

Keys are SHA-256 digests of everything that determines the result: the network file's bytes (streamed), the
points (ids and BNG coordinates), the parameters and :data:`CACHE_VERSION`. Entries are ``.npz`` files written to
a temporary file in the same folder and renamed into place, so a crash never leaves a half-written entry and
concurrent runs at worst compute the same entry twice. A corrupt or unreadable entry counts as a miss.

The folder is ``cache_dir`` when given, else ``$SITING_CACHE_DIR``, else the user cache folder of the operating
system (:func:`platformdirs.user_cache_dir`: ``~/.cache/siting`` or ``$XDG_CACHE_HOME/siting`` on Linux,
``~/Library/Caches/siting`` on macOS, ``%LOCALAPPDATA%\\siting\\Cache`` on Windows); entries live under
``<folder>/network/``. Deleting the folder is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs
from numpy.typing import NDArray

#: Bump when the meaning of a cached entry changes (loaders, speeds, snapping or the matrix algorithm).
CACHE_VERSION = 1
ENV_VAR = "SITING_CACHE_DIR"
_META = "__meta__"


def default_cache_dir() -> Path:
    """``$SITING_CACHE_DIR`` if set, else the system's user cache folder for ``siting`` (see the module docstring)."""
    env = os.environ.get(ENV_VAR, "").strip()
    return Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("siting", appauthor=False))


def network_cache_dir(cache_dir: Path | None) -> Path:
    """The folder holding network cache entries."""
    return (Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()) / "network"


def file_sha256(path: Path, *, chunk_bytes: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, read in chunks (constant memory)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        while chunk := f.read(chunk_bytes):
            h.update(chunk)
    return h.hexdigest()


def points_sha256(ids: Sequence[str], x_m: NDArray[np.floating], y_m: NDArray[np.floating]) -> str:
    """SHA-256 of point ids and coordinates (order matters: it is the order of the matrix rows or columns)."""
    h = hashlib.sha256()
    h.update("\x1f".join(map(str, ids)).encode("utf-8"))
    h.update(np.ascontiguousarray(x_m, dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(y_m, dtype=np.float64).tobytes())
    return h.hexdigest()


def digest(parts: Mapping[str, Any]) -> str:
    """A cache key: SHA-256 of the parts as canonical JSON, with :data:`CACHE_VERSION`."""
    text = json.dumps({"cache_version": CACHE_VERSION, **parts}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save(path: Path, arrays: Mapping[str, NDArray[Any]], meta: Mapping[str, Any]) -> None:
    """Write arrays and JSON metadata to ``path`` atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            payload: dict[str, Any] = {_META: np.array(json.dumps(meta, default=str)), **arrays}
            np.savez(f, **payload)
            f.flush()
            os.fsync(f.fileno())
        tmp.chmod(0o644)  # mkstemp makes it private; a cache folder may be shared
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def load(path: Path) -> tuple[dict[str, NDArray[Any]], dict[str, Any]] | None:
    """Arrays and metadata saved by :func:`save`, or ``None`` if missing or unreadable."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files if k != _META}
            meta = json.loads(str(data[_META]))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, json.JSONDecodeError):
        return None  # a miss: the entry is recomputed and replaced
    return arrays, meta
