"""Limits on the numbers a user gives, shared by scenario files and the command line (one validation for both).

Each limit is a plain :class:`Limit` here; :mod:`scenarios.limit_types` turns them into the pydantic types the
scenario file's models use, and :func:`check_value` validates one value with those same types. Kept apart from
:mod:`scenarios.scenario_file`, and free of pydantic, so that ``siting solve`` checks its options without
importing pydantic: a value that plainly passes its limit (a number of the right kind, within bounds) is
accepted as pydantic would accept it; anything else goes to pydantic, which accepts or words the error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from siting.errors import InputError

#: A travel-time limit beyond a day is a typo (travel times are minutes by road within an area).
MAX_MINUTES = 24 * 60.0
#: A solver time limit beyond 30 days is a typo.
MAX_TIME_LIMIT_S = 30 * 24 * 3600.0


@dataclass(frozen=True, kw_only=True)
class Limit:
    """A number's kind and bounds, as pydantic's ``Field(gt=, ge=, le=, allow_inf_nan=)`` states them."""

    kind: type[float] | type[int]
    gt: float | None = None
    ge: float | None = None
    le: float | None = None
    allow_inf_nan: bool = True

    def field_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of pydantic's ``Field`` for this limit."""
        out: dict[str, Any] = {k: v for k, v in (("gt", self.gt), ("ge", self.ge), ("le", self.le)) if v is not None}
        if not self.allow_inf_nan:
            out["allow_inf_nan"] = False
        return out

    def plainly_valid(self, value: object) -> float | int | None:
        """``value`` as pydantic returns it when it plainly passes (a number of the kind, within bounds), else
        ``None`` (pydantic decides). Never accepts what pydantic rejects."""
        if type(value) is int or (self.kind is float and type(value) is float):
            number: float | int = float(value) if self.kind is float else value
        else:
            return None
        if not self.allow_inf_nan and not math.isfinite(number):
            return None
        if ((self.gt is not None and not number > self.gt) or (self.ge is not None and not number >= self.ge)
                or (self.le is not None and not number <= self.le)):
            return None
        return number


MINUTES = Limit(kind=float, gt=0, le=MAX_MINUTES, allow_inf_nan=False)
TIME_LIMIT_S = Limit(kind=float, gt=0, le=MAX_TIME_LIMIT_S, allow_inf_nan=False)
RELATIVE_GAP = Limit(kind=float, ge=0, le=1, allow_inf_nan=False)
THREADS = Limit(kind=int, ge=1, le=1024)
SEED = Limit(kind=int, ge=0, le=2**31 - 1)
#: A site's capacity in units of the demand weight (``inf``: no limit).
CAPACITY = Limit(kind=float, ge=0)
GBP = Limit(kind=float, ge=0, allow_inf_nan=False)
GBP_PER_MINUTE = Limit(kind=float, gt=0, allow_inf_nan=False)


def check_value(kind: Any, value: Any, *, source: str) -> Any:
    """``value`` checked against a limit (a :class:`Limit`, or one of the pydantic types of
    :mod:`scenarios.limit_types`) as a scenario file checks it; else :class:`InputError` in pydantic's words."""
    if isinstance(kind, Limit):
        if (plain := kind.plainly_valid(value)) is not None:
            return plain
        kind = annotated(kind)
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(kind).validate_python(value)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise InputError(f"{msg}, got {value!r}", source=source) from None


def annotated(limit: Limit) -> Any:
    """The pydantic type of ``limit`` (pydantic is imported here, on first need)."""
    from typing import Annotated

    from pydantic import Field

    return Annotated[limit.kind, Field(**limit.field_kwargs())]
