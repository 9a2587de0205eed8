"""Who may see, start, claim and complete what.

The rule lives here twice, side by side, on purpose: as a Python predicate (one task) and as a SQL
clause (listing tasks without loading workflows). tests/services/test_permissions.py checks that
the two agree on every combination.

- lane `requester`: only the user who started the request;
- lane `group_director`: a group director of the task's group (the requester's group, or the group a
  per-group task is for), never on their own request;
- lane `publisher`: a publisher of the task's unit (`unit_id`: the unit responsible for the item's
  category, or the requester's group for its own data); a task of no unit is the office pool's,
  publishers whose assignment names no group (services/requests/units.py decides the unit);
- any other lane: a holder of that role, office-wide;
- nobody decides (a task whose form has a `decision` field) on a request they started;
- a task someone holds is theirs alone until they release it: claimed while eligible, or given to them
  by an administrator (services/steering.reassign_task, which may go past the lane and group);
- acting for (รักษาราชการแทน): during a delegation, a substitute may also do what the absent person
  may do; it is recorded as done by the substitute for that person, and the substitute still never
  decides on a request they started themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_

from .errors import PermissionDeniedError
from .statuses import OPEN_STATUSES

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


@dataclass(frozen=True)
class Actor:
    """A signed-in user as the rules see them."""

    id: int
    roles: frozenset[str]
    group_id: int | None
    director_of: frozenset[int]  # groups this user directs
    username: str = ""
    acting_for: tuple[Actor, ...] = ()  # people whose tasks this user also does today
    # The units this user publishes for, by their publisher assignments in force (None: the office
    # pool, an assignment naming no group). Empty for whoever is no publisher.
    publisher_units: frozenset[int | None] = frozenset()

    @property
    def ids(self) -> tuple[int, ...]:
        return (self.id, *(p.id for p in self.acting_for))

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
    unit_id: int | None = None  # the publisher lane's unit; None: the office pool


PUBLISHER = "publisher"


def _eligible_as(subject: Actor, task: TaskScope, doer_id: int, held: bool = True) -> str | None:
    if task.lane == "requester":
        return None if subject.id == task.requester_id else "only the requester can do this step"
    if task.decides and task.requester_id is not None and task.requester_id in (subject.id, doer_id):
        return "nobody decides on their own request"
    if held and task.assigned_user_id is not None and task.assigned_user_id == subject.id:
        return None  # held: claimed while eligible, or given to them by an administrator
    if task.lane == "group_director":
        if task.scope_group_id is not None and task.scope_group_id in subject.director_of:
            return None
        return "only the director of the request's group can do this step"
    if task.lane == PUBLISHER:
        if task.unit_id in subject.publisher_units:
            return None
        return "only the publishers of the unit this step is routed to can do it"
    if task.lane in subject.roles:
        return None
    return f"this step needs the role {task.lane!r}"


def acting_as(actor: Actor, task: TaskScope) -> Actor | None:
    """Whose authority lets the actor do the task: themselves, or someone they act for; None if nobody's."""
    # By the lane rule first, so that a substitute holding a task still acts for the person it is for.
    for held in (False, True):
        for subject in (actor, *actor.acting_for):
            if _eligible_as(subject, task, actor.id, held) is None:
                return subject
    return None


def eligible(actor: Actor, task: TaskScope) -> str | None:
    """None when the actor may act on the task by its lane (their own or by acting for someone);
    otherwise the reason they may not."""
    if acting_as(actor, task) is not None:
        return None
    return _eligible_as(actor, task, actor.id)


def may_act(actor: Actor, task: TaskScope) -> str | None:
    """None when the actor may claim/complete the task now; otherwise why not (eligibility or holder)."""
    reason = eligible(actor, task)
    if reason is not None:
        return reason
    if task.assigned_user_id is not None and task.assigned_user_id not in actor.ids:
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
    unit_id: Any


def actionable_clause(actor: Actor, c: TaskColumns) -> ColumnElement[bool]:
    """SQL: open tasks the actor holds, or unclaimed ones they may claim (mirrors `may_act`)."""
    # Holding a task never bypasses the lane rule: eligible, and unclaimed or held by the actor.
    return and_(lanes_clause(actor, c), or_(c.assigned_user_id.is_(None), c.assigned_user_id.in_(actor.ids)))


def lanes_clause(actor: Actor, c: TaskColumns) -> ColumnElement[bool]:
    """SQL: open tasks of the actor's lanes whoever holds them: the actionable ones and those held by
    others together (the inbox counts its views in one pass over these)."""
    by_subject = [_eligible_sql(subject, actor.id, c) for subject in (actor, *actor.acting_for)]
    return and_(c.status.in_(OPEN_STATUSES), or_(*by_subject))


