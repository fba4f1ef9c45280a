"""Paths into the installed package, written so that they mean the same file on another machine.

A resolved scenario records the data files it was built from. The packaged data (``scenarios/data/...``, the
shipped scenarios) lives wherever ``siting`` is installed: ``/home/ann/.venv/lib/python3.11/site-packages`` on
one machine, ``C:\\Users\\bo\\AppData\\...`` on another. Such paths are recorded relative to the package, as
``package:scenarios/data/norfolk/lsoa11_demand.csv``, and read back against the package of the machine that
reads them. Every other path (the user's own files) stays absolute.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

PREFIX = "package:"
#: The packages of the distribution: a path inside one of them is package data.
PACKAGES = ("scenarios", "siting", "maps", "solvers")


def package_root() -> Path:
    """The folder holding the packages (``site-packages`` when installed, the source tree in a checkout)."""
    return Path(__file__).resolve().parent.parent


def to_record(path: Path | str) -> str:
    """``package:PKG/...`` for a file inside one of :data:`PACKAGES`, else the absolute path as text."""
    p = Path(path).resolve()
    root = package_root()
    for pkg in PACKAGES:
        if p.is_relative_to(root / pkg):
            return PREFIX + p.relative_to(root).as_posix()
    return str(p)


def from_record(text: str) -> Path:
    """The path a recorded string names on this machine (see :func:`to_record`)."""
    if text.startswith(PREFIX):
        rel = PurePosixPath(text.removeprefix(PREFIX))
        return package_root().joinpath(*rel.parts)
    return Path(text)


def is_packaged(text: str) -> bool:
    """Whether a recorded path is relative to the package."""
    return text.startswith(PREFIX)
