"""The staff pages in a real Chromium: people sign in, file a request through the form, send it back,
fix it, approve it and publish it, each in their own browser at the same time. Also: withdrawing a
request, another group's director locked out, a form with errors that keeps what was typed and attached,
screenshots of every staff page on a desktop and a phone, and the English switch."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

from bpmnpub.services.files import storage
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import inbox, instances, tasks

from ..services.conftest import file_request
from ..services.conftest import task_id as task_for
from .conftest import no_horizontal_overflow, screenshot, sign_in, thai_font_ok

pytestmark = pytest.mark.browser

PROCESS = "ขออนุญาตเผยแพร่ข้อมูลข่าวสารผ่านเว็บไซต์"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FILENAME = "ประกาศ.pdf"
TITLE = "ประกาศรับสมัครครูผู้ช่วย กรณีที่มีเหตุพิเศษ ปีงบประมาณ 2570"
REQUIRED = "กรุณากรอกข้อมูลนี้"
TASK_URL = re.compile(r"/tasks/\d+$")
INBOX_URL = re.compile(r"/inbox(?:[?#]|$)")
INBOX_BADGE = ".site-nav a[href$='/inbox'] .badge"  # the count on กล่องงาน (not on แจ้งเตือน)
SIZES = [pytest.param((1280, 800), id="desktop"), pytest.param((390, 844), id="phone")]


def expect(locator: Any, message: str | None = None) -> Any:
    """Playwright's retrying expect(), imported late: without Playwright the `browser` fixture skips (or
    fails under CI) with the reason, rather than this module failing to import."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator, message)


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    """A small PDF on disk with a Thai name, for set_input_files."""
    path = tmp_path / FILENAME
    path.write_bytes(PDF)
    return path


# --- steps a person takes in the browser ------------------------------------------------------------


def start_request(page: Any) -> None:
    """ยื่นคำขอ in the header → the general publication card → เริ่ม; lands on the first form."""
    page.locator(".site-nav").get_by_role("link", name="ยื่นคำขอ").click()
    page.wait_for_url("**/requests/new")
    card = page.locator(".card", has=page.get_by_role("heading", name=PROCESS))
    card.get_by_role("button", name="เริ่ม").click()
    page.wait_for_url(TASK_URL)
    expect(page.locator("#f-title")).to_be_visible()


def fill_request(page: Any, title: str | None = TITLE, pdf: Path | None = None, *, rest: bool = True) -> None:
    """Type into the request form like a person: by the labels of the fields."""
    if title is not None:
        page.get_by_label("ชื่อเรื่องที่ขอเผยแพร่").fill(title)
    if rest:
        page.get_by_label("หมวดหมู่ข้อมูล").select_option("1.3")  # a select of the office's categories
        page.get_by_label("รายละเอียด / เนื้อหาโดยย่อ").fill("รับสมัครระหว่างวันที่ 1–15 ธันวาคม 2569")
        page.get_by_label("วัตถุประสงค์ของการเผยแพร่").fill("เพื่อเผยแพร่ต่อสาธารณะ")
        page.get_by_label("เว็บไซต์ของสำนักงาน").check()
    if pdf is not None:
        page.locator("input[type=file][name=attachments]").set_input_files(str(pdf))


def send(page: Any, label: str = "ส่ง") -> None:
    """Press a submit button of the task form and wait to land in the inbox with the "saved" message."""
    page.locator("form.f-form").get_by_role("button", name=label, exact=True).click()
    page.wait_for_url(INBOX_URL)
    assert "บันทึก" in page.locator(".flash").first.inner_text()


def open_task(page: Any, title: str = TITLE) -> None:
    """From the inbox (reloaded), open the task of the request with this title."""
    page.locator(".site-nav").get_by_role("link", name=re.compile("กล่องงาน")).click()
    page.wait_for_url(INBOX_URL)
    page.locator(".tasks").get_by_role("link", name=title).click()
    page.wait_for_url(TASK_URL)


