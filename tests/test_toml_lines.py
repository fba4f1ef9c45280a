"""TOML scenario files: tomllib parses, a tokenizer gives every key its line (strings and comments are not syntax)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from scenarios.scenario_file import load_scenario
from scenarios.scenario_inputs import prepare_all
from scenarios.yaml_lines import KeyPath, load_toml
from siting.errors import InputError

#: A ``[`` (and ``]``, ``{``, ``=``, ``#``) inside strings; the bad value sits on line 11.
BRACKET_IN_STRING = """\
name = "norfolk [draft"
description = 'a [ in a string, then { and = and # too'

[demand]
case = "norfolk"   # comment with [brackets] and key = value

[model]
name = "mclp"
minutes = 20
params = {}
bases = "fifteen"
"""


def test_error_after_a_bracket_inside_a_string_names_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "draft.toml"
    path.write_text(BRACKET_IN_STRING, encoding="utf-8")
    with pytest.raises(InputError) as info:
        prepare_all(load_scenario(path))
    assert (info.value.row, info.value.field) == (11, "model.bases"), str(info.value)
    assert str(path) in str(info.value)


TRICKY = '''\
title = "a [table] lookalike = 1"   # line 1
"quoted.key" = 1
plain.dotted . key = 2
text = """
[not_a_table]
not_a_key = 3
"""
raw = \'\'\'with \'\' quotes and [ ]\'\'\'
ends = """ends with two quotes"""""
list = [
  1,   # a comment ] with a bracket
  [2, 3],
  { a = "}", b = 4 },
]
inline = { x = 1, y.z = "]" }
when = 1979-05-27 07:32:00Z

[table."with.dot"]
k = 'v'

[[fruit]]
name = "apple"
[fruit.physical]
color = "red"
[[fruit.variety]]
name = "red delicious"
[[fruit.variety]]
name = "granny smith"

[[fruit]]
name = "banana"
[[fruit.variety]]
name = "plantain"
'''

EXPECTED = {
    ("title",): 1, ("quoted.key",): 2, ("plain",): 3, ("plain", "dotted", "key"): 3, ("text",): 4, ("raw",): 8,
    ("ends",): 9, ("list",): 10, ("list", 0): 11, ("list", 1): 12, ("list", 1, 1): 12, ("list", 2): 13,
    ("list", 2, "b"): 13, ("inline", "y", "z"): 15, ("when",): 16, ("table", "with.dot"): 18,
    ("table", "with.dot", "k"): 19, ("fruit", 0): 21, ("fruit", 0, "physical", "color"): 24,
    ("fruit", 0, "variety", 1, "name"): 28, ("fruit", 1, "name"): 31, ("fruit", 1, "variety", 0, "name"): 33,
}


def _paths(data: Any, prefix: KeyPath = ()) -> list[KeyPath]:
    out: list[KeyPath] = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    for k, v in items:
        out.append((*prefix, k))
        out.extend(_paths(v, (*prefix, k)))
    return out


def test_every_key_path_has_the_line_that_names_it() -> None:
    """Independent check: tomllib's own data lists the key paths; each has a line of its own, holding its name."""
    data, lines = load_toml(TRICKY, source="tricky.toml")
    assert data == tomllib.loads(TRICKY)
    assert data["text"].startswith("[not_a_table]") and "not_a_table" not in data
    text_lines = TRICKY.splitlines()
    paths = _paths(data)
    assert len(paths) > 30
    for path in paths:
        assert path in lines.lines, path
        name = path[-1]
        if isinstance(name, str):
            assert name.split(".")[0] in text_lines[lines.lines[path] - 1], (path, lines.lines[path])
    assert {p: lines.lines[p] for p in EXPECTED} == EXPECTED


def test_syntax_error_names_the_line() -> None:
    with pytest.raises(InputError) as info:
        load_toml('a = "x [y"\n\n[model]\nbases = = 3\n', source="bad.toml")
    assert info.value.row == 4 and "invalid TOML" in str(info.value)
