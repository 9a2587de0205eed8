"""Photos and PDFs shown on the task page itself, in Chromium: the PDPA reviewer of a photo album sees
every photo (pictures with their captions, alt text and whether each is published, not file ids and
"True"); a reviewer of a general request reads its PDF on the page (pdf.js: the first page drawn, next and
previous, a download link; a broken PDF says so). axe-core; screenshots at both
sizes in test-artifacts/screenshots/previews-*.png."""

from __future__ import annotations

from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.operations.demo_requests import pdf_of
from bpmnpub.services.requests import instances, tasks

from ..scenarios.paths import to_pdpa_check
from ..services.conftest import file_request, request_data, task_id, upload_pdf
from .conftest import no_horizontal_overflow, screenshot, sign_in, wait_until
from .test_portal_a11y import axe_problems

pytestmark = pytest.mark.browser

SIZES = [pytest.param((1280, 800), id="desktop"), pytest.param((390, 844), id="phone")]


@pytest.mark.parametrize("size", SIZES)
def test_the_pdpa_reviewer_sees_every_photo(
    live_server: str, open_page: Any, ctx: ServiceContext, clock: Any, actor: Any, size: tuple[int, int]
) -> None:
    iid = to_pdpa_check(ctx, clock, actor, "pdpa-page")
    check = task_id(ctx, actor("pr1"), iid)
    page = open_page(*size)
    sign_in(page, live_server, "pr1")
    page.goto(f"{live_server}/tasks/{check}")
    photos = page.locator(".photo-previews img")
    assert photos.count() == 3
    wait_until(
        page,
        "Array.from(document.querySelectorAll('.photo-previews img'))"
        ".every(i => i.complete && i.naturalWidth > 0)",
    )
    alts = [photos.nth(i).get_attribute("alt") for i in range(3)]
    assert alts[:2] == ["ผู้อำนวยการกล่าวเปิดประชุม", "ภาพมุมกว้างของห้องประชุม"]
    captions_text = page.locator(".photo-previews").inner_text()
    assert "ผอ.สพป. เปิดการประชุม" in captions_text and "ไม่เผยแพร่" in captions_text
    assert "True" not in page.locator("main").inner_text()
    # the previews come before the PDPA questions
    order = page.evaluate(
        "() => document.querySelector('.previews')"
        ".compareDocumentPosition(document.getElementById('task-form'))"
    )
    assert order & 4  # DOCUMENT_POSITION_FOLLOWING
    no_horizontal_overflow(page)
    screenshot(page, "previews-pdpa")
    assert axe_problems(page) == []


def two_page_pdf(box: bytes = b"0 0 595 842") -> bytes:
    """A real two-page PDF: a black bar and a line of text on each page (page 2's bar lower)."""
    pages = [
        (b"0 0 0 rg 72 640 450 120 re f BT /F1 28 Tf 72 560 Td (Page one of the order) Tj ET"),
        (b"0 0 0 rg 72 240 450 120 re f BT /F1 28 Tf 72 160 Td (Page two of the order) Tj ET"),
    ]
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>"]
    for number, stream in enumerate(pages):
        content = 4 + 2 * number
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [%s] /Contents %d 0 R"
            b" /Resources << /Font << /F1 7 0 R >> >> >>" % (box, content)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    return pdf_of(objects)


def pdf_for_review(ctx: ServiceContext, actor: Any, pdf: bytes, filename: str) -> int:
    """A general request filed by owner1 with this PDF: the id of its review step, gdir_plan's."""
    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    attachment = upload_pdf(ctx, owner, pdf, filename)
    tasks.complete_task(ctx, task_id(ctx, owner, started.id), request_data(attachment), owner)
    return task_id(ctx, actor("gdir_plan"), started.id)


# Of the canvas: how many pixels are dark, and the mean row of the dark ones (where the bar is).
INK = """() => { const c = document.querySelector('.pdf-preview canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let dark = 0, rows = 0;
  for (let i = 0; i < d.length; i += 4)
    if (d[i] + d[i + 1] + d[i + 2] < 150) { dark++; rows += Math.floor(i / 4 / c.width); }
  return { dark, share: dark / (c.width * c.height), row: dark ? rows / dark / c.height : 0 }; }"""


