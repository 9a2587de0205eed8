"""The O items a publisher confirms, and a request's data as people read it, in Chromium (desk, phone).

Screenshots: test-artifacts/screenshots/{ita-confirm-task, ita-public-after-confirm, ita-item-o-items,
request-data-memo, request-data-album, admin-data-memo}-{1280x800,390x844}.png
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import inbox

from ..scenarios import runner
from ..scenarios.paths import SCENARIOS
from .conftest import no_horizontal_overflow, screenshot, sign_in, thai_font_ok

pytestmark = pytest.mark.browser
SIZES = [(1280, 800), (390, 844)]


def scenario(path: str) -> Any:
    return next(s for s in SCENARIOS if s.id == path)


@pytest.fixture
def at_publisher(ctx: ServiceContext, clock: Any, actor: Any) -> int:
    """News of a teacher selection (category 1.3) after both directors: the publisher's turn."""
    walked = scenario("general_publication-approve")
    iid, _ = runner.walk(ctx, clock, actor, dataclasses.replace(walked, steps=walked.steps[:-1]))
    return iid


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_publisher_confirms_the_o_items_and_the_index_tells_the_truth(
    live_server: str,
    open_page: Any,
    ctx: ServiceContext,
    actor: Any,
    at_publisher: int,
    width: int,
    height: int,
) -> None:
    task_id = next(t.id for t in inbox.list_tasks(ctx, actor("publisher1")) if t.instance_id == at_publisher)
    page = open_page(width, height)
    sign_in(page, live_server, "publisher1")
    page.goto(f"{live_server}/tasks/{task_id}")
    group = page.locator("fieldset#f-ita_items")
    group.scroll_into_view_if_needed()
    ticked = [b.get_attribute("value") for b in group.locator("input[type=checkbox]:checked").all()]
    assert ticked == ["O4", "O18", "O24"]
    thai_font_ok(page)
    no_horizontal_overflow(page)
    screenshot(page, "ita-confirm-task")
    for code in ("O18", "O24"):  # news of a selection answers O4 only
        group.locator(f"input[value='{code}']").uncheck()
    page.get_by_label("ข้าพเจ้าขอรับรองว่าข้อมูลที่ได้รับ", exact=False).check()
    page.locator("button.f-btn-primary").click()
    page.wait_for_url("**/inbox")

    page.goto(f"{live_server}/public/ita/2570")
    o18 = page.locator("tr#O18")
    assert "ประกาศผลการคัดเลือกครูผู้ช่วย" not in o18.inner_text()
    assert "ประกาศผลการคัดเลือกครูผู้ช่วย" in page.locator("tr#O4").inner_text()
    assert page.locator("p.note[role=note]").count() == 1  # signed in: the internal note is shown
    no_horizontal_overflow(page)
    screenshot(page, "ita-public-after-confirm")

    page.goto(f"{live_server}/publishing/items")
    page.locator("li.task a.title", has_text="ประกาศผลการคัดเลือกครูผู้ช่วย").click()
    page.wait_for_url("**/publishing/items/*")
    form = page.locator("#ita form")
    assert [b.get_attribute("value") for b in form.locator("input:checked").all()] == ["O4"]
    form.locator("input[value='O3']").check()
    form.get_by_role("button", name="บันทึกข้อการประเมิน").click()
    page.wait_for_load_state()
    assert "O4 → O3, O4" in page.locator("li.ev-ita_changed").inner_text()
    no_horizontal_overflow(page)
    screenshot(page, "ita-item-o-items")


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_memo_and_an_album_read_as_people_write(
    live_server: str, open_page: Any, ctx: ServiceContext, clock: Any, actor: Any, width: int, height: int
) -> None:
    memo, _ = runner.walk(ctx, clock, actor, scenario("memo_publication-approve"))
    album, _ = runner.walk(ctx, clock, actor, scenario("photo_publication-approve"))
    page = open_page(width, height)
    sign_in(page, live_server, "admin1")
    for name, path in (
        ("request-data-memo", f"/requests/{memo}"),
        ("request-data-album", f"/requests/{album}"),
        ("admin-data-memo", f"/admin/instances/{memo}"),
    ):
        page.goto(f"{live_server}{path}")
        details = page.locator("dl.data").first
        text = details.inner_text()
        assert "☑" in text or name == "request-data-album" or "☐" in text
        no_horizontal_overflow(page)
        screenshot(page, name)
    page.goto(f"{live_server}/requests/{album}")
    thumbs = page.locator("dl.data .data-file img")
    assert thumbs.count() >= 2
    for thumb in thumbs.all():  # lazy images load once scrolled to
        thumb.scroll_into_view_if_needed()
        thumb.evaluate(
            "img => img.complete ? null : new Promise(done => { img.onload = img.onerror = done; })"
        )
        assert thumb.evaluate("img => img.naturalWidth > 0"), thumb.get_attribute("src")