def inbox_item(page: Any, title: str = TITLE) -> Any:
    return page.locator(".tasks li.task", has=page.get_by_role("link", name=title))


def my_request(page: Any, title: str = TITLE) -> Any:
    return page.locator(".tasks li.task", has=page.locator(".title", has_text=title))


def file_request_through_the_ui(page: Any, pdf: Path, title: str = TITLE) -> None:
    start_request(page)
    fill_request(page, title, pdf)
    send(page)


def common_checks(page: Any, lang: str = "th") -> None:
    assert page.locator("html").get_attribute("lang") == lang
    no_horizontal_overflow(page)
    if lang == "th":
        thai_font_ok(page, "h1")


# --- 1. the whole path --------------------------------------------------------------------------------


def test_request_revise_approve_publish_by_four_people_at_once(
    live_server: str, open_page: Any, pdf: Path
) -> None:
    owner, gdir, director, publisher = (open_page() for _ in range(4))
    for page, username in ((owner, "owner1"), (gdir, "gdir_plan"), (director, "director1"),
                           (publisher, "publisher1")):  # fmt: skip
        sign_in(page, live_server, username)
    assert gdir.locator(INBOX_BADGE).count() == 0  # nothing waiting yet

    # owner1 files the request through the form
    file_request_through_the_ui(owner, pdf)
    assert owner.locator(".tasks").count() == 0
    assert "ไม่มีงานรอดำเนินการ" in owner.locator(".empty").inner_text()

    # gdir_plan: a count in the header, the task in the inbox, the request and its file on the task page
    gdir.reload()
    assert gdir.locator(INBOX_BADGE).inner_text() == "1"
    assert "ผอ.กลุ่ม/หน่วย พิจารณา" in inbox_item(gdir).inner_text()
    open_task(gdir)
    side = gdir.locator(".task-side")
    assert TITLE in side.inner_text() and "เพื่อเผยแพร่ต่อสาธารณะ" in side.inner_text()
    assert "เว็บไซต์ของสำนักงาน" in side.inner_text()  # the channel by its title, not its code
    attachment = side.get_by_role("link", name=FILENAME)
    expect(attachment).to_be_visible()
    download = gdir.request.get(live_server + attachment.get_attribute("href"))
    assert download.status == 200 and download.body() == PDF
    # sending back without a reason is refused on the page, with the reason asked for
    with gdir.expect_navigation():
        gdir.locator("form.f-form").get_by_role("button", name="ส่งกลับแก้ไข").click()
    expect(gdir.locator(".f-summary")).to_be_visible()
    gdir.get_by_label("ความเห็น / เหตุผล").fill("โปรดระบุวันปิดรับสมัครให้ชัดเจน")
    send(gdir, "ส่งกลับแก้ไข")
    assert gdir.locator(INBOX_BADGE).count() == 0

    # owner1: the revise task, the reason in the timeline, the form filled as it was
    owner.reload()
    assert owner.locator(INBOX_BADGE).inner_text() == "1"
    assert "แก้ไขตาม" in inbox_item(owner).inner_text()
    open_task(owner)
    timeline = owner.locator(".timeline")
    assert "โปรดระบุวันปิดรับสมัครให้ชัดเจน" in timeline.locator("blockquote").inner_text()
    assert "ส่งกลับแก้ไข" in timeline.inner_text()
    assert owner.get_by_label("ชื่อเรื่องที่ขอเผยแพร่").input_value() == TITLE
    assert owner.get_by_label("เว็บไซต์ของสำนักงาน").is_checked()
    expect(owner.locator(".f-kept").get_by_role("link", name=FILENAME)).to_be_visible()
    owner.get_by_label("รายละเอียด / เนื้อหาโดยย่อ").fill(
        "รับสมัคร 1–15 ธันวาคม 2569 ปิดรับสมัคร 15 ธ.ค. 2569 เวลา 16.30 น."
    )
    send(owner)

    # gdir_plan: the second round, approved
    gdir.reload()
    assert "รอบที่ 2" in inbox_item(gdir).inner_text()
    open_task(gdir)
    assert "ปิดรับสมัคร 15 ธ.ค. 2569" in gdir.locator(".task-side").inner_text()
    send(gdir, "อนุมัติ")

    # director1 approves, publisher1 certifies
    open_task(director)
    send(director, "อนุมัติ")
    open_task(publisher)
    publisher.locator("form.f-form input[type=checkbox][name=certified]").check()
    send(publisher, "รับรองและเผยแพร่")  # or ส่งกลับแก้ไข with a reason (issue 11)

    # owner1: finished and published; the item is on the public landing page
    owner.locator(".site-nav").get_by_role("link", name="คำขอของฉัน").click()
    owner.wait_for_url("**/requests")
    status = my_request(owner).inner_text()
    assert "เสร็จสิ้น" in status and "เผยแพร่แล้ว" in status
    owner.goto(f"{live_server}/")
    expect(owner.locator(".items").get_by_role("link", name=TITLE)).to_be_visible()


