"""Starting requests, reading them, retrying a failed step, and the timer work of the worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, aliased

from ...engine import STATE_VERSION
from ...errors import (
    Conflict,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    StepFailedError,
    ValidationError,
)
from ...models import (
    HumanTask,
    InstanceEvent,
    ProcessDefinition,
    ProcessInstance,
    PublishedItem,
    TaskDraft,
    User,
)
from ...permissions import Actor, may_start, require_admin
from ...statuses import OPEN_STATUSES, RUNNING, admin_actions
from ..catalogue.categories import procedure_problems
from ..kernel.context import ServiceContext
from ..kernel.events import add_event
from ..kernel.journal import journal
from ..kernel.membership import readable_instance
from ..kernel.reasons import given_reason
from ..procedures import definitions, duty_views, prefill
from ..procedures.versions import spec_for
from .results import EventView, InstanceView, TaskSummary
from .transition import (
    lock_instance,
    names_of,
    recording_failures,
    run_engine,
    stop_instance,
)

DISCARDED = "discarded"  # the outcome of a draft its requester deleted


def start_instance(
    ctx: ServiceContext,
    process_id: str,
    data: dict[str, Any] | None,
    actor: Actor | None,
    now: datetime | None = None,
) -> InstanceView:
    """Start the newest version of a process. `actor` None means the scheduler.
    Raises NotFoundError, PermissionDeniedError, ValidationError."""
    when = now or ctx.now()

    def action(session: Session, failure: StepFailedError | None) -> InstanceView:
        return _view(session, start_in(ctx, session, process_id, dict(data or {}), actor, when, failure))

    return recording_failures(ctx, action)


def start_for_duty(ctx: ServiceContext, duty_id: int, process_id: str, actor: Actor) -> InstanceView:
    """Start `process_id` for a recurring duty (procedures/duties.py), its first form filled with the
    topic's category and a title naming the period. Only the group's people, only a procedure the
    category allows. Raises NotFoundError, PermissionDeniedError, ValidationError."""
    return start_instance(ctx, process_id, duty_views.start_data(ctx, duty_id, process_id, actor), actor)


def start_in(
    ctx: ServiceContext,
    session: Session,
    process_id: str,
    data: dict[str, Any],
    actor: Actor | None,
    now: datetime,
    failure: StepFailedError | None = None,
) -> ProcessInstance:
    definition = definitions.latest(session, process_id)
    if actor is not None and not may_start(actor, definition.start_roles):
        raise PermissionDeniedError(f"you may not start {definition.name}")
    if data:
        all_forms = session.scalar(
            select(ProcessDefinition.forms).where(ProcessDefinition.id == definition.id)
        )
        parsed = spec_for(ctx, session, definition)
        prefill.check_start_data(parsed, all_forms or {}, data)
        # Start data fills the first form: a category it names must allow this procedure (3.3 only...).
        chosen = [
            pair
            for form in prefill.start_forms(parsed, all_forms or {})
            for pair in form.sourced(data, "categories")
        ]
        wrong = procedure_problems(session, definition, chosen)
        if wrong:
            raise ValidationError("the category is published through another procedure", wrong)
    instance = ProcessInstance(
        definition_id=definition.id,
        process_id=definition.process_id,
        status="running",
        title="",
        started_by_id=actor.id if actor else None,
        group_id=actor.group_id if actor else None,
        state="",
        serializer_version=STATE_VERSION,
        step_counts={},
        created_at=now,
        updated_at=now,
    )
    instance.definition = definition
    session.add(instance)
    session.flush()
    add_event(session, instance, "started", now, actor_id=actor.id if actor else None)
    run_engine(
        ctx,
        session,
        instance,
        now,
        actor.id if actor else None,
        lambda parsed, ops, _state: ctx.engine.start(parsed, data, now, ops),
        failure=failure,
    )
    session.flush()
    if actor is None or not _first_form_of(session, instance, actor.id):
        instance.submitted_at = now
    return instance


def _first_form_of(session: Session, instance: ProcessInstance, starter_id: int) -> bool:
    """Whether the request waits on its starter's first form alone: then it is a draft until that form
    is sent (docs/drafts.md). A start that goes straight to someone else is submitted at once."""
    lanes = session.execute(
        select(HumanTask.lane, HumanTask.requester_id).where(
            HumanTask.instance_id == instance.id, HumanTask.status.in_(OPEN_STATUSES)
        )
    ).all()
    return bool(lanes) and all(lane == "requester" and who == starter_id for lane, who in lanes)


def get_instance(ctx: ServiceContext, instance_id: int, actor: Actor) -> InstanceView:
    """Raises NotFoundError, PermissionDeniedError."""
    with ctx.db.read() as session:
        return _view(session, readable_instance(session, actor, instance_id))


def _view(session: Session, instance: ProcessInstance) -> InstanceView:
    tasks = session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id).order_by(HumanTask.id)
    ).all()
    users = _usernames(session, {t.assigned_user_id for t in tasks} | {t.completed_by_id for t in tasks})
    events = session.scalars(
        select(InstanceEvent).where(InstanceEvent.instance_id == instance.id).order_by(InstanceEvent.id)
    ).all()
    names = _usernames(session, {e.on_behalf_of_id for e in events})
    return InstanceView.of(
        instance,
        started_by=instance.started_by.username if instance.started_by else None,
        group=instance.group.code if instance.group else None,
        tasks=[
            TaskSummary.of(t, instance, users.get(t.assigned_user_id or t.completed_by_id or 0))
            for t in tasks
        ],
        events=[
            EventView.of(e, e.actor.username if e.actor else None, names.get(e.on_behalf_of_id or 0))
            for e in events
        ],
    )


def action_view(
    session: Session, instance: ProcessInstance, rows: list[HumanTask], actor: Actor | None
) -> InstanceView:
    """The request as an action left it: its open tasks and the events this transaction wrote.
    Constant size, whatever the history (GET the instance for the whole timeline)."""
    session.flush()
    written = journal(session)
    new_rows = written.tasks_of(instance.id)
    open_rows = [r for r in [*rows, *new_rows] if r.status in OPEN_STATUSES]
    events = written.events_of(instance.id)
    starter, group = names_of(session, instance)
    known = {actor.id: actor.username} if actor is not None and actor.username else {}
    if instance.started_by_id and starter:
        known[instance.started_by_id] = starter
    wanted = {instance.started_by_id, *(r.assigned_user_id for r in open_rows), *(e.actor_id for e in events)}
    names = {**known, **_usernames(session, {i for i in wanted if i and i not in known})}
    return InstanceView.of(
        instance,
        started_by=names.get(instance.started_by_id or 0),
        group=group,
        tasks=[TaskSummary.of(r, instance, names.get(r.assigned_user_id or 0)) for r in open_rows],
        events=[EventView.of(e, names.get(e.actor_id or 0)) for e in events],
    )


def _usernames(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(wanted))).all())


def retry_instance(ctx: ServiceContext, instance_id: int, actor: Actor, reason: str) -> InstanceView:
    """Run the failed step of an instance in `error` again; like every admin action, with a reason.
    Raises PermissionDeniedError, ValidationError (no reason), ConflictError."""
    require_admin(actor, "can retry a failed step")
    reason = given_reason(reason)
    now = ctx.now()

    def action(session: Session, failure: StepFailedError | None) -> InstanceView:
        instance = lock_instance(session, instance_id)
        if "retry" not in admin_actions(instance.status):
            raise ConflictError(f"request {instance_id} is {instance.status}, not failed")
        add_event(
            session,
            instance,
            "retried",
            now,
            actor_id=actor.id,
            comment=reason,
            task_spec=instance.error_task,
        )
        instance.status = "running"
        run_engine(
            ctx,
            session,
            instance,
            now,
            actor.id,
            lambda parsed, ops, state: ctx.engine.resume(parsed, state, now, ops),
            failure=failure,
        )
        session.flush()
        return _view(session, instance)

    return recording_failures(ctx, action)


@dataclass(frozen=True)
class MyRequest:
    id: int
    title: str
    process_name: str
    status: str
    outcome: str | None
    created_at: datetime
    updated_at: datetime
    waiting_on: list[tuple[str, str | None]]  # (step name, holder's full name or None when unclaimed)
    withdrawable: bool  # running and nobody has decided on it yet
    draft: bool = False  # the first form not sent yet: only its requester sees it; it can be deleted
    draft_task_id: int | None = None  # the form to go on with
    published: bool = False  # its item is on the portal (3.2 and 3.3 run on to their evaluation)


def list_my_requests(ctx: ServiceContext, actor: Actor, *, limit: int = 100) -> list[MyRequest]:
    """The requests the actor started, newest first, with the steps they wait on and who holds them."""
    holder = aliased(User)
    with ctx.db.read() as session:
        rows = session.execute(
            select(ProcessInstance, ProcessDefinition.name)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(
                ProcessInstance.started_by_id == actor.id,
                # a deleted draft is gone for its requester too (the rows stay for the audit trail)
                or_(ProcessInstance.submitted_at.is_not(None), ProcessInstance.status == RUNNING),
            )
            .order_by(ProcessInstance.created_at.desc(), ProcessInstance.id.desc())
            .limit(limit)
        ).all()
        ids = [instance.id for instance, _ in rows]
        waiting: dict[int, list[tuple[str, str | None]]] = {}
        first_task: dict[int, int] = {}
        if ids:
            for instance_id, task_id, name, full_name in session.execute(
                select(HumanTask.instance_id, HumanTask.id, HumanTask.name, holder.full_name)
                .outerjoin(holder, holder.id == HumanTask.assigned_user_id)
                .where(HumanTask.instance_id.in_(ids), HumanTask.status.in_(OPEN_STATUSES))
                .order_by(HumanTask.id)
            ):
                waiting.setdefault(instance_id, []).append((name, full_name))
                first_task.setdefault(instance_id, task_id)
            decided = set(
                session.scalars(
                    select(HumanTask.instance_id).where(
                        HumanTask.instance_id.in_(ids),
                        HumanTask.status == "completed",
                        HumanTask.lane != "requester",
                    )
                )
            )
            on_portal = set(
                session.scalars(
                    select(PublishedItem.instance_id).where(
                        PublishedItem.instance_id.in_(ids), PublishedItem.status == "published"
                    )
                )
            )
        else:
            decided, on_portal = set(), set()
        return [
            MyRequest(
                id=i.id,
                title=i.title,
                process_name=name,
                status=i.status,
                outcome=i.outcome,
                created_at=i.created_at,
                updated_at=i.updated_at,
                waiting_on=waiting.get(i.id, []),
                withdrawable=i.status == "running" and i.id not in decided and not i.is_draft,
                draft=i.is_draft,
                draft_task_id=first_task.get(i.id) if i.is_draft else None,
                published=i.id in on_portal,
            )
            for i, name in rows
        ]


def untouched_draft(ctx: ServiceContext, process_id: str, actor: Actor) -> int | None:
    """The first form of the actor's newest draft of `process_id` that nothing has been written into
    (no title, no saved form): "เริ่ม" opens it again rather than leaving another empty request."""
    with ctx.db.read() as session:
        return session.scalar(
            select(HumanTask.id)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .where(
                ProcessInstance.process_id == process_id,
                ProcessInstance.started_by_id == actor.id,
                ProcessInstance.submitted_at.is_(None),
                ProcessInstance.status == RUNNING,
                ProcessInstance.title == "",
                HumanTask.status.in_(OPEN_STATUSES),
                HumanTask.requester_id == actor.id,
                ~exists().where(TaskDraft.task_id == HumanTask.id),
            )
            .order_by(ProcessInstance.id.desc(), HumanTask.id)
            .limit(1)
        )


def discard_draft(ctx: ServiceContext, instance_id: int, actor: Actor) -> None:
    """The requester deletes a request they never sent. It ends (`terminated`, outcome `discarded`,
    its open step cancelled, saved forms dropped) and stays out of every list; its rows stay, like
    every request's, for the audit trail. Raises NotFoundError (not the actor's draft), ConflictError
    (sent meanwhile, or already deleted)."""
    now = ctx.now()
    with ctx.db.write() as session:
        instance = lock_instance(session, instance_id)
        if instance.started_by_id not in actor.ids:
            # someone else's draft does not exist for the actor; a sent request is not a draft
            if instance.submitted_at is None:
                raise NotFoundError(f"request {instance_id} not found")
            raise PermissionDeniedError("only the requester can delete their draft")
        if instance.submitted_at is not None:
            raise ConflictError(
                "the request has been sent; it is no longer a draft", reason=Conflict.NOT_DRAFT
            )
        if instance.status != RUNNING:
            raise ConflictError("the draft has already been deleted", reason=Conflict.TASK_CLOSED)
        stop_instance(session, instance, DISCARDED, now)
        instance.updated_at = now
        add_event(session, instance, "draft_discarded", now, actor_id=actor.id)


def first_task_for(ctx: ServiceContext, instance_id: int, actor: Actor) -> int | None:
    """The open task of a request the actor may do now (after starting it: the first form)."""
    with ctx.db.read() as session:
        return session.scalar(
            select(HumanTask.id)
            .where(
                HumanTask.instance_id == instance_id,
                HumanTask.status.in_(OPEN_STATUSES),
                HumanTask.lane == "requester",
                HumanTask.requester_id == actor.id,
            )
            .order_by(HumanTask.id)
            .limit(1)
        )


def withdraw_request(ctx: ServiceContext, instance_id: int, actor: Actor, reason: str) -> InstanceView:
    """The requester takes back a request nobody has decided on yet; the reason is recorded.
    Raises NotFoundError, PermissionDeniedError, ConflictError, ValidationError."""
    reason = given_reason(reason)
    now = ctx.now()
    with ctx.db.write() as session:
        instance = lock_instance(session, instance_id)
        if instance.started_by_id != actor.id:
            raise PermissionDeniedError("only the requester can withdraw a request")
        if instance.status != "running":
            raise ConflictError(f"request {instance_id} is {instance.status}; it cannot be withdrawn")
        decided = session.scalar(
            select(HumanTask.id).where(
                HumanTask.instance_id == instance_id,
                HumanTask.status == "completed",
                HumanTask.lane != "requester",
            )
        )
        if decided is not None:
            raise ConflictError("someone has already decided on this request; it can no longer be withdrawn")
        stop_instance(session, instance, "withdrawn", now)
        instance.updated_at = now
        add_event(session, instance, "withdrawn", now, actor_id=actor.id, comment=reason)
        session.flush()
        return _view(session, instance)
