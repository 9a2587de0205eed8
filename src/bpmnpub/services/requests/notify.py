"""In-app notifications: a task arrived, a request came back for revision, was decided, was published.

Written in the transaction of the action that caused them; read by the header's count and the
notifications page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Exists,
    Integer,
    Select,
    String,
    bindparam,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from ...models import HumanTask, Notification, ProcessInstance, RoleAssignment, User
from ...models.base import UTCDateTime
from ...permissions import PUBLISHER, Actor
from ...statuses import OPEN_STATUSES
from ...thaidate import local_date
from ..kernel.context import ServiceContext

GROUP_ROLE = "group_director"


def recipients(session: Session, instance: ProcessInstance, task: HumanTask, now: datetime) -> list[int]:
    """Who may do a new task (without deserializing anything): the requester, or the holders of its
    lane's role at `now` (a group director only for the task's group), never the requester for a
    decision; a task given to someone (escalated up the chain, reassigned) goes to them alone."""
    if task.assigned_user_id is not None:
        return [task.assigned_user_id]
    return lane_members(session, task, now)


def lane_members(session: Session, task: HumanTask, now: datetime) -> list[int]:
    """Active users who may do the task by its lane at `now`, whoever holds it now (never the requester
    for a decision)."""
    if task.lane == "requester":
        return [task.requester_id] if task.requester_id else []
    return _members(
        session, now, task.lane, task.scope_group_id, task.requester_id, bool(task.decides), task.unit_id
    )


def _members(
    session: Session,
    now: datetime,
    lane: str,
    group_id: int | None,
    requester_id: int | None,
    decides: bool,
    unit_id: int | None,
) -> list[int]:
    params = {
        "lane": lane,
        "group_id": group_id,
        "requester_id": requester_id,
        "decides": decides,
        "unit_id": unit_id,
        "today": local_date(now),
        "now": now,
    }
    return list(session.scalars(_LANE_MEMBERS, params))


def lane_has_members(now: datetime, task: Any = HumanTask) -> Exists:
    """SQL, correlated to `human_task` rows: somebody may do the row's task by its lane at `now` (the
    same rule as `lane_members`; lanes other than the requester's)."""
    return _lane_members(
        now, task.lane, task.scope_group_id, task.requester_id, task.decides, task.unit_id
    ).exists()


def unit_publishers(session: Session, unit_id: int | None, now: datetime) -> list[int]:
    """Active users holding the publisher role for `unit_id` at `now` (None: the office pool)."""
    return _members(session, now, PUBLISHER, None, None, False, unit_id)


def holds_lane(now: datetime, user_id: Any, task: Any = HumanTask) -> Exists:
    """SQL, correlated to `human_task` rows: `user_id` (a column or value) may do the row's task by its
    lane at `now` by their own role (acting-for is not seen here)."""
    members = _lane_members(
        now, task.lane, task.scope_group_id, task.requester_id, task.decides, task.unit_id
    )
    return members.where(User.id == user_id).exists()


def _lane_members(
    now: datetime, lane: Any, group_id: Any, requester_id: Any, decides: Any, unit_id: Any
) -> Select[Any]:
    """Holders of the lane's role at `now` who may do a task of `group_id` (a group director: of that
    group) and `unit_id` (a publisher: of that unit, or of the office pool when it is empty), never the
    requester for a decision. The arguments are SQL values or `human_task` columns."""
    return _lane_members_at(local_date(now), now, lane, group_id, requester_id, decides, unit_id)


def _lane_members_at(
    today: Any, now: Any, lane: Any, group_id: Any, requester_id: Any, decides: Any, unit_id: Any
) -> Select[Any]:
    """`_lane_members` with the office's day and the moment as SQL values or bound parameters."""
    return (
        select(User.id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(
            RoleAssignment.role == lane,
            RoleAssignment.in_force_at(today, now),
            User.is_active.is_(True),
            or_(lane != GROUP_ROLE, func.coalesce(RoleAssignment.group_id, User.group_id) == group_id),
            or_(lane != PUBLISHER, RoleAssignment.group_id.is_not_distinct_from(unit_id)),
            or_(decides.is_(False), requester_id.is_(None), User.id != requester_id),
        )
    )


# Built once (it runs for every new step), run with the task's values as parameters: typed, since
# PostgreSQL cannot tell the type of a bare NULL (a request the worker started has no requester, a task
# of no group) and refuses `$n IS NULL` on it.
_LANE_MEMBERS = (
    _lane_members_at(
        bindparam("today", type_=Date),
        bindparam("now", type_=UTCDateTime),
        bindparam("lane", type_=String),
        bindparam("group_id", type_=Integer),
        bindparam("requester_id", type_=Integer),
        bindparam("decides", type_=Boolean),
        bindparam("unit_id", type_=Integer),
    )
    .distinct()
    .order_by(User.id)
)


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
    for user_id in recipients(session, instance, task, now) if to is None else to:
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
                human_task=task,  # the e-mail links to the task itself (services/office/mail.py)
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
