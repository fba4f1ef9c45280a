"""Scenarios: the embedded Norfolk case, scenario files, sweeps and the ``siting`` command."""