# --- 2. withdraw --------------------------------------------------------------------------------------


def test_withdraw_a_request_from_my_requests(live_server: str, open_page: Any, pdf: Path) -> None:
    owner, gdir = open_page(), open_page()
    sign_in(owner, live_server, "owner1")
    sign_in(gdir, live_server, "gdir_plan")
    file_request_through_the_ui(owner, pdf)
    owner.locator(".site-nav").get_by_role("link", name="คำขอของฉัน").click()
    owner.wait_for_url("**/requests")
    entry = my_request(owner)
    entry.get_by_text("ถอนคำขอ", exact=True).click()
    entry.get_by_label("เหตุผลที่ถอนคำขอ").fill("ข้อมูลยังไม่เป็นปัจจุบัน จะยื่นใหม่ภายหลัง")
    with owner.expect_navigation(url="**/requests"):
        entry.get_by_role("button", name="ยืนยันถอนคำขอ").click()
    assert owner.locator(".flash").inner_text() == "ถอนคำขอแล้ว"
    entry = my_request(owner)
    assert "ถอนคำขอแล้ว" in entry.inner_text()
    assert "กำลังดำเนินการ" not in entry.inner_text()
    assert entry.locator("details.withdraw").count() == 0  # nothing left to withdraw

    gdir.reload()
    assert inbox_item(gdir).count() == 0
    assert gdir.locator(INBOX_BADGE).count() == 0
    assert "ไม่มีงานรอดำเนินการ" in gdir.locator(".empty").inner_text()


# --- 3. another group's director ----------------------------------------------------------------------


def test_another_groups_director_neither_sees_nor_opens_the_task(
    live_server: str, open_page: Any, pdf: Path
) -> None:
    owner, gdir, other = open_page(), open_page(), open_page()
    sign_in(owner, live_server, "owner1")
    sign_in(gdir, live_server, "gdir_plan")
    sign_in(other, live_server, "gdir_hr")
    start_request(owner)
    draft_url = owner.url
    fill_request(owner, pdf=pdf)
    send(owner)
    open_task(gdir)
    review_url = gdir.url

    other.reload()
    assert inbox_item(other).count() == 0
    assert other.locator(INBOX_BADGE).count() == 0
    for url in (review_url, draft_url):
        response = other.goto(url)
        assert response is not None and response.status == 403
        assert other.locator("h1").inner_text() == "คุณไม่มีสิทธิ์ดำเนินการนี้"
        assert TITLE not in other.content()
        assert other.locator("form.f-form").count() == 0
    no_horizontal_overflow(other)
    screenshot(other, "staff-forbidden")


def test_the_forbidden_page_explains_itself_in_thai(
    live_server: str, open_page: Any, ctx: ServiceContext, actor: Any
) -> None:
    owner = actor("owner1")
    filed = file_request(ctx, owner)  # sent: a draft would not exist for gdir_hr at all (404)
    task_id = task_for(ctx, actor("gdir_plan"), filed)
    page = open_page()
    sign_in(page, live_server, "gdir_hr")
    response = page.goto(f"{live_server}/tasks/{task_id}")
    assert response is not None and response.status == 403
    text = page.locator("main").inner_text()
    assert not re.search("[A-Za-z]{3,}", text), f"English on a Thai page: {text!r}"


