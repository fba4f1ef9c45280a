"""Escaped HTML fragments: every text that comes from input data passes through :func:`esc`.

Pages are built from these fragments and from numbers; script data goes through
:func:`script_json`, which cannot close a ``<script>`` element. Nothing here trusts a name.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def esc(value: object) -> str:
    """``value`` as HTML text: ``<``, ``>``, ``&``, quotes escaped; backticks and ``$`` too.

    Backticks and dollar signs are escaped as character references so that an escaped string
    stays inert even if some code ever places it inside a JavaScript template literal.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True).replace("`", "&#96;").replace("$", "&#36;")


def script_json(data: Any) -> str:
    """``data`` as JSON that is safe inside a ``<script>`` element (no ``<``, ``>``, ``&``, U+2028/9)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def is_missing(value: object) -> bool:
    """``None``, NaN, infinity or an empty string."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return not math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def as_float(value: object) -> float:
    """``value`` as a float (NaN when it is not a number)."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def num_text(value: object, digits: int = 0, missing: str = "–") -> str:
    """A number with thousands separators as plain text (text as it is; missing as ``missing``)."""
    if is_missing(value):
        return missing
    try:
        return f"{float(value):,.{digits}f}"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)


def pct_text(value: object, digits: int = 1, missing: str = "–") -> str:
    """A share (0-1) as a percentage, as plain text (text as it is; missing as ``missing``)."""
    if is_missing(value):
        return missing
    try:
        return f"{100 * float(value):.{digits}f}%"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)


def num(value: object, *, digits: int = 0, missing: str = "–") -> str:
    """A number with thousands separators, or ``missing``, as HTML."""
    return esc(num_text(value, digits, missing))


def pct(value: object, *, digits: int = 1, missing: str = "–") -> str:
    """A share (0-1) as a percentage, or ``missing``, as HTML."""
    return esc(pct_text(value, digits, missing))


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, cls: str = "", numeric_from: int = 1,
          caption: str = "") -> str:
    """An HTML table from already-escaped cells; columns from ``numeric_from`` are right-aligned."""
    head = "".join(f'<th{" class=num" if k >= numeric_from else ""}>{h}</th>' for k, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td{" class=num" if k >= numeric_from else ""}>{c}</td>' for k, c in enumerate(row))
        + "</tr>" for row in rows
    )
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f'<table class="{esc(cls)}">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def key_values(pairs: Iterable[tuple[str, str]], *, cls: str = "kv") -> str:
    """A two-column table of already-escaped label/value pairs."""
    rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in pairs)
    return f'<table class="{esc(cls)}"><tbody>{rows}</tbody></table>'


def _is_share(key: str) -> bool:
    return key.endswith(("share", "shares"))


def _cell(value: object, key: str = "", *, shares: bool = False) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if is_missing(value):
            return "–"
        v = float(value)
        if (shares or _is_share(key)) and 0 <= v <= 1:
            return pct(v)
        return num(v, digits=0 if abs(v) >= 100 or v == int(v) else 3)
    if isinstance(value, Mapping | list | tuple):
        return any_table(value, shares=shares or _is_share(key))
    return esc(value)


def any_table(data: object, *, shares: bool = False) -> str:
    """A readable table of any JSON-like value (a budget split whose shape is not fixed, for example).

    A mapping becomes label/value rows, a list of mappings a table with one column per key, and
    anything else escaped text; numbers under a key ending in ``share`` or ``shares`` (or with
    ``shares``) are shown as percentages. Every key and value is escaped.
    """
    if isinstance(data, Mapping):
        return key_values(((esc(k).replace("_", " "), _cell(v, str(k), shares=shares)) for k, v in data.items()),
                          cls="kv nested")
    if isinstance(data, list | tuple) and data and all(isinstance(r, Mapping) for r in data):
        keys: list[str] = []
        for r in data:
            keys += [str(k) for k in r if str(k) not in keys]
        rows = [[_cell(r.get(k), k, shares=shares) for k in keys] for r in data if isinstance(r, Mapping)]
        return table([esc(k).replace("_", " ") for k in keys], rows, cls="nested")
    if isinstance(data, list | tuple):
        return ", ".join(_cell(v, shares=shares) for v in data)
    return _cell(data, shares=shares)
