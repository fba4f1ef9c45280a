"""Limits on the numbers a user gives, shared by scenario files and the command line (one validation for both).

Kept apart from :mod:`scenarios.scenario_file` so that ``siting solve`` checks its options without building the
scenario file's models.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from siting.errors import InputError

#: A travel-time limit beyond a day is a typo (travel times are minutes by road within an area).
MAX_MINUTES = 24 * 60.0
#: A solver time limit beyond 30 days is a typo.
MAX_TIME_LIMIT_S = 30 * 24 * 3600.0
Minutes = Annotated[float, Field(gt=0, le=MAX_MINUTES, allow_inf_nan=False)]
TimeLimitSeconds = Annotated[float, Field(gt=0, le=MAX_TIME_LIMIT_S, allow_inf_nan=False)]
RelativeGap = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Threads = Annotated[int, Field(ge=1, le=1024)]
Seed = Annotated[int, Field(ge=0, le=2**31 - 1)]
#: A site's capacity in units of the demand weight (``inf``: no limit).
Capacity = Annotated[float, Field(ge=0)]
Gbp = Annotated[float, Field(ge=0, allow_inf_nan=False)]
GbpPerMinute = Annotated[float, Field(gt=0, allow_inf_nan=False)]


def check_value(kind: Any, value: Any, *, source: str) -> Any:
    """``value`` checked against one of the limits above (as a scenario file checks it); else InputError."""
    try:
        return TypeAdapter(kind).validate_python(value)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise InputError(f"{msg}, got {value!r}", source=source) from None
