"""Deadlines with teeth, end to end with the worker and a fake clock: the photo shoot is due 3 working
days after the activity, across Songkran; its boundary timers remind the PR officer, then tell their
superior; the e-mails wait in the outbox; `bpmnpub check` stays clean. Closure days move due times."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select

from bpmnpub.engine import OperatorCall
from bpmnpub.errors import ConflictError, PermissionDeniedError, ValidationError
from bpmnpub.models import AdminEvent, HumanTask, Notification, ProcessInstance, User
from bpmnpub.services.kernel.context import ServiceContext, StepScope
from bpmnpub.services.operations.worker import Worker
from bpmnpub.services.requests import admin_page, consistency, deadlines, inbox, instances, tasks
from bpmnpub.thaidate import BANGKOK

from ..conftest import Clock
from ..scenarios.paths import ACQUIRED, COMPILED, OBJECTIVE
from .conftest import task_id, upload_pdf

PLAN = {
    "title": "ภาพกิจกรรมวันครู",
    "category": "1.13",  # photographs of activities: 3.2 files into 1.13
    "activity": "กิจกรรมวันครู",
    "activity_date": "2026-04-10",
    "place": "หอประชุม",
    "photographer": "นายประชา สัมพันธ์",
}


def _notices(ctx: ServiceContext, instance_id: int) -> list[tuple[str, str]]:
    with ctx.db.read() as session:
        rows = session.execute(
            select(Notification.kind, User.username)
            .join(User, User.id == Notification.user_id)
            .where(Notification.instance_id == instance_id, Notification.kind.in_(("reminder", "overdue")))
            .order_by(Notification.id)
        ).all()
        return [(kind, name) for kind, name in rows]


def _shoot_row(ctx: ServiceContext, instance_id: int) -> HumanTask:
    with ctx.db.read() as session:
        row = session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == instance_id, HumanTask.task_spec == "Task_ShootAndSelect"
            )
        ).one()
        session.expunge(row)
        return row


def _file_photo_plan(ctx: ServiceContext, clock: Clock, actor: Any) -> int:
    clock.current = datetime(2026, 4, 10, 2, 0, tzinfo=UTC)  # Friday 10 April, 09:00 in Bangkok
    owner = actor("owner1")
    started = instances.start_instance(ctx, "photo_publication", None, owner)
    tasks.complete_task(ctx, task_id(ctx, owner, started.id), PLAN, owner)
    return started.id


def test_reminder_and_escalation_fire_on_working_days_across_songkran(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    iid = _file_photo_plan(ctx, clock, actor)
    shoot = _shoot_row(ctx, iid)
    # 3 working days after Friday 10 April: Songkran (13-15) and the weekend do not count.
    assert shoot.due_at is not None
    assert shoot.due_at.astimezone(BANGKOK) == datetime(2026, 4, 20, 16, 30, tzinfo=BANGKOK)
    worker = Worker(ctx, interval=30)

    for moment in (
        datetime(2026, 4, 13, 10, 0, tzinfo=UTC),  # Songkran
        datetime(2026, 4, 16, 10, 0, tzinfo=UTC),  # the first working day after it
        datetime(2026, 4, 17, 9, 29, tzinfo=UTC),  # a minute before the reminder (16:29 in Bangkok)
    ):
        clock.current = moment
        worker.run_pass()
        assert _notices(ctx, iid) == [], moment

    clock.current = datetime(2026, 4, 17, 9, 31, tzinfo=UTC)  # Friday 17 April, 16:31 in Bangkok
    worker.run_pass()
    assert _notices(ctx, iid) == [("reminder", "pr1")]

    clock.current = datetime(2026, 4, 18, 3, 0, tzinfo=UTC)  # the weekend: nothing more
    worker.run_pass()
    assert _notices(ctx, iid) == [("reminder", "pr1")]

    clock.current = datetime(2026, 4, 20, 9, 31, tzinfo=UTC)  # Monday 20 April, past due
    worker.run_pass()
    # The PR officer's superior: the director of the request's group (owner1 is in Plan).
    assert _notices(ctx, iid) == [("reminder", "pr1"), ("overdue", "gdir_plan")]
    clock.current = datetime(2026, 4, 21, 9, 31, tzinfo=UTC)
    worker.run_pass()
    assert len(_notices(ctx, iid)) == 2  # each timer fires once

    # The task was not interrupted: pr1 still has it, and the mails are in the outbox with a link to it.
    assert _shoot_row(ctx, iid).status == "ready"
    assert task_id(ctx, actor("pr1"), iid) == shoot.id
    with ctx.db.read() as session:
        queued = session.scalars(
            select(Notification).where(Notification.kind.in_(("reminder", "overdue")))
        ).all()
        assert {n.human_task_id for n in queued} == {shoot.id}
        assert all("ภาพกิจกรรมวันครู" in n.text and "20 เม.ย. 2569" in n.text for n in queued)
    view = instances.get_instance(ctx, iid, actor("admin1"))
    services = [e.task_name for e in view.events if e.action == "service"]
    assert services == ["เตือน ผู้ถ่ายภาพ", "แจ้ง ผู้บังคับบัญชา"]
    assert view.status == "running"
    # The admin's diagram of the request marks the paths the timers took, the shoot still open.
    marks = admin_page.get_instance_page(ctx, iid, actor("admin1")).marks
    assert {"Task_RemindShoot", "Task_EscalateShoot"} <= set(marks.completed)
    assert "Task_ShootAndSelect" in marks.active
    report = consistency.check_all(ctx)
    assert report.clean, report.findings


def test_escalation_can_hand_the_task_to_the_superior(ctx: ServiceContext, clock: Clock, actor: Any) -> None:
    """The operator as a diagram with reassign="true" calls it (the shipped photo diagram only tells)."""
    iid = _file_photo_plan(ctx, clock, actor)
    with ctx.db.write() as session:
        instance = session.get(ProcessInstance, iid)
        assert instance is not None
        scope = StepScope(ctx, session, instance, None, datetime(2026, 4, 20, 10, 0, tzinfo=UTC))
        escalate = partial(deadlines.escalate, scope)
        outcome = escalate(
            OperatorCall(
                "escalate",
                {"task": "Task_ShootAndSelect", "reassign": True},
                {},
                "Task_EscalateShoot",
                datetime(2026, 4, 20, 10, 0, tzinfo=UTC),
            )
        )
    gdir = actor("gdir_plan")
    assert outcome["reassigned_to"] == gdir.id
    assert _shoot_row(ctx, iid).assigned_user_id == gdir.id
    assert task_id(ctx, gdir, iid)  # now in the group director's inbox
    view = instances.get_instance(ctx, iid, actor("admin1"))
    [escalated] = [e for e in view.events if e.action == "escalated"]
    assert escalated.details["why"] == "overdue"
    assert consistency.check_all(ctx).clean


def test_closure_days_are_skipped_and_audited(ctx: ServiceContext, clock: Clock, actor: Any) -> None:
    admin = actor("admin1")
    clock.current = datetime(2026, 4, 1, 3, 0, tzinfo=UTC)
    deadlines.add_closure(ctx, admin, date(2026, 4, 16), "ปิดสำนักงานต่อเนื่องสงกรานต์")
    with pytest.raises(ConflictError):
        deadlines.add_closure(ctx, admin, date(2026, 4, 16), "ซ้ำ")
    with pytest.raises(PermissionDeniedError):
        deadlines.add_closure(ctx, actor("owner1"), date(2026, 4, 17), "ไม่ใช่ผู้ดูแล")
    with pytest.raises(ValidationError):
        deadlines.add_closure(ctx, admin, date(2026, 4, 17), "  ")
    assert [c.day for c in deadlines.list_closures(ctx, admin)] == [date(2026, 4, 16)]
    iid = _file_photo_plan(ctx, clock, actor)
    due = _shoot_row(ctx, iid).due_at
    assert due is not None and due.astimezone(BANGKOK).date() == date(2026, 4, 21)
    deadlines.remove_closure(ctx, admin, date(2026, 4, 16))
    assert deadlines.list_closures(ctx, admin) == []
    with ctx.db.read() as session:
        actions = session.scalars(select(AdminEvent.action).where(AdminEvent.area == "office")).all()
        assert list(actions)[-2:] == ["closure_added", "closure_removed"]


def test_a_late_supervisor_review_of_3_3_goes_up_the_chain(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    """3.3's review is due 3 working days after it arrives; when late, the diagram hands it to the deputy."""
    owner, gdir, deputy = actor("owner1"), actor("gdir_plan"), actor("deputy1")
    clock.current = datetime(2026, 4, 9, 3, 0, tzinfo=UTC)  # Thursday 9 April, 10:00 in Bangkok
    started = instances.start_instance(ctx, "regulatory_publication", None, owner)
    pdf = upload_pdf(ctx, owner)
    for form in (
        {**OBJECTIVE, "target_date": "2026-04-30"},
        {**ACQUIRED, "source_files": [pdf]},
        {**COMPILED, "attachments": [pdf]},
    ):
        tasks.complete_task(ctx, task_id(ctx, owner, started.id), form, owner)
    review = task_id(ctx, gdir, started.id)
    with ctx.db.read() as session:
        row = session.get(HumanTask, review)
        assert row is not None and row.due_at is not None
        # Fri 10, then Songkran and the weekend, Thu 16, Fri 17: due Friday 17 April at 16:30.
        assert row.due_at.astimezone(BANGKOK) == datetime(2026, 4, 17, 16, 30, tzinfo=BANGKOK)
    worker = Worker(ctx, interval=30)
    clock.current = datetime(2026, 4, 16, 9, 31, tzinfo=UTC)
    worker.run_pass()
    assert _notices(ctx, started.id) == [("reminder", "gdir_plan")]
    clock.current = datetime(2026, 4, 17, 9, 31, tzinfo=UTC)
    worker.run_pass()
    assert _notices(ctx, started.id) == [("reminder", "gdir_plan"), ("overdue", "deputy1")]
    assert all(t.instance_id != started.id for t in inbox.list_tasks(ctx, gdir))
    assert task_id(ctx, deputy, started.id) == review
    view = instances.get_instance(ctx, started.id, actor("admin1"))
    [escalated] = [e for e in view.events if e.action == "escalated"]
    assert escalated.details == {"to": "นางรัชนี ศรีสุข", "to_role": "deputy_director", "why": "overdue"}
    tasks.complete_task(ctx, review, {"decision": "approve"}, deputy)
    assert task_id(ctx, actor("publisher1"), started.id)
    assert consistency.check_all(ctx).clean


def test_a_task_late_on_arrival_is_reminded_and_escalated_at_once(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    """The plan is filed weeks after the activity: both timers are past when the shoot arrives."""
    clock.current = datetime(2026, 4, 27, 3, 0, tzinfo=UTC)
    owner = actor("owner1")
    started = instances.start_instance(ctx, "photo_publication", None, owner)
    tasks.complete_task(ctx, task_id(ctx, owner, started.id), {**PLAN, "activity_date": "2026-04-01"}, owner)
    shoot = _shoot_row(ctx, started.id)
    assert shoot.due_at is not None and shoot.due_at.astimezone(BANGKOK).date() == date(2026, 4, 7)
    assert _notices(ctx, started.id) == [("reminder", "pr1"), ("overdue", "gdir_plan")]
    with ctx.db.read() as session:
        links = session.scalars(
            select(Notification.human_task_id).where(Notification.kind.in_(("reminder", "overdue")))
        ).all()
        assert set(links) == {shoot.id}
    assert consistency.check_all(ctx).clean
