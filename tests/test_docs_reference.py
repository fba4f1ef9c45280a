"""The API reference (docs/reference/*.md, built by mkdocs in .ci/run) names every module of ``siting``.

mkdocs --strict fails on a page missing from the nav or a ``::: module`` that does not exist, but not on a module
left out of the reference: this test catches that for the domain layer, the library's public face.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "reference"
DIRECTIVE = re.compile(r"^:::\s+([\w.]+)\s*$", re.MULTILINE)


def _documented() -> set[str]:
    return {m for page in REFERENCE.glob("*.md") for m in DIRECTIVE.findall(page.read_text(encoding="utf-8"))}


def _public_modules(package: str) -> set[str]:
    names = set()
    for path in (ROOT / package).rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not any(p.startswith("_") for p in parts):
            names.add(".".join(parts))
    return names


def test_every_siting_module_is_in_the_reference() -> None:
    missing = sorted(_public_modules("siting") - _documented())
    assert not missing, f"add '::: NAME' lines to docs/reference/siting.md for: {', '.join(missing)}"


def test_reference_names_real_modules() -> None:
    documented = _documented()
    assert {"siting.coverage", "solvers.api", "maps.coverage_map"} <= documented
    for name in sorted(documented):
        importlib.import_module(name)
