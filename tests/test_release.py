"""Release hygiene: one version, the licences, the package data declared (the wheel itself is checked by .ci/run)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import siting

ROOT = Path(__file__).resolve().parent.parent


def test_version_is_written_in_one_place() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "siting.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", siting.__version__)
    packages = ("solvers", "siting", "maps", "scenarios", "benchmarks")  # not a .venv inside the checkout
    sources = [p for pkg in packages for p in (ROOT / pkg).rglob("*.py")]
    written = [p for p in sources if re.search(r"^__version__\s*=", p.read_text(encoding="utf-8"), re.M)]
    assert [p.relative_to(ROOT).as_posix() for p in written] == ["siting/__init__.py"]


def test_licences_ship_beside_the_data() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT" and "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    data = ROOT / "scenarios" / "data"
    provenance = (data / "PROVENANCE.md").read_text(encoding="utf-8")
    for name in ("OGL-UK-3.0.txt", "OS-OpenData.txt"):
        assert (data / "LICENSES" / name).is_file() and f"LICENSES/{name}" in provenance
    assert "Royal Mail" in (data / "LICENSES" / "OS-OpenData.txt").read_text(encoding="utf-8")
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "data/**/*" in package_data["package-data"]["scenarios"]  # LICENSES/ and PROVENANCE.md go in the wheel
