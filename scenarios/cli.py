"""The ``siting`` command. Sub-commands live in :mod:`scenarios.commands`, one module each.

Exit statuses (also in the README):

* 0: success (a solution, verified; or the page or file written).
* 1: an internal error (a bug: the traceback is shown).
* 2: bad input: a user mistake (:class:`~siting.errors.InputError`, a wrong option) or options that
  make the problem infeasible; one line on stderr, nothing written.
* 3: no solution within the limits (for example ``--time-limit`` too short for the solver to find
  one); one line on stderr, nothing written.
* 130: interrupted (Ctrl-C); a sweep keeps its finished jobs and resumes.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

import siting
from siting.errors import InputError, NoSolutionError, SolveFailedError

F = TypeVar("F", bound=Callable[..., Any])
EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INPUT = 2
EXIT_NO_SOLUTION = 3
EXIT_INTERRUPTED = 130


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def user_errors(func: F) -> F:
    """Turn :class:`InputError` into one line and exit status 2, :class:`NoSolutionError` into exit status 3."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NoSolutionError as exc:
            click.echo(f"siting: {one_line(str(exc))}", err=True)
            sys.exit(EXIT_NO_SOLUTION)
        except InputError as exc:
            click.echo(f"siting: error: {one_line(str(exc))}", err=True)
            sys.exit(EXIT_INPUT)
        except SolveFailedError as exc:
            click.echo(f"siting: internal error: {one_line(str(exc))}", err=True)
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


class SitingGroup(click.Group):
    """A click group whose own usage errors (an unknown option, a bad value) are one line, exit status 2."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            click.echo(f"siting: error: {one_line(exc.format_message())} (see --help)", err=True)
            sys.exit(EXIT_INPUT)
        except click.ClickException as exc:
            click.echo(f"siting: error: {one_line(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort as exc:
            interrupted = isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt)
            click.echo("siting: interrupted" if interrupted else "siting: aborted", err=True)
            sys.exit(EXIT_INTERRUPTED if interrupted else EXIT_INTERNAL)
        sys.exit(rv if isinstance(rv, int) else EXIT_OK)


@click.group(cls=SitingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(siting.__version__, prog_name="siting")
def cli() -> None:
    """Decide which buildings a public service keeps as bases, and how it reaches families.

    Exit status: 0 success, 1 internal error, 2 bad input (one line, nothing written), 3 no solution
    within the limits, 130 interrupted.
    """


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
