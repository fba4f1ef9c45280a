"""A PDF of a page through headless Chromium (its print stylesheet: A4, no controls, the whole map).

Chromium is driven from the command line (``--print-to-pdf``), so no Python browser package is
needed at run time; the page is a local file and the browser is started without network features.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from siting.errors import InputError

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
         "--disable-extensions", "--no-pdf-header-footer", "--virtual-time-budget=8000",
         "--window-size=718,1000")  # about the printable width of A4, so the screen layout is the printed one


def chromium() -> str:
    """The Chromium executable (one-line error if there is none)."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if exe is None:
        raise InputError("a PDF needs Chromium (Debian/Ubuntu: apt-get install chromium)", source="--pdf")
    return exe


def html_to_pdf(page: Path, out: Path, *, timeout_s: float = 180.0) -> None:
    """Print the HTML file ``page`` to ``out`` (A4, as the page's print stylesheet lays it out)."""
    exe = chromium()
    with tempfile.TemporaryDirectory(prefix="siting-pdf-") as profile:
        pdf = Path(profile) / "out.pdf"
        cmd = [exe, *FLAGS, f"--user-data-dir={profile}/profile", f"--print-to-pdf={pdf}", page.resolve().as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise InputError(f"Chromium did not finish printing within {timeout_s:g} s", source="--pdf") from None
        if not pdf.is_file() or pdf.read_bytes()[:5] != b"%PDF-":
            tail = " ".join(done.stderr.split()[-20:])
            raise InputError(f"Chromium wrote no PDF (exit {done.returncode}): {tail}", source="--pdf")
        shutil.copyfile(pdf, out)
