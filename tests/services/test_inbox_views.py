"""The inbox a person uses all day: views, sorting, search by requester and number; handing a task to a
colleague of the same lane; where a request is after a submit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bpmnpub.errors import ConflictError, PermissionDeniedError, ValidationError
from bpmnpub.models import HumanTask, InstanceEvent, Notification
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import holding, inbox, instances, tasks

from .conftest import file_request, task_id

APPROVE = {"decision": "approve"}


def at_publisher(ctx: ServiceContext, actor: Any) -> int:
    """A general_publication request approved by its group director and the director: a publisher's task."""
    owner, gdir, director = actor("owner1"), actor("gdir_plan"), actor("director1")
    instance_id = file_request(ctx, owner)
    tasks.complete_task(ctx, task_id(ctx, gdir, instance_id), APPROVE, gdir)
    tasks.complete_task(ctx, task_id(ctx, director, instance_id), APPROVE, director)
    return instance_id


def test_views_split_the_inbox_by_who_holds_what(ctx: ServiceContext, actor: Any) -> None:
    publisher, pr = actor("publisher1"), actor("pr1")
    first, second = at_publisher(ctx, actor), at_publisher(ctx, actor)
    claimed = task_id(ctx, publisher, first)
    holding.claim_task(ctx, claimed, publisher)

    def ids(who: Any, view: str | None) -> set[int]:
        return {t.instance_id for t in inbox.list_tasks(ctx, who, view=view)}

    assert ids(publisher, "mine") == {first}
    assert ids(publisher, "unassigned") == {second}
    assert ids(publisher, None) == {first, second}
    # pr1 (also a publisher) cannot act on it, but sees who has it under "claimed by others"
    assert ids(pr, None) == {second}
    assert ids(pr, "others") == {first}
    (other,) = inbox.list_tasks(ctx, pr, view="others")
    assert other.assigned_to == "publisher1"
    page = inbox.inbox(ctx, pr, view="others")
    assert page.total == 1


def test_overdue_view_and_sorting_by_due_date(ctx: ServiceContext, actor: Any) -> None:
    publisher = actor("publisher1")
    early, late, never = (at_publisher(ctx, actor) for _ in range(3))
    now = ctx.now()
    with ctx.db.write() as session:
        for instance_id, due in (
            (early, now - timedelta(days=2)),
            (late, now + timedelta(days=5)),
            (never, None),
        ):
            session.execute(update(HumanTask).where(HumanTask.instance_id == instance_id).values(due_at=due))
    assert [t.instance_id for t in inbox.list_tasks(ctx, publisher, view="overdue")] == [early]
    assert [t.instance_id for t in inbox.list_tasks(ctx, publisher, sort="due")] == [early, late, never]
    assert [t.instance_id for t in inbox.list_tasks(ctx, publisher, sort="created")] == [never, late, early]
    assert [t.instance_id for t in inbox.list_tasks(ctx, publisher, sort="waiting")] == [early, late, never]


def test_search_finds_requester_and_number_as_well_as_title(ctx: ServiceContext, actor: Any) -> None:
    gdir = actor("gdir_plan")
    instance_id = file_request(ctx, actor("owner1"))

    def found(q: str) -> list[int]:
        return [t.instance_id for t in inbox.list_tasks(ctx, gdir, q=q)]

    assert found("สมใจ") == [instance_id]  # owner1 is นางสาวสมใจ ใจดี
    assert found(str(instance_id)) == [instance_id]
    assert found(f"#{instance_id}") == [instance_id]
    assert found("ครูผู้ช่วย") == [instance_id]
    assert found("ไม่มีคำนี้") == []
    assert inbox.inbox(ctx, gdir, q="สมใจ").total == 1


def test_hand_a_task_to_a_colleague_of_the_same_lane(ctx: ServiceContext, actor: Any) -> None:
    publisher, pr = actor("publisher1"), actor("pr1")
    instance_id = at_publisher(ctx, actor)
    task = task_id(ctx, publisher, instance_id)
    candidates = dict(holding.handover_candidates(ctx, task, publisher))
    assert list(candidates) == [pr.id]  # the other publisher; not the giver, nor someone of another lane

    with pytest.raises(ValidationError):
        holding.hand_over_task(ctx, task, pr.id, publisher, "  ")  # a reason is required
    with pytest.raises(ValidationError):
        holding.hand_over_task(ctx, task, actor("legal1").id, publisher, "ลาป่วย")  # not of this lane
    with pytest.raises(PermissionDeniedError):
        holding.hand_over_task(ctx, task, pr.id, actor("owner2"), "ลาป่วย")  # the giver may not act on it

    given = holding.hand_over_task(ctx, task, pr.id, publisher, "ลาป่วย 3 วัน")
    assert given.assigned_to == "pr1"
    assert [t.instance_id for t in inbox.list_tasks(ctx, pr, view="mine")] == [instance_id]
    assert inbox.list_tasks(ctx, publisher) == []
    with ctx.db.read() as session:
        event = session.scalars(
            select(InstanceEvent).where(
                InstanceEvent.instance_id == instance_id, InstanceEvent.action == "handed_over"
            )
        ).one()
        assert event.actor_id == publisher.id and event.comment == "ลาป่วย 3 วัน"
        note = session.scalars(select(Notification).where(Notification.user_id == pr.id)).all()[-1]
        assert "ลาป่วย 3 วัน" in note.text and note.instance_id == instance_id
    # now pr1 holds it: publisher1 can no longer give it away
    with pytest.raises(ConflictError):
        holding.hand_over_task(ctx, task, publisher.id, publisher, "คืน")
    assert holding.handover_candidates(ctx, task, publisher) == []


def test_next_step_is_the_same_persons_task_or_says_who_has_it(ctx: ServiceContext, actor: Any) -> None:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "regulatory_publication", None, owner)
    objective = {
        "title": "ผลการจัดซื้อจัดจ้าง ประจำเดือนตุลาคม 2569",
        "category": "1.9",  # procurement: 3.3 is its procedure
        "objective": "เปิดเผยผลการจัดซื้อจัดจ้างตามกฎหมาย",
        "target_audience": "ประชาชนทั่วไป",
        "target_date": "2026-11-30",
    }
    tasks.complete_task(ctx, task_id(ctx, owner, started.id), objective, owner)
    after = inbox.next_step(ctx, started.id, owner)
    with ctx.db.read() as session:
        spec = session.scalar(select(HumanTask.task_spec).where(HumanTask.id == after.task_id))
    assert spec == "Task_AcquireData"

    filed = file_request(ctx, owner)
    after = inbox.next_step(ctx, filed, owner)
    assert after.task_id is None and after.groups == ["กลุ่มนโยบายและแผน"] and after.holders == []
    gdir = actor("gdir_plan")
    holding.claim_task(ctx, task_id(ctx, gdir, filed), gdir)
    assert inbox.next_step(ctx, filed, owner).holders == ["นางวันเพ็ญ แสงทอง"]
    tasks.complete_task(ctx, task_id(ctx, gdir, filed), APPROVE, gdir)
    assert inbox.next_step(ctx, filed, gdir).lanes == ["director"]