def eligible_clause(actor: Actor, c: TaskColumns) -> ColumnElement[bool]:
    """SQL: tasks the actor may act on by their lane, their own or by acting for someone, whoever holds
    them (mirrors `eligible`)."""
    return or_(*(_eligible_sql(subject, actor.id, c) for subject in (actor, *actor.acting_for)))


def held_by_others_clause(actor: Actor, c: TaskColumns) -> ColumnElement[bool]:
    """SQL: open tasks of the actor's lanes that someone else holds (the inbox's "claimed by others"
    view: to know who has them, not to act on them)."""
    return and_(lanes_clause(actor, c), c.assigned_user_id.is_not(None), c.assigned_user_id.not_in(actor.ids))


def _eligible_sql(subject: Actor, doer_id: int, c: TaskColumns) -> ColumnElement[bool]:
    not_own = or_(
        c.decides.is_(False), c.requester_id.is_(None), c.requester_id.not_in({subject.id, doer_id})
    )
    by_lane = [and_(c.lane == "requester", c.requester_id == subject.id)]
    by_lane.append(and_(c.lane != "requester", c.assigned_user_id == subject.id, not_own))
    if subject.director_of:
        by_lane.append(
            and_(c.lane == "group_director", c.scope_group_id.in_(sorted(subject.director_of)), not_own)
        )
    units = sorted(u for u in subject.publisher_units if u is not None)
    if subject.publisher_units:
        of_unit = [c.unit_id.in_(units)] if units else []
        if None in subject.publisher_units:
            of_unit.append(c.unit_id.is_(None))
        by_lane.append(and_(c.lane == PUBLISHER, or_(*of_unit), not_own))
    other = sorted(subject.roles & (LANE_ROLES - {"requester", "group_director", PUBLISHER}))
    if other:
        by_lane.append(and_(c.lane.in_(other), not_own))
    return or_(*by_lane) if by_lane else false()


ITEM_MANAGERS = frozenset({"publisher", "admin"})


def may_manage_items(actor: Actor) -> bool:
    """Who may withdraw and republish items on the public portal: publishers and admins, by their own
    roles (acting for a publisher covers their tasks, not the portal)."""
    return bool(actor.roles & ITEM_MANAGERS)


PROCESS_OWNERS = frozenset({"process_owner", "admin"})


def may_own_processes(actor: Actor) -> bool:
    """Who shapes the procedures: process owners and admins deploy and edit diagrams, edit the catalogue
    (categories, each year's ITA items) and read the statistics of a process version."""
    return bool(actor.roles & PROCESS_OWNERS)


ITA_DASHBOARD_ROLES = frozenset(
    {"publisher", "director", "deputy_director", "group_director", "admin", "process_owner"}
)


def may_view_ita_dashboard(actor: Actor) -> bool:
    """Staff who answer for publishing see the ITA completeness dashboard; so does whoever acts for them."""
    return any(person.roles & ITA_DASHBOARD_ROLES for person in (actor, *actor.acting_for))


# Office-wide lanes read every request. Publishers are not among them: they publish for a unit (or the
# office pool), and read the requests whose publish step is, or was, their unit's or the pool's.
OFFICE_WIDE_ROLES = frozenset({"legal_officer", "deputy_director", "director", "pr_officer"})
READ_EVERY_REQUEST = OFFICE_WIDE_ROLES | {"admin", "process_owner"}


def reads_every_request(actor: Actor) -> bool:
    """Admins, process owners and the office-wide lanes read every request (by their own roles)."""
    return bool(actor.roles & READ_EVERY_REQUEST)


def may_view_instance(actor: Actor, requester_id: int | None, group_id: int | None) -> bool:
    """Who may read a request by who they are: its requester, the director of its group, office-wide
    roles, admins and process owners. Beside this, whoever takes part in one of its steps
    (services/kernel/membership.involved) and the publishers of its publish step's unit
    (`reads_publish_step`)."""
    if reads_every_request(actor) or actor.id == requester_id:
        return True
    return group_id is not None and group_id in actor.director_of


def reads_publish_step(actor: Actor, unit_id: int | None) -> bool:
    """A publisher reads a request whose publish step is (or was) routed to a unit they publish for, or
    to the office pool (`unit_id` None), which every publisher backs."""
    return bool(actor.publisher_units) and (unit_id is None or unit_id in actor.publisher_units)


def require_admin(actor: Actor, action: str) -> None:
    """The one guard of admin-only actions. Raises PermissionDeniedError("only administrators <action>")."""
    if not actor.is_admin:
        raise PermissionDeniedError(f"only administrators {action}")
