"""Reading the QR codes a PDF shows, as a phone would: every page drawn by pdftoppm at 200 dpi, then read
by zbarimg (zbar-tools). Without them the test is skipped locally and fails under CI=true
(`make system-deps` installs them)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import IN_CI


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        reason = f"{name} ({package}) is not installed"
        if IN_CI:
            pytest.fail(f"{reason}; it is required under CI")
        pytest.skip(f"{reason} (install it with `make system-deps`)")  # locally only: under CI it fails above
    return path


def qr_codes(pdf: bytes, folder: Path) -> list[str]:
    """The text of every QR code on the PDF's pages, page by page."""
    source = folder / "document.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [_tool("pdftoppm", "poppler-utils"), "-r", "200", "-png", str(source), str(folder / "page")],
        check=True,
        timeout=120,
    )
    found: list[str] = []
    for page in sorted(folder.glob("page-*.png")):
        done = subprocess.run(
            [_tool("zbarimg", "zbar-tools"), "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(page)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        found.extend(line for line in done.stdout.splitlines() if line)  # exit 4: no code on that page
    return found
