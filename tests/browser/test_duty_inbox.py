"""The inbox with recurring duties in a real Chromium, on a desktop and a phone: the duties stand apart
from tasks, their start buttons fit the screen, nothing is wider than it. Screenshots go to
test-artifacts/screenshots/ for a person to look at."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.procedures import duties, duty_topics

from ..services.conftest import file_request
from .conftest import no_horizontal_overflow, screenshot, sign_in, thai_font_ok

pytestmark = pytest.mark.browser

SIZES = [pytest.param((1280, 800), id="desktop"), pytest.param((390, 844), id="phone")]
TOPICS = (  # title, category, frequency
    ("รายงานผลการใช้จ่ายงบประมาณรายไตรมาส", "1.6", "quarterly"),
    ("ข่าวประชาสัมพันธ์กิจกรรมของกลุ่มประจำเดือน", "1.3", "monthly"),
    ("แผนปฏิบัติการประจำปี", "1.6", "yearly"),
)


@pytest.mark.parametrize("size", SIZES)
def test_the_inbox_shows_duties_apart_from_tasks(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any, size: tuple[int, int]
) -> None:
    for title, category, frequency in TOPICS:
        values = duty_topics.TopicInput(
            title=title,
            category=category,
            group_code="plan",
            frequency=frequency,
            starts_on=date(2026, 10, 1),
        )
        duty_topics.save_topic(ctx, actor("admin1"), None, values)
    duties.run_pass(ctx)
    file_request(ctx, actor("owner1"))  # a task in gdir_plan's inbox beside the duties
    page = open_page(*size)
    sign_in(page, live_server, "gdir_plan")
    section = page.locator("section.duties")
    section.wait_for()
    assert section.locator("li.duty").count() == 3
    assert page.locator("li.duty.overdue").count() >= 1
    assert page.locator("ul.tasks li.task:not(.duty)").count() == 1
    thai_font_ok(page, "#duties-heading")
    no_horizontal_overflow(page)
    screenshot(page, "inbox-duties")
