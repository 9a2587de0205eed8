"""What an outside walk of the demo office found on the staff pages, in Chromium: who holds a step is
shown by name, the phone's decision bar is one compact row and never hides the field a 422 points at, and an
empty inbox says where to go instead. Screenshots in test-artifacts/screenshots/polish-*.png."""

from __future__ import annotations

from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.operations.demo_requests import pdf_of
from bpmnpub.services.requests import holding

from ..scenarios.paths import to_pdpa_check
from ..services.conftest import file_request, task_id
from .conftest import SCREENSHOTS, no_horizontal_overflow, screenshot, sign_in, wait_until
from .test_previews_page import pdf_for_review

pytestmark = pytest.mark.browser

SIZES = [pytest.param((1280, 800), id="desktop"), pytest.param((390, 844), id="phone")]


def test_who_holds_a_step_is_shown_by_full_name_never_by_username(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any
) -> None:
    owner, gdir = actor("owner1"), actor("gdir_plan")
    instance_id = file_request(ctx, owner)
    step = task_id(ctx, gdir, instance_id)
    holding.claim_task(ctx, step, gdir)
    page = open_page()
    sign_in(page, live_server, "gdir_plan")
    page.goto(f"{live_server}/inbox")
    row = page.locator("li.task", has_text="รับงานโดย")
    assert "รับงานโดย นางวันเพ็ญ แสงทอง" in row.inner_text()
    assert "gdir_plan" not in page.locator("main").inner_text()
    page.goto(f"{live_server}/tasks/{step}")
    assert page.locator(".holder").inner_text().startswith("รับงานโดย นางวันเพ็ญ แสงทอง")
    assert "gdir_plan" not in page.locator("main").inner_text()


@pytest.mark.parametrize("size", SIZES)
def test_the_decision_bar_is_one_row_and_never_covers_the_field_in_error(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any, size: tuple[int, int]
) -> None:
    owner, gdir = actor("owner1"), actor("gdir_plan")
    step = task_id(ctx, gdir, file_request(ctx, owner))
    page = open_page(*size)
    sign_in(page, live_server, "gdir_plan")
    page.goto(f"{live_server}/tasks/{step}")
    settled = "document.querySelector('.pdf-preview').dataset.state !== 'loading'"
    wait_until(page, settled)  # the request's PDF preview (this one fails: it is not a PDF) is done
    bar = page.locator(".task-actions")
    if size[0] < 800:
        box = bar.bounding_box()
        assert box["height"] <= 72, f"the decision bar is {box['height']} px tall"
        assert box["y"] + box["height"] == pytest.approx(size[1], abs=1)  # fixed at the bottom
        buttons = [b.bounding_box() for b in bar.locator("button").all()]
        assert len({round(b["y"]) for b in buttons}) == 1  # one row
    else:  # on a desk: the name and hint above one row of decisions with "บันทึกร่าง" (it was 230 px)
        box = bar.bounding_box()
        assert box["height"] <= 140, f"the decision bar is {box['height']} px tall"
        assert box["y"] + box["height"] == pytest.approx(size[1], abs=1)  # at the bottom, PDF or not
        buttons = [b.bounding_box() for b in bar.locator("button").all()]
        assert len({round(b["y"] + b["height"]) for b in buttons}) == 1, buttons  # one row, "บันทึกร่าง" in it
    # "ส่งกลับแก้ไข" without a reason: 422, and the reason's box is in sight above the bar
    page.locator("#task-form").get_by_role("button", name="ส่งกลับแก้ไข", exact=True).click()
    page.wait_for_selector("#f-error-summary")
    wait_until(page, settled)  # the page again: the field stays in sight when the preview gives up
    page.wait_for_timeout(100)
    field = page.locator(".f-field.f-has-error").first.bounding_box()
    top_of_bar = bar.bounding_box()["y"]  # sticky on a desk, fixed on a phone: never over the field
    assert field["y"] >= 0 and field["y"] + field["height"] <= top_of_bar + 0.5, (field, top_of_bar)
    name = f"polish-review-422-{size[0]}x{size[1]}-view.png"
    page.screenshot(path=str(SCREENSHOTS / name))  # what the reader sees (not the whole page)
    no_horizontal_overflow(page)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    ("username", "links"),
    [
        ("owner1", ["ยื่นคำขอ", "คำขอของฉัน"]),
        ("deputy1", ["ยื่นคำขอ", "คำขอของฉัน"]),
        ("admin1", ["ยื่นคำขอ", "คำขอของฉัน", "ติดตามคำขอ"]),
    ],
)
def test_an_empty_inbox_points_to_what_the_reader_may_do(
    live_server: str, open_page: Any, username: str, links: list[str], size: tuple[int, int]
) -> None:
    page = open_page(*size)
    sign_in(page, live_server, username)
    page.goto(f"{live_server}/inbox")
    empty = page.locator("#empty-inbox")
    assert "ไม่มีงานรอดำเนินการ" in empty.inner_text()
    assert [a.inner_text() for a in empty.locator("a").all()] == links
    no_horizontal_overflow(page)
    screenshot(page, f"polish-empty-inbox-{username}")


def zero_page_pdf() -> bytes:
    """A well-formed PDF whose page tree is empty (pdf.js opens it: 0 pages)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    return pdf_of(objects)


@pytest.mark.parametrize("size", SIZES)
def test_a_pdf_without_pages_says_so_and_keeps_the_download(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any, size: tuple[int, int]
) -> None:
    review = pdf_for_review(ctx, actor, zero_page_pdf(), "ประกาศว่าง.pdf")
    page = open_page(*size)
    sign_in(page, live_server, "gdir_plan")
    page.goto(f"{live_server}/tasks/{review}")
    wait_until(page, "['empty', 'failed'].includes(document.querySelector('.pdf-preview').dataset.state)")
    preview = page.locator(".pdf-preview")
    assert preview.get_attribute("data-state") == "empty"
    assert "ไม่มีหน้าที่แสดงได้" in page.locator(".pdf-status").inner_text()
    assert "จาก 0" not in preview.inner_text() and not page.locator(".pdf-tools").is_visible()
    assert preview.get_by_role("link", name="ดาวน์โหลด").is_visible()
    preview.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot(page, "polish-pdf-empty")).replace(".png", "-view.png"))


@pytest.mark.parametrize("size", SIZES)
def test_the_pdpa_blur_option_reads_as_a_fact(
    live_server: str, open_page: Any, ctx: ServiceContext, clock: Any, actor: Any, size: tuple[int, int]
) -> None:
    iid = to_pdpa_check(ctx, clock, actor, "pdpa-blur")
    page = open_page(*size)
    sign_in(page, live_server, "pr1")
    page.goto(f"{live_server}/tasks/{task_id(ctx, actor('pr1'), iid)}")
    measures = page.locator("#f-measures")
    measures.scroll_into_view_if_needed()
    assert measures.get_by_label("เบลอใบหน้าในภาพแล้ว (อัปโหลดภาพที่เบลอแล้วแทนภาพเดิม)").count() == 1
    assert "ให้เลือก “ส่งกลับแก้ไขภาพ”" in measures.inner_text()
    no_horizontal_overflow(page)
    width = size[0]
    measures.screenshot(path=str(screenshot(page, "polish-pdpa")).replace(".png", f"-measures-{width}.png"))
