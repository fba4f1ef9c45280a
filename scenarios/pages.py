"""Writing pages for people: HTML maps and reports, written atomically and readable like any user file."""

from __future__ import annotations

import os
from pathlib import Path

from scenarios.output import atomic_file
from siting.errors import InputError


def write_text_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable like any file the user creates (umask applies)."""
    try:
        with atomic_file(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
            tmp.chmod(0o666 & ~_umask())
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", source=str(path)) from None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def size_text(n_bytes: int) -> str:
    """``1.4 MB``."""
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 1e5 else f"{n_bytes / 1e3:.0f} kB"
