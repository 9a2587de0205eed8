"""What administrators do to a request: suspend, resume, terminate, reassign a step, rewind to an earlier
step, move to a newer version, correct a data value. Each needs a reason and is one transaction with its
event. Engine results are applied by `progress.run_engine`, as for a person's step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import jsontext
from ...engine import ElementChange, MigrationPlan, ParsedSpec, RunResult
from ...errors import (
    N_,
    ConflictError,
    NotFoundError,
    StepFailedError,
    ValidationError,
    problem,
)
from ...models import HumanTask, ProcessDefinition, ProcessInstance, User
from ...permissions import Actor, require_admin
from ...statuses import ADMIN_ACTIONS, OPEN_STATUSES, RUNNING, SUSPENDED, admin_actions
from ..kernel.context import ServiceContext
from ..kernel.events import add_event
from ..kernel.reasons import given_reason
from ..office import accounts
from ..procedures.versions import graph_for, spec_for
from .admin_page import rewind_choices
from .instances import action_view
from .results import InstanceView
from .transition import (
    load_instance,
    lock_instance,
    lock_instance_of_task,
    open_tasks,
    recording_failures,
    run_engine,
    stop_instance,
)


def _admin_action(
    ctx: ServiceContext,
    actor: Actor,
    instance_id: int,
    reason: str | None,
    change: Callable[[Session, ProcessInstance, str, datetime], None],
) -> InstanceView:
    """Check, lock, change, record: the frame of every action here that does not run the engine."""
    require_admin(actor, "can inspect and steer requests")
    why = given_reason(reason)
    now = ctx.now()
    with ctx.db.write() as session:
        instance = lock_instance(session, instance_id)
        rows = open_tasks(session, instance.id)
        change(session, instance, why, now)
        instance.updated_at = now
        return action_view(session, instance, rows, actor)


def suspend_instance(ctx: ServiceContext, instance_id: int, actor: Actor, reason: str) -> InstanceView:
    """Hold a running request: its steps leave every inbox and cannot be done, its timers wait.
    Raises PermissionDeniedError, ValidationError (no reason), NotFoundError, ConflictError."""

    def change(session: Session, instance: ProcessInstance, why: str, now: datetime) -> None:
        if "suspend" not in admin_actions(instance.status):
            raise ConflictError(
                f"request {instance.id} is {instance.status}; only a running request can be suspended"
            )
        instance.status = SUSPENDED
        add_event(session, instance, "suspended", now, actor_id=actor.id, comment=why)

    return _admin_action(ctx, actor, instance_id, reason, change)


def resume_instance(ctx: ServiceContext, instance_id: int, actor: Actor, reason: str) -> InstanceView:
    """Let a suspended request go on; timers that fell due meanwhile fire at the worker's next pass.
    Raises PermissionDeniedError, ValidationError, NotFoundError, ConflictError."""

    def change(session: Session, instance: ProcessInstance, why: str, now: datetime) -> None:
        if "resume" not in admin_actions(instance.status):
            raise ConflictError(f"request {instance.id} is {instance.status}, not suspended")
        instance.status = RUNNING
        add_event(session, instance, "resumed", now, actor_id=actor.id, comment=why)

    return _admin_action(ctx, actor, instance_id, reason, change)


def terminate_instance(ctx: ServiceContext, instance_id: int, actor: Actor, reason: str) -> InstanceView:
    """End a request for good: its open steps are cancelled. Nothing published is withdrawn.
    Raises PermissionDeniedError, ValidationError, NotFoundError, ConflictError."""

    def change(session: Session, instance: ProcessInstance, why: str, now: datetime) -> None:
        if "terminate" not in admin_actions(instance.status):
            raise ConflictError(f"request {instance.id} has already ended ({instance.status})")
        stop_instance(session, instance, "terminated", now)
        add_event(session, instance, "terminated", now, actor_id=actor.id, comment=why)

    return _admin_action(ctx, actor, instance_id, reason, change)


def reassign_task(
    ctx: ServiceContext, task_id: int, username: str, actor: Actor, reason: str
) -> InstanceView:
    """Give an open step to a named person; it is theirs (in their inbox) until they finish or release
    it. An admin may give a step outside its lane (e.g. a group-director review of a group without a
    director), but never a decision to the requester, nor a requester's step to someone else.
    Raises PermissionDeniedError, ValidationError (no reason, unknown or unsuitable person),
    NotFoundError, ConflictError."""
    require_admin(actor, "can inspect and steer requests")
    why = given_reason(reason)
    now = ctx.now()
    with ctx.db.write() as session:
        instance, rows = lock_instance_of_task(session, task_id)
        task = next((row for row in rows if row.id == task_id), None)
        if task is None:
            raise ConflictError("this task is no longer open")
        if "reassign" not in admin_actions(instance.status):
            raise ConflictError(f"request {instance.id} is {instance.status}")
        user = accounts.find_user(session, (username or "").strip())
        if user is None or not user.is_active:
            raise ValidationError("no such active user", [problem("user", "ไม่พบผู้ใช้นี้ หรือถูกปิดใช้งาน")])
        unsuitable = _unsuitable(accounts.actor_of(user, now), task)
        if unsuitable is not None:
            raise ValidationError(unsuitable[0], [problem("user", unsuitable[1])])
        previous = task.assigned_user_id
        task.assigned_user_id = user.id
        task.status = "claimed"
        add_event(
            session,
            instance,
            "reassigned",
            now,
            actor_id=actor.id,
            task=task,
            comment=why,
            details={"to": user.username, "from": _username(session, previous)},
        )
        instance.updated_at = now
        return action_view(session, instance, rows, actor)


def _unsuitable(person: Actor, task: HumanTask) -> tuple[str, str] | None:
    """Why `person` may not be given the task (English, Thai), or None. An admin's choice goes past the
    lane and the group of a step (that is what reassigning is for); these two rules it never goes past."""
    if task.lane == "requester" and person.id != task.requester_id:
        return (
            "only the requester can do their own step (set up acting-for instead)",
            N_("ขั้นตอนของผู้ขอทำได้เฉพาะผู้ขอเอง (ใช้การรักษาราชการแทนแทน)"),
        )
    if task.decides and task.requester_id == person.id:
        return "nobody decides on their own request", N_("ไม่มีใครพิจารณาคำขอของตนเองได้")
    return None


def _username(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return session.scalar(select(User.username).where(User.id == user_id))


def _engine_action(
    ctx: ServiceContext,
    actor: Actor,
    instance_id: int,
    allowed: tuple[str, ...],
    record: Callable[[Session, ProcessInstance, datetime], None],
    call: Callable[[Session, ProcessInstance, ParsedSpec, Any, str, datetime], RunResult],
    keep_status: bool = False,
) -> InstanceView:
    """Lock, record the admin's event, run the engine through progress.run_engine (task projection,
    events of automatic steps, notifications), with failures recorded as for a person's step. The
    callers have checked the admin and the reason first, so a non-admin always hears 403."""
    now = ctx.now()

    def action(session: Session, failure: StepFailedError | None) -> InstanceView:
        instance = lock_instance(session, instance_id)
        if instance.status not in allowed:
            raise ConflictError(f"request {instance_id} is {instance.status}; this cannot be done now")
        rows = open_tasks(session, instance.id)
        record(session, instance, now)
        kept = (instance.status, instance.error_message, instance.error_task)
        run_engine(
            ctx,
            session,
            instance,
            now,
            actor.id,
            lambda parsed, ops, state: call(session, instance, parsed, ops, state, now),
            open_rows=rows,
            failure=failure,
        )
        if keep_status and failure is None and instance.status == "running":
            # a correction or a move does not resume a held request, nor retry a failed step
            instance.status, instance.error_message, instance.error_task = kept
        return action_view(session, instance, rows, actor)

    return recording_failures(ctx, action)


def rewind_instance(
    ctx: ServiceContext, instance_id: int, spec_id: str, actor: Actor, reason: str
) -> InstanceView:
    """Go back to an earlier step: every open step is cancelled and the chosen one opens again on the
    request's current data. Only steps the request has been through and that the diagram allows
    (monitoring's rewind choices). Raises PermissionDeniedError, ValidationError, NotFoundError,
    ConflictError."""
    require_admin(actor, "can inspect and steer requests")
    why = given_reason(reason)
    with ctx.db.read() as session:
        instance = load_instance(session, instance_id)
        reached = set(
            session.scalars(select(HumanTask.task_spec).where(HumanTask.instance_id == instance_id))
        )
        active = set(
            session.scalars(
                select(HumanTask.task_spec).where(
                    HumanTask.instance_id == instance_id, HumanTask.status.in_(OPEN_STATUSES)
                )
            )
        )
        choices = {
            t.spec_id: t
            for t in rewind_choices(graph_for(ctx, session, instance.definition), reached, active)
        }
    target = choices.get(spec_id)
    if target is None or target.reason is not None:
        message = target.reason if target is not None and target.reason else "not a step of this process"
        raise ValidationError(message, [problem("target", "ย้อนกลับไปยังขั้นตอนนี้ไม่ได้")])

    def record(session: Session, instance: ProcessInstance, now: datetime) -> None:
        add_event(
            session,
            instance,
            "rewound",
            now,
            actor_id=actor.id,
            task_spec=spec_id,
            task_name=target.name,
            comment=why,
        )
        instance.status = "running"

    def call(
        session: Session, instance: ProcessInstance, parsed: ParsedSpec, ops: Any, state: str, now: datetime
    ) -> RunResult:
        return ctx.engine.rewind(parsed, state, spec_id, now, ops)

    return _engine_action(ctx, actor, instance_id, ADMIN_ACTIONS["rewind"], record, call)


def correct_value(
    ctx: ServiceContext, instance_id: int, key: str, raw: str, actor: Actor, reason: str
) -> InstanceView:
    """Correct one value of a request's current data. The new value is read as the old one's kind
    (text stays text; numbers, true/false, lists and objects are read as JSON). Raises
    PermissionDeniedError, ValidationError, NotFoundError, ConflictError."""
    require_admin(actor, "can inspect and steer requests")
    why = given_reason(reason)
    key = (key or "").strip()
    if not key:
        raise ValidationError("which value?", [problem("key", "กรุณาเลือกข้อมูลที่จะแก้")])
    seen: dict[str, Any] = {}

    def record(session: Session, instance: ProcessInstance, now: datetime) -> None:
        seen["event"] = add_event(
            session, instance, "data_corrected", now, actor_id=actor.id, comment=why, details={"key": key}
        )

    def call(
        session: Session, instance: ProcessInstance, parsed: ParsedSpec, ops: Any, state: str, now: datetime
    ) -> RunResult:
        current = dict(ctx.engine.inspect_state(parsed, state, now).data)
        if key not in current:
            raise ValidationError("no such value", [problem("key", "คำขอนี้ไม่มีข้อมูลนี้")])
        value = _as_kind_of(current[key], raw)
        seen["event"].details = {"key": key, "old": current[key], "new": value}
        return ctx.engine.set_value(parsed, state, key, value, now)

    return _engine_action(ctx, actor, instance_id, ADMIN_ACTIONS["correct"], record, call, keep_status=True)


def _as_kind_of(old: Any, raw: str) -> Any:
    if isinstance(old, str) or old is None:
        return raw
    try:
        value = jsontext.loads(raw, field="value")
    except ValidationError as exc:
        raise ValidationError("not a valid value", [problem("value", "รูปแบบข้อมูลไม่ถูกต้อง")]) from exc
    if type(value) is not type(old) and not (
        isinstance(old, (int, float)) and isinstance(value, (int, float))
    ):
        raise ValidationError("not the same kind of value", [problem("value", "ชนิดข้อมูลไม่ตรงกับของเดิม")])
    return value


@dataclass(frozen=True)
class MigrationPreview:
    instance_id: int
    from_version: int
    to_version: int
    changes: list[ElementChange]
    reset_steps: list[str]  # open steps that restart: their task is made again and their timers start over
    blockers: list[str]


def _target_definition(session: Session, instance: ProcessInstance, version: int) -> ProcessDefinition:
    target = session.scalar(
        select(ProcessDefinition).where(
            ProcessDefinition.process_id == instance.process_id, ProcessDefinition.version == version
        )
    )
    if target is None:
        raise NotFoundError(f"{instance.process_id} has no version {version}")
    if version <= instance.definition.version:
        raise ValidationError("choose a newer version", [problem("version", "เลือกรุ่นที่ใหม่กว่ารุ่นปัจจุบัน")])
    return target


def preview_migration(ctx: ServiceContext, instance_id: int, version: int, actor: Actor) -> MigrationPreview:
    """Dry run of moving a request to a newer version of its process: what changes, which open steps
    restart (timers too), and what would prevent it. Raises PermissionDeniedError, NotFoundError,
    ValidationError."""
    require_admin(actor, "can inspect and steer requests")
    now = ctx.now()
    with ctx.db.read() as session:
        instance = load_instance(session, instance_id)
        target = _target_definition(session, instance, version)
        plan: MigrationPlan = ctx.engine.migrate(
            spec_for(ctx, session, instance.definition),
            instance.state,
            spec_for(ctx, session, target),
            now,
            {},
            apply=False,
        )
        blockers = list(plan.blockers)
        if "migrate" not in admin_actions(instance.status):
            blockers.insert(0, f"the request is {instance.status}")
        return MigrationPreview(
            instance.id,
            instance.definition.version,
            version,
            list(plan.changes),
            list(plan.reset_steps),
            blockers,
        )


def migrate_instance(
    ctx: ServiceContext, instance_id: int, version: int, actor: Actor, reason: str
) -> InstanceView:
    """Move a request to a newer version of its process (after `preview_migration`). Open steps restart:
    their tasks are made again (who held them must take them again) and their timers start over.
    Raises PermissionDeniedError, ValidationError, NotFoundError, ConflictError (something blocks)."""
    require_admin(actor, "can inspect and steer requests")
    why = given_reason(reason)
    target_ids: dict[str, Any] = {}

    def record(session: Session, instance: ProcessInstance, now: datetime) -> None:
        target = _target_definition(session, instance, version)
        target_ids["definition"] = target
        add_event(
            session,
            instance,
            "migrated",
            now,
            actor_id=actor.id,
            comment=why,
            details={"from": instance.definition.version, "to": version},
        )

    def call(
        session: Session, instance: ProcessInstance, parsed: ParsedSpec, ops: Any, state: str, now: datetime
    ) -> RunResult:
        target: ProcessDefinition = target_ids["definition"]
        plan = ctx.engine.migrate(parsed, state, spec_for(ctx, session, target), now, ops, apply=True)
        if plan.result is None:
            raise ConflictError("cannot move this request: " + "; ".join(plan.blockers))
        # Every open step restarts: close the old rows (their round is given back) so new ones are made.
        counts = dict(instance.step_counts or {})
        for row in open_tasks(session, instance.id):
            row.status = "cancelled"
            row.completed_at = now
            counts[row.task_spec] = max(counts.get(row.task_spec, 1) - 1, 0)
        instance.step_counts = counts
        instance.definition_id = target.id
        instance.definition = target
        return plan.result

    return _engine_action(ctx, actor, instance_id, ADMIN_ACTIONS["migrate"], record, call, keep_status=True)
