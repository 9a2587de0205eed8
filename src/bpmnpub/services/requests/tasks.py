"""One step of a request: read it, what the reader may do on it, complete it (`complete_task`; the task
page's `submit_task`). Who holds it is `holding.py`, what a submission must be is `submission.py`, the
list is `inbox.py`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from ...errors import (
    Conflict,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    StepFailedError,
    ValidationError,
)
from ...forms import FormSpec
from ...models import Group, HumanTask, InstanceEvent, ProcessInstance, User
from ...permissions import (
    Actor,
    TaskScope,
    acting_as,
    eligible,
    may_act,
)
from ...statuses import OPEN_STATUSES, RUNNING
from ..files import file_access
from ..kernel.context import ServiceContext
from ..kernel.events import add_event
from ..kernel.membership import task_scope
from ..procedures import duty_topics, prefill
from ..procedures.versions import form_for, spec_for
from . import register, revisions, routing
from .inbox import NextStep, next_step_in
from .instances import action_view
from .results import InstanceView, TaskDetail
from .submission import validated, written
from .transition import EngineStepFailed, forget_drafts, lock_instance_of_task, require_running, run_engine


def task_scope_of(task: HumanTask) -> TaskScope:
    return task_scope(task)


def get_task_row(session: Session, task_id: int) -> HumanTask:
    task = session.get(HumanTask, task_id)
    if task is None:
        raise NotFoundError(f"task {task_id} not found")
    return task


def get_task(ctx: ServiceContext, task_id: int, actor: Actor) -> TaskDetail:
    """A task with its form and current data. Raises NotFoundError, PermissionDeniedError."""
    with ctx.db.read() as session:
        task, instance = readable_task(session, task_id, actor)
        return task_detail(ctx, session, task, instance)


def readable_task(session: Session, task_id: int, actor: Actor) -> tuple[HumanTask, ProcessInstance]:
    """A task the actor may read (by its lane, as its completer, or as an admin), with its request.
    Raises NotFoundError, PermissionDeniedError."""
    task = get_task_row(session, task_id)
    instance = session.get(ProcessInstance, task.instance_id)
    assert instance is not None
    if instance.submitted_at is None and instance.started_by_id not in actor.ids:
        raise NotFoundError(f"task {task_id} not found")  # a draft is its requester's alone
    if not (
        actor.is_admin or task.completed_by_id == actor.id or eligible(actor, task_scope_of(task)) is None
    ):
        raise PermissionDeniedError("this task is not yours")
    return task, instance


@dataclass(frozen=True)
class TaskForm:
    """What a submission is read against: the step's name, its status and its form's schema (the
    requester's profile filled in), without restoring the workflow."""

    instance_id: int
    name: str
    status: str
    schema: dict[str, Any]


def task_form(ctx: ServiceContext, task_id: int, actor: Actor) -> TaskForm:
    """Raises NotFoundError, PermissionDeniedError."""
    with ctx.db.read() as session:
        task, instance = readable_task(session, task_id, actor)
        form = form_for(session, instance.definition, task.form_key) if task.form_key else None
        return TaskForm(task.instance_id, task.name, task.status, _schema(task, instance, form))


def _schema(task: HumanTask, instance: ProcessInstance, form: FormSpec | None) -> dict[str, Any]:
    if form is None:
        return {}
    if task.status in OPEN_STATUSES and instance.started_by is not None:
        return dict(form.with_profile(_profile(instance.started_by)))
    return dict(form.schema)


@dataclass(frozen=True)
class TaskActions:
    """What the actor may do on a step now: the rules `claim_task`, `release_task`, `complete_task` and
    `hand_over_task` check, said before they are asked (the page offers exactly these)."""

    claim: bool
    release: bool
    complete: bool
    hand_over: bool = False  # someone may receive it (`handover_candidates`)


def task_actions(
    actor: Actor, task: HumanTask, instance: ProcessInstance, session: Session, hand_over: bool = False
) -> TaskActions:
    is_open = task.status in OPEN_STATUSES
    live = is_open and instance.status == RUNNING
    may = live and _ineligible(actor, task, session) is None and may_act(actor, task_scope_of(task)) is None
    shared = task.lane != "requester"  # a requester's step is theirs alone: nothing to claim or give back
    return TaskActions(
        claim=may and shared and task.assigned_user_id is None,
        release=is_open and shared and task.assigned_user_id == actor.id,
        complete=may,
        hand_over=hand_over and live,
    )


def task_detail(
    ctx: ServiceContext, session: Session, task: HumanTask, instance: ProcessInstance
) -> TaskDetail:
    """A readable task with its form (the requester's profile filled in) and its current data."""
    form = form_for(session, instance.definition, task.form_key) if task.form_key else None
    parsed = spec_for(ctx, session, instance.definition)
    if task.status in OPEN_STATUSES:
        context = ctx.engine.task_data(parsed, instance.state, task.task_guid)
    else:  # a finished step shows the request as it stands now
        context = dict(ctx.engine.inspect_state(parsed, instance.state, ctx.now()).data)
    data = prefill.opening_values(parsed.model, task.task_spec, form, context) if form else {}
    holder = session.get(User, task.assigned_user_id) if task.assigned_user_id else None
    schema = _schema(task, instance, form)
    return TaskDetail(
        id=task.id,
        instance_id=task.instance_id,
        name=task.name,
        title=instance.title,
        lane=task.lane,
        status=task.status,
        round=task.round,
        instructions=task.instructions,
        form={"key": form.key, "schema": schema, "ui": form.ui()} if form else {},
        data=data,
        context=context,
        assigned_to=holder.username if holder else None,
    )


def _profile(user: User) -> dict[str, str]:
    """What a form may fill in from the requester's profile (`"x-profile"`)."""
    return {
        "full_name": user.full_name,
        "position": user.position or "",
        "group": user.group.code if user.group else "",
    }


def group_choices(ctx: ServiceContext) -> list[tuple[str, str]]:
    """[(code, name)] of the office's groups, for the selects of forms (`x-source: groups`)."""
    with ctx.db.read() as session:
        return group_choices_in(session)


def group_choices_in(session: Session) -> list[tuple[str, str]]:
    return [
        (code, name) for code, name in session.execute(select(Group.code, Group.name).order_by(Group.name))
    ]


def locked_task(session: Session, task_id: int) -> tuple[HumanTask, ProcessInstance, list[HumanTask]]:
    """The open task, its instance locked, and the instance's open tasks, all read after the lock.
    Raises NotFoundError, ConflictError (the task is no longer open)."""
    instance, rows = lock_instance_of_task(session, task_id)
    task = next((row for row in rows if row.id == task_id), None)
    if task is None:
        status = session.scalar(select(HumanTask.status).where(HumanTask.id == task_id))
        if status == "completed":
            raise ConflictError("this task has already been completed", reason=Conflict.TASK_DONE)
        raise ConflictError(f"this task is {status}", reason=Conflict.TASK_CLOSED)
    return task, instance, rows


def _given(session: Session, task: HumanTask) -> bool:
    """The step was given to its holder up the chain or by an administrator (routing.GIVEN)."""
    given = select(InstanceEvent.id).where(
        InstanceEvent.human_task_id == task.id, InstanceEvent.action.in_(routing.GIVEN)
    )
    return session.scalar(given.limit(1)) is not None


def for_whom(actor: Actor, task: HumanTask) -> int | None:
    """The person the actor acts for on this task, when it is not their own (รักษาราชการแทน)."""
    subject = acting_as(actor, task_scope_of(task))
    return subject.id if subject is not None and subject.id != actor.id else None


def _ineligible(actor: Actor, task: HumanTask, session: Session) -> str | None:
    """Why the actor may not do the task (permissions.eligible), or None."""
    reason = eligible(actor, task_scope_of(task))
    if reason is not None or task.assigned_user_id not in actor.ids:
        return reason
    # Taken by a claim (or handed over in the lane): it stays theirs only while they may do it by its
    # lane — an appointment that ended takes it away at once, before the worker gives it back. The
    # events are read only when the lane alone would refuse (the rare case), not on every submit.
    by_lane = eligible(actor, replace(task_scope_of(task), assigned_user_id=None))
    return None if by_lane is None or _given(session, task) else by_lane


def check_actor(actor: Actor, task: HumanTask, session: Session) -> None:
    reason = _ineligible(actor, task, session)
    if reason is not None:
        raise PermissionDeniedError(reason)
    if may_act(actor, task_scope_of(task)) is not None:
        raise ConflictError("someone else holds this task", reason=Conflict.TASK_HELD)


def complete_task(
    ctx: ServiceContext, task_id: int, data: Any, actor: Actor, now: datetime | None = None
) -> InstanceView:
    """Submit a task's form and move the request on, in one transaction with its event.
    Returns the request as this left it: its open tasks and the events written now (GET the instance
    for the whole timeline). Raises NotFoundError, PermissionDeniedError, ConflictError (already
    done, held by someone else, request not running), ValidationError (field by field)."""
    return _complete(ctx, task_id, data, actor, now or ctx.now(), then_next=False).request


@dataclass(frozen=True)
class Submitted:
    """What a submit from the task page did: the step done, the request as it left it, and where the
    request stands now (the submitter's next step of it, or who has it), read in the same transaction."""

    step: str
    request: InstanceView
    next: NextStep


def submit_task(
    ctx: ServiceContext, task_id: int, data: Any, actor: Actor, *, unreadable: bool = False
) -> Submitted:
    """The task page's submit. A form the page could not read in full (`unreadable`: a date that is not
    a date...) is still checked, so every problem shows at once, and never completed (ValidationError).
    Raises as `complete_task`."""
    if unreadable:
        check_submission(ctx, task_id, data, actor)
        raise ValidationError("the form has errors", [])
    submitted = _complete(ctx, task_id, data, actor, ctx.now(), then_next=True)
    assert submitted.next is not None
    return Submitted(submitted.step, submitted.request, submitted.next)


@dataclass(frozen=True)
class _Completed:
    step: str
    request: InstanceView
    next: NextStep | None


def _complete(
    ctx: ServiceContext, task_id: int, data: Any, actor: Actor, when: datetime, then_next: bool
) -> _Completed:
    """One write transaction. When an engine step fails in it, everything it wrote rolls back and a
    second transaction does the same completion with the failure: the person's work is kept, the
    request goes to `error` with an event saying why (`transition.run_engine`; no savepoint on the
    hot path: a failure costs a second transaction, a success nothing)."""
    try:
        with ctx.db.write() as session:
            return _completion(ctx, session, task_id, data, actor, when, then_next, None)
    except EngineStepFailed as failed:
        with ctx.db.write() as session:
            return _completion(ctx, session, task_id, data, actor, when, then_next, failed.error)


def _completion(
    ctx: ServiceContext,
    session: Session,
    task_id: int,
    data: Any,
    actor: Actor,
    when: datetime,
    then_next: bool,
    failure: StepFailedError | None,
) -> _Completed:
    """The completion, top to bottom, in the caller's transaction."""
    task, instance, rows = locked_task(session, task_id)
    check_actor(actor, task, session)
    require_running(instance)
    cleaned = validated(session, instance, task, data, actor, when)
    values, cleared = written(ctx, session, instance, task, cleaned)
    if task.form_key:  # the request now refers to the files of the form's file fields
        form = form_for(session, instance.definition, task.form_key)
        file_access.record_form_files(session, instance.id, form, cleaned, when)
    task.status = "completed"
    task.assigned_user_id = actor.id
    task.completed_by_id = actor.id
    task.completed_at = when
    forget_drafts(session, [task.id])
    if instance.submitted_at is None:  # the first form sent: the request now exists for others
        instance.submitted_at = when
    decided = add_event(
        session,
        instance,
        "task_completed",
        when,
        actor_id=actor.id,
        on_behalf_of_id=for_whom(actor, task),
        task=task,
        decision=_text(cleaned.get("decision")),
        comment=_text(cleaned.get("comment")),
        details=_details(task, values, cleared),
    )
    run_engine(
        ctx,
        session,
        instance,
        when,
        actor.id,
        lambda parsed, ops, state: ctx.engine.complete(
            parsed, state, task.task_guid, values, when, ops, lane=task.lane, clear=cleared
        ),
        open_rows=rows,
        failure=failure,
    )
    # A director's decision gives the memo its register number, in this same transaction.
    register.record_decision(session, instance, decided, actor_id=actor.id, now=when)
    if task.form_key == duty_topics.PROGRAMME_FORM:  # the programme's topics become recurring duties
        duty_topics.record_programme_topics(session, instance, cleaned, actor.id, when)
    view = action_view(session, instance, rows, actor)
    return _Completed(task.name, view, next_step_in(session, instance.id, actor) if then_next else None)


def _details(task: HumanTask, values: dict[str, Any], cleared: list[str]) -> dict[str, Any]:
    """The completion event's details: the task's round and, for a requester's step, what it submitted
    (a field it emptied as None), from which revisions.changes_for rebuilds each round's content."""
    submitted = revisions.submission_of(task, {**values, **dict.fromkeys(cleared)})
    return {"round": task.round} if submitted is None else {"round": task.round, "submitted": submitted}


def check_submission(ctx: ServiceContext, task_id: int, data: Any, actor: Actor) -> None:
    """Validate a submission without completing the task (to show every problem of a form at once).
    Raises NotFoundError, PermissionDeniedError, ConflictError, ValidationError."""
    with ctx.db.read() as session:
        task = get_task_row(session, task_id)
        instance = session.get(ProcessInstance, task.instance_id, options=[undefer(ProcessInstance.state)])
        assert instance is not None
        check_actor(actor, task, session)
        validated(session, instance, task, data, actor, ctx.now())


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
