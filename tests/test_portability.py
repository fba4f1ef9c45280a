"""Portability: no POSIX-only module imported at module level, and the sweep lock works through ``filelock``."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scenarios.journal import LOCK_NAME, sweep_lock
from siting.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("solvers", "siting", "maps", "scenarios")
#: Standard-library modules missing on Windows (or, for the last ones, missing everywhere but Windows).
PLATFORM_ONLY = frozenset({"fcntl", "termios", "tty", "pty", "pwd", "grp", "resource", "posix", "crypt", "spwd",
                           "syslog", "nis", "readline", "curses", "msvcrt", "winreg", "_winapi", "winsound"})


def _module_level_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """``(line, module)`` of every import not inside a function (``if``/``try`` blocks count as module level)."""
    found: list[tuple[int, str]] = []

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.extend((node.lineno, a.name.split(".")[0]) for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((node.lineno, node.module.split(".")[0]))
            elif isinstance(node, ast.If | ast.Try | ast.With | ast.ClassDef):
                for block in ("body", "orelse", "finalbody"):
                    visit(getattr(node, block, []))
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)

    visit(tree.body)
    return found


def test_scan_finds_a_platform_only_import() -> None:
    """The scanner itself: it sees imports at module level, in ``try``/``if`` blocks and classes, not in functions."""
    code = textwrap.dedent("""
        import os, fcntl
        try:
            import msvcrt
        except ImportError:
            from termios import tcgetattr
        class A:
            import pwd
        def f():
            import resource
        """)
    found = {m for _, m in _module_level_imports(ast.parse(code))}
    assert found == {"os", "fcntl", "msvcrt", "termios", "pwd"}


def test_no_module_imports_a_platform_only_api() -> None:
    sources = [p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))]
    assert len(sources) > 50
    bad = [f"{p.relative_to(ROOT)}:{line}: import {mod}"
           for p in sources for line, mod in _module_level_imports(ast.parse(p.read_text(encoding="utf-8")))
           if mod in PLATFORM_ONLY]
    assert bad == []


def test_sweep_lock_is_exclusive(tmp_path: Path) -> None:
    with sweep_lock(tmp_path), pytest.raises(InputError, match="another sweep is writing"), sweep_lock(tmp_path):
        pass
    with sweep_lock(tmp_path):  # released on exit
        pass


def test_sweep_lock_of_a_killed_process_is_released(tmp_path: Path) -> None:
    """A sweep killed hard (``kill -9``) leaves no stale lock: the next sweep takes the folder at once."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from scenarios.journal import sweep_lock\n"
         f"with sweep_lock(Path({str(tmp_path)!r})):\n    print('locked', flush=True); time.sleep(120)"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(InputError, match="another sweep is writing"), sweep_lock(tmp_path):
            pass
        holder.kill()  # SIGKILL on POSIX, TerminateProcess on Windows
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=30)
    assert (tmp_path / LOCK_NAME).exists()  # the file stays; the lock on it went with the process
    with sweep_lock(tmp_path):
        pass


def test_network_cache_folder_comes_from_platformdirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default cache folder is the system's (``platformdirs``); ``$SITING_CACHE_DIR`` still overrides it."""
    import platformdirs

    from siting.network.cache import ENV_VAR, default_cache_dir, network_cache_dir

    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # read on Linux and BSD, ignored elsewhere
    assert default_cache_dir() == Path(platformdirs.user_cache_dir("siting", appauthor=False))
    if sys.platform.startswith("linux"):
        assert default_cache_dir() == tmp_path / "xdg" / "siting"
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "mine"))
    assert network_cache_dir(None) == tmp_path / "mine" / "network"
    assert network_cache_dir(tmp_path / "given") == tmp_path / "given" / "network"
