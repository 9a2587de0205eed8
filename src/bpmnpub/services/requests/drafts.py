"""A step's form saved without sending it: one draft per step and person (the "บันทึกร่าง" button and
the task page's autosave), shown again when the page opens, dropped when the step is completed or
cancelled (`transition.forget_drafts`). See docs/drafts.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import Conflict, ConflictError, NotFoundError, PermissionDeniedError
from ...models import HumanTask, TaskDraft
from ...permissions import Actor, TaskScope, eligible, may_act
from ...statuses import OPEN_STATUSES, RUNNING
from ..kernel.context import ServiceContext
from .transition import lock_instance_of_task


@dataclass(frozen=True)
class SavedDraft:
    values: dict[str, Any]  # the form's values as the page posts them back (web/formdata form_values)
    saved_at: datetime


def save_draft(
    ctx: ServiceContext, task_id: int, values: dict[str, Any], actor: Actor, now: datetime | None = None
) -> SavedDraft:
    """Keep what the actor typed into an open step's form, replacing their earlier draft of it. Under the
    request's lock, so a draft never outlives the completion it races with. Raises NotFoundError,
    PermissionDeniedError, ConflictError (the step was completed or cancelled meanwhile, the request is
    no longer running, or someone else holds the step)."""
    when = now or ctx.now()
    with ctx.db.write() as session:
        instance, rows = lock_instance_of_task(session, task_id)
        task = next((row for row in rows if row.id == task_id), None)
        if task is None:
            status = session.scalar(select(HumanTask.status).where(HumanTask.id == task_id))
            _check_reader(session, task_id, actor)
            if status == "completed":
                raise ConflictError("this task has already been completed", reason=Conflict.TASK_DONE)
            raise ConflictError(f"this task is {status}", reason=Conflict.TASK_CLOSED)
        if instance.submitted_at is None and instance.started_by_id not in actor.ids:
            raise NotFoundError(f"task {task_id} not found")
        reason = eligible(actor, _scope(task))
        if reason is not None:
            raise PermissionDeniedError(reason)
        if instance.status != RUNNING:
            raise ConflictError(f"request {instance.id} is {instance.status}", reason=Conflict.REQUEST_ENDED)
        if may_act(actor, _scope(task)) is not None:
            raise ConflictError("someone else holds this task", reason=Conflict.TASK_HELD)
        draft = session.get(TaskDraft, (task_id, actor.id), populate_existing=True)
        if draft is None:
            session.add(TaskDraft(task_id=task_id, user_id=actor.id, values=values, saved_at=when))
        else:
            draft.values = values
            draft.saved_at = when
        return SavedDraft(values, when)


def find_draft(session: Session, task_id: int, user_id: int) -> SavedDraft | None:
    """The person's saved draft of a step, while the step is open."""
    row = session.execute(
        select(TaskDraft.values, TaskDraft.saved_at)
        .join(HumanTask, HumanTask.id == TaskDraft.task_id)
        .where(
            TaskDraft.task_id == task_id,
            TaskDraft.user_id == user_id,
            HumanTask.status.in_(OPEN_STATUSES),
        )
    ).first()
    return SavedDraft(dict(row[0] or {}), row[1]) if row is not None else None


def _check_reader(session: Session, task_id: int, actor: Actor) -> None:
    """A closed step: say so only to someone who could have worked on it (others learn nothing)."""
    task = session.get(HumanTask, task_id)
    if task is None:
        raise NotFoundError(f"task {task_id} not found")
    if task.completed_by_id != actor.id and eligible(actor, _scope(task, open_=True)) is not None:
        raise PermissionDeniedError("this task is not yours")


def _scope(task: HumanTask, *, open_: bool = False) -> TaskScope:
    return TaskScope(
        task.lane,
        "ready" if open_ else task.status,
        task.requester_id,
        task.scope_group_id,
        task.assigned_user_id,
        task.decides,
    )
