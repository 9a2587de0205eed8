"""Drafts in Chromium (docs/drafts.md): "เริ่ม" opens a draft nobody else sees; the form autosaves and says
when; the page restores it; "บันทึกร่าง" saves without sending; a draft is listed and deleted in
"คำขอของฉัน"; a stale tab's autosave says the step is done. axe-core on each page; screenshots at both
sizes in test-artifacts/screenshots/drafts-*.png."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import instances, tasks

from ..services.conftest import request_data, upload_pdf
from .conftest import no_horizontal_overflow, screenshot, sign_in, wait_until
from .test_portal_a11y import axe_problems

pytestmark = pytest.mark.browser

SIZES = [pytest.param((1280, 800), id="desktop"), pytest.param((390, 844), id="phone")]
TITLE = "ประกาศรับสมัครลูกจ้างชั่วคราว ตำแหน่งเจ้าหน้าที่ธุรการ"
STATUS = "[data-draft-status]"


def _start(page: Any, base: str) -> int:
    page.goto(f"{base}/requests/new")
    page.locator("form[action$='/requests/new/general_publication'] button").click()
    page.wait_for_url(re.compile(r"/tasks/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


@pytest.mark.parametrize("size", SIZES)
def test_a_draft_autosaves_comes_back_and_is_deleted(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any, size: tuple[int, int]
) -> None:
    owner = actor("owner1")
    page = open_page(*size)
    sign_in(page, live_server, "owner1")
    task = _start(page, live_server)
    assert page.locator(".callout-draft").is_visible()
    page.get_by_label("ชื่อเรื่องที่ขอเผยแพร่").fill(TITLE)
    page.get_by_label("รายละเอียด / เนื้อหาโดยย่อ").fill("ร่างรายละเอียดที่ยังไม่ได้ส่ง")
    wait_until(page, f"document.querySelector('{STATUS}').innerText.startsWith('บันทึกร่างแล้ว เวลา')")
    screenshot(page, "drafts-task-saved")
    page.reload()
    assert page.get_by_label("ชื่อเรื่องที่ขอเผยแพร่").input_value() == TITLE
    assert page.get_by_label("รายละเอียด / เนื้อหาโดยย่อ").input_value() == "ร่างรายละเอียดที่ยังไม่ได้ส่ง"
    assert page.locator(STATUS).inner_text().startswith("แสดงร่างที่บันทึกไว้เมื่อ")
    assert page.get_by_role("button", name="บันทึกร่าง").is_visible()
    no_horizontal_overflow(page)
    assert axe_problems(page) == []
    # nobody else: the director's inbox and the request page
    instance_id = tasks.get_task(ctx, task, owner).instance_id
    other = open_page(*size)
    sign_in(other, live_server, "director1")
    assert other.goto(f"{live_server}/requests/{instance_id}").status == 404
    # listed as a draft in "คำขอของฉัน" and the inbox
    page.goto(f"{live_server}/inbox")
    assert page.locator(".task .tag-draft").count() == 1
    assert axe_problems(page) == []
    page.goto(f"{live_server}/requests")
    draft = page.locator(f"#draft-{instance_id}")
    assert draft.locator(".tag-draft").is_visible()
    no_horizontal_overflow(page)
    screenshot(page, "drafts-my-requests")
    assert axe_problems(page) == []
    draft.locator("summary", has_text="ลบร่าง").click()
    screenshot(page, "drafts-my-requests-delete")
    draft.get_by_role("button", name="ยืนยันลบร่าง").click()
    page.wait_for_load_state("load")
    assert "ลบร่างคำขอแล้ว" in page.locator(".flash").first.inner_text()
    assert page.locator(f"#draft-{instance_id}").count() == 0
    assert instances.list_my_requests(ctx, owner) == []


def test_the_button_saves_and_a_stale_tab_is_told(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any
) -> None:
    owner = actor("owner1")
    page = open_page(390, 844)
    sign_in(page, live_server, "owner1")
    task = _start(page, live_server)
    page.get_by_label("ชื่อเรื่องที่ขอเผยแพร่").fill(TITLE)
    page.get_by_role("button", name="บันทึกร่าง").click()
    page.wait_for_url(re.compile(rf"/tasks/{task}$"))
    assert "ยังไม่ได้ส่ง" in page.locator(".flash").first.inner_text()
    assert page.get_by_label("ชื่อเรื่องที่ขอเผยแพร่").input_value() == TITLE
    assert tasks.get_task(ctx, task, owner).status == "ready"
    # sent from elsewhere (another tab, the API): this tab's autosave is now stale
    tasks.complete_task(ctx, task, request_data(upload_pdf(ctx, owner)), owner)
    page.get_by_label("รายละเอียด / เนื้อหาโดยย่อ").fill("พิมพ์ต่อในแท็บเก่า")
    wait_until(page, f"document.querySelector('{STATUS}').innerText.includes('ไม่ได้บันทึกร่าง')")
    assert "งานนี้ดำเนินการเสร็จแล้ว" in page.locator(STATUS).inner_text()
    screenshot(page, "drafts-stale")
