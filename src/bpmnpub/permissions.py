"""Who may see, start, claim and complete what.

The rule lives here twice, side by side, on purpose: as a Python predicate (one task) and as a SQL
clause (listing tasks without loading workflows). tests/services/test_permissions.py checks that
the two agree on every combination.

- lane `requester`: only the user who started the request;
- lane `group_director`: a group director of the task's group (the requester's group, or the group a
  per-group task is for), never on their own request;
- any other lane: a holder of that role, office-wide;
- nobody decides (a task whose form has a `decision` field) on a request they started;
- a task someone has claimed is theirs alone until they release it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_

ROLES: dict[str, tuple[str, str]] = {
    "requester": ("เจ้าของข้อมูล / ผู้ขออนุญาต", "Data owner / requester"),
    "group_director": ("ผู้อำนวยการกลุ่ม/หน่วย", "Group director"),
    "legal_officer": ("นิติกร", "Legal officer"),
    "deputy_director": ("รองผู้อำนวยการ สพป.", "Deputy director"),
    "director": ("ผู้อำนวยการ สพป.", "Area director"),
    "publisher": ("ผู้มีหน้าที่เผยแพร่ข้อมูล / ผู้ดูแลระบบ", "Publisher"),
    "pr_officer": ("งานประชาสัมพันธ์ กลุ่มอำนวยการ", "PR officer"),
}
SYSTEM_ROLES: dict[str, tuple[str, str]] = {
    "process_owner": ("เจ้าของกระบวนงาน", "Process owner"),
    "admin": ("ผู้ดูแลระบบ", "Administrator"),
}
LANE_ROLES = frozenset(ROLES)
ALL_ROLES = frozenset(ROLES) | frozenset(SYSTEM_ROLES)
OPEN_STATUSES = ("ready", "claimed")


@dataclass(frozen=True)
class Actor:
    """A signed-in user as the rules see them."""

    id: int
    roles: frozenset[str]
    group_id: int | None
    director_of: frozenset[int]  # groups this user directs
    username: str = ""

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


@dataclass(frozen=True)
class TaskScope:
    lane: str | None
    status: str
    requester_id: int | None
    scope_group_id: int | None
    assigned_user_id: int | None
    decides: bool = True


def eligible(actor: Actor, task: TaskScope) -> str | None:
    """None when the actor may act on the task by its lane; otherwise the reason they may not."""
    if task.lane == "requester":
        return None if actor.id == task.requester_id else "only the requester can do this step"
    if task.decides and task.requester_id is not None and actor.id == task.requester_id:
        return "nobody decides on their own request"
    if task.lane == "group_director":
        if task.scope_group_id is not None and task.scope_group_id in actor.director_of:
            return None
        return "only the director of the request's group can do this step"
    if task.lane in actor.roles:
        return None
    return f"this step needs the role {task.lane!r}"


def may_act(actor: Actor, task: TaskScope) -> str | None:
    """None when the actor may claim/complete the task now; otherwise why not (eligibility or holder)."""
    reason = eligible(actor, task)
    if reason is not None:
        return reason
    if task.assigned_user_id is not None and task.assigned_user_id != actor.id:
        return "someone else holds this task"
    return None


def may_start(actor: Actor, start_roles: tuple[str, ...] | list[str]) -> bool:
    return "*" in start_roles or actor.is_admin or bool(actor.roles & set(start_roles))


@dataclass(frozen=True)
class TaskColumns:
    """The human_task columns the SQL form of the rule needs (passed in: models are a sibling layer)."""

    lane: Any
    status: Any
    requester_id: Any
    scope_group_id: Any
    assigned_user_id: Any
    decides: Any


def actionable_clause(actor: Actor, c: TaskColumns) -> ColumnElement[bool]:
    """SQL: open tasks the actor holds, or unclaimed ones they may claim (mirrors `may_act`)."""
    not_own = or_(c.decides.is_(False), c.requester_id.is_(None), c.requester_id != actor.id)
    by_lane = [and_(c.lane == "requester", c.requester_id == actor.id)]
    if actor.director_of:
        by_lane.append(
            and_(c.lane == "group_director", c.scope_group_id.in_(sorted(actor.director_of)), not_own)
        )
    other = sorted(actor.roles & (LANE_ROLES - {"requester", "group_director"}))
    if other:
        by_lane.append(and_(c.lane.in_(other), not_own))
    eligible_sql = or_(*by_lane) if by_lane else false()
    # Holding a task never bypasses the lane rule: eligible, and unclaimed or held by the actor.
    return and_(
        c.status.in_(OPEN_STATUSES),
        eligible_sql,
        or_(c.assigned_user_id.is_(None), c.assigned_user_id == actor.id),
    )


OFFICE_WIDE_ROLES = frozenset({"legal_officer", "deputy_director", "director", "publisher", "pr_officer"})


def may_view_instance(actor: Actor, requester_id: int | None, group_id: int | None) -> bool:
    """Who may read a request: its requester, the director of its group, office-wide roles, admins
    and process owners."""
    if actor.is_admin or "process_owner" in actor.roles or actor.id == requester_id:
        return True
    if group_id is not None and group_id in actor.director_of:
        return True
    return bool(actor.roles & OFFICE_WIDE_ROLES)
