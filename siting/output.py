"""Writing results safely: never over a user's files, never half-written, nothing left behind on failure.

Folders (``--out DIR`` of ``solve``, ``run``, ``alternatives``; a sweep folder): everything is written
to a temporary folder beside the target and moved into place on success. An existing target is
replaced only when it is empty or carries siting's marker file :data:`MARKER` (written into every
folder siting creates); any other folder is refused with one line (:class:`~siting.errors.InputError`,
exit status 2) before anything is created.

Single files (``map -o``, ``report -o``, ``compare --csv``, ``travel-times -o``/``--report``): written
to a temporary file renamed onto the target. An existing file is replaced only when siting wrote it,
told by a mark inside the file (:func:`written_by_siting`): HTML pages carry
``<meta name="generator" content="siting ...">``, Parquet files the schema metadata key ``siting``,
PNG images a ``Software: siting ...`` text chunk, JSON reports a top-level ``"generator"`` key.
CSV files (and Excel workbooks and PDF files, for now) carry no mark, so an existing one is never
replaced: remove it or choose another name. Files inside a folder siting owns (a sweep folder) are
replaced freely (``check=False``).

Every path problem (an empty path, the current folder, a path through a file, an unwritable place)
is one line, exit status 2, and leaves nothing behind: folders created on the way to the target are
removed again on failure, including on Ctrl-C. Outputs get the usual permissions (the umask applies),
not the private ones temporary files start with.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import struct
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

import siting
from siting.errors import InputError

#: The file that marks a folder as written by siting (and so safe to replace).
MARKER = ".siting-output"
#: What the HTML generator meta tag, the Parquet metadata and the PNG text chunk start with.
GENERATOR = "siting"
_HEAD_BYTES = 8192


def generator_text() -> str:
    """``siting 1.2.3``: the generator mark written into files."""
    return f"{GENERATOR} {siting.__version__}"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _absolute(target: Path | str, *, what: str) -> Path:
    text = str(target)
    if not text.strip():
        raise InputError("an empty path; give a folder or file name", source=what)
    if "\x00" in text:
        raise InputError("a path cannot hold a NUL character", source=what)
    return Path(os.path.abspath(Path(text).expanduser()))


def _nearest_existing(path: Path) -> Path:
    p = path
    while not os.path.lexists(p):
        p = p.parent
    return p


def _check_place(target: Path, *, source: str) -> None:
    """The path can be created: it is not the current folder, and every existing ancestor is a folder."""
    cwd = Path.cwd().resolve()
    real = target.resolve()
    if real == cwd or cwd.is_relative_to(real):
        raise InputError("is the current folder or holds it; choose a new folder for the results", source=source)
    if real.parent == real:
        raise InputError("is the root folder; choose a new folder for the results", source=source)
    anc = _nearest_existing(target.parent)
    if not anc.is_dir():
        raise InputError(f"cannot be created: {anc} is not a folder", source=source)
    if os.path.lexists(target) and target.is_symlink():
        raise InputError("is a symbolic link; give the folder or file it points to", source=source)


def folder_is_ours(folder: Path) -> bool:
    """A folder siting may replace: empty, or holding siting's marker file."""
    with os.scandir(folder) as it:
        names = [e.name for e in it]
    return not names or MARKER in names


def check_out_dir(target: Path | str, *, source: str | None = None) -> Path:
    """The absolute target folder, checked: missing, empty or written by siting; else one-line error."""
    what = source or str(target)
    path = _absolute(target, what=source or "--out")
    if os.path.lexists(path):
        if path.is_symlink():
            raise InputError("is a symbolic link; give the folder it points to", source=what)
        if not path.is_dir():
            raise InputError("exists and is not a folder; choose another --out", source=what)
        try:
            ours = folder_is_ours(path)
        except OSError as exc:
            raise InputError(f"cannot read the folder: {_why(exc)}", source=what) from None
        if not ours:
            raise InputError("is not empty and was not written by siting; choose another --out", source=what)
        if folder_kind(path) == "sweep":
            raise InputError("holds a sweep (resumable, perhaps hours of results): siting does not replace it; "
                             "choose another --out", source=what)
    _check_place(path, source=what)
    return path


def folder_kind(folder: Path) -> str:
    """What siting's marker in ``folder`` says it holds (``result``, ``sweep``; '' without a marker)."""
    try:
        first = (folder / MARKER).read_text(encoding="utf-8").splitlines()[0]
    except (OSError, IndexError, UnicodeDecodeError):
        return ""
    return first.split(":", 1)[1].strip() if first.startswith("kind:") else "result"


