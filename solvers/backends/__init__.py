"""Solver backends behind one small interface (:class:`~solvers.backends.base.Backend`)."""
