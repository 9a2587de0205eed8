"""Starting requests, reading them, retrying a failed step, and the timer work of the worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, undefer

from ..engine import STATE_VERSION, next_occurrence
from ..errors import (
    ConflictError,
    PermissionDeniedError,
    StepFailedError,
)
from ..models import (
    HumanTask,
    InstanceEvent,
    ProcessDefinition,
    ProcessInstance,
    ProcessSchedule,
    User,
)
from ..permissions import OPEN_STATUSES, Actor, may_start
from . import definitions, prefill
from .access import readable_instance
from .context import ServiceContext
from .progress import (
    WRITTEN_EVENTS,
    WRITTEN_TASKS,
    add_event,
    lock_instance,
    names_of,
    recording_failures,
    run_engine,
    spec_for,
    stop_instance,
)
from .reasons import given_reason
from .views import EventView, InstanceView, TaskSummary


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
        return _view(session, _start(ctx, session, process_id, dict(data or {}), actor, when, failure))

    return recording_failures(ctx, action)


def _start(
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
        prefill.check_start_data(spec_for(ctx, session, definition), all_forms or {}, data)
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
    return instance


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
    new_rows = [r for r in session.info.get(WRITTEN_TASKS, []) if r.instance_id == instance.id]
    open_rows = [r for r in [*rows, *new_rows] if r.status in OPEN_STATUSES]
    events = [e for e in session.info.get(WRITTEN_EVENTS, []) if e.instance_id == instance.id]
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
    if not actor.is_admin:
        raise PermissionDeniedError("only administrators can retry a failed step")
    reason = given_reason(reason)
    now = ctx.now()

    def action(session: Session, failure: StepFailedError | None) -> InstanceView:
        instance = lock_instance(session, instance_id)
        if instance.status != "error":
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


def fire_due_timers(ctx: ServiceContext, now: datetime | None = None, batch: int = 50) -> int:
    """Advance every running instance whose timer is due, each in its own transaction. Several workers
    can run this at once: each skips rows another holds (SKIP LOCKED on PostgreSQL). Returns how many
    instances moved. (The worker's pass, services.worker, adds retries and isolation around the same
    two calls.)"""
    when = now or ctx.now()
    moved, after = 0, 0
    while True:
        ids = due_timer_ids(ctx, when, after=after, batch=batch)
        for instance_id in ids:
            moved += fire_timer(ctx, instance_id, when)
        if len(ids) < batch:
            return moved
        after = ids[-1]


def due_timer_ids(ctx: ServiceContext, now: datetime, *, after: int = 0, batch: int = 50) -> list[int]:
    """Ids above `after` of running instances whose timer is due, in id order, at most `batch`."""
    with ctx.db.read() as session:
        # Strictly earlier: SpiffWorkflow fires a timer only once its due time has passed.
        return list(
            session.scalars(
                select(ProcessInstance.id)
                .where(
                    ProcessInstance.status == "running",
                    ProcessInstance.next_timer_due < now,
                    ProcessInstance.id > after,
                )
                .order_by(ProcessInstance.id)
                .limit(batch)
            ).all()
        )


def fire_timer(ctx: ServiceContext, instance_id: int, now: datetime) -> int:
    """Fire the due timer of one instance in one transaction (its event with it); 1 when it moved, 0 when
    another worker holds it or it is no longer due. A failing step puts the instance in `error`."""
    return recording_failures(ctx, partial(_fire, ctx, instance_id, now))


def put_in_error(
    ctx: ServiceContext, instance_id: int, reason: str, now: datetime, details: dict[str, Any] | None = None
) -> bool:
    """Stop a running instance the worker cannot move (its last good state is kept): status `error`,
    with the reason on the record, so an admin can look and retry. False when it is no longer running."""
    with ctx.db.write() as session:
        instance = lock_instance(session, instance_id)
        if instance.status != "running":
            return False
        instance.status = "error"
        instance.error_message = reason
        instance.error_task = None
        instance.next_timer_due = None
        instance.updated_at = now
        add_event(session, instance, "error", now, comment=reason, details=details)
        return True


def _fire(
    ctx: ServiceContext, instance_id: int, now: datetime, session: Session, failure: StepFailedError | None
) -> int:
    instance = session.scalar(
        select(ProcessInstance)
        .where(ProcessInstance.id == instance_id)
        .options(undefer(ProcessInstance.state))
        .with_for_update(skip_locked=True, of=ProcessInstance)
        .execution_options(populate_existing=True)
    )
    if instance is None or instance.status != "running" or not instance.next_timer_due:
        return 0  # another worker has it, or it moved on meanwhile
    if instance.next_timer_due >= now:
        return 0
    add_event(session, instance, "timer_fired", now, details={"due": _iso(instance.next_timer_due)})
    run_engine(
        ctx,
        session,
        instance,
        now,
        None,
        lambda parsed, ops, state: ctx.engine.resume(parsed, state, now, ops),
        failure=failure,
    )
    return 1


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def run_schedules(ctx: ServiceContext, now: datetime | None = None) -> list[int]:
    """Start timer-started processes (the six-monthly report) whose time has come; returns new ids.
    Each start is one transaction with the move of its schedule."""
    when = now or ctx.now()
    started: list[int] = []
    for process_id, cycle in timed_processes(ctx):
        new_id = run_schedule(ctx, process_id, cycle, when)
        if new_id is not None:
            started.append(new_id)
    return started


def timed_processes(ctx: ServiceContext) -> list[tuple[str, str]]:
    """(process id, time cycle) of every process whose newest version starts by itself."""
    with ctx.db.read() as session:
        return [(d.process_id, d.start_timer) for d in definitions.latest_versions(session) if d.start_timer]


def run_schedule(ctx: ServiceContext, process_id: str, cycle: str, now: datetime) -> int | None:
    """Start one timer-started process if its time has come, with the move of its schedule, in one
    transaction; returns the new instance's id, or None when it is not yet time."""

    def action(session: Session, failure: StepFailedError | None) -> int | None:
        schedule = session.get(ProcessSchedule, process_id, with_for_update=True)
        if schedule is None:
            session.add(ProcessSchedule(process_id=process_id, next_run_at=next_occurrence(cycle, now)))
            return None
        if schedule.next_run_at is None or schedule.next_run_at > now:
            return None
        schedule.last_run_at = now
        schedule.next_run_at = next_occurrence(cycle, now)
        return _start(ctx, session, process_id, {}, None, now, failure).id

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