# --- 4. a form with errors keeps what was typed and attached ------------------------------------------


def test_form_errors_keep_the_typed_title_and_the_attached_file(
    live_server: str, open_page: Any, pdf: Path
) -> None:
    owner, gdir = open_page(), open_page()
    sign_in(owner, live_server, "owner1")
    start_request(owner)
    fill_request(owner, TITLE, pdf, rest=False)
    with owner.expect_response(lambda r: r.request.method == "POST") as posted:
        owner.locator("form.f-form").get_by_role("button", name="ส่ง", exact=True).click()
    assert posted.value.status == 422
    owner.wait_for_load_state()

    summary = owner.locator(".f-summary")
    expect(summary).to_be_visible()
    assert "ยังบันทึกไม่ได้" in summary.inner_text()
    for fid in ("category", "description", "purpose", "channels"):
        error = owner.locator(f"#f-{fid}-error")
        expect(error, f"an error next to {fid}").to_be_visible()
        assert re.search("[\u0e00-\u0e7f]", error.inner_text()), (
            f"the error of {fid} is in Thai: {error.inner_text()}"
        )
    assert REQUIRED in owner.locator("#f-category-error").inner_text()
    assert owner.locator("#f-title-error").count() == 0 and owner.locator("#f-attachments-error").count() == 0
    assert owner.get_by_label("ชื่อเรื่องที่ขอเผยแพร่").input_value() == TITLE
    kept = owner.locator(".f-kept")
    expect(kept.get_by_role("link", name=FILENAME)).to_be_visible()
    assert owner.locator("input[type=file][name=attachments]").evaluate("el => el.files.length") == 0

    fill_request(owner, title=None, pdf=None)  # the rest, and no file chosen again
    send(owner)

    sign_in(gdir, live_server, "gdir_plan")
    open_task(gdir)
    links = gdir.locator(".task-side").get_by_role("link", name=FILENAME)
    assert links.count() == 1


def test_field_errors_are_plain_thai(live_server: str, open_page: Any) -> None:
    owner = open_page()
    sign_in(owner, live_server, "owner1")
    start_request(owner)
    owner.locator("form.f-form").get_by_role("button", name="ส่ง", exact=True).click()
    owner.locator(".f-summary").wait_for()
    messages = owner.locator(".f-error").all_inner_texts()
    assert len(messages) == 6
    english = [m for m in messages if re.search("[A-Za-z]", m)]
    assert not english, f"English words in the Thai field errors: {english}"


# --- 5. screenshots of the staff pages ----------------------------------------------------------------


@pytest.fixture
def filed(ctx: ServiceContext, actor: Any) -> None:
    """Three requests of owner1 waiting for gdir_plan; the first one came back once and was fixed."""
    owner, gdir = actor("owner1"), actor("gdir_plan")
    titles = [
        TITLE,
        "รายงานผลการดำเนินงานตามแผนปฏิบัติการ ประจำปีงบประมาณ พ.ศ. 2569 (รอบ 12 เดือน)",
        "ประชาสัมพันธ์การรับสมัครนักเรียน",
    ]
    for title in titles:
        pdf = storage.upload_file(ctx, io.BytesIO(PDF), FILENAME, actor_id=owner.id)
        started = instances.start_instance(ctx, "general_publication", None, owner)
        data: dict[str, Any] = {
            "title": title,
            "category": "1.3",
            "description": "รับสมัครระหว่างวันที่ 1–15 ธันวาคม 2569 ณ ห้องประชุมกลุ่มบริหารงานบุคคล",
            "purpose": "เพื่อเผยแพร่ต่อสาธารณะตามมาตรการการเผยแพร่ข้อมูลข่าวสาร",
            "channels": ["website", "social_media"],
            "attachments": [pdf.id],
        }
        steps: list[tuple[Any, dict[str, Any]]] = [(owner, data)]
        if title == TITLE:
            revise = {
                "decision": "revise",
                "comment": "โปรดระบุวันและเวลาปิดรับสมัครให้ชัดเจน และแนบประกาศฉบับลงนามแล้ว",
            }
            steps += [
                (gdir, revise),
                (owner, {**data, "description": data["description"] + " ปิดรับ 16.30 น."}),
            ]
        for who, step in steps:
            [task] = [t for t in inbox.list_tasks(ctx, who) if t.instance_id == started.id]
            tasks.complete_task(ctx, task.id, step, who)


