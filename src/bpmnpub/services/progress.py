"""Moving an instance forward: the shared part of start, complete, fire timers and retry.

Everything here runs inside the caller's transaction; nothing commits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from .. import forms
from ..engine import ParsedSpec, PendingTask, RunResult, add_duration
from ..errors import ConflictError, NotFoundError, StepFailedError
from ..models import Group, HumanTask, InstanceEvent, ProcessDefinition, ProcessInstance, User
from ..permissions import OPEN_STATUSES
from . import notify, publishing, routing, trail
from .context import ServiceContext

# What this transaction wrote, for the response of the action (see instances.action_view).
WRITTEN_EVENTS = "bpmnpub.events"
WRITTEN_TASKS = "bpmnpub.tasks"
STARTER_AND_GROUP = "bpmnpub.names"

# Every instance status. "running" and the two ends come from the engine; the rest from people.
INSTANCE_STATUSES = ("running", "completed", "rejected", "suspended", "terminated", "error")
# Not yet ended: the request still lives on its version and may be steered.
LIVE_STATUSES = ("running", "suspended", "error")


def diagram_loader(session: Session, definition: ProcessDefinition) -> Callable[[], tuple[bytes, str]]:
    """Reads a version's diagram (a deferred column) only when the engine's cache does not hold it."""

    def load_xml() -> tuple[bytes, str]:
        xml = session.scalar(select(ProcessDefinition.bpmn_xml).where(ProcessDefinition.id == definition.id))
        return (xml or "").encode("utf-8"), definition.filename

    return load_xml


def spec_for(ctx: ServiceContext, session: Session, definition: ProcessDefinition) -> ParsedSpec:
    return ctx.engine.spec(definition.spec_key, diagram_loader(session, definition))


_form_cache: dict[tuple[str, str], forms.FormSpec] = {}


def form_for(session: Session, definition: ProcessDefinition, form_key: str) -> forms.FormSpec:
    """A deployed version's form. Versions are immutable (keyed by their hash), so it is cached."""
    key = (definition.sha256, form_key)
    cached = _form_cache.get(key)
    if cached is None:
        all_forms = session.scalar(
            select(ProcessDefinition.forms).where(ProcessDefinition.id == definition.id)
        )
        if not all_forms or form_key not in all_forms:
            raise NotFoundError(f"form {form_key!r} is missing from this process version")
        cached = _form_cache[key] = forms.FormSpec(form_key, all_forms[form_key])
    return cached


_title_cache: dict[str, str] = {}


def title_field(session: Session, definition: ProcessDefinition) -> str:
    """The data field that names a version's requests: the `"x-title"` of one of its forms (the memo's
    topic), or else `title`. Cached like the forms."""
    cached = _title_cache.get(definition.sha256)
    if cached is None:
        all_forms = session.scalar(
            select(ProcessDefinition.forms).where(ProcessDefinition.id == definition.id)
        )
        named = [
            forms.FormSpec(k, v).title_field for k, v in (all_forms or {}).items() if isinstance(v, dict)
        ]
        cached = _title_cache[definition.sha256] = next((n for n in named if n != "title"), "title")
    return cached


def load_instance(session: Session, instance_id: int) -> ProcessInstance:
    """The instance row, to read (not locked). Raises NotFoundError."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFoundError(f"request {instance_id} not found")
    return instance


def lock_instance(session: Session, instance_id: int) -> ProcessInstance:
    """The instance row, locked for this transaction (FOR UPDATE on PostgreSQL; SQLite writers are
    already serialized by BEGIN IMMEDIATE). Raises NotFoundError."""
    instance = _locked(session, ProcessInstance.id == instance_id)
    if instance is None:
        raise NotFoundError(f"request {instance_id} not found")
    return instance


def lock_instance_of_task(session: Session, task_id: int) -> tuple[ProcessInstance, list[HumanTask]]:
    """The instance a task belongs to, locked, with its open tasks (read after the lock, so current).
    One statement each. Raises NotFoundError."""
    owner = select(HumanTask.instance_id).where(HumanTask.id == task_id).scalar_subquery()
    instance = _locked(session, ProcessInstance.id == owner)
    if instance is None:
        raise NotFoundError(f"task {task_id} not found")
    return instance, open_tasks(session, instance.id)


def names_of(session: Session, instance: ProcessInstance) -> tuple[str | None, str | None]:
    """(starter's username, group code) as read with the lock (see `_locked`)."""
    names: tuple[str | None, str | None] = session.info.get(STARTER_AND_GROUP, {}).get(
        instance.id, (None, None)
    )
    return names


def open_tasks(session: Session, instance_id: int) -> list[HumanTask]:
    return list(
        session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == instance_id, HumanTask.status.in_(OPEN_STATUSES))
            .order_by(HumanTask.id)
            .execution_options(populate_existing=True)
        )
    )


