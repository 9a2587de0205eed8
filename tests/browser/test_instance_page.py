"""The admin's request page in a real Chromium: the diagram marks exactly the completed and the active
elements of a known request (CSS classes on the SVG elements), the stuck-request story end to end, and
the statistics heat overlay. Screenshots on a desktop and a phone."""

from __future__ import annotations

from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import inbox, tasks

from ..services.conftest import file_request, request_data, task_id, upload_pdf
from .conftest import no_horizontal_overflow, screenshot, sign_in, thai_font_ok

pytestmark = pytest.mark.browser

REVISE = {"decision": "revise", "comment": "แนบฉบับลงนาม"}


def _file(ctx: ServiceContext, actor: Any, requester: str, revise_rounds: int = 1) -> int:
    """A general_publication request: filed, sent back `revise_rounds` times by the group director,
    fixed each time, and now waiting for the group director again."""
    owner, gdir = actor(requester), actor("gdir_plan")
    instance_id = file_request(ctx, owner)
    data = request_data(upload_pdf(ctx, owner))
    for _ in range(revise_rounds):
        ctx.clock.advance(hours=7)  # type: ignore[attr-defined]
        tasks.complete_task(ctx, task_id(ctx, gdir, instance_id), REVISE, gdir)
        tasks.complete_task(ctx, task_id(ctx, owner, instance_id), data, owner)
    return instance_id


def _classes(page: Any, element_id: str) -> set[str]:
    return set(
        (page.get_attribute(f"#diagram .djs-element[data-element-id='{element_id}']", "class") or "").split()
    )


def _marked(page: Any, css_class: str) -> set[str]:
    return set(
        page.eval_on_selector_all(
            f"#diagram .djs-element.{css_class}", "els => els.map(e => e.dataset.elementId)"
        )
    )


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_the_diagram_marks_exactly_the_completed_and_active_elements(
    ctx: ServiceContext, actor: Any, live_server: str, open_page: Any, size: tuple[int, int]
) -> None:
    instance_id = _file(ctx, actor, "owner1", revise_rounds=2)
    page = open_page(*size)
    sign_in(page, live_server, "admin1")
    page.goto(f"{live_server}/admin/instances/{instance_id}")
    page.wait_for_selector("#diagram[data-state='ready']")
    assert _marked(page, "bp-active") == {"Task_GroupDirectorReview"}
    assert _marked(page, "bp-completed") == {
        "StartEvent_Request",
        "Task_PrepareRequest",
        "Gateway_LegalScreen",  # no personal data, no legal question: straight to the group director
        "Gateway_GroupDirectorResult",
        "Task_ReviseForGroupDirector",
    }
    assert _marked(page, "bp-failed") == set()
    assert _marked(page, "bp-taken") == {
        "Flow_Request_To_PrepareRequest",
        "Flow_PrepareRequest_To_LegalScreen",
        "Flow_LegalScreen_To_GroupDirectorReview",
        "Flow_GroupDirectorReview_To_GroupDirectorResult",
        "Flow_GroupDirectorResult_To_ReviseForGroupDirector",
        "Flow_ReviseForGroupDirector_To_LegalScreen",
    }
    assert "bp-completed" not in _classes(page, "Task_DirectorDecision")
    rounds = page.locator(".bp-overlay-rounds")
    assert rounds.count() == 2 and "3 รอบ" in " ".join(rounds.all_inner_texts())
    assert page.locator(".bjs-powered-by").count() == 1  # the bpmn.io watermark stays
    thai_font_ok(page)
    no_horizontal_overflow(page)
    screenshot(page, "admin-instance")


def test_stuck_request_story(ctx: ServiceContext, actor: Any, live_server: str, open_page: Any) -> None:
    """admin1 finds legal1's request (legal1's group has no director), sees it waiting at the group
    director's review on the diagram, and gives it to director1 with a reason; it shows in the timeline
    and in director1's inbox."""
    ctx.clock.advance(days=-10)  # type: ignore[attr-defined]
    instance_id = _file(ctx, actor, "legal1", revise_rounds=0)
    ctx.clock.advance(days=10)  # type: ignore[attr-defined]
    page = open_page(1280, 800)
    sign_in(page, live_server, "admin1")
    page.goto(f"{live_server}/admin/instances?waiting=7")
    page.locator(f"a[href='/admin/instances/{instance_id}']").click()
    page.wait_for_selector("#diagram[data-state='ready']")
    assert _marked(page, "bp-active") == {"Task_GroupDirectorReview"}
    page.select_option("select[name='user']", "director1")
    page.locator(".open-task textarea[name='reason']").fill("กลุ่มกฎหมายยังไม่มี ผอ.กลุ่ม ให้ ผอ.สพป. พิจารณา")
    page.locator(".open-task button[type='submit']").click()
    page.wait_for_selector(".flash")
    timeline = page.locator(".admin-timeline").inner_text()
    assert "มอบหมายงานใหม่" in timeline and "กลุ่มกฎหมายยังไม่มี ผอ.กลุ่ม" in timeline
    assert [t.instance_id for t in inbox.list_tasks(ctx, actor("director1"))] == [instance_id]


def test_statistics_heat_overlay(ctx: ServiceContext, actor: Any, live_server: str, open_page: Any) -> None:
    for rounds in (0, 1, 2):
        _file(ctx, actor, "owner1", revise_rounds=rounds)
    page = open_page(1280, 800)
    sign_in(page, live_server, "admin1")
    page.goto(f"{live_server}/admin/instances/stats/general_publication")
    page.wait_for_selector("#diagram[data-state='ready']")
    heated = page.eval_on_selector_all(
        "#diagram .djs-element[class*='bp-heat-']", "els => els.map(e => e.dataset.elementId)"
    )
    assert {"Task_PrepareRequest", "Task_GroupDirectorReview", "StartEvent_Request"} <= set(heated)
    assert "Task_CheckAndPublish" not in heated  # never reached: no colour
    assert page.locator(".bp-overlay").count() >= 4
    screenshot(page, "admin-statistics")
