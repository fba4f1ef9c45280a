"""Start-up stays light: ``import scenarios.cli`` and ``siting --help`` load no heavy library.

Each check runs a fresh interpreter and inspects ``sys.modules`` (the time it takes is measured in
``benchmarks/startup.py``, not here).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

#: Libraries that must not be loaded before a sub-command runs.
HEAVY = ("matplotlib", "folium", "branca", "distributed", "dask", "ortools", "pulp", "osmnx", "networkx",
         "geopandas", "pyogrio", "shapely", "pyproj", "pandas", "scipy", "highspy", "pyarrow")

_PROBE = """
import json, sys
sys.argv = ["siting", *{argv!r}]
try:
    {code}
except SystemExit:
    pass
print(json.dumps(sorted({{name.split(".")[0] for name in sys.modules}})), file=sys.stderr)
"""


def loaded_after(code: str, argv: tuple[str, ...] = ()) -> set[str]:
    """Top-level packages in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    proc = subprocess.run([sys.executable, "-c", _PROBE.format(code=code, argv=list(argv))], capture_output=True,
                          text=True, check=True)
    return set(json.loads(proc.stderr.strip().splitlines()[-1]))


def test_import_cli_loads_no_heavy_library() -> None:
    loaded = loaded_after("import scenarios.cli")
    assert "click" in loaded and "scenarios" in loaded  # the probe sees what was imported
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_help_loads_no_heavy_library() -> None:
    loaded = loaded_after("from scenarios.cli import main; main()", ("--help",))
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


#: Libraries the README's solve (``siting solve norfolk ... --out DIR``, closures and every file included) does
#: not need at all: plots are drawn with Pillow, options checked without pydantic, the solve without the other
#: backends' libraries.
NOT_FOR_A_SOLVE = ("matplotlib", "folium", "branca", "distributed", "dask", "ortools", "pulp", "osmnx", "networkx",
                   "pydantic", "jinja2", "yaml")


def test_solve_command_loads_no_heavy_library_on_import() -> None:
    loaded = loaded_after("import scenarios.commands.solve")
    assert loaded.isdisjoint(NOT_FOR_A_SOLVE), sorted(loaded & set(NOT_FOR_A_SOLVE))


def test_readme_solve_loads_only_what_it_needs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    loaded = loaded_after("from scenarios.cli import main; main()",
                          ("solve", "norfolk", "--bases", "15", "--minutes", "20", "--out", str(out)))
    assert (out / "solution.gpkg").is_file() and (out / "closures.png").is_file()  # the whole solve ran
    assert loaded.isdisjoint(NOT_FOR_A_SOLVE), sorted(loaded & set(NOT_FOR_A_SOLVE))


def test_probe_detects_a_heavy_import() -> None:
    assert "pandas" in loaded_after("import scenarios.cli, siting.domain")


def test_command_list_matches_the_commands() -> None:
    """The summaries ``siting --help`` lists without importing equal each command's own help."""
    from scenarios.cli import COMMAND_SUMMARIES, cli

    ctx = click.Context(cli)
    names = cli.list_commands(ctx)
    assert set(COMMAND_SUMMARIES) == set(names)
    for name in names:
        command = cli.get_command(ctx, name)
        assert command is not None and command.help is not None, name
        first = " ".join(command.help.split("\n\n")[0].split())
        assert COMMAND_SUMMARIES[name] == first, name


def test_help_lists_every_command() -> None:
    from scenarios.cli import COMMAND_SUMMARIES, cli

    out = CliRunner().invoke(cli, ["--help"])
    assert out.exit_code == 0
    for name in COMMAND_SUMMARIES:
        assert f"  {name} " in out.output


def test_unknown_command_is_a_usage_error() -> None:
    from scenarios.cli import cli

    out = CliRunner().invoke(cli, ["sweep_england"])  # module name, not the command name
    assert out.exit_code == 2 and "No such command" in out.output


def test_backends_are_registered_without_loading_their_libraries() -> None:
    code = "from solvers.registry import names; assert 'cpsat' in names() and 'cbc' in names()"
    loaded = loaded_after(code)
    assert loaded.isdisjoint({"ortools", "pulp", "highspy"}), sorted(loaded & {"ortools", "pulp", "highspy"})
