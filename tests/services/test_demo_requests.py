"""The demo office's requests (`bpmnpub init --demo`): filed through the real services, so every demo role
signs in to something to do (issue #12: "only director1 has a task"), one request sent back for revision,
one past its due time; the same on every run; and the invariant check finds nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bpmnpub.models import HumanTask, InstanceEvent, ProcessInstance, PublishedItem
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.operations import demo, demo_requests
from bpmnpub.services.pages import inbox_page
from bpmnpub.services.requests import consistency

# who waits for what after the demo: a role's inbox holds these steps (task spec, request title)
EXPECTED = {
    "gdir_plan": {("Task_GroupDirectorReview", "รายงานผลสำเร็จการดำเนินงานไตรมาสที่ 4 ปีงบประมาณ พ.ศ. 2569")},
    "gdir_hr": {("Task_GroupDirectorReview", "คู่มือการขอย้ายข้าราชการครู ฉบับปรับปรุง พ.ศ. 2569")},
    "director1": {("Task_DirectorDecision", "ข่าวประชาสัมพันธ์ การประชุมผู้บริหารสถานศึกษา ครั้งที่ 1/2570")},
    "legal1": {("Task_LegalOpinion", "ประกาศรายชื่อผู้ผ่านการคัดเลือกบุคลากรดีเด่น ประจำปี 2569")},
    "publisher1": {("Task_PreparePublication", "โครงสร้างและอำนาจหน้าที่ของสำนักงาน ฉบับปรับปรุง")},
    "pr1": {("Task_CheckAndPublish", "กิจกรรมแลกเปลี่ยนเรียนรู้ ชุมชนการเรียนรู้ทางวิชาชีพ (PLC) ครั้งที่ 2")},
    "clerk_hr": {("Task_CheckAndPublish", "ผลการทดสอบระดับชาติ (O-NET) ของนักเรียนในสังกัด ปีการศึกษา 2568")},
    "owner2": {("Task_ReviseForGroupDirector", "สารสนเทศอัตรากำลังครูและบุคลากรทางการศึกษา ปีการศึกษา 2569")},
    "deputy1": {("Task_DeputyOpinion", "นวัตกรรมการจัดการเรียนรู้ เพื่อพัฒนาทักษะการอ่านของนักเรียน")},
}


def _seed(ctx: ServiceContext) -> int:
    demo.create_demo_units(ctx)
    return demo_requests.create_demo_requests(ctx)


def test_every_demo_role_has_something_to_do(ctx: ServiceContext, actor: Any) -> None:
    assert _seed(ctx) == len(demo_requests.DEMO_REQUESTS)
    for username, expected in EXPECTED.items():
        page = inbox_page.get_inbox_page(ctx, actor(username))
        assert {(t.task_spec, t.title) for t in page.inbox.items} == expected, username
    # one is late, and shows in its holder's "overdue" view
    late = inbox_page.get_inbox_page(ctx, actor("gdir_plan"), view="overdue")
    assert late.counts["overdue"] == 1 and late.inbox.items[0].title.startswith("รายงานผลสำเร็จ")
    # the sent-back one carries its reason on the request's timeline
    with ctx.db.read() as session:
        reasons = session.scalars(
            select(InstanceEvent.comment).where(InstanceEvent.decision == "revise")
        ).all()
        published = session.scalars(select(PublishedItem.title).order_by(PublishedItem.id)).all()
    assert reasons == ["ขอให้แนบตารางสรุปแยกตามอำเภอ และตรวจตัวเลขรวมให้ตรงกับข้อมูล 10 มิถุนายน"]
    assert published == [r.title for r in demo_requests.DEMO_REQUESTS[:2]]
    report = consistency.check_all(ctx)
    assert report.checked == len(demo_requests.DEMO_REQUESTS) and not report.findings
    assert _seed(ctx) == 0  # once


def test_the_demo_files_its_requests_in_order(ctx: ServiceContext) -> None:
    _seed(ctx)
    with ctx.db.read() as session:
        titles = session.scalars(select(ProcessInstance.title).order_by(ProcessInstance.id)).all()
    assert titles == [r.title for r in demo_requests.DEMO_REQUESTS]


def test_demo_dates_follow_the_day_it_is_made(ctx: ServiceContext, actor: Any, clock: Any) -> None:
    """Made months after the code was written, the demo's 3.3 "publish by" date is still ahead: the Plan
    publisher's step is not late the moment it arrives (it was: "waiting since 8 Dec, overdue since 30
    Nov"), and the one request meant to be late is the only one."""
    clock.current = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
    _seed(ctx)
    with ctx.db.read() as session:
        open_rows = session.execute(
            select(HumanTask.name, HumanTask.created_at, HumanTask.due_at).where(
                HumanTask.status.in_(("ready", "claimed")), HumanTask.due_at.is_not(None)
            )
        ).all()
    assert open_rows and all(due >= created for _, created, due in open_rows), open_rows
    late = {u: inbox_page.get_inbox_page(ctx, actor(u)).counts["overdue"] for u in EXPECTED}
    assert {u: n for u, n in late.items() if n} == {"gdir_plan": 1}
