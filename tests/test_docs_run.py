"""The code in the documents runs: every ```python block marked ``<!-- run -->`` in docs/*.md and README.md.

Convention (see docs/python-quickstart.md): a ```python fence directly preceded (blank lines allowed) by the HTML
comment ``<!-- run -->`` is executed; the marked blocks of one file run in order in one namespace, in a temporary
working folder. A ```text fence directly preceded by ``<!-- output -->`` must equal what the run block before it
printed (trailing spaces ignored). Tracebacks point at the markdown file's own line numbers.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [*sorted((ROOT / "docs").glob("**/*.md")), ROOT / "README.md"]
MARKER = re.compile(r"^<!--\s*(run|output)\s*-->\s*$")
FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)\s*$")


@dataclass(frozen=True)
class Block:
    kind: str  # "run" or "output"
    line: int  # 1-based line of the first line of code
    text: str


def marked_blocks(path: Path) -> list[Block]:
    """The marked blocks of a markdown file, in order; a marker not followed by the right fence is an error."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    pending: tuple[str, int] | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = FENCE.match(line)
        marker = MARKER.match(line.strip())
        if marker:
            if pending:
                raise AssertionError(f"{path.name}:{pending[1]}: <!-- {pending[0]} --> is not followed by a fence")
            pending = (marker.group(1), i + 1)
        elif fence:
            ticks, lang = fence.group(1), fence.group(2)
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == ticks), None)
            if end is None:
                raise AssertionError(f"{path.name}:{i + 1}: unclosed code fence")
            if pending:
                kind, at = pending
                want = "python" if kind == "run" else "text"
                if lang != want:
                    raise AssertionError(
                        f"{path.name}:{at}: <!-- {kind} --> must precede a ```{want} fence, not ```{lang}"
                    )
                blocks.append(Block(kind, i + 2, "\n".join(lines[i + 1 : end]) + "\n"))
                pending = None
            i = end
        elif line.strip() and pending:
            raise AssertionError(f"{path.name}:{pending[1]}: <!-- {pending[0]} --> is not directly followed by a fence")
        i += 1
    if pending:
        raise AssertionError(f"{path.name}:{pending[1]}: <!-- {pending[0]} --> at the end of the file")
    return blocks


def _documents_with_blocks() -> list[Path]:
    return [p for p in DOCUMENTS if "<!--" in p.read_text(encoding="utf-8") and marked_blocks(p)]


@pytest.mark.parametrize("path", _documents_with_blocks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_document_blocks_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {"__name__": "__doc__"}
    printed: str | None = None
    for block in marked_blocks(path):
        where = f"{path.relative_to(ROOT)}:{block.line}"
        if block.kind == "output":
            assert printed is not None, f"{where}: <!-- output --> without a run block before it"
            got = [s.rstrip() for s in printed.rstrip("\n").splitlines()]
            want = [s.rstrip() for s in block.text.rstrip("\n").splitlines()]
            assert got == want, f"{where}: the block above printed\n{printed}"
            printed = None
            continue
        # Pad with blank lines so a traceback names the markdown file and its line.
        code = compile("\n" * (block.line - 1) + block.text, str(path), "exec")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(code, namespace)
        printed = out.getvalue()


def test_documents_have_runnable_blocks() -> None:
    """The suite really runs documentation: the quick start is marked and checks its output."""
    blocks = marked_blocks(ROOT / "docs" / "python-quickstart.md")
    assert [b.kind for b in blocks].count("run") >= 2
    assert "output" in [b.kind for b in blocks]


def test_marker_convention_is_enforced(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("<!-- run -->\n\n```python\nx = 1\n```\n\n<!-- output -->\n```text\n1\n```\n```python\ny = 2\n```\n")
    assert [(b.kind, b.line, b.text) for b in marked_blocks(doc)] == [("run", 4, "x = 1\n"), ("output", 9, "1\n")]
    doc.write_text("<!-- run -->\n```bash\nls\n```\n")
    with pytest.raises(AssertionError, match="must precede a ```python fence"):
        marked_blocks(doc)
    doc.write_text("<!-- run -->\nsome prose\n```python\nx = 1\n```\n")
    with pytest.raises(AssertionError, match="not directly followed"):
        marked_blocks(doc)


def test_documents_list_is_not_empty() -> None:
    assert len(DOCUMENTS) >= 4 and all(p.is_file() for p in DOCUMENTS)
    assert os.path.basename(DOCUMENTS[-1]) == "README.md"
