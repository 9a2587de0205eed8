"""The public verification page of an issued memo in a real Chromium, on a desktop and a phone: the
facts of the memo, a copy uploaded through the form as a person would (the original, then one with a
byte changed), nothing wider than the screen. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.records import issued_memo
from bpmnpub.services.requests import register

from ..conftest import Clock
from ..services.test_register import decide
from .conftest import no_horizontal_overflow, screenshot, sign_in, thai_font_ok

pytestmark = pytest.mark.browser

SIZES = [pytest.param((1280, 800), id="desktop"), pytest.param((390, 844), id="phone")]


@pytest.mark.parametrize("size", SIZES)
def test_a_person_checks_a_copy_of_the_memo(
    ctx: ServiceContext,
    clock: Clock,
    actor: Any,
    live_server: str,
    open_page: Any,
    size: tuple[int, int],
    tmp_path: Any,
) -> None:
    walk = decide(ctx, clock, actor)
    pdf = issued_memo.memo_download(ctx, walk.id, actor("owner1"), base_url=live_server).content
    with ctx.db.read() as session:
        entry = register.find_entry(session, walk.id)
    assert entry is not None
    original, altered = tmp_path / "memo.pdf", tmp_path / "memo-altered.pdf"
    original.write_bytes(pdf)
    changed = bytearray(pdf)
    changed[len(pdf) // 3] ^= 0x20
    altered.write_bytes(bytes(changed))

    page = open_page(*size)
    page.goto(f"{live_server}/v/{entry.code}")
    # the number never breaks between its prefix and its digits
    assert page.locator("h1").inner_text() == "บันทึกข้อความ ที่ ศธ\u00a0๐๔๐๘๘/๑"
    assert "นายบุญสม โพธิ์เงิน" in page.locator(".verify-decisions").inner_text()
    thai_font_ok(page, "h1")
    no_horizontal_overflow(page)
    screenshot(page, "verify")

    page.set_input_files("#copy", str(original))
    page.get_by_role("button", name="ตรวจสอบไฟล์").click()
    verdict = page.locator(".verdict")
    assert verdict.locator("h2").inner_text().endswith("ตรงกับต้นฉบับ ลายมือชื่ออิเล็กทรอนิกส์ถูกต้อง")
    assert "verdict-ok" in (verdict.get_attribute("class") or "")
    no_horizontal_overflow(page)
    screenshot(page, "verify-original")

    page.set_input_files("#copy", str(altered))
    page.get_by_role("button", name="ตรวจสอบไฟล์").click()
    verdict = page.locator(".verdict")
    assert verdict.locator("h2").inner_text().endswith("ไม่ตรงกับต้นฉบับ")
    assert "verdict-bad" in (verdict.get_attribute("class") or "")
    no_horizontal_overflow(page)
    screenshot(page, "verify-altered")


def test_staff_see_the_number_on_the_request_page(
    ctx: ServiceContext, clock: Clock, actor: Any, live_server: str, open_page: Any
) -> None:
    walk = decide(ctx, clock, actor)
    page = open_page(1280, 800)
    sign_in(page, live_server, "owner1")
    page.goto(f"{live_server}/requests/{walk.id}")
    number = page.locator(".document-number")
    assert number.inner_text().startswith("เลขที่หนังสือ ที่ ศธ ๐๔๐๘๘/๑")
    assert page.get_by_role("link", name="บันทึกข้อความ (PDF ลงนามแล้ว)").is_visible()
    screenshot(page, "request-with-number")
    number.get_by_role("link", name="หน้าตรวจสอบเอกสาร").click()
    page.wait_for_url("**/v/*")
    assert "ศธ" in page.locator("h1").inner_text()
