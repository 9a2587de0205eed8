"""The Buddhist-era date picker (static/datepicker.js) in Chromium: Thai month names and พ.ศ. years, every
move by keyboard (arrows, PageUp/PageDown, Home/End, Enter, Escape) with focus returned, a day chosen by
a tap, typed วว/ดด/ปปปป still read, and the value that reaches the request is the C.E. date. axe-core with
the calendar open; screenshots at both sizes in test-artifacts/screenshots/datepicker-*.png."""

from __future__ import annotations

from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.pages import request_page
from bpmnpub.services.requests import instances, tasks

from ..services.conftest import task_id
from .conftest import no_horizontal_overflow, screenshot, sign_in
from .test_portal_a11y import axe_problems

pytestmark = pytest.mark.browser

SIZES = [pytest.param((1280, 800), id="desktop"), pytest.param((390, 844), id="phone")]
DATE = "กำหนดเผยแพร่ภายในวันที่"


def _focused_label(page: Any) -> str:
    return str(
        page.evaluate("() => document.activeElement.getAttribute('aria-label') || document.activeElement.id")
    )


@pytest.mark.parametrize("size", SIZES)
def test_choose_a_buddhist_era_date_by_keyboard_and_by_tap(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any, size: tuple[int, int]
) -> None:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "regulatory_publication", None, owner)
    task = task_id(ctx, owner, started.id)
    page = open_page(*size)
    sign_in(page, live_server, "owner1")
    page.goto(f"{live_server}/tasks/{task}")
    box = page.get_by_role("textbox", name=DATE)
    box.fill("5/3/2570")  # typed as people do; tidied on leaving the box
    box.press("Tab")
    assert box.input_value() == "05/03/2570"
    opener = page.get_by_role("button", name="เลือกวันที่จากปฏิทิน")
    assert page.evaluate("() => document.activeElement.classList.contains('f-picker-open')")
    page.keyboard.press("Enter")  # the button is next in the tab order: open it by keyboard
    dialog = page.get_by_role("dialog", name="เลือกวันที่")
    assert dialog.is_visible() and opener.get_attribute("aria-expanded") == "true"
    assert _focused_label(page) == "5 มีนาคม 2570"
    assert dialog.locator(".f-picker-month option:checked").inner_text() == "มีนาคม"
    assert dialog.locator(".f-picker-year option:checked").inner_text() == "2570"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    assert _focused_label(page) == "13 มีนาคม 2570"
    page.keyboard.press("PageDown")
    assert _focused_label(page) == "13 เมษายน 2570"
    page.keyboard.press("Shift+PageUp")
    assert _focused_label(page) == "13 เมษายน 2569"
    page.keyboard.press("Home")
    assert _focused_label(page) == "12 เมษายน 2569"  # the week starts on Sunday
    page.keyboard.press("End")
    assert _focused_label(page) == "18 เมษายน 2569"
    no_horizontal_overflow(page)
    screenshot(page, "datepicker-open")
    assert axe_problems(page) == []
    page.keyboard.press("Enter")
    assert box.input_value() == "18/04/2569" and not dialog.is_visible()
    assert page.evaluate("() => document.activeElement.name") == "target_date"
    # Escape closes without choosing, focus back on the button
    opener.click()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Escape")
    assert not dialog.is_visible() and box.input_value() == "18/04/2569"
    assert page.evaluate("() => document.activeElement.classList.contains('f-picker-open')")
    # by tap: the month and year selects, then a day
    opener.click()
    dialog.locator(".f-picker-year").select_option("2570")
    dialog.locator(".f-picker-month").select_option(label="ธันวาคม")
    dialog.get_by_role("button", name="31 ธันวาคม 2570").click()
    assert box.input_value() == "31/12/2570"
    # the request keeps the date as a date (C.E. ISO), whatever the page showed
    page.get_by_label("ชื่อเรื่องที่จะเผยแพร่").fill("แผนปฏิบัติการประจำปี")
    page.get_by_label("หมวดหมู่ข้อมูล").select_option("1.9")
    page.get_by_role("textbox", name="วัตถุประสงค์ในการเผยแพร่", exact=True).fill("เปิดเผยตามกฎหมาย")
    page.get_by_role("button", name="ส่ง", exact=True).click()
    page.wait_for_load_state("load")
    assert tasks.get_task(ctx, task, owner).status == "completed"
    assert request_page.get_request_page(ctx, started.id, owner).context["target_date"] == "2027-12-31"
