"""The ``siting`` command. Sub-commands live in :mod:`scenarios.commands`, one module each.

A user mistake (:class:`~siting.errors.InputError`) prints one line and exits with status 2.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

import siting
from siting.errors import InputError

F = TypeVar("F", bound=Callable[..., Any])
EXIT_INPUT = 2


def user_errors(func: F) -> F:
    """Turn :class:`InputError` into a one-line message and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            click.echo(f"siting: error: {exc}", err=True)
            sys.exit(EXIT_INPUT)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(siting.__version__, prog_name="siting")
def cli() -> None:
    """Decide which buildings a public service keeps as bases, and how it reaches families."""


def _register() -> None:
    from scenarios import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"scenarios.commands.{info.name}")
        command = getattr(module, "command", None)
        if isinstance(command, click.Command):
            cli.add_command(command)


_register()


def main() -> None:
    """Console-script entry point."""
    cli(standalone_mode=True)