def _locked(session: Session, condition: Any) -> ProcessInstance | None:
    # The starter's name and the group code come along: the response needs them, and a second
    # round trip for each costs more than the join.
    row = session.execute(
        select(ProcessInstance, User.username, Group.code)
        .outerjoin(User, User.id == ProcessInstance.started_by_id)
        .outerjoin(Group, Group.id == ProcessInstance.group_id)
        .where(condition)
        .options(undefer(ProcessInstance.state))
        .with_for_update(of=ProcessInstance)
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        return None
    instance, starter, group = row
    session.info.setdefault(STARTER_AND_GROUP, {})[instance.id] = (starter, group)
    return instance


def stop_instance(session: Session, instance: ProcessInstance, outcome: str, now: datetime) -> None:
    """End a request before its diagram does (withdrawn by its requester, terminated by an admin): its
    open steps are cancelled and its timers stop. The caller records why."""
    for task in open_tasks(session, instance.id):
        task.status = "cancelled"
        task.completed_at = now
    instance.status = "terminated"
    instance.outcome = outcome
    instance.completed_at = now
    instance.next_timer_due = None


def require_running(instance: ProcessInstance) -> None:
    if instance.status != "running":
        raise ConflictError(f"request {instance.id} is {instance.status}; nothing can be done on it now")


def add_event(
    session: Session,
    instance: ProcessInstance,
    action: str,
    now: datetime,
    *,
    actor_id: int | None = None,
    on_behalf_of_id: int | None = None,
    task: HumanTask | None = None,
    task_spec: str | None = None,
    task_name: str | None = None,
    decision: str | None = None,
    comment: str | None = None,
    details: dict[str, Any] | None = None,
) -> InstanceEvent:
    event = InstanceEvent(
        instance_id=instance.id,
        at=now,
        actor_id=actor_id,
        on_behalf_of_id=on_behalf_of_id,
        action=action,
        human_task_id=task.id if task is not None else None,
        task_spec=task.task_spec if task is not None else task_spec,
        task_name=task.name if task is not None else task_name,
        decision=decision,
        comment=comment,
        details=details,
    )
    trail.link_instance_event(session, event)
    session.add(event)
    session.info.setdefault(WRITTEN_EVENTS, []).append(event)
    return event


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
    call: Callable[[ParsedSpec, publishing.Operators, str], RunResult],
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
    operators = publishing.operators(ctx, session, instance, actor_id, now)
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
    for guid, row in still_open.items():
        if guid not in pending_guids:
            row.status = "cancelled"
            row.completed_at = now
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
    for pending in result.pending:
        if pending.guid in still_open:
            continue
        counts[pending.spec_id] = counts.get(pending.spec_id, 0) + 1
        row = _task_row(instance, pending, counts[pending.spec_id], group_ids, now)
        if pending.form_key:
            row.decides = form_for(session, instance.definition, pending.form_key).decides
        session.add(row)
        session.info.setdefault(WRITTEN_TASKS, []).append(row)
        holders = notify.recipients(session, instance, row)
        if not holders and row.lane != "requester":
            holders = _up_the_chain(session, instance, row, now)
        notify.task_arrived(session, instance, row, now, sent_back=len(counts) > 1, skip=actor_id, to=holders)
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


def _up_the_chain(session: Session, instance: ProcessInstance, row: HumanTask, now: datetime) -> list[int]:
    """Nobody in the lane but the requester: the step goes to the nearest superior, on the record, or
    is flagged "no one can act" with the director and admins alerted (services/routing.py)."""
    decided = routing.route_new_task(session, row)
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
        due_at=add_duration(now, pending.due_in) if pending.due_in else None,
    )
