"""The memo as a reader sees it: every word drawn as wide as its font makes it, one page for the usual
chain, the register's number after ที่ and the verification QR code 2.2 cm square. No database."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bpmnpub.documents import render_html, render_pdf

from .. import pdflayout, pdftools
from . import samples

TOLERANCE = 0.02  # a word's drawn advance may differ from its font's by 2 % (kerning pairs, rounding)
# Words of sample lines, from the heading to the last block, as the memo prints them.
SAMPLE_WORDS = (
    "ส่วนราชการ",
    "ข้าพเจ้า",
    "นางสาวสมใจ",
    "นักวิเคราะห์นโยบายและแผนชำนาญการ",
    "owner1@example.go.th",
    "AMSS++",
    "จึงเรียนมาเพื่อโปรดพิจารณาอนุญาต",
    "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาพิษณุโลก",
    "ข้าพเจ้าขอรับรองว่าข้อมูลที่ได้รับ",
    "(นายบุญสม",
)


def misdrawn(words: list[pdflayout.Word]) -> list[str]:
    """The words whose drawn advance is off their font's by more than the tolerance (dotted blanks,
    spaced out on purpose, are not words)."""
    return [
        f"{w.text!r} on page {w.page}: drawn {w.drawn:.2f} pt, "
        f"its font gives {w.by_font:.2f} pt at {w.size:.2f} pt"
        for w in words
        if w.by_font > 0 and w.text.strip(".") and abs(w.drawn / w.by_font - 1) > TOLERANCE
    ]


def word(words: list[pdflayout.Word], text: str) -> pdflayout.Word:
    found = [w for w in words if pdftools.same(w.text) == pdftools.same(text)]
    assert found, f"{text!r} is not drawn as one word"
    return found[0]


@pytest.fixture(scope="module")
def usual_chain_pdf() -> bytes:
    return render_pdf(samples.usual_chain())


def test_every_word_is_drawn_as_wide_as_its_font_makes_it(usual_chain_pdf: bytes) -> None:
    words = pdflayout.words(usual_chain_pdf)
    for text in SAMPLE_WORDS:
        sample = word(words, text)
        assert sample.by_font > 0 and abs(sample.drawn / sample.by_font - 1) <= TOLERANCE, sample
    assert misdrawn(words) == []
    body = word(words, "ข้าพเจ้า")
    assert body.font == "Laksaman"
    assert body.size == pytest.approx(10.56, abs=0.01)  # TH Sarabun's 16 pt, as Laksaman draws it
    assert body.drawn == pytest.approx(32.17, abs=0.1)  # 48.75 pt at 16 pt, times 0.66


def test_a_viewer_places_the_words_where_the_measure_says(usual_chain_pdf: bytes) -> None:
    """poppler's own word boxes agree with pdflayout's pen positions: the measure is the viewer's."""
    boxes = pdftools.word_boxes(usual_chain_pdf)
    ours = pdflayout.words(usual_chain_pdf)
    for text in ("ข้าพเจ้า", "owner1@example.go.th", "จึงเรียนมาเพื่อโปรดพิจารณาอนุญาต"):
        width = next(x1 - x0 for t, x0, x1 in boxes if pdftools.same(t) == pdftools.same(text))
        assert width == pytest.approx(word(ours, text).drawn, rel=0.01), text


def test_naming_th_sarabun_would_shrink_the_layout_and_the_measure_catches_it() -> None:
    """The cause of the unreadable memo, put back: fontconfig's synthetic TH Sarabun is Laksaman with a
    0.66 matrix, which Pango lays out and WeasyPrint does not draw. Fails if the fonts change so much
    that the check could no longer see it."""
    from weasyprint import HTML

    html = render_html(samples.usual_chain()).replace(
        '"Laksaman", serif', '"Laksaman", "TH Sarabun New", serif'
    )
    words = pdflayout.words(HTML(string=html).write_pdf())
    body = word(words, "ข้าพเจ้า")
    assert body.drawn / body.by_font == pytest.approx(0.66, abs=0.01)
    assert len(misdrawn(words)) > len(words) / 2


def test_the_usual_chain_fits_one_page(usual_chain_pdf: bytes) -> None:
    assert pdftools.page_count(usual_chain_pdf) == 1
    assert pdftools.page_count(render_pdf(samples.verified())) == 1  # with the QR code too
    text = pdftools.text(usual_chain_pdf)
    for line in (
        "ตำแหน่ง นักวิเคราะห์นโยบายและแผนชำนาญการ",
        "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาพิษณุโลก เขต ๒",
        "(นายบุญสม โพธิ์เงิน)",
        "หน้า ๑/๑",
    ):
        assert pdftools.same(line) in text.replace("\n", " "), line


def test_an_unfiled_memo_is_the_blank_form_on_one_page() -> None:
    blank = replace(
        samples.usual_chain(),
        requester=None,
        note="",
        endorsements=tuple(
            replace(
                e,
                signature=None,
                opinion="",
                reason="",
                choices=tuple((label, False) for label, _ in e.choices),
            )
            for e in samples.usual_chain().endorsements
        ),
    )
    pdf = render_pdf(blank)
    assert pdftools.page_count(pdf) == 1
    assert misdrawn(pdflayout.words(pdf)) == []


def test_the_number_after_ti_is_the_registers_or_the_office_code_and_a_blank() -> None:
    numbered = pdftools.text(render_pdf(replace(samples.usual_chain(), document_number="ศธ 04082/123")))
    assert pdftools.same("ที่ ศธ ๐๔๐๘๒/๑๒๓ วันที่") in numbered
    blank = pdftools.text(render_pdf(samples.usual_chain()))
    assert pdftools.same("ที่ ศธ ๐๔๐๘๒/ วันที่") in blank  # the office's code, then the dotted blank
    slashed = pdftools.text(render_pdf(replace(samples.usual_chain(), number="ศธ 04082/")))
    assert pdftools.same("ที่ ศธ ๐๔๐๘๒/ วันที่") in slashed  # never two slashes


def test_the_verification_block_shows_the_qr_code_and_the_short_address() -> None:
    pdf = render_pdf(samples.verified())
    text = pdftools.text(pdf)
    assert pdftools.same("ตรวจสอบเอกสารนี้ได้ที่") in text
    assert "https://office.example.go.th/v/7KQ2M9" in text  # its digits stay Arabic
    codes = [r for r in pdflayout.filled_rectangles(pdf) if r.color == pytest.approx(samples.QR_BACKGROUND)]
    assert len(codes) == 1
    code = codes[0]
    assert code.page == 1
    assert code.width == pytest.approx(2.2 / 2.54 * 72, rel=0.02)  # 2.2 cm
    assert code.height == pytest.approx(code.width, rel=0.01)
    address = word(pdflayout.words(pdf), "https://office.example.go.th/v/7KQ2M9")
    assert address.x > code.x + code.width  # beside the code
    assert code.y <= address.y <= code.y + code.height
    assert pdftools.same("ตรวจสอบเอกสารนี้ได้ที่") not in pdftools.text(render_pdf(samples.usual_chain()))


def test_the_qr_code_is_drawn_not_fetched() -> None:
    """An SVG that points elsewhere still draws only itself: the memo loads nothing but its emblem."""
    hostile = samples.qr_svg().replace(
        "</svg>", '<image href="file:///etc/passwd" width="5" height="5"/></svg>'
    )
    pdf = render_pdf(replace(samples.verified(), verification_qr_svg=hostile))
    assert pdftools.image_count(pdf) == 1  # the emblem only
