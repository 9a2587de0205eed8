"""Moving an instance forward: the shared part of start, complete, fire timers and retry.

Everything here runs inside the caller's transaction; nothing commits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session, undefer

from ...engine import Operators, ParsedSpec, PendingTask, RunResult, task_due_at, work_calendar
from ...errors import ConflictError, NotFoundError, StepFailedError
from ...models import Group, HumanTask, ProcessInstance, TaskDraft, User
from ...statuses import OPEN_STATUSES
from ..kernel.context import ServiceContext, StepScope, bind
from ..kernel.events import add_event
from ..kernel.journal import journal
from ..procedures.versions import form_for, spec_for, title_field
from . import deadlines, notify, routing, units


def load_instance(session: Session, instance_id: int) -> ProcessInstance:
    """The instance row, to read (not locked). Raises NotFoundError."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFoundError(f"request {instance_id} not found")
    return instance


def lock_instance(session: Session, instance_id: int) -> ProcessInstance:
    """The instance row, locked for this transaction (FOR UPDATE on PostgreSQL; SQLite writers are
    already serialized by BEGIN IMMEDIATE). Raises NotFoundError."""
    instance = _locked(session, _LOCK_BY_ID, {"instance_id": instance_id})
    if instance is None:
        raise NotFoundError(f"request {instance_id} not found")
    return instance


def lock_instance_of_task(session: Session, task_id: int) -> tuple[ProcessInstance, list[HumanTask]]:
    """The instance a task belongs to, locked, with its open tasks (read after the lock, so current).
    One statement each. Raises NotFoundError."""
    instance = _locked(session, _LOCK_BY_TASK, {"task_id": task_id})
    if instance is None:
        raise NotFoundError(f"task {task_id} not found")
    return instance, open_tasks(session, instance.id)


def names_of(session: Session, instance: ProcessInstance) -> tuple[str | None, str | None]:
    """(starter's username, group code) as read with the lock (see `_locked`)."""
    return journal(session).names.get(instance.id, (None, None))


# The statements of every completion, built once and run with parameters.
_OPEN_TASKS = (
    select(HumanTask)
    .where(HumanTask.instance_id == bindparam("instance_id"), HumanTask.status.in_(OPEN_STATUSES))
    .order_by(HumanTask.id)
    .execution_options(populate_existing=True)
)
# The starter's name and the group code come along with the locked instance: the response needs them,
# and a second round trip for each costs more than the join.
_LOCK = (
    select(ProcessInstance, User.username, Group.code)
    .outerjoin(User, User.id == ProcessInstance.started_by_id)
    .outerjoin(Group, Group.id == ProcessInstance.group_id)
    .options(undefer(ProcessInstance.state))
    .with_for_update(of=ProcessInstance)
    .execution_options(populate_existing=True)
)
_LOCK_BY_ID = _LOCK.where(ProcessInstance.id == bindparam("instance_id"))
_LOCK_BY_TASK = _LOCK.where(
    ProcessInstance.id
    == select(HumanTask.instance_id).where(HumanTask.id == bindparam("task_id")).scalar_subquery()
)
_FORGET_DRAFTS = (
    delete(TaskDraft)
    .where(TaskDraft.task_id.in_(bindparam("task_ids", expanding=True)))
    .execution_options(synchronize_session=False)
)


def open_tasks(session: Session, instance_id: int) -> list[HumanTask]:
    return list(session.scalars(_OPEN_TASKS, {"instance_id": instance_id}))


def _locked(session: Session, statement: Any, params: dict[str, int]) -> ProcessInstance | None:
    row = session.execute(statement, params).first()
    if row is None:
        return None
    instance: ProcessInstance = row[0]
    journal(session).names[instance.id] = (row[1], row[2])
    return instance


def stop_instance(session: Session, instance: ProcessInstance, outcome: str, now: datetime) -> None:
    """End a request before its diagram does (withdrawn by its requester, terminated by an admin): its
    open steps are cancelled and its timers stop. The caller records why."""
    stopped = open_tasks(session, instance.id)
    for task in stopped:
        task.status = "cancelled"
        task.completed_at = now
    forget_drafts(session, [task.id for task in stopped])
    instance.status = "terminated"
    instance.outcome = outcome
    instance.completed_at = now
    instance.next_timer_due = None


