"""Every docstring example (``>>>``) in siting, maps and scenarios runs, and any in solvers not already listed.

``tests/solvers/test_solvers_doctests.py`` requires an example in each module it names; this test finds the
modules with examples itself, so a new example anywhere is run without anyone adding it to a list.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["solvers", "siting", "maps", "scenarios"]


def _listed_in_solvers_test() -> set[str]:
    """The modules tests/solvers/test_solvers_doctests.py already runs (its ``MODULES`` list)."""
    tree = ast.parse((ROOT / "tests" / "solvers" / "test_solvers_doctests.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "MODULES" for t in node.targets):
            return set(ast.literal_eval(node.value))
    raise AssertionError("tests/solvers/test_solvers_doctests.py has no MODULES list")


def modules_with_examples() -> list[str]:
    """Modules of PACKAGES whose source holds an example, except those the solvers doctest test runs."""
    listed = _listed_in_solvers_test()
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if ">>>" in path.read_text(encoding="utf-8"):
                parts = path.relative_to(ROOT).with_suffix("").parts
                name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
                if name not in listed:
                    found.append(name)
    return found


def test_discovery_finds_the_known_examples() -> None:
    found = modules_with_examples()
    assert "solvers.formulations.outreach" in found  # has examples, not in the solvers list
    assert "solvers.formulations.mclp" not in found  # run by tests/solvers/test_solvers_doctests.py
    assert "solvers.formulations.mclp" in _listed_in_solvers_test()
    assert all(pkgutil.resolve_name(name) is not None for name in found)


@pytest.mark.parametrize("name", modules_with_examples())
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert attempted > 0, f"{name}: '>>>' in the source but no example collected"
    assert failed == 0
