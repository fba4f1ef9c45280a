"""Reading YAML and TOML scenario files while remembering the line of every key.

:func:`load_with_lines` returns the plain data (dicts, lists, scalars) and a :class:`LineMap`
from key paths (``("model", "bases")``, ``("constraints", "must_keep", 2)``) to 1-based line
numbers, so that an error found later (by pydantic, or while reading a data file the scenario
names) can point at the line that caused it. Syntax errors and duplicate keys are reported as
:class:`~siting.errors.InputError` naming the file and line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from siting.errors import InputError

Key = str | int
KeyPath = tuple[Key, ...]


@dataclass
class LineMap:
    """1-based line numbers of keys and list items, by key path."""

    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: Sequence[Key]) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one (``None`` if none does)."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), None)


def dotted(path: Sequence[Key]) -> str:
    """``("a", "b", 2, "c")`` -> ``a.b[2].c``."""
    out = ""
    for k in path:
        if isinstance(k, int):
            out += f"[{k}]"
        else:
            out += f".{k}" if out else str(k)
    return out


#: The most values (keys, items, scalars) a scenario file may expand to, aliases included. A real scenario
#: has a few thousand; an alias bomb ("billion laughs") would expand to billions and is refused at this count.
MAX_NODES = 200_000
#: The deepest nesting a scenario file may have (a real one has about 5 levels).
MAX_DEPTH = 64


class _Loader(yaml.SafeLoader):
    """The safe loader; used only to compose nodes and construct scalars."""


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_expansion(root: yaml.Node, *, source: str) -> None:
    """Refuse a node graph that expands to more than :data:`MAX_NODES` values, nests deeper than
    :data:`MAX_DEPTH`, or refers to itself (a recursive alias), before anything is expanded.

    The expanded size is counted once per distinct node (aliases share nodes), so this takes time in
    proportion to the file, not to what it would expand to.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            kids = _children(node)
            size[key] = min(1 + sum(size[id(k)] for k in kids), MAX_NODES + 1)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if size[key] > MAX_NODES:
                raise InputError(f"expands to more than {MAX_NODES:,} values (aliases repeated many times over?): "
                                 "refused", source=source, row=node.start_mark.line + 1)
            if depth[key] > MAX_DEPTH:
                raise InputError(f"nests deeper than {MAX_DEPTH} levels: refused", source=source,
                                 row=node.start_mark.line + 1)
            continue
        if key in size:
            continue
        if key in on_path:
            raise InputError("an alias refers to the value that holds it (a loop): refused", source=source,
                             row=node.start_mark.line + 1)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node) if id(k) not in size)


def _convert(loader: _Loader, node: yaml.Node, path: KeyPath, lines: LineMap, source: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise InputError("a key must be a plain word or number", source=source,
                                 row=key_node.start_mark.line + 1)
            key = str(key) if not isinstance(key, str) else key
            if key in out:
                raise InputError(f"duplicate key '{key}' (first on line {lines.lines.get((*path, key))})",
                                 source=source, row=key_node.start_mark.line + 1, field=dotted((*path, key)))
            lines.lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _convert(loader, value_node, (*path, key), lines, source)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for k, item in enumerate(node.value):
            lines.lines[(*path, k)] = item.start_mark.line + 1
            items.append(_convert(loader, item, (*path, k), lines, source))
        return items
    return loader.construct_object(node, deep=True)


def load_yaml(text: str, *, source: str) -> tuple[Any, LineMap]:
    """Parse YAML ``text``; return the data and the line of every key."""
    lines = LineMap()
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines
        lines.lines[()] = node.start_mark.line + 1
        check_expansion(node, source=source)
        return _convert(loader, node, (), lines, source), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(f"invalid YAML: {problem}", source=source,
                         row=None if mark is None else mark.line + 1) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", source=source) from None
    finally:
        loader.dispose()


_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")


def _toml_key(text: str) -> tuple[str, ...]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", text)
    return tuple(p.strip("\"'") for p in parts)


def load_toml(text: str, *, source: str) -> tuple[Any, LineMap]:
    """Parse TOML ``text``; lines come from a light scan of table headers and ``key =`` lines.

    Keys inside inline tables and multi-line arrays get the line of the key that holds them.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise InputError(f"invalid TOML: {str(exc).split(' (at')[0]}", source=source,
                         row=int(m.group(1)) if m else None) from None
    lines = LineMap({(): 1})
    table: tuple[Key, ...] = ()
    arrays: dict[tuple[str, ...], int] = {}
    depth = 0  # open brackets of a multi-line value
    for number, raw in enumerate(text.splitlines(), start=1):
        if depth > 0:
            depth += raw.count("[") + raw.count("{") - raw.count("]") - raw.count("}")
            continue
        if m := _TABLE.match(raw):
            names = _toml_key(m.group(1))
            if raw.strip().startswith("[["):
                arrays[names] = arrays.get(names, -1) + 1
                table = (*names, arrays[names])
            else:
                table = names
            lines.lines.setdefault(table, number)
            for k in range(1, len(names)):
                lines.lines.setdefault(names[:k], number)
            continue
        if m := _KEY.match(raw):
            key = _toml_key(m.group(1))
            for k in range(1, len(key) + 1):
                lines.lines.setdefault((*table, *key[:k]), number)
            rest = raw[m.end():]
            depth = max(0, rest.count("[") + rest.count("{") - rest.count("]") - rest.count("}"))
    return data, lines


def load_with_lines(path: Path) -> tuple[Any, LineMap]:
    """Read a ``.yaml``/``.yml`` or ``.toml`` file: its data and the line of every key."""
    source = str(path)
    if not path.exists():
        raise InputError("file not found", source=source)
    if path.is_dir():
        raise InputError("is a folder, expected a scenario file", source=source)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", source=source) from None
    if path.suffix.lower() == ".toml":
        return load_toml(text, source=source)
    return load_yaml(text, source=source)
