"""OR-Library p-median instances (Beasley 1985): reader and known optima.

Format of ``pmedK.txt``: first line ``n edges p``; then one line per edge ``i j cost`` (1-based,
undirected). Distances are all-pairs shortest paths over the graph. If an edge appears more than
once, the LAST occurrence holds (OR-Library's convention). Every node is a demand point of weight 1
and a candidate site.

>>> cost, p = load_pmed(DATA_DIR / "pmed1.txt")
>>> cost.shape, p, load_optima()["pmed1"]
((100, 100), 5, 5819.0)
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import shortest_path

DATA_DIR = Path(__file__).resolve().parent / "data" / "pmed"
"""Where the instance files and ``optima.csv`` live."""


def load_pmed(path: str | Path) -> tuple[NDArray[np.float64], int]:
    """The ``n x n`` shortest-path cost matrix (float64) and ``p`` of an OR-Library pmed file."""
    with open(path, encoding="ascii") as fh:
        header = fh.readline().split()
        n, n_edges, p = int(header[0]), int(header[1]), int(header[2])
        edges = np.loadtxt(fh, dtype=np.float64, ndmin=2)
    if edges.shape != (n_edges, 3):
        raise ValueError(f"{path}: expected {n_edges} edges of 3 numbers, got shape {edges.shape}")
    i = edges[:, 0].astype(np.int64) - 1
    j = edges[:, 1].astype(np.int64) - 1
    w = edges[:, 2]
    # undirected; the LAST occurrence of an edge holds: keep the last index of each unordered pair
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    key = lo * n + hi
    _, last_rev = np.unique(key[::-1], return_index=True)
    keep = len(key) - 1 - last_rev
    graph = sp.coo_matrix((w[keep], (lo[keep], hi[keep])), shape=(n, n)).tocsr()
    cost = shortest_path(graph, method="D", directed=False)
    return np.asarray(cost, dtype=np.float64), p


def load_optima(path: str | Path | None = None) -> dict[str, float]:
    """Known optimal objectives by instance name (``pmed1`` ...), from ``optima.csv``."""
    csv_path = Path(path) if path is not None else DATA_DIR / "optima.csv"
    with open(csv_path, encoding="ascii", newline="") as fh:
        return {row["instance"]: float(row["optimal"]) for row in csv.DictReader(fh)}
