"""Benchmarks of the siting solvers: OR-Library p-median, Norfolk, England, scaling.

Run ``python -m benchmarks run --suite pmed --solvers pmedian-exact,spopt-cbc --time-limit 300 --out DIR``;
see ``benchmarks/README.md``. Each (instance, solver) job runs in its own subprocess so that its
peak memory (resident set size, including any solver child process) is measured on its own.
"""
