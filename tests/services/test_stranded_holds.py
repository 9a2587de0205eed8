"""A step someone holds stays theirs only while they may do it: a holder deactivated, or whose
appointment to the lane ended, gives it back by the worker's pass — to the lane's other members, or up
the chain when nobody is left — on the record, once. A step given up the chain stays with its holder."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bpmnpub.errors import ConflictError, PermissionDeniedError
from bpmnpub.models import HumanTask, Notification, User
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.office import people
from bpmnpub.services.operations.worker import Worker
from bpmnpub.services.pages import task_page
from bpmnpub.services.requests import consistency, holding, instances, routing, tasks

from ..conftest import Clock
from .appointment_walk import DAY_AFTER_TERM, events, inbox_ids
from .conftest import file_request, task_id

APPROVE = {"decision": "approve", "comment": ""}


def holder(ctx: ServiceContext, step: int) -> int | None:
    with ctx.db.read() as session:
        row = session.get(HumanTask, step)
        assert row is not None
        return row.assigned_user_id


def told(ctx: ServiceContext, user_id: int, step: int) -> list[str]:
    with ctx.db.read() as session:
        return list(
            session.scalars(
                select(Notification.kind).where(
                    Notification.user_id == user_id, Notification.human_task_id == step
                )
            )
        )


def test_a_claimed_step_whose_holders_appointment_ends_goes_up_the_chain(
    ctx: ServiceContext, actor: Any, clock: Clock, legal_step: tuple[int, int]
) -> None:
    request, step = legal_step
    holding.claim_task(ctx, step, actor("legal1"))
    clock.current = DAY_AFTER_TERM
    legal1 = actor("legal1")
    with pytest.raises((PermissionDeniedError, ConflictError)):  # no longer theirs to decide
        tasks.complete_task(ctx, step, APPROVE, legal1)
    page = task_page.get_task_page(ctx, step, legal1)  # and the page offers nothing the service refuses
    assert not page.may.complete and not page.may.claim
    report = Worker(ctx, interval=30).run_pass()
    assert report.released == 1 and not report.errors
    lapsed = [e for e in events(ctx, request) if e.action == routing.CLAIM_LAPSED]
    with ctx.db.read() as session:
        name = session.scalar(select(User.full_name).where(User.id == legal1.id))
    assert [(e.human_task_id, e.details) for e in lapsed] == [(step, {"holder": name, "why": "role_ended"})]
    [escalated] = [e for e in events(ctx, request) if e.action == routing.ESCALATED]
    assert escalated.details is not None and escalated.details["why"] == routing.LANE_EMPTIED
    gdir = actor("gdir_plan")
    assert holder(ctx, step) == gdir.id and step in inbox_ids(ctx, gdir)
    assert told(ctx, gdir.id, step) == ["task"]
    assert consistency.check_instances(ctx, [request]).clean
    holding.claim_task(ctx, step, gdir)  # given up the chain, then taken: it stays with them
    again = Worker(ctx, interval=30).run_pass()
    assert again.released == 0 and again.rerouted == 0
    tasks.complete_task(ctx, step, APPROVE, gdir)
    assert consistency.check_instances(ctx, [request]).clean


def test_a_deactivated_holders_step_goes_back_to_the_other_publishers(
    ctx: ServiceContext, actor: Any
) -> None:
    request = file_request(ctx, actor("owner1"))
    for reviewer in ("gdir_plan", "director1"):
        who = actor(reviewer)
        tasks.complete_task(ctx, task_id(ctx, who, request), APPROVE, who)
    publisher = actor("publisher1")
    step = task_id(ctx, publisher, request)
    holding.claim_task(ctx, step, publisher)
    assert step not in inbox_ids(ctx, actor("pr1"))  # held by publisher1
    row = next(u for u in people.list_users(ctx, actor("admin1")) if u.username == "publisher1")
    people.save_user(
        ctx,
        actor("admin1"),
        user_id=row.id,
        username=row.username,
        full_name=row.full_name,
        position=row.position,
        email=row.email,
        group_code=row.group_code or "",
        roles=list(row.roles),
        is_active=False,
        password="",
    )
    report = Worker(ctx, interval=30).run_pass()
    assert report.released == 1 and report.rerouted == 0 and not report.errors
    [lapsed] = [e for e in events(ctx, request) if e.action == routing.CLAIM_LAPSED]
    assert lapsed.details is not None and lapsed.details["why"] == "inactive"
    assert holder(ctx, step) is None
    pr1 = actor("pr1")
    assert step in inbox_ids(ctx, pr1) and told(ctx, pr1.id, step)[-1] == "task"
    assert Worker(ctx, interval=30).run_pass().released == 0  # once
    tasks.complete_task(ctx, step, {"certified": True}, pr1)
    view = instances.get_instance(ctx, request, actor("admin1"))
    assert view.status == "completed"
    assert consistency.check_instances(ctx, [request]).clean
