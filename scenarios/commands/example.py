"""``siting example NAME --out DIR``: copy an example data set that ships with the package to a folder."""

from __future__ import annotations

from pathlib import Path

import click

from scenarios.cli import user_errors
from siting.examples import EXAMPLES, copy_to


@click.command("example")
@click.argument("name", type=click.Choice(sorted(EXAMPLES)))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to copy the files into (new, empty, or one siting wrote).")
@user_errors
def command(name: str, out_dir: Path) -> None:
    """Copy the example data NAME (demand areas, candidate sites, provenance) to --out, for the commands in the
    README and docs/python.md."""
    for path in copy_to(name, out_dir):
        click.echo(f"written {path}")
