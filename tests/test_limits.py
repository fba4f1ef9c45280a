"""The command line's checks of numbers (``scenarios.limits``, no pydantic when a value plainly passes) agree with
the scenario file's pydantic types (``scenarios.limit_types``) on every value: the same result, or the same error."""

from __future__ import annotations

import math

import pytest
from pydantic import TypeAdapter, ValidationError

from scenarios import limits
from scenarios.limit_types import annotated
from siting.errors import InputError

LIMITS = [limits.MINUTES, limits.TIME_LIMIT_S, limits.RELATIVE_GAP, limits.THREADS, limits.SEED, limits.CAPACITY,
          limits.GBP, limits.GBP_PER_MINUTE]
VALUES: list[object] = [0, 1, 2, -1, 0.0, 0.5, 1.0, 1.5, 20, 20.0, 1440, 1440.0, 1440.5, 1024, 1025, 2**31 - 1, 2**31,
                        -0.0, math.inf, -math.inf, math.nan, True, False, "20", "x", None, 3.0, 2.5e6, 3e6]


@pytest.mark.parametrize("limit", LIMITS, ids=lambda lim: repr(lim))
def test_check_value_agrees_with_pydantic(limit: limits.Limit) -> None:
    adapter = TypeAdapter(annotated(limit))
    plain_accepted = 0
    for value in VALUES:
        try:
            expected: object = adapter.validate_python(value)
        except ValidationError as exc:
            with pytest.raises(InputError) as err:
                limits.check_value(limit, value, source="--x")
            assert str(exc.errors()[0]["msg"]) in str(err.value), value
            assert limit.plainly_valid(value) is None, value  # never looser than pydantic
            continue
        got = limits.check_value(limit, value, source="--x")
        assert type(got) is type(expected) and (got == expected or (got != got and expected != expected)), value
        plain_accepted += limit.plainly_valid(value) is not None
    assert plain_accepted >= 3  # the plain path is taken for ordinary values


def test_pydantic_types_state_the_limits() -> None:
    with pytest.raises(InputError, match="less than or equal to 1440"):
        limits.check_value(limits.MINUTES, 1441.0, source="--minutes")
    with pytest.raises(InputError, match="finite number"):
        limits.check_value(limits.MINUTES, math.inf, source="--minutes")
    assert limits.check_value(limits.THREADS, 2.0, source="--threads") == 2  # pydantic's lax int
    assert limits.check_value(limits.CAPACITY, math.inf, source="--capacity") == math.inf