@pytest.mark.parametrize("size", SIZES)
def test_screenshots_of_the_staff_pages(
    live_server: str, open_page: Any, filed: None, pdf: Path, size: tuple[int, int]
) -> None:
    # sign-in
    owner = open_page(*size)
    owner.goto(f"{live_server}/auth/login")
    common_checks(owner)
    screenshot(owner, "staff-signin")
    sign_in(owner, live_server, "owner1")

    # start a request
    owner.locator(".site-nav").get_by_role("link", name="ยื่นคำขอ").click()
    owner.wait_for_url("**/requests/new")
    common_checks(owner)
    expect(owner.get_by_role("button", name="เริ่ม").first).to_be_visible()
    screenshot(owner, "staff-new-request")

    # the request form with errors
    start_request(owner)
    fill_request(owner, TITLE, pdf, rest=False)
    owner.locator("form.f-form").get_by_role("button", name="ส่ง", exact=True).click()
    owner.locator(".f-summary").wait_for()
    common_checks(owner)
    button = owner.locator("form.f-form").get_by_role("button", name="ส่ง", exact=True)
    button.scroll_into_view_if_needed()
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= size[0]
    screenshot(owner, "staff-form-errors")

    # my requests
    owner.locator(".site-nav").get_by_role("link", name="คำขอของฉัน").click()
    owner.wait_for_url("**/requests")
    common_checks(owner)
    assert owner.locator(".tasks li.task").count() == 4  # three filed, and the draft above (no title yet)
    screenshot(owner, "staff-my-requests")

    # the inbox of gdir_plan with three tasks
    gdir = open_page(*size)
    sign_in(gdir, live_server, "gdir_plan")
    common_checks(gdir)
    assert gdir.locator(".tasks li.task").count() == 3
    assert gdir.locator(INBOX_BADGE).inner_text() == "3"
    assert "รอบที่ 2" in inbox_item(gdir).inner_text()
    screenshot(gdir, "staff-inbox")

    # a review after one revise round: the timeline tells the story
    open_task(gdir)
    common_checks(gdir)
    events = gdir.locator(".timeline li")
    assert events.count() >= 4
    assert "ส่งกลับแก้ไข" in gdir.locator(".timeline").inner_text()
    approve = gdir.locator("form.f-form").get_by_role("button", name="อนุมัติ", exact=True)
    approve.scroll_into_view_if_needed()
    expect(approve).to_be_visible()
    box = approve.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= size[0]
    assert box["height"] >= 40  # a finger-sized button
    screenshot(gdir, "staff-review")


# --- 6. English ---------------------------------------------------------------------------------------


def test_english_switch_in_the_header(live_server: str, open_page: Any) -> None:
    page = open_page()
    sign_in(page, live_server, "owner1")
    assert page.locator("html").get_attribute("lang") == "th"
    page.locator(".site-header").get_by_role("link", name="English").click()
    page.wait_for_url(INBOX_URL)
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Inbox" in page.locator("h1").inner_text()
    no_horizontal_overflow(page)
    screenshot(page, "staff-inbox-en")
    expect(page.locator(".site-nav").get_by_role("link", name=re.compile("Inbox"))).to_be_visible()
    # and back to Thai
    page.locator(".site-header").get_by_role("link", name="ไทย").click()
    page.wait_for_url(INBOX_URL)
    assert page.locator("html").get_attribute("lang") == "th"
    assert "กล่องงาน" in page.locator("h1").inner_text()
