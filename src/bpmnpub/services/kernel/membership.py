"""Who takes part in a request, and so may read it, its files and its discussion: the one rule, with two
faces side by side (as permissions.py does for a task): `involved` for one request (its page, its files,
its memo) and `readable_clause` in SQL for lists (`readable_ids`). tests/services/test_readers.py checks
over org shapes that the two agree.

A request is read by: admins, process owners and the office-wide lanes; its requester; the director of
its group; whoever did or holds one of its steps; whoever may do one of its open steps; and the
publishers of the unit its publish step is (or was) routed to, or of the office pool when it went
there (permissions.reads_publish_step) — not, any more, every publisher of every unit."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from ...errors import NotFoundError, PermissionDeniedError
from ...models import HumanTask, ProcessInstance
from ...permissions import (
    PUBLISHER,
    Actor,
    TaskColumns,
    TaskScope,
    eligible,
    eligible_clause,
    may_view_instance,
    reads_every_request,
    reads_publish_step,
)
from ...statuses import OPEN_STATUSES

# The `human_task` columns the permission rule reads, for its SQL face (inbox, lists, membership).
TASK_COLUMNS = TaskColumns(
    lane=HumanTask.lane,
    status=HumanTask.status,
    requester_id=HumanTask.requester_id,
    scope_group_id=HumanTask.scope_group_id,
    assigned_user_id=HumanTask.assigned_user_id,
    decides=HumanTask.decides,
    unit_id=HumanTask.unit_id,
)


def readable_instance(session: Session, actor: Actor, instance_id: int) -> ProcessInstance:
    """A request, for someone who takes part in it. Raises NotFoundError, PermissionDeniedError."""
    # Not transition.load_instance: the kernel stands below the request flow.
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFoundError(f"request {instance_id} not found")
    if instance.submitted_at is None and instance.started_by_id not in actor.ids:
        # A draft exists for its requester (and whoever acts for them) only, until it is sent.
        raise NotFoundError(f"request {instance_id} not found")
    if not involved(session, actor, instance):
        raise PermissionDeniedError("you take no part in this request")
    return instance


def involved(session: Session, actor: Actor, instance: ProcessInstance) -> bool:
    """Whether the actor takes part in a request: may see it by role, has done or holds a step of it,
    may do one of its open steps, or publishes for the unit (or the pool) of its publish step."""
    if may_view_instance(actor, instance.started_by_id, instance.group_id):
        return True
    rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).all()
    for task in rows:
        if actor.id in (task.completed_by_id, task.assigned_user_id):
            return True
        if task.status in OPEN_STATUSES and eligible(actor, task_scope(task)) is None:
            return True
        if task.lane == PUBLISHER and reads_publish_step(actor, task.unit_id):
            return True
    return False


def readable_clause(actor: Actor) -> ColumnElement[bool]:
    """SQL over `process_instance`: the requests `involved` lets the actor read (drafts aside: see
    `readable_ids`)."""
    if reads_every_request(actor):
        return true()
    by_request: list[ColumnElement[bool]] = [ProcessInstance.started_by_id == actor.id]
    if actor.director_of:
        by_request.append(ProcessInstance.group_id.in_(sorted(actor.director_of)))
    by_step: list[ColumnElement[bool]] = [
        HumanTask.completed_by_id == actor.id,
        HumanTask.assigned_user_id == actor.id,
        and_(HumanTask.status.in_(OPEN_STATUSES), eligible_clause(actor, TASK_COLUMNS)),
    ]
    if actor.publisher_units:
        units = sorted(u for u in actor.publisher_units if u is not None)
        unit = or_(HumanTask.unit_id.is_(None), HumanTask.unit_id.in_(units) if units else false())
        by_step.append(and_(HumanTask.lane == PUBLISHER, unit))
    steps = exists().where(HumanTask.instance_id == ProcessInstance.id, or_(*by_step))
    return or_(*by_request, steps)


def readable_ids(session: Session, actor: Actor, instance_ids: Iterable[int]) -> set[int]:
    """Which of these requests the actor may open (`readable_instance` would give them): one query."""
    wanted = sorted(set(instance_ids))
    if not wanted:
        return set()
    sent = or_(ProcessInstance.submitted_at.is_not(None), ProcessInstance.started_by_id.in_(actor.ids))
    stmt = select(ProcessInstance.id).where(ProcessInstance.id.in_(wanted), sent, readable_clause(actor))
    return set(session.scalars(stmt))


def task_scope(task: HumanTask, *, unheld: bool = False) -> TaskScope:
    """A `human_task` row as the permission rule sees it (`unheld`: as if nobody held it)."""
    return TaskScope(
        task.lane,
        "ready" if unheld else task.status,
        task.requester_id,
        task.scope_group_id,
        None if unheld else task.assigned_user_id,
        task.decides,
        task.unit_id,
    )