def list_my_requests(ctx: ServiceContext, actor: Actor, *, limit: int = 100) -> list[MyRequest]:
    """The requests the actor started, newest first, with the steps they wait on and who holds them."""
    holder = aliased(User)
    with ctx.db.read() as session:
        rows = session.execute(
            select(ProcessInstance, ProcessDefinition.name)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(ProcessInstance.started_by_id == actor.id)
            .order_by(ProcessInstance.created_at.desc(), ProcessInstance.id.desc())
            .limit(limit)
        ).all()
        ids = [instance.id for instance, _ in rows]
        waiting: dict[int, list[tuple[str, str | None]]] = {}
        if ids:
            for instance_id, name, full_name in session.execute(
                select(HumanTask.instance_id, HumanTask.name, holder.full_name)
                .outerjoin(holder, holder.id == HumanTask.assigned_user_id)
                .where(HumanTask.instance_id.in_(ids), HumanTask.status.in_(OPEN_STATUSES))
                .order_by(HumanTask.id)
            ):
                waiting.setdefault(instance_id, []).append((name, full_name))
            decided = set(
                session.scalars(
                    select(HumanTask.instance_id).where(
                        HumanTask.instance_id.in_(ids),
                        HumanTask.status == "completed",
                        HumanTask.lane != "requester",
                    )
                )
            )
        else:
            decided = set()
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
                withdrawable=i.status == "running" and i.id not in decided,
            )
            for i, name in rows
        ]


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
