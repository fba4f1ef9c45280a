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
