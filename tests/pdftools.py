"""Reading a PDF the way a person's tools do: poppler's pdftotext, pdffonts, pdfimages and pdftoppm.

Without poppler-utils the tests that need it are skipped locally and fail under CI=true, so a missing
part never passes silently (`make system-deps` installs it).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from .conftest import IN_CI, ROOT

ARTIFACTS = ROOT / "test-artifacts" / "memos"
THAI_DIGIT = re.compile("[\u0e50-\u0e59]")
ASCII_DIGIT = re.compile("[0-9]")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        reason = f"{name} (poppler-utils) is not installed"
        if IN_CI:
            pytest.fail(f"{reason}; it is required under CI")
        pytest.skip(f"{reason} (install it with `make system-deps`)")  # locally only: under CI it fails above
    return path


def _run(name: str, *args: str, pdf: bytes) -> str:
    done = subprocess.run([_tool(name), *args], input=pdf, capture_output=True, check=True, timeout=60)
    return done.stdout.decode("utf-8")


def text(pdf: bytes) -> str:
    """The text a reader copies out, in the order it was written (pdftotext -raw: the layout mode sorts
    by position and so moves a Thai mark that sits to the right, like the ์ of โพธิ์, past the next
    letter), NFKC-normalized: a Thai font draws ำ as ํ + า and may order marks differently, which is
    the same text to Unicode (see bpmnpub.documents.pdftext)."""
    return unicodedata.normalize("NFKC", _run("pdftotext", "-raw", "-", "-", pdf=pdf))


def same(words: str) -> str:
    """Expected text, normalized the way `text` is."""
    return unicodedata.normalize("NFKC", words)


def fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """(font name without its subset prefix, embedded?) for each font of the file."""
    rows = _run("pdffonts", "-", pdf=pdf).splitlines()[2:]
    return [(row.split()[0].split("+")[-1], row.split()[-5] == "yes") for row in rows if row.strip()]


def image_count(pdf: bytes) -> int:
    return len(_run("pdfimages", "-list", "-", pdf=pdf).splitlines()[2:])


def first_page_png(pdf: bytes, name: str) -> Path:
    """Page 1 at 80 dpi in test-artifacts/memos/<name>.png, for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            _tool("pdftoppm"),
            "-r",
            "80",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(ARTIFACTS / name),
        ],
        check=True,
        timeout=60,
    )
    return ARTIFACTS / f"{name}.png"


def word_boxes(pdf: bytes) -> list[tuple[str, float, float]]:
    """(word, left, right) of every word poppler finds, in points (pdftotext -bbox)."""
    boxes = _run("pdftotext", "-bbox", "-", "-", pdf=pdf)
    return [
        (html.unescape(m[3]), float(m[1]), float(m[2]))
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', boxes
        )
    ]


def page_count(pdf: bytes) -> int:
    return int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", "-", pdf=pdf))[1])  # type: ignore[index]
