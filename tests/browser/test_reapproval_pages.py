"""Re-approval after revision in a real Chromium (issue 11 item 4): a group director who approved a
request sees, when the director's send-back brings the revised request back to them, what changed since
they decided (the title old → new, the file replaced); the publisher sends a request back with a reason
and the requester reads it. Screenshots at 1280x800 and 390x844."""

from __future__ import annotations

import io
from typing import Any

import pytest

from bpmnpub.services.files import storage
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import instances, tasks

from ..services.conftest import request_data, task_id
from .conftest import no_horizontal_overflow, screenshot, sign_in, thai_font_ok
from .test_staff_flow import INBOX_URL, SIZES, expect

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FIRST = "ประกาศรับสมัครครูผู้ช่วย กรณีที่มีเหตุพิเศษ"
REVISED = "ประกาศรับสมัครครูผู้ช่วย กรณีที่มีเหตุพิเศษ ปีงบประมาณ 2570"


def _upload(ctx: ServiceContext, who: Any, name: str) -> str:
    return storage.upload_file(ctx, io.BytesIO(PDF), name, actor_id=who.id).id


def _do(ctx: ServiceContext, who: Any, iid: int, data: dict[str, Any]) -> None:
    tasks.complete_task(ctx, task_id(ctx, who, iid), data, who)


def _filed(ctx: ServiceContext, actor: Any) -> int:
    """owner1's 3.1 request, approved by the group director, waiting for the director."""
    owner = actor("owner1")
    iid = instances.start_instance(ctx, "general_publication", None, owner).id
    _do(ctx, owner, iid, request_data(_upload(ctx, owner, "ประกาศ-ร่าง.pdf"), title=FIRST))
    _do(ctx, actor("gdir_plan"), iid, {"decision": "approve"})
    return iid


@pytest.mark.parametrize("size", SIZES)
def test_a_re_reviewer_sees_what_changed_since_they_approved(
    ctx: ServiceContext, actor: Any, live_server: str, open_page: Any, size: tuple[int, int]
) -> None:
    iid = _filed(ctx, actor)
    _do(ctx, actor("director1"), iid, {"decision": "revise", "comment": "ระบุปีงบประมาณในชื่อเรื่อง"})
    owner = actor("owner1")
    revised = request_data(_upload(ctx, owner, "ประกาศ-ฉบับลงนาม.pdf"), title=REVISED)
    _do(ctx, owner, iid, revised)  # the revision goes back to the group director, not straight up

    page = open_page(*size)
    sign_in(page, live_server, "gdir_plan")
    page.get_by_role("link", name=REVISED).first.click()
    panel = page.locator(".callout-changes")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading")).to_have_text("สิ่งที่แก้ไขตั้งแต่พิจารณาครั้งก่อน")
    rows = panel.locator("tbody tr")
    assert rows.count() == 2, panel.inner_text()  # the title and the file; nothing else changed
    title = rows.filter(has_text="ชื่อเรื่องที่ขอเผยแพร่")
    expect(title.locator(".change-old")).to_have_text(FIRST)
    expect(title.locator(".change-new")).to_have_text(REVISED)
    files = rows.filter(has_text="ไฟล์ข้อมูลที่ขอเผยแพร่")
    expect(files.locator(".change-removed")).to_contain_text("ประกาศ-ร่าง.pdf")
    expect(files.locator(".change-added")).to_contain_text("ประกาศ-ฉบับลงนาม.pdf")
    assert "รอบที่ 2" in page.locator(".step-now").inner_text()
    no_horizontal_overflow(page)
    thai_font_ok(page, ".callout-changes h2")
    screenshot(page, "reapproval-changes")

    # the first review of a step shows no such panel: the director has not seen this content yet either,
    # but did decide before, so the director's page shows it after the group director approves again
    page.locator("form.f-form").get_by_role("button", name="อนุมัติ", exact=True).click()
    page.wait_for_url(INBOX_URL)
    director = open_page(*size)
    sign_in(director, live_server, "director1")
    director.get_by_role("link", name=REVISED).first.click()
    expect(director.locator(".callout-changes")).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_the_publisher_sends_back_with_a_reason(
    ctx: ServiceContext, actor: Any, live_server: str, open_page: Any, size: tuple[int, int]
) -> None:
    iid = _filed(ctx, actor)
    _do(ctx, actor("director1"), iid, {"decision": "approve"})

    page = open_page(*size)
    sign_in(page, live_server, "publisher1")
    page.get_by_role("link", name=FIRST).first.click()
    form = page.locator("form.f-form")
    expect(form.get_by_role("button", name="ส่งกลับแก้ไข", exact=True)).to_be_visible()
    # no reason: a clear Thai field error, nothing sent
    form.get_by_role("button", name="ส่งกลับแก้ไข", exact=True).click()
    expect(page.locator(".f-has-error").first).to_be_visible()
    page.get_by_label("สิ่งที่ต้องแก้ไข").fill("ไฟล์แนบเป็นฉบับร่าง โปรดแนบฉบับที่ลงนามแล้ว")
    no_horizontal_overflow(page)
    screenshot(page, "reapproval-publisher-send-back")
    page.locator("form.f-form").get_by_role("button", name="ส่งกลับแก้ไข", exact=True).click()
    page.wait_for_url(INBOX_URL)

    requester = open_page(*size)
    sign_in(requester, live_server, "owner1")
    requester.get_by_role("link", name=FIRST).first.click()
    callout = requester.locator(".callout-revise")
    expect(callout).to_contain_text("ไฟล์แนบเป็นฉบับร่าง โปรดแนบฉบับที่ลงนามแล้ว")
    expect(requester.locator(".instructions")).to_contain_text("ผ่านผู้พิจารณาทุกคนอีกครั้ง")
    no_horizontal_overflow(requester)
    screenshot(requester, "reapproval-requester-sent-back-by-publisher")
