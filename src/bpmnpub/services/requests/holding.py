"""Who holds a step: claim it so nobody else works on it, give it back, hand it to a colleague of the same
lane with a reason (`handover_candidates`: to whom). Each in one transaction with its event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import (
    Conflict,
    ConflictError,
    PermissionDeniedError,
    ValidationError,
    problem,
)
from ...models import HumanTask, Notification, User
from ...permissions import (
    Actor,
    eligible,
    may_act,
)
from ...statuses import OPEN_STATUSES
from ..kernel.context import ServiceContext
from ..kernel.events import add_event
from ..kernel.membership import task_scope
from ..kernel.reasons import given_reason
from ..office.accounts import actor_of
from .notify import lane_members
from .results import TaskSummary
from .tasks import check_actor, for_whom, get_task_row, locked_task, task_scope_of
from .transition import require_running


def claim_task(ctx: ServiceContext, task_id: int, actor: Actor) -> TaskSummary:
    """Take a task so nobody else works on it. Raises NotFoundError, PermissionDeniedError, ConflictError."""
    now = ctx.now()
    with ctx.db.write() as session:
        task, instance, _ = locked_task(session, task_id)
        require_running(instance)
        check_actor(actor, task, session)
        # A task given to the actor (up the chain, handed over, reassigned) is still "ready": taking it
        # marks it claimed, as for anyone else.
        if task.assigned_user_id != actor.id or task.status != "claimed":
            task.assigned_user_id = actor.id
            task.status = "claimed"
            add_event(
                session,
                instance,
                "claimed",
                now,
                actor_id=actor.id,
                on_behalf_of_id=for_whom(actor, task),
                task=task,
            )
        return TaskSummary.of(task, instance, _username(session, actor.id))


def release_task(ctx: ServiceContext, task_id: int, actor: Actor) -> TaskSummary:
    """Give a claimed task back to everyone who may do it. Raises NotFoundError, ConflictError."""
    now = ctx.now()
    with ctx.db.write() as session:
        task, instance, _ = locked_task(session, task_id)
        if task.assigned_user_id != actor.id:
            raise ConflictError("you do not hold this task", reason=Conflict.NOT_HOLDER)
        task.assigned_user_id = None
        task.status = "ready"
        add_event(session, instance, "released", now, actor_id=actor.id, task=task)
        return TaskSummary.of(task, instance, None)


def handover_candidates(ctx: ServiceContext, task_id: int, actor: Actor) -> list[tuple[int, str]]:
    """[(user id, full name)] of colleagues the actor may hand the task to (empty when they may not
    hand it on). Raises NotFoundError."""
    with ctx.db.read() as session:
        return handover_candidates_in(session, get_task_row(session, task_id), actor, ctx.now())


def handover_candidates_in(
    session: Session, task: HumanTask, actor: Actor, now: datetime
) -> list[tuple[int, str]]:
    if task.status not in OPEN_STATUSES or task.lane == "requester" or _may_give(actor, task) is not None:
        return []
    ids = [i for i in lane_members(session, task, now) if i not in actor.ids and i != task.assigned_user_id]
    users = session.scalars(select(User).where(User.id.in_(ids)).order_by(User.full_name)).all()
    return [(u.id, u.full_name) for u in users if _may_receive(actor_of(u, now), task) is None]


def _may_give(actor: Actor, task: HumanTask) -> str | None:
    """The giver holds the task, or may claim it (eligible and nobody else holds it)."""
    return may_act(actor, task_scope_of(task))


def _may_receive(person: Actor, task: HumanTask) -> str | None:
    """The receiver is eligible by the lane rule itself, not by holding (what an administrator's
    reassignment could have given them)."""
    return eligible(person, task_scope(task, unheld=True))


def hand_over_task(
    ctx: ServiceContext, task_id: int, to_user_id: int, actor: Actor, reason: str
) -> TaskSummary:
    """Give an open task to a colleague of the same lane, with a reason: recorded as an event, the
    colleague notified, the task theirs until they finish or release it. Raises NotFoundError,
    PermissionDeniedError (the giver may not act on it), ConflictError (no longer open, held by someone
    else), ValidationError (no reason; the receiver is not eligible, inactive or the giver)."""
    why = given_reason(reason)
    now = ctx.now()
    with ctx.db.write() as session:
        task, instance, _ = locked_task(session, task_id)
        require_running(instance)
        check_actor(actor, task, session)
        if task.lane == "requester":
            raise PermissionDeniedError("only the requester can do their own step")
        receiver = session.get(User, to_user_id)
        refusal = None if receiver is not None and receiver.is_active else "no such active user"
        if receiver is not None and refusal is None:
            refusal = (
                "that is you" if receiver.id in actor.ids else _may_receive(actor_of(receiver, now), task)
            )
        if receiver is None or refusal is not None:
            raise ValidationError(refusal or "no such user", [problem("to", "ผู้รับงานนี้ทำขั้นตอนนี้ไม่ได้")])
        task.assigned_user_id = receiver.id
        task.status = "claimed"
        add_event(
            session,
            instance,
            "handed_over",
            now,
            actor_id=actor.id,
            on_behalf_of_id=for_whom(actor, task),
            task=task,
            comment=why,
            details={"to": receiver.full_name},
        )
        session.add(
            Notification(
                user_id=receiver.id,
                instance_id=instance.id,
                kind="task",
                text=f"มีงานส่งต่อถึงคุณ: {task.name} — {instance.title} ({why})"[:500],
                created_at=now,
                human_task=task,
            )
        )
        instance.updated_at = now
        return TaskSummary.of(task, instance, receiver.username)


def _username(session: Session, user_id: int) -> str | None:
    return session.scalar(select(User.username).where(User.id == user_id))
