"""The six-monthly report as the director reads it, in a real Chromium on a desktop and a phone: the
period, the tables, the charts and each group's words, nothing wider than the screen. Screenshots go
to test-artifacts/screenshots/ for a person to look at."""

from __future__ import annotations

from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import instances, tasks

from ..conftest import Clock
from ..services.test_semiannual import APRIL_1, GROUP_ANSWERS, _a_half_year, _steps
from .conftest import no_horizontal_overflow, screenshot, sign_in, thai_font_ok

pytestmark = pytest.mark.browser

SIZES = [pytest.param((1280, 800), id="desktop"), pytest.param((390, 844), id="phone")]


@pytest.fixture
def report(ctx: ServiceContext, clock: Clock, actor: Any) -> int:
    """A half year of publishing and its report, every group reported, hr stating another figure."""
    _a_half_year(ctx, clock, actor)
    clock.current = APRIL_1
    iid = instances.start_instance(ctx, "semiannual_report", None, actor("publisher1")).id
    stated = {"corrected_items_published": 3, "correction_reason": "เผยแพร่ทางเพจของกลุ่ม 2 รายการ"}
    for user, extra in (("gdir_plan", {}), ("gdir_hr", stated), ("deputy1", {})):
        [step] = _steps(ctx, actor(user), iid)
        tasks.complete_task(ctx, step.id, {**GROUP_ANSWERS, **extra}, actor(user))
    return iid


@pytest.mark.parametrize("size", SIZES)
def test_the_director_reads_the_report(
    live_server: str, open_page: Any, report: int, size: tuple[int, int]
) -> None:
    page = open_page(*size)
    sign_in(page, live_server, "director1")
    page.goto(f"{live_server}/requests/{report}")
    section = page.locator("section.semiannual")
    assert "ครึ่งปีแรก ปีงบประมาณ พ.ศ. 2570 (1 ต.ค. 2569 – 31 มี.ค. 2570)" in section.inner_text()
    assert page.locator(".bar-chart svg rect").count() >= 9  # bars of every chart drawn
    assert "ตามที่กลุ่มรายงาน 3 รายการ" in page.locator(".stated-figure").inner_text()
    assert page.locator(".report-table").first.is_visible()
    no_horizontal_overflow(page)
    thai_font_ok(page, "#report-title")
    screenshot(page, "semiannual-report")
