"""Writing pages for people: HTML maps and reports, written atomically and readable like any user file.

Every page carries ``<meta name="generator" content="siting ...">`` so that siting knows it may
replace the file later (:func:`scenarios.output.written_by_siting`); any other existing file is refused.
"""

from __future__ import annotations

import re
from pathlib import Path

from scenarios.output import GENERATOR, atomic_file, generator_text

_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)


def with_generator(text: str) -> str:
    """``text`` with siting's generator meta tag right after ``<head>`` (added once)."""
    if f'<meta name="generator" content="{GENERATOR}' in text[:8192]:
        return text
    tag = f'<meta name="generator" content="{generator_text()}">'
    m = _HEAD.search(text)
    if m is None:
        return tag + "\n" + text
    return text[:m.end()] + "\n" + tag + text[m.end():]


def write_text_file(path: Path, text: str) -> None:
    """Write the page ``text`` to ``path`` atomically (the umask applies); an existing file must be ours."""
    with atomic_file(path) as tmp:
        tmp.write_text(with_generator(text), encoding="utf-8")


def size_text(n_bytes: int) -> str:
    """``1.4 MB``."""
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 1e5 else f"{n_bytes / 1e3:.0f} kB"
