"""User-facing input errors: one line naming the file, row and field."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: a one-line message naming where (file, row/line, field) and what is wrong.

    ``row`` is the line number in the file when known (the header is line 1), else ``None``.
    The command-line interface prints ``str(error)`` and exits with status 2.
    """

    def __init__(self, message: str, *, source: str = "", row: int | None = None, field: str | None = None) -> None:
        self.source = source
        self.row = row
        self.field = field
        self.detail = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        text = f"{prefix}: {self.detail}" if prefix else self.detail
        return " ".join(text.split())  # always one line


class NoSolutionError(Exception):
    """The solver found no solution within the limits it was given (a time limit, a node limit).

    Not a user mistake and not a bug: the command line prints ``str(error)`` on one line and exits
    with status 3.
    """

    def __init__(self, message: str, *, source: str = "") -> None:
        self.source = source
        self.detail = message
        text = f"{source}: {message}" if source else message
        super().__init__(" ".join(text.split()))


class SolveFailedError(Exception):
    """The solver failed, or its answer did not pass the independent check (an internal error, status 1)."""
