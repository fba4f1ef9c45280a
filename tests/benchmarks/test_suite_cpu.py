"""``benchmarks.suite_cpu``: its results file keeps the rows of earlier runs."""

from __future__ import annotations

import csv
from pathlib import Path

from benchmarks.suite_cpu import append_rows


def test_rows_are_appended_with_the_union_of_columns(tmp_path: Path) -> None:
    path = tmp_path / "norfolk-cpu.csv"
    append_rows(path, [{"version": "baseline", "total_cpu_s": 14.3}])
    append_rows(path, [{"date_utc": "2026-12-03T23:30", "version": "current", "total_cpu_s": 3.8},
                       {"date_utc": "2026-12-03T23:31", "version": "current", "total_cpu_s": 3.7}])
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames == ["version", "total_cpu_s", "date_utc"]
    assert [(r["version"], r["total_cpu_s"], r["date_utc"]) for r in rows] == [
        ("baseline", "14.3", ""), ("current", "3.8", "2026-12-03T23:30"), ("current", "3.7", "2026-12-03T23:31")]
