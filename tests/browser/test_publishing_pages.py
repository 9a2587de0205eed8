"""A publisher withdraws an item and puts it back, in Chromium, on a desk and on a phone."""

from __future__ import annotations

from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext

from ..scenarios import runner
from ..scenarios.paths import SCENARIOS
from .conftest import no_horizontal_overflow, screenshot, sign_in, thai_font_ok

pytestmark = pytest.mark.browser


@pytest.fixture
def portal(ctx: ServiceContext, clock: Any, actor: Any) -> None:
    """A document and an album on the portal, published through their procedures."""
    for path in ("general_publication-approve", "photo_publication-approve"):
        runner.walk(ctx, clock, actor, next(s for s in SCENARIOS if s.id == path))


@pytest.mark.usefixtures("portal")
@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_withdraw_and_republish(live_server: str, open_page: Any, width: int, height: int) -> None:
    page = open_page(width, height)
    sign_in(page, live_server, "pr1")
    page.locator(".site-nav summary", has_text="จัดการ").click()
    page.get_by_role("link", name="รายการที่เผยแพร่").click()
    page.wait_for_url("**/publishing/items")
    thai_font_ok(page)
    no_horizontal_overflow(page)
    screenshot(page, "publishing-items")
    document = page.locator("li.task", has_text="ประกาศผลการคัดเลือกครูผู้ช่วย")
    document.locator("summary", has_text="ถอนออกจากเว็บไซต์").click()
    document.get_by_label("เหตุผลที่ถอนออก").fill("ไฟล์แนบผิดฉบับ")
    document.get_by_role("button", name="ยืนยันถอนออก").click()
    page.wait_for_load_state()
    assert "ถอนรายการออกจากเว็บไซต์แล้ว" in page.locator(".flash").inner_text()
    document = page.locator("li.task", has_text="ประกาศผลการคัดเลือกครูผู้ช่วย")
    assert "ถอนออกแล้ว" in document.inner_text()
    no_horizontal_overflow(page)
    screenshot(page, "publishing-items-withdrawn")
    document.get_by_role("link", name="ประวัติการเปลี่ยนแปลง").click()
    page.wait_for_url("**/publishing/items/*")
    assert "ไฟล์แนบผิดฉบับ" in page.locator("main").inner_text()
    no_horizontal_overflow(page)
    screenshot(page, "publishing-item-withdrawn")
    page.get_by_role("button", name="นำกลับขึ้นเว็บไซต์").click()
    page.wait_for_load_state()
    assert "เผยแพร่อยู่" in page.locator("h2#item-status-title").inner_text()
    public = page.locator("dd a[href^='/public/items/']").get_attribute("href")
    assert page.request.get(f"{live_server}{public}").status == 200
    page.goto(f"{live_server}/publishing/items?q=ภาพกิจกรรม")
    page.locator("li.task a.title").first.click()
    page.wait_for_url("**/publishing/items/*")
    assert "การตรวจสอบข้อมูลส่วนบุคคล (PDPA)" in page.locator("main").inner_text()
    no_horizontal_overflow(page)
    screenshot(page, "publishing-item-album")
