"""The staff pages a person uses all day, in Chromium (issue 12): a comment that never touches the task
form, the send-back reason on top and the decision bar on a phone, the next task opened after a submit,
the inbox's views / sorting / search, handing a task to a colleague, upload limits checked before sending
and a character counter. axe-core on the inbox and the task page; screenshots at both sizes in
test-artifacts/screenshots/staff-*.png."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import holding, instances, tasks

from ..services.conftest import file_request, task_id
from .conftest import no_horizontal_overflow, screenshot, sign_in, wait_until
from .test_portal_a11y import axe_problems

pytestmark = pytest.mark.browser

SIZES = [pytest.param((1280, 800), id="desktop"), pytest.param((390, 844), id="phone")]
APPROVE = {"decision": "approve"}
REASON = "โปรดแนบประกาศฉบับที่ลงนามแล้ว และระบุวันปิดรับสมัครให้ชัดเจน"
TITLE = "ประกาศรับสมัครครูผู้ช่วย กรณีที่มีเหตุพิเศษ ปีงบประมาณ 2570"


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def at_publisher(ctx: ServiceContext, actor: Any) -> int:
    owner, gdir, director = actor("owner1"), actor("gdir_plan"), actor("director1")
    instance_id = file_request(ctx, owner)
    tasks.complete_task(ctx, task_id(ctx, gdir, instance_id), APPROVE, gdir)
    tasks.complete_task(ctx, task_id(ctx, director, instance_id), APPROVE, director)
    return instance_id


def flash(page: Any) -> str:
    return str(page.locator(".flash").first.inner_text())


@pytest.mark.parametrize("size", SIZES)
def test_a_comment_never_touches_the_task_form(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    task = task_id(ctx, owner, started.id)
    page = open_page(*size)
    sign_in(page, live_server, "owner1")
    page.goto(f"{live_server}/tasks/{task}")
    pdf = tmp_path / "ร่างประกาศ.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.get_by_label("ชื่อเรื่องที่ขอเผยแพร่").fill(TITLE)
    page.get_by_label("รายละเอียด / เนื้อหาโดยย่อ").fill("ร่างที่ยังไม่ได้ส่ง")
    page.locator("input[type=file][name=attachments]").set_input_files(str(pdf))
    page.evaluate("() => { window.stillHere = true; }")  # gone if the page reloads
    page.get_by_label("เพิ่มความเห็น").fill("ต้องแนบฉบับลงนามด้วยไหมคะ")
    page.get_by_role("button", name="ส่งความเห็น").click()
    wait_until(page, "document.querySelector('[data-comments]').innerText.includes('ต้องแนบฉบับลงนามด้วยไหมคะ')")
    assert page.evaluate("() => window.stillHere === true")
    assert page.get_by_label("ชื่อเรื่องที่ขอเผยแพร่").input_value() == TITLE
    assert page.get_by_label("รายละเอียด / เนื้อหาโดยย่อ").input_value() == "ร่างที่ยังไม่ได้ส่ง"
    assert page.evaluate("() => document.querySelector('input[name=attachments]').files.length") == 1
    assert page.get_by_label("เพิ่มความเห็น").input_value() == ""
    assert "ส่งความเห็นแล้ว" in page.locator("[data-comment-status]").inner_text()
    assert [c.body for c in _comments(ctx, started.id, owner)] == ["ต้องแนบฉบับลงนามด้วยไหมคะ"]
    no_horizontal_overflow(page)
    screenshot(page, "staff-task-comment")


def _comments(ctx: ServiceContext, instance_id: int, who: Any) -> list[Any]:
    from bpmnpub.services.requests import comments

    return comments.list_comments(ctx, instance_id, who)


def test_without_javascript_the_comment_keeps_the_form(
    live_server: str, browser: Any, ctx: ServiceContext, actor: Any
) -> None:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    task = task_id(ctx, owner, started.id)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        sign_in(page, live_server, "owner1")
        page.goto(f"{live_server}/tasks/{task}")
        page.get_by_label("ชื่อเรื่องที่ขอเผยแพร่").fill(TITLE)
        page.get_by_label("เพิ่มความเห็น").fill("ความเห็นโดยไม่มีสคริปต์")
        page.get_by_role("button", name="ส่งความเห็น").click()
        page.wait_for_load_state()
        assert "ความเห็นโดยไม่มีสคริปต์" in page.locator("#comments").inner_text()
        assert page.get_by_label("ชื่อเรื่องที่ขอเผยแพร่").input_value() == TITLE
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_send_back_reason_on_top_and_the_decision_bar_on_a_phone(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any, size: tuple[int, int]
) -> None:
    owner, gdir = actor("owner1"), actor("gdir_plan")
    sent_back = file_request(ctx, owner)
    tasks.complete_task(ctx, task_id(ctx, gdir, sent_back), {"decision": "revise", "comment": REASON}, gdir)
    to_review = file_request(ctx, owner)

    page = open_page(*size)
    sign_in(page, live_server, "owner1")
    page.goto(f"{live_server}/tasks/{task_id(ctx, owner, sent_back)}")
    callout = page.locator(".callout")
    expect(callout).to_contain_text(REASON)
    expect(callout).to_contain_text("นางวันเพ็ญ แสงทอง")
    assert callout.bounding_box()["y"] < page.locator("#task-form").bounding_box()["y"]
    assert callout.bounding_box()["y"] < size[1]  # seen without scrolling
    no_horizontal_overflow(page)
    screenshot(page, "staff-task-sent-back")
    assert not axe_problems(page)

    reviewer = open_page(*size)
    sign_in(reviewer, live_server, "gdir_plan")
    reviewer.goto(f"{live_server}/tasks/{task_id(ctx, gdir, to_review)}")
    details = reviewer.locator("section[aria-labelledby=request-title]").bounding_box()
    approve = reviewer.locator("#task-form").get_by_role("button", name="อนุมัติ", exact=True)
    box = approve.bounding_box()
    assert box["y"] + box["height"] <= size[1]  # the decision is reachable where the page opens
    if size[0] < 800:
        assert details["y"] < reviewer.locator("#form-title").bounding_box()["y"]  # the request first
        reviewer.mouse.wheel(0, 2000)
        wait_until(reviewer, "window.scrollY > 0")
        box = approve.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= size[1]  # still there after scrolling
    no_horizontal_overflow(reviewer)
    screenshot(reviewer, "staff-task-review")
    assert not axe_problems(reviewer)


def test_the_next_task_opens_when_it_is_yours_otherwise_you_learn_who_has_it(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any
) -> None:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "regulatory_publication", None, owner)
    page = open_page()
    sign_in(page, live_server, "owner1")
    page.goto(f"{live_server}/tasks/{task_id(ctx, owner, started.id)}")
    page.get_by_label("ชื่อเรื่องที่จะเผยแพร่").fill("ผลการจัดซื้อจัดจ้าง ประจำเดือนตุลาคม 2569")
    page.get_by_label("หมวดหมู่ข้อมูล").select_option("1.9")
    page.locator("#f-objective").fill("เปิดเผยผลการจัดซื้อจัดจ้างตามกฎหมาย")
    page.get_by_label("กลุ่มเป้าหมาย").fill("ประชาชนทั่วไป")
    page.get_by_label("กำหนดเผยแพร่ภายในวันที่").fill("30/11/2569")
    page.locator("#task-form").get_by_role("button", name="ส่ง", exact=True).click()
    page.wait_for_url(re.compile(r"/tasks/\d+$"))
    assert "ขั้นตอนถัดไปเป็นของคุณ" in flash(page)
    expect(page.locator(".step-now")).to_contain_text("จัดหาข้อมูล")

    filed = file_request(ctx, owner)
    gdir = open_page()
    sign_in(gdir, live_server, "gdir_plan")
    gdir.goto(f"{live_server}/tasks/{task_id(ctx, actor('gdir_plan'), filed)}")
    gdir.locator("#task-form").get_by_role("button", name="อนุมัติ", exact=True).click()
    gdir.wait_for_url(re.compile(r"/inbox"))
    assert "ขณะนี้คำขออยู่ที่ ผู้อำนวยการ สพป." in flash(gdir)


@pytest.mark.parametrize("size", SIZES)
def test_inbox_views_sorting_and_search(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any, size: tuple[int, int]
) -> None:
    publisher = actor("publisher1")
    first, second = at_publisher(ctx, actor), at_publisher(ctx, actor)
    holding.claim_task(ctx, task_id(ctx, publisher, first), publisher)
    page = open_page(*size)
    sign_in(page, live_server, "publisher1")
    assert page.locator(".tasks li.task").count() == 2
    page.locator(".inbox-views").get_by_role("link", name="งานของฉัน").click()
    page.wait_for_url(re.compile(r"view=mine"))
    expect(page.locator(".tasks li.task")).to_have_count(1)
    expect(page.locator(".tasks")).to_contain_text(f"#{first}")
    page.locator(".inbox-views").get_by_role("link", name="ยังไม่มีผู้รับงาน").click()
    page.wait_for_url(re.compile(r"view=unassigned"))
    expect(page.locator(".tasks")).to_contain_text(f"#{second}")
    page.locator(".inbox-views").get_by_role("link", name="ทั้งหมด").click()
    page.get_by_label("เรียงตาม").select_option("created")
    page.get_by_role("button", name="กรอง").click()
    page.wait_for_url(re.compile(r"sort=created"))
    numbers = page.locator(".tasks .number").all_inner_texts()
    assert numbers == [f"#{second}", f"#{first}"]  # newest first
    page.get_by_label("ค้นหาจากชื่อเรื่อง ผู้ขอ หรือเลขที่คำขอ").fill("สมใจ")  # the requester's name
    page.get_by_role("button", name="กรอง").click()
    page.wait_for_url(re.compile(r"q="))
    expect(page.locator(".tasks li.task")).to_have_count(2)
    page.get_by_label("ค้นหาจากชื่อเรื่อง ผู้ขอ หรือเลขที่คำขอ").fill(str(second))
    page.get_by_role("button", name="กรอง").click()
    expect(page.locator(".tasks li.task")).to_have_count(1)
    page.goto(f"{live_server}/inbox")
    no_horizontal_overflow(page)
    screenshot(page, "staff-inbox")
    assert not axe_problems(page)

    other = open_page(*size)
    sign_in(other, live_server, "pr1")
    other.locator(".inbox-views").get_by_role("link", name="ผู้อื่นรับไปแล้ว").click()
    expect(other.locator(".tasks")).to_contain_text("รับงานโดย นางสาวกานดา เผยแพร่")
    screenshot(other, "staff-inbox-others")


def test_hand_a_task_to_a_colleague(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any
) -> None:
    instance_id = at_publisher(ctx, actor)
    task = task_id(ctx, actor("publisher1"), instance_id)
    page = open_page(390, 844)
    sign_in(page, live_server, "publisher1")
    page.goto(f"{live_server}/tasks/{task}")
    page.get_by_text("ส่งต่องานให้เพื่อนร่วมงาน").click()
    page.get_by_label("ส่งต่อให้").select_option(label="นายประชา สัมพันธ์")
    page.get_by_label("เหตุผล", exact=True).fill("ลาป่วย 3 วัน")
    screenshot(page, "staff-task-handover")
    page.get_by_role("button", name="ส่งต่องาน", exact=True).click()
    page.wait_for_url(re.compile(r"/inbox"))
    assert "ส่งต่อ" in flash(page)
    receiver = open_page()
    sign_in(receiver, live_server, "pr1")
    receiver.goto(f"{live_server}/inbox?view=mine")
    expect(receiver.locator(".tasks li.task")).to_have_count(1)
    receiver.locator(".tasks a.title").click()
    expect(receiver.locator(".timeline")).to_contain_text("ส่งต่องาน")
    expect(receiver.locator(".timeline")).to_contain_text("ลาป่วย 3 วัน")


@pytest.mark.parametrize("size", SIZES)
def test_upload_limit_checked_before_sending_and_a_character_counter(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    task = task_id(ctx, owner, started.id)
    page = open_page(*size)
    sign_in(page, live_server, "owner1")
    page.goto(f"{live_server}/tasks/{task}")
    expect(page.locator("#upload-limit")).to_contain_text("ไม่เกิน 1 MB")  # the tests' limit
    big = tmp_path / "ใหญ่มาก.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 100))
    page.locator("input[type=file][name=attachments]").set_input_files(str(big))
    problem = page.locator("[data-upload-problem]")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("ใหญ่มาก.pdf")
    title = page.get_by_label("ชื่อเรื่องที่ขอเผยแพร่")
    long_title = "ก" * 301
    title.fill(long_title)
    expect(page.locator("#f-title-count")).to_have_text("301 / 300")
    assert "f-count-over" in (page.locator("#f-title-count").get_attribute("class") or "")
    assert title.input_value() == long_title  # not cut
    screenshot(page, "staff-task-limits")
    assert not axe_problems(page)
    url = page.url
    page.locator("#task-form").get_by_role("button", name="ส่ง", exact=True).click()
    page.wait_for_timeout(300)
    assert page.url == url  # nothing was sent
    page.locator("input[type=file][name=attachments]").set_input_files([])
    with page.expect_navigation():
        page.locator("#task-form").get_by_role("button", name="ส่ง", exact=True).click()
    expect(page.locator("#f-title-error")).to_contain_text("ยาวได้ไม่เกิน 300")
    assert page.get_by_label("ชื่อเรื่องที่ขอเผยแพร่").input_value() == long_title  # kept whole
