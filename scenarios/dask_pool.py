"""The Dask plumbing shared by sweeps and the outreach robustness runs: one place, importing neither.

Workers get :data:`WORKER_ENV` (one thread each); :func:`connect_scheduler` starts a local cluster or
reaches a scheduler by address. Sweeps (:mod:`scenarios.sweep`) and the outreach robustness runs
(:mod:`scenarios.outreach_robust`) both use it, so neither imports the other.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from siting.errors import InputError

#: Environment set on workers so that solvers and numeric libraries use one thread each.
WORKER_ENV = {"SITING_MAX_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
#: How long to try reaching a Dask scheduler given by address.
CONNECT_TIMEOUT = "10s"


def check_scheduler(scheduler: str) -> None:
    """``local``, ``none`` or a scheduler address (an :class:`InputError` naming ``--scheduler`` if not)."""
    if scheduler not in ("local", "none") and not scheduler.startswith(("tcp://", "tls://", "ws://", "wss://",
                                                                        "inproc://", "ucx://")):
        raise InputError(f"expected local, none or a scheduler address like tcp://HOST:8786, got {scheduler!r}",
                         source="--scheduler")


def connect_scheduler(scheduler: str, *, workers: int | None = None) -> tuple[Any, Any]:
    """A Dask client for ``scheduler`` (``local`` or an address; checked) and the LocalCluster it owns, or ``None``.

    The caller closes both. Workers get :data:`WORKER_ENV` (one thread each).
    """
    check_scheduler(scheduler)
    if scheduler == "none":
        raise InputError("no Dask scheduler for 'none': run in-process", source="--scheduler")
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask[distributed] is a dependency
        raise InputError("dask.distributed is not installed", source="--scheduler") from None
    for name in ("distributed", "distributed.nanny", "distributed.scheduler", "distributed.worker"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if scheduler == "local":
        import dask

        n = workers or os.cpu_count() or 1
        with dask.config.set({"distributed.worker.profile.enabled": False}):  # no sampling of job threads
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                                   silence_logs=logging.ERROR, env=dict(WORKER_ENV))
        return Client(cluster), cluster
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT), None
    except (OSError, TimeoutError) as exc:
        raise InputError(f"cannot reach the Dask scheduler: {exc}", source="--scheduler") from None
