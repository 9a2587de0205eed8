"""In-app notifications: a task arrived, a request came back for revision, was decided, was published.

Written in the transaction of the action that caused them; read by the header's count and the
notifications page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..models import HumanTask, Notification, ProcessInstance, RoleAssignment, User
from ..permissions import OPEN_STATUSES, Actor
from .context import ServiceContext

GROUP_ROLE = "group_director"


def recipients(session: Session, instance: ProcessInstance, task: HumanTask) -> list[int]:
    """Who may do a new task (without deserializing anything): the requester, or the holders of its
    lane's role (a group director only for the task's group), never the requester for a decision;
    a task given to someone (escalated up the chain, reassigned) goes to them alone."""
    if task.assigned_user_id is not None:
        return [task.assigned_user_id]
    return lane_members(session, task)


def lane_members(session: Session, task: HumanTask) -> list[int]:
    """Active users who may do the task by its lane, whoever holds it now (never the requester for a
    decision)."""
    if task.lane == "requester":
        return [task.requester_id] if task.requester_id else []
    stmt = (
        select(User.id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == task.lane, User.is_active.is_(True))
    )
    if task.lane == GROUP_ROLE:
        stmt = stmt.where(func.coalesce(RoleAssignment.group_id, User.group_id) == task.scope_group_id)
    ids = list(session.scalars(stmt.distinct()))
    return [i for i in ids if not (task.decides and i == task.requester_id)]


def task_arrived(
    session: Session,
    instance: ProcessInstance,
    task: HumanTask,
    now: datetime,
    *,
    sent_back: bool,
    skip: int | None,
    to: list[int] | None = None,
) -> None:
    """`to`: the recipients when the caller has just computed them."""
    for user_id in recipients(session, instance, task) if to is None else to:
        if user_id == skip:
            continue
        if sent_back and task.lane == "requester":
            text = f"คำขอ “{instance.title}” ถูกส่งกลับให้แก้ไข: {task.name}"
            kind = "sent_back"
        else:
            text = f"มีงานรอคุณ: {task.name} — {instance.title}"
            kind = "task"
        session.add(
            Notification(
                user_id=user_id,
                instance_id=instance.id,
                kind=kind,
                text=text[:500],
                created_at=now,
                human_task=task,  # the e-mail links to the task itself (services/mail.py)
            )
        )


def request_ended(session: Session, instance: ProcessInstance, outcome: str | None, now: datetime) -> None:
    if not instance.started_by_id:
        return
    texts = {
        "published": f"คำขอ “{instance.title}” ได้รับอนุมัติและเผยแพร่แล้ว",
        "rejected": f"คำขอ “{instance.title}” ไม่ได้รับอนุมัติ",
    }
    text = texts.get(outcome or "", f"คำขอ “{instance.title}” เสร็จสิ้นแล้ว")
    session.add(
        Notification(
            user_id=instance.started_by_id,
            instance_id=instance.id,
            kind=outcome or "completed",
            text=text[:500],
            created_at=now,
        )
    )


@dataclass(frozen=True)
class NotificationView:
    id: int
    instance_id: int | None
    kind: str
    text: str
    created_at: datetime
    read: bool
    task_id: int | None = None  # the task it announced, while that task is still open


def unread_count(ctx: ServiceContext, actor: Actor) -> int:
    with ctx.db.read() as session:
        return int(
            session.scalar(
                select(func.count(Notification.id)).where(
                    Notification.user_id == actor.id, Notification.read_at.is_(None)
                )
            )
            or 0
        )


def list_notifications(ctx: ServiceContext, actor: Actor, limit: int = 50) -> list[NotificationView]:
    with ctx.db.read() as session:
        rows = session.execute(
            select(Notification, HumanTask.status)
            .outerjoin(HumanTask, HumanTask.id == Notification.human_task_id)
            .where(Notification.user_id == actor.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        ).all()
        return [
            NotificationView(
                n.id,
                n.instance_id,
                n.kind,
                n.text,
                n.created_at,
                n.read_at is not None,
                n.human_task_id if status in OPEN_STATUSES else None,
            )
            for n, status in rows
        ]


def mark_all_read(ctx: ServiceContext, actor: Actor) -> None:
    with ctx.db.write() as session:
        session.execute(
            update(Notification)
            .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
            .values(read_at=ctx.now())
        )
