"""``python -m scenarios`` runs the ``siting`` command."""

from scenarios.cli import main

main()