def forget_drafts(session: Session, task_ids: list[int]) -> None:
    """The saved drafts of steps that are done or cancelled go with them (services/requests/drafts.py)."""
    if task_ids:
        # No autoflush: the drafts do not depend on the caller's pending changes, which are flushed
        # with the rest of the transaction's writes (one flush fewer per completion).
        with session.no_autoflush:
            session.execute(_FORGET_DRAFTS, {"task_ids": task_ids})


def require_running(instance: ProcessInstance) -> None:
    if instance.status != "running":
        raise ConflictError(f"request {instance.id} is {instance.status}; nothing can be done on it now")


class EngineStepFailed(Exception):
    """Raised out of a transaction so that it rolls back whole, operators' writes included."""

    def __init__(self, error: StepFailedError) -> None:
        super().__init__(error.message)
        self.error = error


T = TypeVar("T")


def recording_failures(ctx: ServiceContext, action: Callable[[Session, StepFailedError | None], T]) -> T:
    """Run `action` in one transaction. When an engine step fails in it, everything it wrote is rolled
    back and `action` runs again in a new transaction with the failure, to record it: the person's
    work and the last good state are kept, the instance is set to `error` with an event saying why.
    (No savepoint on the hot path: a failure costs a second transaction, a success nothing.)"""
    try:
        with ctx.db.write() as session:
            return action(session, None)
    except EngineStepFailed as failed:
        with ctx.db.write() as session:
            return action(session, failed.error)


def run_engine(
    ctx: ServiceContext,
    session: Session,
    instance: ProcessInstance,
    now: datetime,
    actor_id: int | None,
    call: Callable[[ParsedSpec, Operators, str], RunResult],
    open_rows: list[HumanTask] | None = None,
    failure: StepFailedError | None = None,
) -> RunResult | None:
    """Run one engine call with operators bound to this transaction and apply its result; raises
    EngineStepFailed for `recording_failures`. Given the `failure` of a first attempt instead, it
    records that failure and returns None."""
    if failure is not None:
        instance.state = failure.state
        instance.status = "error"
        instance.error_message = failure.message
        instance.error_task = failure.task_spec
        instance.updated_at = now
        instance.next_timer_due = None
        add_event(session, instance, "error", now, task_spec=failure.task_spec, comment=failure.message)
        return None
    parsed = spec_for(ctx, session, instance.definition)
    operators = bind(ctx.operators, StepScope(ctx, session, instance, actor_id, now))
    # Working-day timers and due times read the office's closure days, only when they need them.
    with work_calendar(deadlines.calendar_loader(session)):
        try:
            result = call(parsed, operators, instance.state)
        except StepFailedError as exc:
            raise EngineStepFailed(exc) from exc
        with session.no_autoflush:  # one UPDATE of the instance at commit, not one per query
            apply_result(session, instance, result, now, open_rows, actor_id)
    return result