def check_sweep_place(folder: Path) -> Path:
    """A sweep folder's path, checked like :func:`check_out_dir` but for its contents (the sweep checks those:
    a sweep folder is resumed, not replaced)."""
    path = _absolute(folder, what="--out")
    if os.path.lexists(path) and not path.is_dir():
        raise InputError("exists and is not a folder; choose another --out", source=str(folder))
    _check_place(path, source=str(folder))
    return path


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing ancestors; return those created (outermost first)."""
    created: list[Path] = []
    missing = []
    p = folder
    while not os.path.lexists(p):
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        d.mkdir(mode=0o777)
        created.append(d)
    return created


def _remove_created(created: list[Path]) -> None:
    for d in reversed(created):
        with contextlib.suppress(OSError):
            d.rmdir()


def mark_folder(folder: Path, *, kind: str = "result") -> None:
    """Write siting's marker file into ``folder`` (``kind``: ``result``, replaced when written again; ``sweep``,
    resumed and never replaced by another command)."""
    (folder / MARKER).write_text(f"kind: {kind}\nwritten by {generator_text()}; siting may replace a result "
                                 "folder when asked to write there again\n", encoding="utf-8")


@contextlib.contextmanager
def atomic_dir(target: Path, *, check: bool = True, source: str | None = None) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it replaces ``target``, on error it vanishes.

    With ``check`` (the default) an existing ``target`` must be empty or carry :data:`MARKER`
    (:func:`check_out_dir`), checked before anything is created and again just before the swap.
    ``check=False`` is for folders inside a folder siting owns (a sweep's ``jobs/<id>``). OS errors
    (an unwritable place, a full disk) become one-line :class:`InputError`; folders created on the way
    are removed again on any failure.
    """
    what = source or str(target)
    path = check_out_dir(target, source=source) if check else _absolute(target, what=what)
    created: list[Path] = []
    tmp: Path | None = None
    try:
        try:
            created = _make_parents(path.parent)
            tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
            tmp.chmod(0o777 & ~_umask())  # mkdtemp makes folders private; results are for a team
            mark_folder(tmp)
        except OSError as exc:
            raise InputError(f"cannot write here: {_why(exc)}", source=what) from None
        try:
            yield tmp
        except OSError as exc:
            raise InputError(f"cannot write results: {_why(exc)}", source=what) from None
        if check:
            check_out_dir(path, source=source)
        try:
            _swap_in(tmp, path)
        except OSError as exc:
            raise InputError(f"cannot write results: {_why(exc)}", source=what) from None
        tmp = None
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        _remove_created(created)
        raise


def _swap_in(tmp: Path, path: Path) -> None:
    old = None
    if os.path.lexists(path):
        old = path.with_name(f".{path.name}.old-{os.getpid()}")
        path.rename(old)
    try:
        tmp.rename(path)
    except OSError:
        if old is not None:
            old.rename(path)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# --- single files ---------------------------------------------------------------------------------


def _png_chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        yield kind, data[pos + 8:pos + 8 + length]
        pos += 12 + length


def written_by_siting(path: Path) -> bool:
    """Whether the existing file ``path`` carries siting's mark (see the module notes; CSV never does)."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".html", ".htm"):
            with path.open("rb") as f:
                head = f.read(_HEAD_BYTES).decode("utf-8", errors="replace")
            return f'<meta name="generator" content="{GENERATOR}' in head
        if suffix in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            meta = pq.read_schema(path).metadata or {}
            return GENERATOR.encode() in meta
        if suffix == ".png":
            data = path.read_bytes()
            if not data.startswith(b"\x89PNG\r\n\x1a\n"):
                return False
            return any(kind == b"tEXt" and body.startswith(b"Software\x00" + GENERATOR.encode())
                       for kind, body in _png_chunks(data))
        if suffix == ".json":
            value = json.loads(path.read_text(encoding="utf-8"))
            return isinstance(value, dict) and str(value.get("generator", "")).startswith(GENERATOR)
    except Exception:  # unreadable or not what its name says: not ours
        return False
    return False


def check_out_file(target: Path | str, *, source: str | None = None) -> Path:
    """The absolute target file, checked: missing, or a file siting wrote; else one-line error."""
    what = source or str(target)
    path = _absolute(target, what=source or "-o")
    if os.path.lexists(path):
        if path.is_symlink():
            raise InputError("is a symbolic link; give the file it points to", source=what)
        if path.is_dir():
            raise InputError("is a folder; give a file name", source=what)
        if not written_by_siting(path):
            unmarked = path.suffix.lower() in (".csv", ".xlsx", ".pdf")
            hint = f" ({path.suffix.lower()} files carry no mark of who wrote them)" if unmarked else ""
            raise InputError(f"exists and was not written by siting{hint}; remove it or choose another name",
                             source=what)
    anc = _nearest_existing(path.parent)
    if not anc.is_dir():
        raise InputError(f"cannot be created: {anc} is not a folder", source=what)
    return path


def mark_png(path: Path) -> None:
    """Add a ``Software: siting ...`` text chunk to the PNG image at ``path`` (after its header chunk)."""
    data = path.read_bytes()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return
    (length,) = struct.unpack(">I", data[8:12])
    end_ihdr = 8 + 12 + length
    body = b"tEXt" + b"Software\x00" + generator_text().encode("latin-1")
    chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    path.write_bytes(data[:end_ihdr] + chunk + data[end_ihdr:])


@contextlib.contextmanager
def atomic_file(target: Path, *, check: bool = True, source: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``, renamed onto it on success (the umask applies).

    With ``check`` an existing ``target`` must carry siting's mark (:func:`check_out_file`); PNG
    images are marked here. ``check=False`` is for files inside a folder siting owns.
    """
    what = source or str(target)
    path = check_out_file(target, source=source) if check else _absolute(target, what=what)
    created: list[Path] = []
    tmp: Path | None = None
    try:
        try:
            created = _make_parents(path.parent)
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            os.close(fd)
            tmp = Path(name)
        except OSError as exc:
            raise InputError(f"cannot write here: {_why(exc)}", source=what) from None
        try:
            yield tmp
            if path.suffix.lower() == ".png" and tmp.stat().st_size > 0:
                mark_png(tmp)
            tmp.chmod(0o666 & ~_umask())  # mkstemp makes files private; outputs get the usual permissions
            if check:
                check_out_file(path, source=source)
            tmp.replace(path)
        except OSError as exc:
            raise InputError(f"cannot write: {_why(exc)}", source=what) from None
        tmp = None
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        _remove_created(created)
        raise


def jsonable(value: Any) -> Any:
    """Plain JSON values (NaN and inf become null)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    return value


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(jsonable(data), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
