"""Deadlines with teeth: the `remind` and `escalate` operators that a diagram's non-interrupting
boundary timers call, and the office's closure days that due times in working days skip.

The timers decide *when* (their expressions, e.g. `working_days(2, activity_date)`); these operators
decide *who hears*. Both run inside the transaction of the worker's engine call that fired the timer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...engine import OperatorCall, WorkCalendar
from ...errors import ConflictError, NotFoundError, ValidationError, problem
from ...models import ClosureDay, HumanTask, Notification, ProcessInstance, User
from ...permissions import Actor, require_admin
from ...statuses import OPEN_STATUSES
from ...thaidate import BANGKOK, format_date
from ..kernel import audit
from ..kernel.context import Registry, ServiceContext, StepScope
from ..kernel.events import add_event
from . import notify, routing

REMINDER = "reminder"
OVERDUE = "overdue"


def calendar_loader(session: Session) -> Callable[[], WorkCalendar]:
    """The office's working calendar, read from the closure days when first needed."""

    def load() -> WorkCalendar:
        return WorkCalendar(frozenset(session.scalars(select(ClosureDay.day))))

    return load


def remind(scope: StepScope, call: OperatorCall) -> dict[str, Any]:
    """The operator `remind`: tell the open task's holders it is due."""
    session, instance, task = scope.session, scope.instance, _task_param(call)
    rows = _open_rows(session, instance, task)
    return _remind(session, instance, rows, task, scope.now) if rows else _deferred("remind", task, False)


def escalate(scope: StepScope, call: OperatorCall) -> dict[str, Any]:
    """The operator `escalate`: tell the holders' superior the task is overdue (and give it to them)."""
    session, instance = scope.session, scope.instance
    task, reassign = _task_param(call), call.params.get("reassign") in (True, "true", "True")
    rows = _open_rows(session, instance, task)
    if not rows:
        return _deferred("escalate", task, reassign)
    return _escalate(session, instance, rows, task, reassign, scope.now)


OPERATORS: Registry = {"remind": remind, "escalate": escalate}


def _deferred(operator: str, task: str, reassign: bool) -> dict[str, Any]:
    # A timer already past when its task arrives (an activity long ago) fires in the engine call that
    # makes the task, before its row exists: `apply_deferred` finishes the job once the row is written.
    return {"task": task, "deferred": operator, "reassign": reassign}


def apply_deferred(
    session: Session, instance: ProcessInstance, steps: Any, created: list[HumanTask], now: datetime
) -> None:
    """Run the reminders and escalations of this engine call that fired before their task's row existed
    (`created`: the rows this call wrote)."""
    for step in steps:
        result = step.result
        if step.kind != "service" or not isinstance(result, dict) or not result.get("deferred"):
            continue
        rows = [r for r in created if r.task_spec == result.get("task") and r.status in OPEN_STATUSES]
        if not rows:
            continue
        session.flush()  # the rows' ids, for the notifications' links and the events
        if result["deferred"] == "escalate":
            _escalate(session, instance, rows, result["task"], bool(result["reassign"]), now)
        else:
            _remind(session, instance, rows, result["task"], now)


def _task_param(call: OperatorCall) -> str:
    task = call.params.get("task")
    if not isinstance(task, str) or not task:
        raise ValueError("the 'task' parameter must name the user task (e.g. \"Task_ShootAndSelect\")")
    return task


def _open_rows(session: Session, instance: ProcessInstance, task_spec: str) -> list[HumanTask]:
    # Rows of this transaction not flushed yet are not open tasks a timer can be late on.
    stmt = select(HumanTask).where(
        HumanTask.instance_id == instance.id,
        HumanTask.task_spec == task_spec,
        HumanTask.status.in_(OPEN_STATUSES),
    )
    return list(session.scalars(stmt.order_by(HumanTask.id)))


def _due_text(row: HumanTask) -> str:
    return format_date(row.due_at.astimezone(BANGKOK)) if row.due_at else ""


def _remind(
    session: Session, instance: ProcessInstance, rows: list[HumanTask], task_spec: str, now: datetime
) -> dict[str, Any]:
    """Tell the holders of the open task that it is due soon."""
    reminded: list[int] = []
    for row in rows:
        for user_id in notify.recipients(session, instance, row, now):
            text = f"ใกล้ครบกำหนด ({_due_text(row)}): {row.name} — {instance.title}"
            _notify(session, instance, row, user_id, REMINDER, text, now)
            reminded.append(user_id)
    return {"task": task_spec, "reminded": reminded}


