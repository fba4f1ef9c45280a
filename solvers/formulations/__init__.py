"""Compact MIP formulations of the location models, built as :class:`~solvers.linear.MatrixModel`."""

from __future__ import annotations

from solvers.formulations.registry import build_model

__all__ = ["build_model"]
