"""Moved to :mod:`siting.output` (so that :meth:`siting.Solution.to_folder` obeys the same safety rules as the
command line); re-exported here so the command package's imports keep working."""

from siting.output import (
    GENERATOR,
    MARKER,
    atomic_dir,
    atomic_file,
    check_out_dir,
    check_out_file,
    check_sweep_place,
    folder_is_ours,
    folder_kind,
    generator_text,
    jsonable,
    mark_folder,
    mark_png,
    write_json,
    written_by_siting,
)

__all__ = ["GENERATOR", "MARKER", "atomic_dir", "atomic_file", "check_out_dir", "check_out_file",
           "check_sweep_place", "folder_is_ours", "folder_kind", "generator_text", "jsonable", "mark_folder",
           "mark_png", "write_json", "written_by_siting"]
