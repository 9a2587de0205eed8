"""The inbox: list, read, claim, release and complete user tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ..errors import (
    ConflictError,
    FieldProblem,
    NotFoundError,
    PermissionDeniedError,
    StepFailedError,
    ValidationError,
)
from ..forms import validate
from ..models import HumanTask, ProcessInstance, User
from ..permissions import OPEN_STATUSES, Actor, TaskColumns, TaskScope, actionable_clause, eligible, may_act
from .context import ServiceContext
from .files import missing_files
from .instances import action_view
from .progress import (
    add_event,
    form_for,
    lock_instance_of_task,
    recording_failures,
    require_running,
    run_engine,
    spec_for,
)
from .views import InstanceView, TaskDetail, TaskSummary

_COLUMNS = TaskColumns(
    lane=HumanTask.lane,
    status=HumanTask.status,
    requester_id=HumanTask.requester_id,
    scope_group_id=HumanTask.scope_group_id,
    assigned_user_id=HumanTask.assigned_user_id,
    decides=HumanTask.decides,
)


def _scope(task: HumanTask) -> TaskScope:
    return TaskScope(
        task.lane, task.status, task.requester_id, task.scope_group_id, task.assigned_user_id, task.decides
    )


def list_tasks(ctx: ServiceContext, actor: Actor, *, limit: int = 50, offset: int = 0) -> list[TaskSummary]:
    """Tasks the actor can act on now: held by them, or unclaimed and theirs to claim. No workflow is
    deserialized: this reads the human_task projection only."""
    assignee = aliased(User)
    stmt = (
        select(HumanTask, ProcessInstance.title, ProcessInstance.process_id, assignee.username)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .outerjoin(assignee, assignee.id == HumanTask.assigned_user_id)
        .where(actionable_clause(actor, _COLUMNS), ProcessInstance.status == "running")
        .order_by(HumanTask.created_at, HumanTask.id)
        .limit(min(max(limit, 1), 200))
        .offset(max(offset, 0))
    )
    with ctx.db.read() as session:
        return [
            TaskSummary(
                id=t.id,
                instance_id=t.instance_id,
                name=t.name,
                title=title,
                lane=t.lane,
                status=t.status,
                round=t.round,
                process_id=process_id,
                assigned_to=username,
                created_at=t.created_at,
                due_at=t.due_at,
            )
            for t, title, process_id, username in session.execute(stmt)
        ]


def _get(session: Session, task_id: int) -> HumanTask:
    task = session.get(HumanTask, task_id)
    if task is None:
        raise NotFoundError(f"task {task_id} not found")
    return task


def get_task(ctx: ServiceContext, task_id: int, actor: Actor) -> TaskDetail:
    """A task with its form and current data. Raises NotFoundError, PermissionDeniedError."""
    with ctx.db.read() as session:
        task = _get(session, task_id)
        if not (actor.is_admin or task.completed_by_id == actor.id or eligible(actor, _scope(task)) is None):
            raise PermissionDeniedError("this task is not yours")
        instance = session.get(ProcessInstance, task.instance_id)
        assert instance is not None
        form = form_for(session, instance.definition, task.form_key) if task.form_key else None
        context: dict[str, Any] = {}
        if task.status in OPEN_STATUSES:
            parsed = spec_for(ctx, session, instance.definition)
            context = ctx.engine.task_data(parsed, instance.state, task.task_guid)
        fields = form.fields if form else []
        data = {name: context[name] for name in fields if name in context}
        holder = session.get(User, task.assigned_user_id) if task.assigned_user_id else None
        return TaskDetail(
            id=task.id,
            instance_id=task.instance_id,
            name=task.name,
            title=instance.title,
            lane=task.lane,
            status=task.status,
            round=task.round,
            instructions=task.instructions,
            form={"key": form.key, "schema": form.schema, "ui": form.ui()} if form else {},
            data=data,
            context=context,
            assigned_to=holder.username if holder else None,
        )


def _locked_task(session: Session, task_id: int) -> tuple[HumanTask, ProcessInstance, list[HumanTask]]:
    """The open task, its instance locked, and the instance's open tasks, all read after the lock.
    Raises NotFoundError, ConflictError (the task is no longer open)."""
    instance, rows = lock_instance_of_task(session, task_id)
    task = next((row for row in rows if row.id == task_id), None)
    if task is None:
        status = session.scalar(select(HumanTask.status).where(HumanTask.id == task_id))
        if status == "completed":
            raise ConflictError("this task has already been completed")
        raise ConflictError(f"this task is {status}")
    return task, instance, rows


def _check_actor(actor: Actor, task: HumanTask) -> None:
    reason = eligible(actor, _scope(task))
    if reason is not None:
        raise PermissionDeniedError(reason)
    if may_act(actor, _scope(task)) is not None:
        raise ConflictError("someone else holds this task")


def claim_task(ctx: ServiceContext, task_id: int, actor: Actor) -> TaskSummary:
    """Take a task so nobody else works on it. Raises NotFoundError, PermissionDeniedError, ConflictError."""
    now = ctx.now()
    with ctx.db.write() as session:
        task, instance, _ = _locked_task(session, task_id)
        require_running(instance)
        _check_actor(actor, task)
        if task.assigned_user_id != actor.id:
            task.assigned_user_id = actor.id
            task.status = "claimed"
            add_event(session, instance, "claimed", now, actor_id=actor.id, task=task)
        return TaskSummary.of(task, instance, _username(session, actor.id))


def release_task(ctx: ServiceContext, task_id: int, actor: Actor) -> TaskSummary:
    """Give a claimed task back to everyone who may do it. Raises NotFoundError, ConflictError."""
    now = ctx.now()
    with ctx.db.write() as session:
        task, instance, _ = _locked_task(session, task_id)
        if task.assigned_user_id != actor.id:
            raise ConflictError("you do not hold this task")
        task.assigned_user_id = None
        task.status = "ready"
        add_event(session, instance, "released", now, actor_id=actor.id, task=task)
        return TaskSummary.of(task, instance, None)


def _username(session: Session, user_id: int) -> str | None:
    return session.scalar(select(User.username).where(User.id == user_id))


def complete_task(
    ctx: ServiceContext, task_id: int, data: Any, actor: Actor, now: datetime | None = None
) -> InstanceView:
    """Submit a task's form and move the request on, in one transaction with its event.
    Returns the request as this left it: its open tasks and the events written now (GET the instance
    for the whole timeline). Raises NotFoundError, PermissionDeniedError, ConflictError (already
    done, held by someone else, request not running), ValidationError (field by field)."""
    when = now or ctx.now()

    def action(session: Session, failure: StepFailedError | None) -> InstanceView:
        task, instance, rows = _locked_task(session, task_id)
        _check_actor(actor, task)
        require_running(instance)
        cleaned = _validated(session, instance, task, data)
        task.status = "completed"
        task.assigned_user_id = actor.id
        task.completed_by_id = actor.id
        task.completed_at = when
        add_event(
            session,
            instance,
            "task_completed",
            when,
            actor_id=actor.id,
            task=task,
            decision=_text(cleaned.get("decision")),
            comment=_text(cleaned.get("comment")),
            details={"round": task.round},
        )
        run_engine(
            ctx,
            session,
            instance,
            when,
            actor.id,
            lambda parsed, ops, state: ctx.engine.complete(
                parsed, state, task.task_guid, cleaned, when, ops, lane=task.lane
            ),
            open_rows=rows,
            failure=failure,
        )
        return action_view(session, instance, rows, actor)

    return recording_failures(ctx, action)


def _validated(session: Session, instance: ProcessInstance, task: HumanTask, data: Any) -> dict[str, Any]:
    """The submission checked against the task's form, files included. Raises ValidationError."""
    if not task.form_key:
        return {}
    form = form_for(session, instance.definition, task.form_key)
    cleaned = validate(form, data if data is not None else {})
    missing = missing_files(session, form.file_ids(cleaned))
    if missing:
        raise ValidationError(
            "attached files do not exist",
            [FieldProblem("", f"ไม่พบไฟล์แนบ (file not found): {', '.join(missing)}")],
        )
    return cleaned


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
