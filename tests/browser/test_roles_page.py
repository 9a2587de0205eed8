"""The admin roles page in Chromium at a desk and on a phone: who holds which role under which order,
Buddhist-era dates, ending one early with a reason (a missing reason comes back at its field); and the
appointment step's form with its choices of people and roles. Screenshots of both."""

from __future__ import annotations

from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext

from ..services.appointment_walk import appoint, programme_at_appointment
from .conftest import no_horizontal_overflow, screenshot, sign_in, thai_font_ok

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_the_roles_page_at_a_desk_and_on_a_phone(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any, width: int, height: int
) -> None:
    appoint(
        ctx,
        actor,
        {"user": "owner2", "role": "publisher", "duty": "เผยแพร่ข้อมูลของกลุ่ม"},
        {"user": "legal1", "role": "legal_officer", "duty": "ให้ความเห็นทางกฎหมาย"},
    )
    page = open_page(width, height)
    sign_in(page, live_server, "admin1")
    page.goto(f"{live_server}/admin/roles")
    thai_font_ok(page)
    current = page.locator("#current-roles tr.assignment", has_text="นายสมชาย รักงาน")
    assert "คำสั่งที่ 103/2569" in current.inner_text() and "30 พ.ย. 2569" in current.inner_text()
    no_horizontal_overflow(page)
    # The demo's legal officer's undated assignment ended where the order's began: listed as ended.
    assert "แทนที่ด้วยคำสั่งที่ 103/2569" in page.locator("#past-roles").inner_text()
    current.locator("summary").click()
    current.locator("button[type=submit]").click()
    page.wait_for_selector(".field-error")
    assert "กรุณาระบุเหตุผล" in page.locator(".field-error").inner_text()
    no_horizontal_overflow(page)
    screenshot(page, "admin-roles")
    row = page.locator("#current-roles tr.assignment", has_text="นายสมชาย รักงาน")
    assert row.locator("details[open]").count() == 1  # the refused form stays open, at its field
    row.locator("input[name=reason]").fill("ย้ายไปปฏิบัติราชการที่อื่น")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("#past-roles tr.assignment:has-text('ย้ายไปปฏิบัติราชการที่อื่น')")
    no_horizontal_overflow(page)
    screenshot(page, "admin-roles-ended")


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_the_appointment_form_picks_people_and_roles(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any, width: int, height: int
) -> None:
    _, step = programme_at_appointment(ctx, actor)
    page = open_page(width, height)
    sign_in(page, live_server, "director1")
    # The server's first look at this version parses its diagram (seconds on a loaded machine).
    page.goto(f"{live_server}/tasks/{step}", timeout=30_000)
    page.locator("#f-appointees-0-user").select_option("owner2")
    page.locator("#f-appointees-0-role").select_option("publisher")
    no_horizontal_overflow(page)
    screenshot(page, "appointment-form")
