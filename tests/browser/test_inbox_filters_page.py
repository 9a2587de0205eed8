"""Saved inbox filters in Chromium (issue #12), at 1280×800 and 390×844: the director chooses a view and a
search, saves it under a Thai name, comes back to the whole inbox and applies it in one click, renames it,
meets a field error that keeps what they typed, deletes it. The demo office's inboxes are not empty.
And the admin list's office overview. axe-core; screenshots in test-artifacts/screenshots/inbox-*.png and
admin-overview-*.png."""

from __future__ import annotations

from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.operations import demo, demo_requests

from .conftest import no_horizontal_overflow, screenshot, sign_in
from .test_portal_a11y import axe_problems

pytestmark = pytest.mark.browser

SIZES = [pytest.param((1280, 800), id="desktop"), pytest.param((390, 844), id="phone")]


@pytest.mark.parametrize("size", SIZES)
def test_save_apply_rename_and_delete_a_filter(
    live_server: str, open_page: Any, ctx: ServiceContext, size: tuple[int, int]
) -> None:
    demo.create_demo_units(ctx)
    demo_requests.create_demo_requests(ctx)
    page = open_page(*size)
    sign_in(page, live_server, "gdir_plan")
    page.goto(f"{live_server}/inbox")
    views = page.locator(".inbox-views")
    assert "เกินกำหนด 1" in " ".join(views.inner_text().split())
    assert page.locator(".tasks .task").count() >= 1
    screenshot(page, "inbox-saved-empty")
    views.get_by_role("link", name="เกินกำหนด").click()
    page.locator(".save-filter summary").click()
    page.get_by_label("ชื่อตัวกรอง").fill("")
    page.get_by_role("button", name="บันทึก", exact=True).click()
    assert page.locator("#saved-name-error").inner_text() == "กรุณาตั้งชื่อตัวกรอง"
    assert "view=overdue" not in page.url  # a POST answered with the page itself, the view kept
    assert page.locator(".inbox-views [aria-current=page]").inner_text().startswith("เกินกำหนด")
    page.get_by_label("ชื่อตัวกรอง").fill("งานเกินกำหนดของฉัน")
    page.get_by_role("button", name="บันทึก", exact=True).click()
    assert "view=overdue" in page.url
    chip = page.locator(".saved-chips a", has_text="งานเกินกำหนดของฉัน")
    assert chip.get_attribute("aria-current") == "true"
    page.goto(f"{live_server}/inbox")
    page.locator(".saved-chips a", has_text="งานเกินกำหนดของฉัน").click()  # one click
    assert "view=overdue" in page.url and page.locator(".tasks .task.overdue").count() == 1
    page.locator(".manage-filters summary").click()
    rename = page.locator(".saved-manage input[name=name]").first
    rename.fill("เกินกำหนด")
    page.get_by_role("button", name="เปลี่ยนชื่อ").click()
    assert page.locator(".saved-chips a").all_inner_texts() == ["เกินกำหนด"]
    no_horizontal_overflow(page)
    page.locator(".manage-filters summary").click()
    screenshot(page, "inbox-saved-filters")
    assert axe_problems(page) == []
    page.get_by_role("button", name="ลบ เกินกำหนด").click()
    assert page.locator(".saved-chips").count() == 0
    assert "ลบตัวกรอง “เกินกำหนด” แล้ว" in page.locator("main").inner_text()


@pytest.mark.parametrize("size", SIZES)
def test_admins_see_the_office_at_a_glance(
    live_server: str, open_page: Any, ctx: ServiceContext, size: tuple[int, int]
) -> None:
    demo.create_demo_units(ctx)
    demo_requests.create_demo_requests(ctx)
    page = open_page(*size)
    sign_in(page, live_server, "admin1")
    page.goto(f"{live_server}/admin/instances")
    overview = page.locator(".office-overview")
    assert "มีขั้นตอนเกินกำหนด" in overview.inner_text()
    assert overview.locator(".overview-processes tbody tr").count() == 3  # 3.1, the memo chain and 3.3
    no_horizontal_overflow(page)
    # The overdue filter's label is seen beside its box (the text inputs' width used to hide it).
    overdue = page.locator("label.check", has=page.locator("input[name=overdue]"))
    label_box, box = overdue.bounding_box(), overdue.locator("input").bounding_box()
    assert label_box is not None and box is not None and label_box["width"] > box["width"] + 30
    assert overdue.get_by_text("เกินกำหนด").is_visible()
    screenshot(page, "admin-overview")
    assert axe_problems(page) == []
    overview.get_by_role("link", name="1 มีขั้นตอนเกินกำหนด").click()
    assert "overdue=1" in page.url and page.locator("table.instances tbody tr").count() == 1
