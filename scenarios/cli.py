"""The ``siting`` command. Sub-commands live in :mod:`scenarios.commands`, one module each.

A user mistake (:class:`~siting.errors.InputError`) prints one line and exits with status 2.

Start-up is kept short: a sub-command's module is imported only when that sub-command (or the
command list of ``--help``) needs it, and command modules import their heavy libraries (pandas,
geopandas, matplotlib, folium, solvers) inside the command function. ``tests/test_startup.py``
checks that ``import scenarios.cli`` and ``siting --help`` load none of them.

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




#: The first paragraph of each sub-command's help, for the command list of ``siting --help`` without importing
#: every command (``tests/test_startup.py`` checks it against the commands; a command missing here is
#: imported to list it).
COMMAND_SUMMARIES: dict[str, str] = {
    "alternatives": "Find the optimum of SCENARIO and up to --count distinct plans within --within of it.",
    "change": "The best K bases to close (--close K) or to add (--add K) from a plan of CASE, exactly, the rest fixed.",
    "compare": "Compare plans A and B: the sites each keeps and closes, and the measures side by side.",
    "explore": "Write the plan explorer of SOURCE (a scenario file, a result or sweep folder, an embedded case) as one "
               "HTML file.",
    "map": "Write a self-contained coverage map (one HTML file, no CDN) of SOURCE.",
    "report": "Write the report of the sweep folder SWEEP_DIR (results.csv and jobs/) as one HTML file.",
    "run": "Solve the SCENARIO file (YAML or TOML) and write its results.",
    "serve": "Serve the plan explorer of SOURCE (scenario file, result or sweep folder, embedded case) on this "
             "computer.",
    "solve": "Solve MODEL on the embedded CASE (e.g. norfolk) and compare with the plan in hand.",
    "sweep": "Solve SCENARIO for every combination of --bases, --minutes and --model, resumably.",
    "sweep-england": "Sweep every English upper-tier authority (LSOAs as demand, public libraries as sites).",
    "travel-times": "Drive minutes from every demand area to every site over a road network, written as a matrix file "
                    "that scenario files and `siting.validation.travel_matrix_file` read back.",
}


class LazyGroup(SitingGroup):
    """A group whose sub-commands are the modules of :mod:`scenarios.commands`, imported on first use.

    Module ``sweep_england`` defines the command ``sweep-england``; a module without a click
    ``command`` attribute is not a command. The command list of ``--help`` comes from
    :data:`COMMAND_SUMMARIES`, so that listing the commands imports none of them.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        from scenarios import commands

        found = {info.name.replace("_", "-") for info in pkgutil.iter_modules(commands.__path__)}
        return sorted(found | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        from scenarios import commands

        module_name = cmd_name.replace("-", "_")
        if "_" in cmd_name or module_name not in {info.name for info in pkgutil.iter_modules(commands.__path__)}:
            return None
        module = importlib.import_module(f"scenarios.commands.{module_name}")
        command = getattr(module, "command", None)
        if not isinstance(command, click.Command):
            return None
        self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is None and name in COMMAND_SUMMARIES:
                command = click.Command(name, help=COMMAND_SUMMARIES[name])
            elif command is None:
                command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                commands.append((name, command))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in commands])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(siting.__version__, prog_name="siting")
def cli() -> None:
    """Decide which buildings a public service keeps as bases, and how it reaches families.

    Exit status: 0 success, 1 internal error, 2 bad input (one line, nothing written), 3 no solution
    within the limits, 130 interrupted.
    """


def main() -> None:
    """Console-script entry point."""
    cli(standalone_mode=True)