def apply_result(
    session: Session,
    instance: ProcessInstance,
    result: RunResult,
    now: datetime,
    open_rows: list[HumanTask] | None = None,
    actor_id: int | None = None,
) -> None:
    """Write state, status, the task projection, the events of automatic steps and the notifications
    (never to `actor_id`, who is right there). `open_rows`: the instance's open task rows when the
    caller already has them."""
    rows = open_tasks(session, instance.id) if open_rows is None else open_rows
    for step in result.steps:
        if step.kind == "service":
            add_event(
                session,
                instance,
                "service",
                now,
                task_spec=step.spec_id,
                task_name=step.name,
                details={"result": step.result},
            )
    still_open = {row.task_guid: row for row in rows if row.status in OPEN_STATUSES}
    pending_guids = {p.guid for p in result.pending}
    gone = [row for guid, row in still_open.items() if guid not in pending_guids]
    for row in gone:
        row.status = "cancelled"
        row.completed_at = now
    forget_drafts(session, [row.id for row in gone])
    category = result.data.get("category")
    if isinstance(category, str) and category.strip() and category.strip()[:128] != instance.category:
        instance.category = category.strip()[:128]
        for row in still_open.values():
            row.category = instance.category
    # The title first: the notifications of the new tasks name the request.
    title = result.data.get(title_field(session, instance.definition))
    if isinstance(title, str) and title.strip():
        instance.title = title.strip()[:500]
    counts = dict(instance.step_counts or {})
    group_ids = _group_ids(session, {p.scope_group for p in result.pending if p.scope_group})
    created: list[HumanTask] = []
    for pending in result.pending:
        if pending.guid in still_open:
            continue
        counts[pending.spec_id] = counts.get(pending.spec_id, 0) + 1
        row = _task_row(instance, pending, counts[pending.spec_id], group_ids, now)
        if pending.form_key:
            row.decides = form_for(session, instance.definition, pending.form_key).decides
        session.add(row)
        created.append(row)
        journal(session).tasks.append(row)
        # A new row is held by nobody: when it went to a unit, its recipients are the members found there.
        routed = units.route_new_step(session, instance, row, now)
        holders = routed if routed is not None else notify.recipients(session, instance, row, now)
        if not holders and row.lane != "requester":
            holders = up_the_chain(session, instance, row, now)
        notify.task_arrived(session, instance, row, now, sent_back=len(counts) > 1, skip=actor_id, to=holders)
    if created:
        deadlines.apply_deferred(session, instance, result.steps, created, now)
    instance.step_counts = counts
    instance.state = result.state
    instance.updated_at = now
    instance.next_timer_due = result.next_timer_due
    instance.error_message = None
    instance.error_task = None
    if result.status in ("completed", "rejected"):
        instance.status = result.status
        instance.outcome = result.outcome
        instance.completed_at = now
        instance.next_timer_due = None
        end = next((s for s in result.steps if s.kind == "end"), None)
        notify.request_ended(session, instance, result.outcome, now)
        add_event(
            session,
            instance,
            result.status,
            now,
            task_spec=end.spec_id if end else None,
            task_name=end.name if end else None,
            details={"outcome": result.outcome},
        )
    else:
        instance.status = "running"


def up_the_chain(
    session: Session, instance: ProcessInstance, row: HumanTask, now: datetime, why: str | None = None
) -> list[int]:
    """Nobody in the lane but the requester: the step goes to the nearest superior, on the record, or
    is flagged "no one can act" with the director and admins alerted (services/requests/routing.py).
    Returns who it went to."""
    decided = routing.route_new_task(session, row, now, why)
    session.flush()  # the row's id, for the event
    if decided.to_user_id is None:
        add_event(session, instance, routing.NO_HOLDER, now, task=row, details={"why": decided.why})
        routing.alert_no_holder(session, instance, row, now)
        return []
    row.assigned_user_id = decided.to_user_id
    to = session.get(User, decided.to_user_id)
    details = {"to": to.full_name if to else "", "to_role": decided.to_role, "why": decided.why}
    add_event(session, instance, routing.ESCALATED, now, task=row, details=details)
    return [decided.to_user_id]


def _group_ids(session: Session, codes: set[str]) -> dict[str, int]:
    if not codes:
        return {}
    return {g.code: g.id for g in session.scalars(select(Group).where(Group.code.in_(codes)))}


def _task_row(
    instance: ProcessInstance, pending: PendingTask, round_: int, group_ids: dict[str, int], now: datetime
) -> HumanTask:
    scope_group = group_ids.get(pending.scope_group) if pending.scope_group else instance.group_id
    return HumanTask(
        instance_id=instance.id,
        task_guid=pending.guid,
        task_spec=pending.spec_id,
        name=pending.name,
        process_id=instance.process_id,
        category=instance.category,
        lane=pending.lane or "",
        form_key=pending.form_key,
        instructions=pending.instructions,
        status="ready",
        round=round_,
        requester_id=instance.started_by_id,
        scope_group_id=scope_group,
        created_at=now,
        due_at=task_due_at(pending.due_in, pending.due_in_working_days, pending.due_from, pending.data, now),
    )