def _escalate(
    session: Session,
    instance: ProcessInstance,
    rows: list[HumanTask],
    task_spec: str,
    reassign: bool,
    now: datetime,
) -> dict[str, Any]:
    """Tell the superior of the open task's holders that it is overdue; with `reassign`, give it to them."""
    told: list[int] = []
    reassigned_to: int | None = None
    for row in rows:
        holders = notify.recipients(session, instance, row, now)
        up = routing.superior_of(session, row, holders, now)
        if up.to_user_id is None:
            add_event(session, instance, routing.NO_HOLDER, now, task=row, details={"why": "overdue"})
            routing.alert_no_holder(session, instance, row, now)
            continue
        text = f"งานเลยกำหนด ({_due_text(row)}): {row.name} — {instance.title}"
        _notify(session, instance, row, up.to_user_id, OVERDUE, text, now)
        told.append(up.to_user_id)
        if reassign:
            row.assigned_user_id = up.to_user_id
            row.status = "ready"  # a claim by the late holder ends with the hand-over
            reassigned_to = up.to_user_id
            to = session.get(User, up.to_user_id)
            details = {"to": to.full_name if to else "", "to_role": up.to_role, "why": "overdue"}
            add_event(session, instance, routing.ESCALATED, now, task=row, details=details)
            _notify(
                session, instance, row, up.to_user_id, "task", f"มีงานรอคุณ: {row.name} — {instance.title}", now
            )
    return {"task": task_spec, "told": told, "reassigned_to": reassigned_to}


def _notify(
    session: Session,
    instance: ProcessInstance,
    row: HumanTask,
    user_id: int,
    kind: str,
    text: str,
    now: datetime,
) -> None:
    session.add(
        Notification(
            user_id=user_id,
            instance_id=instance.id,
            kind=kind,
            text=text[:500],
            created_at=now,
            human_task=row,
        )
    )


# -- closure days (admins) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Closure:
    day: date
    reason: str
    created_at: datetime
    created_by: str | None


def list_closures(ctx: ServiceContext, actor: Actor, since: date | None = None) -> list[Closure]:
    """The closure days from `since` on (all when None), in date order. Raises PermissionDeniedError."""
    require_admin(actor, "can change the office's closure days")
    with ctx.db.read() as session:
        stmt = select(ClosureDay, User.full_name).outerjoin(User, User.id == ClosureDay.created_by_id)
        if since is not None:
            stmt = stmt.where(ClosureDay.day >= since)
        rows = session.execute(stmt.order_by(ClosureDay.day)).all()
        return [Closure(c.day, c.reason, c.created_at, name) for c, name in rows]


def add_closure(
    ctx: ServiceContext, actor: Actor, day: date, reason: str, now: datetime | None = None
) -> None:
    """Close the office on `day`. Raises PermissionDeniedError, ValidationError (no reason), ConflictError
    (already closed)."""
    require_admin(actor, "can change the office's closure days")
    actor_id = actor.id
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("a closure day needs a reason", [problem("reason", "ระบุเหตุผลที่ปิดทำการ")])
    when = now or ctx.now()
    with ctx.db.write() as session:
        if session.get(ClosureDay, day) is not None:
            raise ConflictError("this day is already a closure day")
        session.add(ClosureDay(day=day, reason=reason[:255], created_at=when, created_by_id=actor_id))
        audit.record(
            session,
            "office",
            "closure_added",
            day.isoformat(),
            actor_id=actor_id,
            now=when,
            details={"reason": reason},
        )


def remove_closure(ctx: ServiceContext, actor: Actor, day: date, now: datetime | None = None) -> None:
    """Open the office again on `day`. Raises PermissionDeniedError, NotFoundError."""
    require_admin(actor, "can change the office's closure days")
    actor_id = actor.id
    when = now or ctx.now()
    with ctx.db.write() as session:
        found = session.get(ClosureDay, day)
        if found is None:
            raise NotFoundError("no closure on this day")
        session.delete(found)
        audit.record(
            session,
            "office",
            "closure_removed",
            day.isoformat(),
            actor_id=actor_id,
            now=when,
            details={"reason": found.reason},
        )
