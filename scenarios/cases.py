"""Named embedded cases (``siting solve norfolk``)."""

from __future__ import annotations

from collections.abc import Callable

from scenarios import norfolk
from siting.domain import Case, TravelMatrix
from siting.errors import InputError
from siting.need import NEED_METHODS


def _norfolk_matrix(case: Case) -> TravelMatrix:
    return norfolk.travel_matrix(case)


#: name -> (loader taking a need method, travel-matrix builder)
CASES: dict[str, tuple[Callable[[str], Case], Callable[[Case], TravelMatrix]]] = {
    "norfolk": (norfolk.load, _norfolk_matrix),
}


def load_case(name: str, *, need: str = "children") -> tuple[Case, TravelMatrix]:
    """The embedded case ``name`` weighted by ``need``, with its default travel matrix."""
    if name not in CASES:
        raise InputError(f"unknown case {name!r}; embedded cases: {', '.join(sorted(CASES))}", source="CASE")
    if need not in NEED_METHODS:
        raise InputError(f"unknown need weighting {need!r}; choose from {', '.join(NEED_METHODS)}", source="--need")
    loader, matrix = CASES[name]
    case = loader(need)
    return case, matrix(case)
