"""Page 1 of the memo looks like the reference a person looked at and committed.

The page is rendered by poppler (pdftoppm, 60 dpi, grey) and compared pixel by pixel with
tests/documents/reference/<name>.png. A pixel differs when its grey level moves by more than a
quarter of the scale; the page may differ in at most 0.3 % of its pixels (anti-aliasing across
poppler builds), while a line moved by one text line, a changed font size or overlapping letters
differ in several percent. When it fails, the rendered page and a diff image (differing pixels red
over the reference, faded) are written to test-artifacts/memos/ and to the test's tmp dir.

After an intended change of the layout: `BPMNPUB_UPDATE_REFERENCE=1 pytest tests/documents`
writes the new reference and fails, so that someone looks at it before committing it.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from bpmnpub.documents import MemoDocument, render_pdf

from .. import pdftools
from . import samples

REFERENCE = Path(__file__).parent / "reference"
DPI = 60
LEVEL = 64  # grey levels (of 255) a pixel must move by to count as different
MOST = 0.003  # the share of the page's pixels that may differ


def page_one(pdf: bytes) -> Image.Image:
    png = subprocess.run(
        [
            pdftools._tool("pdftoppm"),
            "-r",
            str(DPI),
            "-gray",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            "-",
        ],
        input=pdf,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    return Image.open(io.BytesIO(png)).convert("L")


def differing(page: Image.Image, reference: Image.Image) -> tuple[float, Image.Image]:
    """The share of differing pixels and a picture of them: the reference faded, differences red."""
    delta = ImageChops.difference(page, reference).point(lambda v: 255 if v > LEVEL else 0)
    share = sum(delta.histogram()[255:]) / (page.width * page.height)
    picture = Image.merge("RGB", [reference.point(lambda v: 155 + v * 100 // 255)] * 3)
    picture.paste((220, 0, 0), mask=delta)
    return share, picture


def check_against_reference(memo: MemoDocument, name: str, tmp_path: Path) -> None:
    page = page_one(render_pdf(memo))
    reference_file = REFERENCE / f"{name}.png"
    if os.environ.get("BPMNPUB_UPDATE_REFERENCE"):
        page.save(reference_file, optimize=True)
        pytest.fail(f"wrote {reference_file}: look at it, then commit it and run again without the variable")
    reference = Image.open(reference_file).convert("L")
    assert page.size == reference.size, f"page 1 is {page.size}, the reference {reference.size}"
    share, picture = differing(page, reference)
    if share > MOST:
        pdftools.ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for folder in (pdftools.ARTIFACTS, tmp_path):
            page.save(folder / f"{name}-page1.png")
            picture.save(folder / f"{name}-diff.png")
        pytest.fail(
            f"page 1 differs from {reference_file.name} in {share:.2%} of its pixels (at most {MOST:.1%}); "
            f"see {pdftools.ARTIFACTS / (name + '-diff.png')} and {tmp_path / (name + '-diff.png')}"
        )


def test_page_one_of_the_usual_chain_looks_like_the_reference(tmp_path: Path) -> None:
    check_against_reference(samples.verified(), "memo-usual-chain-page1", tmp_path)


def test_the_comparison_sees_a_line_moved_and_letters_squeezed(tmp_path: Path) -> None:
    """The threshold is not so loose that a real change passes: one more body line fails it, and so
    does the old overlap (Laksaman laid out at 66 % of its width)."""
    reference = Image.open(REFERENCE / "memo-usual-chain-page1.png").convert("L")
    memo = samples.verified()
    longer = MemoDocument(**{**memo.__dict__, "paragraphs": (*memo.paragraphs, "อีกหนึ่งบรรทัด")})
    assert differing(page_one(render_pdf(longer)), reference)[0] > MOST * 3
    from weasyprint import HTML

    from bpmnpub.documents.memo import _fetcher, render_html

    squeezed = render_html(memo).replace('"Laksaman", serif', '"Laksaman", "TH Sarabun New", serif')
    pdf = HTML(string=squeezed, url_fetcher=_fetcher(memo)).write_pdf()
    assert differing(page_one(pdf), reference)[0] > MOST * 3
