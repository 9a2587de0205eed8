"""The staff menu in Chromium: the daily work in one line on a desk, each role's areas under one
"จัดการ" menu that works by keyboard, and nothing wider than a phone. Screenshots of the menu, open,
for four roles."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.office import accounts

from .conftest import no_horizontal_overflow, screenshot, sign_in

pytestmark = pytest.mark.browser

DAILY = ["กล่องงาน", "ยื่นคำขอ", "คำขอของฉัน", "แจ้งเตือน"]
# What each person finds under จัดการ (None: no such menu).
MANAGED = {
    "admin1": [
        "รายการที่เผยแพร่",
        "ติดตาม ITA/OIT",
        "คลังกระบวนงาน",
        "หมวดหมู่และรายการ ITA",
        "ติดตามคำขอ",
        "ผู้ใช้",
        "การแต่งตั้งและบทบาท",
        "กลุ่ม/หน่วย",
        "การจำกัดการลงชื่อเข้าใช้",
        "วันปิดทำการ",
        "ตั้งค่าสำนักงาน",
    ],
    "procowner1": ["ติดตาม ITA/OIT", "คลังกระบวนงาน", "หมวดหมู่และรายการ ITA"],
    "publisher1": ["รายการที่เผยแพร่", "ติดตาม ITA/OIT"],
    "owner1": None,
}


def _one_line(page: Any) -> bool:
    header = page.locator(".site-header").bounding_box()
    return bool(header["height"] < page.locator(".brand").bounding_box()["height"] * 2.5)


def _menu_links(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("#nav-manage .nav-panel a").all_text_contents()]


@pytest.mark.parametrize("username", list(MANAGED))
def test_the_daily_work_first_and_each_roles_areas_under_one_menu(
    live_server: str, open_page: Any, username: str
) -> None:
    page = open_page(1280, 800)
    sign_in(page, live_server, username)
    daily = [text.split("\n")[0].strip() for text in page.locator(".nav-daily a").all_inner_texts()]
    assert daily == DAILY
    assert _one_line(page), "the header holds one line on a desk"
    if MANAGED[username] is None:
        assert page.locator("#nav-manage").count() == 0
        return
    assert _menu_links(page) == MANAGED[username]
    assert not page.locator("#nav-manage .nav-panel").is_visible()  # closed until asked for
    page.locator("#nav-manage summary").click()
    panel = page.locator("#nav-manage .nav-panel")
    assert panel.is_visible()
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1280
    screenshot(page, f"staff-nav-{username}")
    page.mouse.click(640, 700)  # a click elsewhere closes it
    assert not panel.is_visible()


def test_the_menu_works_by_keyboard(live_server: str, open_page: Any) -> None:
    page = open_page(1280, 800)
    sign_in(page, live_server, "admin1")
    summary = page.locator("#nav-manage summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("#nav-manage").get_attribute("open") is not None
    page.keyboard.press("Tab")  # into the menu: its first link
    assert page.evaluate("document.activeElement.textContent.trim()") == "รายการที่เผยแพร่"
    page.keyboard.press("Escape")
    assert page.locator("#nav-manage").get_attribute("open") is None
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"  # focus goes back to the button
    summary.press("Enter")
    page.get_by_role("link", name="ตั้งค่าสำนักงาน").press("Enter")
    page.wait_for_url("**/admin/office")
    assert page.locator("#nav-manage summary").get_attribute("class") == "current"
    current = page.locator("#nav-manage a[aria-current='page']")
    assert current.count() == 1 and current.get_attribute("href") == "/admin/office"


@pytest.mark.parametrize("username", ["admin1", "owner1"])
def test_on_a_phone_the_menu_opens_within_the_screen(live_server: str, open_page: Any, username: str) -> None:
    page = open_page(390, 844)
    sign_in(page, live_server, username)
    no_horizontal_overflow(page)
    menu = "#nav-manage" if username == "admin1" else "#nav-account"
    page.locator(f"{menu} summary").click()
    box = page.locator(f"{menu} .nav-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    no_horizontal_overflow(page)
    screenshot(page, f"staff-nav-{username}")


def test_acting_for_someone_is_said_in_the_header_which_still_holds_one_line(
    ctx: ServiceContext, actor: Any, live_server: str, open_page: Any
) -> None:
    today = ctx.now().date()
    accounts.add_delegation(
        ctx, actor("director1"), "publisher1", today, date(today.year + 1, 1, 1), "ลาพักร้อน"
    )
    page = open_page(1280, 800)
    sign_in(page, live_server, "publisher1")
    assert "รักษาราชการแทน" in page.locator("#nav-account summary").inner_text()
    assert _one_line(page)
