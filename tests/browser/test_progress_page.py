"""The requester's progress view on the request page, in Chromium: the steps done, the current step and who
holds it, the steps to come; the diagram with each lane named by its Thai role (no role codes), the
current step marked, drawn at a readable size (on a phone it scrolls sideways, opened on the current
step). axe-core; screenshots at both sizes in test-artifacts/screenshots/progress-*.png."""

from __future__ import annotations

from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import tasks

from ..services.conftest import file_request, task_id
from .conftest import no_horizontal_overflow, screenshot, sign_in, wait_until
from .test_portal_a11y import axe_problems

pytestmark = pytest.mark.browser

SIZES = [pytest.param((1280, 800), id="desktop"), pytest.param((390, 844), id="phone")]


@pytest.mark.parametrize("size", SIZES)
def test_the_requester_sees_where_the_request_is_and_what_comes_next(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any, size: tuple[int, int]
) -> None:
    owner, gdir = actor("owner1"), actor("gdir_plan")
    filed = file_request(ctx, owner)
    tasks.complete_task(ctx, task_id(ctx, gdir, filed), {"decision": "approve"}, gdir)
    page = open_page(*size)
    sign_in(page, live_server, "owner1")
    page.goto(f"{live_server}/requests/{filed}")
    progress = page.locator("section.progress")
    assert "ขณะนี้อยู่ที่" in progress.locator(".progress-holder").inner_text()
    steps = progress.locator(".progress-steps li")
    assert [steps.nth(i).get_attribute("class") for i in range(steps.count())] == [
        "step-done",
        "step-done",
        "step-now-item",
        "step-ahead",
    ]
    assert "ผอ.สพป. พิจารณา อนุญาต" in progress.locator("[aria-current=step]").inner_text()
    assert "อนุมัติ" in steps.nth(1).inner_text()
    assert "ตรวจสอบ และรับรองข้อมูล ก่อนเผยแพร่" in steps.nth(3).inner_text()
    wait_until(page, "document.getElementById('progress-diagram').dataset.state === 'ready'")
    lanes = "#progress-diagram .djs-element[data-element-id^=Lane] text"
    labels = page.evaluate(
        f"() => Array.from(document.querySelectorAll('{lanes}')).map(t => t.textContent).join('|')"
    )
    assert "ผู้อำนวยการ สพป." in labels and "ผู้อำนวยการกลุ่ม/หน่วย" in labels
    assert "group_director" not in labels and "publisher" not in labels
    active = page.locator("#progress-diagram .bp-active")
    assert active.count() == 1 and active.get_attribute("data-element-id") == "Task_DirectorDecision"
    # legible: the diagram is drawn at 0.8 or more, and the current step is in view of the scroller
    scale = page.evaluate(
        "() => { const g = document.querySelector('#progress-diagram .viewport');"
        " return g ? g.transform.baseVal.consolidate().matrix.a : 0; }"
    )
    assert scale >= 0.79, scale
    box = active.bounding_box()
    scroller = page.locator("#progress-scroll").bounding_box()
    assert box is not None and scroller is not None
    assert scroller["x"] <= box["x"] and box["x"] + box["width"] <= scroller["x"] + scroller["width"] + 1
    # when the drawing scrolls sideways (a phone; this one on a desk too) each lane's Thai name stays at
    # the left edge, at its lane
    sticky = page.locator("#progress-scroll .lane-label")
    scrolls = page.evaluate(
        "() => { const s = document.getElementById('progress-scroll');"
        " return s.scrollWidth > s.clientWidth + 1; }"
    )
    assert scrolls or size[0] > 600
    if scrolls:
        assert (
            "ผู้อำนวยการ สพป." in sticky.all_inner_texts() and "group_director" not in sticky.all_inner_texts()
        )
        page.evaluate(
            "() => { const s = document.getElementById('progress-scroll'); s.scrollLeft = s.scrollWidth; }"
        )
        page.wait_for_timeout(100)
        left = page.locator("#progress-scroll").bounding_box()
        for i in range(sticky.count()):
            label = sticky.nth(i).bounding_box()
            assert left is not None and label is not None
            assert abs(label["x"] - left["x"]) <= 2, (i, label, left)  # still in view after scrolling
        screenshot(page, "progress-request-scrolled")
        assert sticky.count() == page.locator("#progress-diagram .djs-element[data-element-id^=Lane]").count()
        page.evaluate("() => { document.getElementById('progress-scroll').scrollLeft = 0; }")
    else:
        assert sticky.count() == 0  # the whole drawing fits: its own lane names are in view
    no_horizontal_overflow(page)
    screenshot(page, "progress-request")
    assert axe_problems(page) == []
