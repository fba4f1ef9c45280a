"""The limits of :mod:`scenarios.limits` as pydantic types, for the scenario file's models and :func:`check_value`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from scenarios.limits import (
    CAPACITY,
    GBP,
    GBP_PER_MINUTE,
    MINUTES,
    RELATIVE_GAP,
    SEED,
    THREADS,
    TIME_LIMIT_S,
    annotated,
    check_value,
)

__all__ = ["Capacity", "Gbp", "GbpPerMinute", "Minutes", "RelativeGap", "Seed", "Threads", "TimeLimitSeconds",
           "annotated", "check_value"]

Minutes = Annotated[float, Field(**MINUTES.field_kwargs())]
TimeLimitSeconds = Annotated[float, Field(**TIME_LIMIT_S.field_kwargs())]
RelativeGap = Annotated[float, Field(**RELATIVE_GAP.field_kwargs())]
Threads = Annotated[int, Field(**THREADS.field_kwargs())]
Seed = Annotated[int, Field(**SEED.field_kwargs())]
#: A site's capacity in units of the demand weight (``inf``: no limit).
Capacity = Annotated[float, Field(**CAPACITY.field_kwargs())]
Gbp = Annotated[float, Field(**GBP.field_kwargs())]
GbpPerMinute = Annotated[float, Field(**GBP_PER_MINUTE.field_kwargs())]
