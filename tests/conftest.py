"""Shared fixtures."""

from __future__ import annotations

import os

import pytest

# Keep solver threads modest in tests (2-core CI machines).
os.environ.setdefault("SITING_MAX_THREADS", "2")


@pytest.fixture(scope="session")
def norfolk_case():  # type: ignore[no-untyped-def]
    from scenarios import norfolk

    case = norfolk.load()
    return case, norfolk.travel_matrix(case)
