r"""The exact MCLP on merged coverage rows: ``mclp-merged`` (see :mod:`solvers.covering.exact`).

* :mod:`~solvers.covering.coverage`: coverage rows, isomorphic aggregation, fixings, site dominance;
* :mod:`~solvers.covering.bound`: the exact Lagrangian bound from LP duals and reduced-cost fixing;
* :mod:`~solvers.covering.master`: the restricted merged model in HiGHS' branch and cut;
* :mod:`~solvers.covering.exact`: the driver.
"""
