"""Dijkstra from many sources, in memory-bounded batches, optionally over several processes.

``scipy.sparse.csgraph.dijkstra`` holds the GIL, so threads do not help; ``workers > 1`` runs batches in worker
processes (``fork`` where the platform has it, so the graph is shared rather than copied; ``spawn`` elsewhere).
Results are identical whatever the number of workers. If worker processes cannot be started (for instance inside a
daemonic process), the batches run in this process instead.
"""

from __future__ import annotations

import math
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

#: Memory allowed for one batch of Dijkstra distance rows (per process).
BATCH_BYTES = 64 * 1024 * 1024

_STATE: dict[str, Any] = {}


def _init(graph: sparse.csr_matrix, targets: NDArray[np.int64], limit_s: float) -> None:
    _STATE.update(graph=graph, targets=targets, limit_s=limit_s)


def _batch(sources: NDArray[np.int64]) -> NDArray[np.float32]:
    dist = dijkstra(_STATE["graph"], directed=True, indices=sources, limit=_STATE["limit_s"], min_only=False)
    return (dist[:, _STATE["targets"]] / 60.0).astype(np.float32)


def minutes_from(graph: sparse.csr_matrix, sources: NDArray[np.int64], targets: NDArray[np.int64], *,
                 limit_s: float, workers: int = 1, progress: bool = False,
                 batch_bytes: int = BATCH_BYTES) -> NDArray[np.float32]:
    """Minutes (float32, ``inf`` beyond ``limit_s`` seconds) from each source (rows) to each target (columns)."""
    n = int(graph.shape[0])
    per_batch = max(1, int(batch_bytes // (8 * max(n, 1))))
    if workers > 1:  # smaller batches keep the workers evenly busy
        per_batch = max(1, min(per_batch, math.ceil(sources.size / (4 * workers))))
    chunks = [slice(s0, s0 + per_batch) for s0 in range(0, sources.size, per_batch)]
    out = np.empty((sources.size, targets.size), dtype=np.float32)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(chunks), desc="routing", unit="batch")
    try:
        done = _parallel(graph, sources, targets, limit_s, chunks, out, workers, bar) if workers > 1 else set()
        _init(graph, targets, limit_s)
        for k, chunk in enumerate(chunks):
            if k in done:
                continue
            out[chunk] = _batch(sources[chunk])
            if bar is not None:
                bar.update(1)
    finally:
        _STATE.clear()
        if bar is not None:
            bar.close()
    return out


def _parallel(graph: sparse.csr_matrix, sources: NDArray[np.int64], targets: NDArray[np.int64], limit_s: float,
              chunks: list[slice], out: NDArray[np.float32], workers: int, bar: Any) -> set[int]:
    """Run chunks in worker processes; returns the chunks done (all, unless the pool could not run)."""
    done: set[int] = set()
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=mp.get_context(method),
                                 initializer=_init, initargs=(graph, targets, limit_s)) as pool:
            futures = {pool.submit(_batch, sources[chunk]): k for k, chunk in enumerate(chunks)}
            for future in as_completed(futures):
                k = futures[future]
                out[chunks[k]] = future.result()
                done.add(k)
                if bar is not None:
                    bar.update(1)
    except (BrokenProcessPool, OSError, AssertionError):  # e.g. no child processes allowed: finish serially
        pass
    return done
