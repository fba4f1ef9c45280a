"""Every ``siting ...`` command in the README runs as written from a clean clone.

The commands run in order (later ones read what earlier ones wrote, as a reader following the README would) in
a temporary folder where ``scenarios/`` and ``tests/`` are the clone's (read only). Commands that take minutes or
serve until stopped (:data:`PARSE_ONLY`) are parsed exactly as written instead: the command exists and every
option and argument is accepted, with its type and choices checked.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from scenarios.cli import cli

ROOT = Path(__file__).resolve().parent.parent
#: Commands parsed, not run: a sweep of 78 jobs, every English authority, a server, the outreach frontier with
#: its robustness, and the commands that read the sweep's output.
PARSE_ONLY = ("sweep ", "sweep-england", "serve", "compare out/sweep", "report out/sweep", "explore out/sweep",
              "alternatives", "--bases auto")


def readme_commands() -> list[list[str]]:
    """The ``siting`` commands of the README's bash blocks, as argument lists (without ``siting``)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if "siting " not in line:
                continue
            command = re.split(r"(?:^|&& )(?:\.venv/bin/)?siting ", line)[-1]
            out.append(shlex.split(command))
    return out


def test_the_readme_has_commands() -> None:
    commands = readme_commands()
    assert len(commands) >= 20
    assert ["example", "suffolk", "--out", "data"] in commands


def _parse(args: list[str]) -> None:
    ctx = click.Context(cli, info_name="siting")
    name, command, rest = cli.resolve_command(ctx, args)
    assert command is not None and name is not None
    command.make_context(name, rest, parent=ctx)


def test_every_readme_command_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("scenarios", "tests"):
        os.symlink(ROOT / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SITING_CACHE_DIR", str(tmp_path / "cache"))  # the road-network cache: not the user's
    ran = 0
    for args in readme_commands():
        line = " ".join(args)
        if any(p in line + " " for p in PARSE_ONLY):
            _parse(args)
            continue
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == 0, f"siting {line}\n{res.output}"
        ran += 1
    assert ran >= 12
    assert (tmp_path / "out" / "suffolk-15" / "summary.json").exists()
    assert (tmp_path / "out" / "hatfield-matrix.parquet").exists()
