"""axe-core on the staff pages people use every day (as on the public ones, test_portal_a11y.py): the
inbox, a task page, a request page, "คำขอของฉัน" and the notifications, at 1280x800 and 390x844, with
real content on each (a filed request reviewed once, a draft, a notification). No serious or critical
violation; nothing scrolls sideways. Screenshots in test-artifacts/screenshots/staff-a11y-*.png."""

from __future__ import annotations

from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import instances, tasks

from ..services.conftest import file_request, task_id
from .conftest import no_horizontal_overflow, screenshot, sign_in
from .test_portal_a11y import axe_problems

pytestmark = pytest.mark.browser

SIZES = [pytest.param((1280, 800), id="desktop"), pytest.param((390, 844), id="phone")]


@pytest.mark.parametrize("size", SIZES)
def test_staff_pages_have_no_serious_accessibility_problem(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any, size: tuple[int, int]
) -> None:
    owner, gdir = actor("owner1"), actor("gdir_plan")
    sent_back = file_request(ctx, owner)
    tasks.complete_task(
        ctx, task_id(ctx, gdir, sent_back), {"decision": "revise", "comment": "แนบฉบับลงนาม"}, gdir
    )
    waiting = file_request(ctx, owner)
    instances.start_instance(ctx, "general_publication", None, owner)  # a draft in the lists
    pages = {
        "inbox": "/inbox",
        "task": f"/tasks/{task_id(ctx, owner, sent_back)}",
        "request": f"/requests/{waiting}",
        "my-requests": "/requests",
        "notifications": "/notifications",
    }
    page = open_page(*size)
    sign_in(page, live_server, "owner1")
    problems: dict[str, list[str]] = {}
    for name, path in pages.items():
        response = page.goto(f"{live_server}{path}")
        assert response is not None and response.status == 200, (name, path)
        page.wait_for_load_state("load")
        assert page.locator("h1").count() == 1, name
        no_horizontal_overflow(page)
        screenshot(page, f"staff-a11y-{name}")
        found = axe_problems(page)
        if found:
            problems[name] = found
    assert not problems, problems
