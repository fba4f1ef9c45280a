"""The runnable examples in the formulation docstrings (and the package and pmed reader) pass."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "solvers",
    "solvers.formulations.mclp",
    "solvers.formulations.pmedian",
    "solvers.formulations.lscp",
    "solvers.formulations.pcenter",
    "solvers.formulations.capacitated",
    "solvers.pmedian.cover_search",
    "solvers.pcenter_search",
    "benchmarks.pmed",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert attempted > 0, f"{name} has no example"
    assert failed == 0