@pytest.mark.parametrize("size", SIZES)
def test_a_reviewer_reads_the_requests_pdf_on_the_page(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any, size: tuple[int, int]
) -> None:
    review = pdf_for_review(ctx, actor, two_page_pdf(), "คำสั่งแต่งตั้ง.pdf")
    page = open_page(*size)
    sign_in(page, live_server, "gdir_plan")
    page.goto(f"{live_server}/tasks/{review}")
    preview = page.locator(".pdf-preview")
    assert preview.count() == 1 and "คำสั่งแต่งตั้ง.pdf" in preview.inner_text()
    wait_until(page, "document.querySelector('.pdf-preview').dataset.state === 'ready'")
    assert preview.get_attribute("data-pages") == "2"
    assert page.locator(".pdf-page").inner_text() == "หน้า 1 จาก 2"
    first = page.evaluate(INK)
    assert 0.02 < first["share"] < 0.5, first  # the bar and the words are drawn: not blank, not all ink
    assert first["row"] < 0.4, first  # page 1's bar is near the top
    box = page.locator(".pdf-preview canvas").bounding_box()
    assert box is not None and box["width"] > size[0] * 0.6  # as wide as the box, readable
    page.get_by_role("button", name="หน้าถัดไป").click()
    wait_until(page, "document.querySelector('.pdf-preview').dataset.page === '2'")
    second = page.evaluate(INK)
    assert second["row"] > 0.6, second  # page 2's bar is near the bottom
    assert page.get_by_role("button", name="หน้าถัดไป").is_disabled()
    page.get_by_role("button", name="หน้าก่อน").click()
    wait_until(page, "document.querySelector('.pdf-preview').dataset.page === '1'")
    download = preview.get_by_role("link", name="ดาวน์โหลด")
    assert download.get_attribute("download") == "คำสั่งแต่งตั้ง.pdf"
    response = page.request.get(f"{live_server}{download.get_attribute('href')}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    no_horizontal_overflow(page)
    page.locator(".pdf-preview").scroll_into_view_if_needed()
    screenshot(page, "previews-pdf")
    assert axe_problems(page) == []


def test_a_pdf_that_is_not_one_says_so_and_keeps_the_download(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any
) -> None:
    filed = file_request(ctx, actor("owner1"))  # its "PDF" has a header and nothing to draw
    review = task_id(ctx, actor("gdir_plan"), filed)
    page = open_page(390, 844)
    sign_in(page, live_server, "gdir_plan")
    page.goto(f"{live_server}/tasks/{review}")
    wait_until(page, "document.querySelector('.pdf-preview').dataset.state === 'failed'")
    assert "แสดงตัวอย่างไฟล์นี้ไม่ได้" in page.locator(".pdf-status").inner_text()
    assert page.locator(".pdf-preview").get_by_role("link", name="ดาวน์โหลด").is_visible()


def test_a_page_the_size_of_a_field_is_drawn_within_the_canvas_bound(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any
) -> None:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    huge = upload_pdf(ctx, owner, two_page_pdf(b"0 0 14400 200000"), "แผนผัง.pdf")  # 5 m by 70 m
    tasks.complete_task(ctx, task_id(ctx, owner, started.id), request_data(huge), owner)
    page = open_page(1280, 800)
    sign_in(page, live_server, "gdir_plan")
    page.goto(f"{live_server}/tasks/{task_id(ctx, actor('gdir_plan'), started.id)}")
    wait_until(page, "document.querySelector('.pdf-preview').dataset.state === 'ready'")
    pixels = page.evaluate(
        "() => { const c = document.querySelector('.pdf-preview canvas'); return c.width * c.height; }"
    )
    assert 0 < pixels <= 8 * 1024 * 1024


@pytest.mark.parametrize("size", SIZES)
def test_the_form_below_a_pdf_stays_put_when_the_page_appears(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any, size: tuple[int, int]
) -> None:
    """The preview keeps the page's place while the PDF loads: the form under it does not jump when the
    page is drawn (it did by up to 80 % of the window, under a reader who had started on the form)."""
    review = pdf_for_review(ctx, actor, two_page_pdf(), "คำสั่งแต่งตั้ง.pdf")
    page = open_page(*size)
    sign_in(page, live_server, "gdir_plan")
    held: list[Any] = []  # the preview's fetch of the file, let through when the test says

    def hold(route: Any) -> None:
        if route.request.resource_type == "fetch":
            held.append(route)
        else:
            route.fallback()

    page.route("**/*", hold)
    page.goto(f"{live_server}/tasks/{review}")
    form_top = "() => document.getElementById('task-form').getBoundingClientRect().top + window.scrollY"
    wait_until(page, "document.querySelector('.pdf-preview').dataset.state === 'loading'")
    page.wait_for_timeout(200)
    while not held:
        page.wait_for_timeout(50)
    assert page.locator(".pdf-preview").get_attribute("data-state") == "loading"
    before = page.evaluate(form_top)
    for route in held:
        route.fallback()
    wait_until(page, "document.querySelector('.pdf-preview').dataset.state === 'ready'")
    after = page.evaluate(form_top)
    # An A4 page at the box's width: the same height it kept (a pixel or two of rounding)
    assert abs(after - before) <= 4, (before, after)
