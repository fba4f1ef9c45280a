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


#: TOML's lexical pieces, tried in this order (the file has already been accepted by :mod:`tomllib`, so every
#: character belongs to one of them): strings of the four kinds (multi-line first; a closing delimiter may be
#: followed by one or two quotes that belong to the string), comments, line ends, blanks, punctuation, and the
#: rest (bare keys, numbers, dates, booleans; dots stay inside and are split in key context).
_TOKEN = re.compile(
    r'(?P<str>"""(?:\\[\s\S]|[^\\])*?"""(?:"{1,2})?'
    r"|'''[\s\S]*?'''(?:'{1,2})?"
    r'|"(?:\\.|[^"\\\n])*"'
    r"|'[^'\n]*')"
    r"|(?P<comment>#[^\n]*)"
    r"|(?P<nl>\r?\n)"
    r"|(?P<blank>[ \t]+)"
    r"|(?P<punct>[\[\]{}=,])"
    r"""|(?P<bare>[^\s\[\]{}=,#"']+)"""
)


@dataclass(frozen=True)
class _Tok:
    kind: str  # "str", "nl", "punct", "bare"
    text: str
    line: int
    pos: int


def _toml_tokens(text: str) -> list[_Tok]:
    """The tokens of a valid TOML document, with their 1-based lines (blanks and comments dropped)."""
    out: list[_Tok] = []
    line, pos = 1, 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:  # cannot happen on a document tomllib accepted; stop rather than guess
            break
        kind = m.lastgroup or ""
        if kind not in ("blank", "comment"):
            out.append(_Tok(kind, m.group(), line, pos))
        line += m.group().count("\n")
        pos = m.end()
    return out


def _key_names(tok: _Tok) -> list[str]:
    """The key names in one token: a quoted key is one name; a bare run ``a.b`` is split at its dots."""
    if tok.kind == "str":
        return [str(tomllib.loads(f"k = {tok.text}")["k"])]  # the string's value, escapes decoded by tomllib
    return [p for p in tok.text.split(".") if p]


class _TomlLines:
    """Walk the tokens of a valid TOML document and record the line of every key, table and array item."""

    def __init__(self, text: str) -> None:
        self.toks = _toml_tokens(text)
        self.i = 0
        self.lines = LineMap({(): 1})
        self.arrays: dict[KeyPath, int] = {}  # index of the last element of each array of tables

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def skip(self, *texts: str) -> None:
        """Step over line ends and the given punctuation."""
        while (tok := self.peek()) is not None and (tok.kind == "nl" or (tok.kind == "punct" and tok.text in texts)):
            self.i += 1

    def at(self, text: str) -> bool:
        tok = self.peek()
        return tok is None or (tok.kind == "punct" and tok.text == text)

    def key(self, stop: str) -> list[tuple[str, int]]:
        """A (dotted) key up to ``stop`` (``=`` or ``]``), as ``(name, line)`` pairs; the stop is consumed."""
        names: list[tuple[str, int]] = []
        while not self.at(stop):
            tok = self.toks[self.i]
            names.extend((n, tok.line) for n in _key_names(tok))
            self.i += 1
        self.i += 1
        return names

    def note(self, path: KeyPath, line: int) -> None:
        self.lines.lines.setdefault(path, line)

    def resolve(self, names: Sequence[str]) -> KeyPath:
        """A header's names as a key path: an array of tables on the way stands for its last element."""
        path: KeyPath = ()
        for n in names:
            path = (*path, n)
            if path in self.arrays:
                path = (*path, self.arrays[path])
        return path

    def run(self) -> LineMap:
        table: KeyPath = ()
        while True:
            self.skip()
            tok = self.peek()
            if tok is None:
                return self.lines
            if tok.kind != "punct" or tok.text != "[":
                self.pair(table)
                continue
            self.i += 1
            nxt = self.peek()
            aot = nxt is not None and nxt.text == "[" and nxt.pos == tok.pos + 1
            self.i += int(aot)
            names = [n for n, _ in self.key("]")]
            self.i += int(aot)  # the second "]"
            if aot:
                array = (*self.resolve(names[:-1]), names[-1])
                self.arrays[array] = self.arrays.get(array, -1) + 1
                self.note(array, tok.line)
                table = (*array, self.arrays[array])
            else:
                table = self.resolve(names)
            for k in range(1, len(names)):
                self.note(self.resolve(names[:k]), tok.line)
            self.note(table, tok.line)

    def pair(self, table: KeyPath) -> None:
        """``key = value``: the line of the key (and of every dotted prefix), then the lines inside the value."""
        path = table
        for name, line in self.key("="):
            path = (*path, name)
            self.note(path, line)
        self.value(path)

    def value(self, path: KeyPath) -> None:
        tok = self.toks[self.i]
        self.i += 1
        if tok.kind == "punct" and tok.text in "[{":
            close = "]" if tok.text == "[" else "}"
            k = 0
            while True:
                self.skip(",")
                if self.at(close):
                    self.i += 1
                    return
                if close == "}":
                    self.pair(path)
                else:
                    self.note((*path, k), self.toks[self.i].line)
                    self.value((*path, k))
                    k += 1
        while (nxt := self.peek()) is not None and nxt.kind in ("bare", "str"):
            self.i += 1  # the rest of a scalar written in several tokens (a date and time with a space)


def load_toml(text: str, *, source: str) -> tuple[Any, LineMap]:
    """Parse TOML ``text`` with :mod:`tomllib`; the line of every key comes from a tokenizer over the same text.

    The tokenizer knows TOML's strings (basic, literal, multi-line), comments and brackets, so a ``[`` or a
    ``key =`` inside a string or a comment is never taken for structure. Keys inside inline tables and the items
    of arrays get their own lines. (``tomlkit`` keeps the text of a document but exposes no line numbers, so it
    would not spare this walk; ``tests/test_toml_lines.py`` checks every key path tomllib returns has a line
    that names it.)
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise InputError(f"invalid TOML: {str(exc).split(' (at')[0]}", source=source,
                         row=int(m.group(1)) if m else None) from None
    return data, _TomlLines(text).run()


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
