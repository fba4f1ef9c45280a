"""An append-only journal of a sweep (``journal.jsonl``): one JSON object per line, each synced to disk.

Events: ``start`` (a run of the sweep began: run number, fingerprint, jobs), ``job`` (a job finished
or failed, with its results row), ``end``. A line cut short by a crash (``kill -9`` mid-write) is
skipped on reading and sealed with a newline before the next append, so it never merges with the
next record. The results table is rebuilt from the last ``job`` record of every job.

One sweep at a time writes to a folder: :func:`sweep_lock` holds an operating-system lock on
``.sweep.lock`` through :mod:`filelock` (``flock`` on POSIX, a Windows file lock on Windows), which
the system releases when the process dies, even by ``kill -9``: a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import filelock

from scenarios.output import jsonable
from siting.errors import InputError

JOURNAL_NAME = "journal.jsonl"
LOCK_NAME = ".sweep.lock"


@dataclass
class JournalState:
    """What a journal says: the last record of each job, the runs so far, the sweep's fingerprint."""

    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    runs: int = 0
    fingerprint: str | None = None
    bad_lines: int = 0

    def done(self) -> set[str]:
        """Jobs finished without failing."""
        return {k for k, r in self.jobs.items() if not r.get("failed")}

    def failed(self) -> set[str]:
        """Jobs whose last record is a failure."""
        return {k for k, r in self.jobs.items() if r.get("failed")}


class Journal:
    """Append records to ``DIR/journal.jsonl`` (fsync after each), read them back."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / JOURNAL_NAME

    def read(self) -> JournalState:
        """Parse the journal (a missing file is an empty journal; broken lines are counted and skipped)."""
        state = JournalState()
        if not self.path.exists():
            return state
        with self.path.open("r", encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    state.bad_lines += 1
                    continue
                event = rec.get("event")
                if event == "start":
                    state.runs = max(state.runs, int(rec.get("run", 0)))
                    state.fingerprint = state.fingerprint or rec.get("fingerprint")
                elif event == "job" and isinstance(rec.get("job_id"), str):
                    state.jobs[rec["job_id"]] = rec
        return state

    def append(self, record: dict[str, Any]) -> None:
        """Append one record and sync it to disk before returning."""
        rec = {**record, "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), "t": time.time()}
        line = json.dumps(jsonable(rec), ensure_ascii=False, allow_nan=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+b") as f:
            f.seek(0, os.SEEK_END)
            if f.tell() > 0:
                f.seek(-1, os.SEEK_END)
                if f.read(1) != b"\n":  # a record cut short by a crash: seal it off
                    f.write(b"\n")
            f.write(line.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())


@contextlib.contextmanager
def sweep_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on a sweep folder (released by the OS if the process dies)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(folder / LOCK_NAME, timeout=0)
        lock.acquire()
    except filelock.Timeout:
        raise InputError("another sweep is writing to this folder now", source=str(folder)) from None
    except OSError as exc:
        raise InputError(f"cannot write here: {exc.strerror or exc}", source=str(folder)) from None
    try:
        yield
    finally:
        lock.release()
