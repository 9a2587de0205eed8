"""Appointment orders (คำสั่งแต่งตั้ง, seed 000 §3.1(2), seed 001's order 103/2566): the people an order
names get the roles it gives them, dated, and lose them by themselves when the order's term ends.

- The yearly programme's appointment step (`appoint_responsible_form`) picks real users of the office
  (`x-source: users`) and the role each gets (`x-source: roles`); `form_problems` checks both on the
  server before the step completes, so a wrong name is a field error and nothing else moves.
- The diagram's next step calls the `appoint_roles` operator, in the transaction of the completion:
  one dated `RoleAssignment` per person (order number, order date, the request), an `appointed` event
  on the request's timeline, and an older assignment of the same person, role and group that would
  overlap is ended where the new one starts (the newer order governs).
- Administrators read every assignment, current and past (`list_assignments`, /admin/roles), and may
  end one early with a reason (`end_assignment`): the audit trail and the request's timeline say so.

Whether an assignment counts at a moment is `RoleAssignment.in_force`, the one rule every role lookup
uses (permissions through `accounts.actor_of`, routing, notifications, the inbox, the check).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ...engine import OperatorCall
from ...errors import ConflictError, FieldProblem, NotFoundError, problem
from ...forms import FormSpec
from ...models import Group, ProcessInstance, RoleAssignment, User
from ...permissions import LANE_ROLES, ROLES, Actor, require_admin
from ...thaidate import BANGKOK, local_date
from ..kernel import audit
from ..kernel.context import Registry, ServiceContext, StepScope
from ..kernel.events import add_event
from ..kernel.reasons import given_reason
from . import sessions

USERS = "users"  # the `x-source` of fields that choose a person of the office (by username)
ROLES_SOURCE = "roles"  # the `x-source` of fields that choose a role an order may give
# What an appointment order gives: the lanes' roles (not "requester", not the system roles admin and
# process owner, which only an administrator grants on the user page).
APPOINTABLE = tuple(r for r in ROLES if r in LANE_ROLES and r != "requester")
# Roles the row's group scopes (a publisher's group is the unit they publish for: units.py).
GROUP_SCOPED = ("group_director", "deputy_director", "publisher")
APPOINTED = "appointed"  # the request timeline's event
ENDED = "appointment_ended"


def role_choices(english: bool = False) -> list[tuple[str, str]]:
    """[(code, name)] of the roles an order may give, for the selects of forms (`x-source: roles`)."""
    return [(code, ROLES[code][1 if english else 0]) for code in APPOINTABLE]


def user_choices_in(session: Session) -> list[tuple[str, str]]:
    """[(username, "name — position (group)")] of the office's active users (`x-source: users`)."""
    rows = session.execute(
        select(User.username, User.full_name, User.position, Group.name)
        .outerjoin(Group, Group.id == User.group_id)
        .where(User.is_active.is_(True))
        .order_by(User.full_name)
    ).all()
    return [(u, _person(name, position, group)) for u, name, position, group in rows]


def sources_in(session: Session, form: FormSpec) -> dict[str, list[tuple[str, str]]]:
    """The lists an appointment form's fields choose from (none for other forms); roles named in Thai
    (`role_choices(english=True)` for English pages)."""
    if not form.uses_source(USERS) and not form.uses_source(ROLES_SOURCE):
        return {}
    return {USERS: user_choices_in(session), ROLES_SOURCE: role_choices()}


def _person(name: str, position: str | None, group: str | None) -> str:
    text = f"{name} — {position}" if position else name
    return f"{text} ({group})" if group else text


def form_problems(session: Session, form: FormSpec, data: dict[str, Any]) -> list[FieldProblem]:
    """The chosen people must be active users, the roles ones an order gives, and a group director must
    direct a group (chosen on the row, or their own). Empty when all is well."""
    people = form.sourced(data, USERS)
    names = [v for _, v in people if isinstance(v, str)]
    found = (
        {u.username: u for u in session.scalars(select(User).where(User.username.in_(names)))}
        if names
        else {}
    )
    problems = [
        problem(path, "ไม่พบผู้ใช้นี้ในระบบ หรือถูกปิดใช้งาน")
        for path, value in people
        if not isinstance(value, str) or value not in found or not found[value].is_active
    ]
    roles = dict(form.sourced(data, ROLES_SOURCE))
    problems += [
        problem(path, "บทบาทนี้แต่งตั้งตามคำสั่งไม่ได้") for path, value in roles.items() if value not in APPOINTABLE
    ]
    chosen, groups = dict(people), dict(form.sourced(data, "groups"))
    known = set(session.scalars(select(Group.code))) if groups else set()
    for path, value in roles.items():
        row, _, _ = path.rpartition(".")
        person = found.get(str(chosen.get(f"{row}.user") or ""))
        group = groups.get(f"{row}.group")
        if group and group not in known:
            problems.append(problem(f"{row}.group", "ไม่พบกลุ่ม/หน่วยนี้"))
        elif value == "group_director" and person is not None and not group and person.group_id is None:
            problems.append(problem(f"{row}.group", "เลือกกลุ่ม/หน่วยที่ผู้อำนวยการกลุ่มรับผิดชอบ"))
    return problems


# -- the operator -----------------------------------------------------------------------------------


def appoint_roles(scope: StepScope, call: OperatorCall) -> dict[str, Any]:
    """The operator `appoint_roles`: the order's people get its roles (see the module)."""
    return _appoint(scope.session, scope.instance, scope.actor_id, scope.now, call)


OPERATORS: Registry = {"appoint_roles": appoint_roles}


@dataclass(frozen=True)
class _Order:
    number: str
    issued: date | None
    valid_from: date
    valid_to: date | None


def _date(value: Any, what: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{what} is not a date: {value!r}") from None


def _order(params: Any) -> _Order:
    number = str(params.get("order_number") or "").strip()
    if not number:
        raise ValueError("an appointment needs the order's number (parameter 'order_number')")
    issued = _date(params.get("order_date"), "order_date")
    valid_from = _date(params.get("valid_from"), "valid_from") or issued
    if valid_from is None:
        raise ValueError("an appointment needs the day it takes effect (parameter 'valid_from')")
    valid_to = _date(params.get("valid_to"), "valid_to")
    if valid_to is not None and valid_to < valid_from:
        raise ValueError("the appointment ends before it starts")
    return _Order(number[:100], issued, valid_from, valid_to)


def _appoint(
    session: Session, instance: ProcessInstance, actor_id: int | None, now: datetime, call: OperatorCall
) -> dict[str, Any]:
    """One dated assignment per appointee. A ValueError fails the step with its message (the form's
    checks make that rare: a user deactivated between the form and this step cannot happen, it is the
    same transaction)."""
    order = _order(call.params)
    rows = call.params.get("appointees")
    if not isinstance(rows, list) or not rows:
        raise ValueError("an appointment needs its appointees (parameter 'appointees')")
    groups = {g.code: g for g in session.scalars(select(Group))}
    made: list[RoleAssignment] = []
    people: list[dict[str, Any]] = []
    for row in rows:
        if not isinstance(row, dict):
            raise ValueError("each appointee must be a row with 'user' and 'role'")
        user = session.scalar(select(User).where(User.username == str(row.get("user") or "")))
        if user is None or not user.is_active:
            raise ValueError(f"no active user {row.get('user')!r}")
        role = str(row.get("role") or "")
        if role not in APPOINTABLE:
            raise ValueError(f"an order cannot give the role {role!r}")
        group = groups.get(str(row.get("group") or "")) if role in GROUP_SCOPED else None
        assignment = RoleAssignment(
            role=role,
            group_id=group.id if group else None,
            valid_from=order.valid_from,
            valid_to=order.valid_to,
            order_number=order.number,
            order_date=order.issued,
            instance_id=instance.id,
            created_at=now,
        )
        _supersede(user, assignment, order, actor_id, now)
        user.roles.append(assignment)
        made.append(assignment)
        people.append(
            {
                "user": user.username,
                "name": user.full_name,
                "role": role,
                "group": group.code if group else None,
            }
        )
    session.flush()
    details = {
        "order_number": order.number,
        "order_date": order.issued.isoformat() if order.issued else None,
        "valid_from": order.valid_from.isoformat(),
        "valid_to": order.valid_to.isoformat() if order.valid_to else None,
        "people": people,
    }
    add_event(session, instance, APPOINTED, now, actor_id=actor_id, task_spec=call.task_spec, details=details)
    return {"order_number": order.number, "assignments": [a.id for a in made]}


def _scope(assignment: RoleAssignment, user: User) -> int | None:
    # A group director's assignment without a group is for their own group; a deputy's for all groups.
    return assignment.group_id or (user.group_id if assignment.role == "group_director" else None)


def _supersede(user: User, new: RoleAssignment, order: _Order, actor_id: int | None, now: datetime) -> None:
    """End, where the new order starts, the same person's assignments of the same role and group that
    would still hold then (an undated one included): the newer order governs."""
    starts = max(now, datetime.combine(order.valid_from, time(0), BANGKOK))
    for old in user.roles:
        if old.role != new.role or _scope(old, user) != _scope(new, user):
            continue
        if old.ended_at is not None and old.ended_at <= starts:
            continue
        if old.valid_to is not None and old.valid_to < order.valid_from:
            continue
        if order.valid_to is not None and old.valid_from is not None and old.valid_from > order.valid_to:
            continue
        old.ended_at = starts
        old.ended_by_id = actor_id
        old.ended_reason = f"แทนที่ด้วยคำสั่งที่ {order.number}"[:500]


# -- administrators ---------------------------------------------------------------------------------

CURRENT, UPCOMING, PAST = "current", "upcoming", "past"


@dataclass(frozen=True)
class AssignmentRow:
    id: int
    user_id: int
    username: str
    full_name: str
    role: str
    group: str | None  # the group it is scoped to (its name), None: the person's own / every group
    valid_from: date | None
    valid_to: date | None
    order_number: str
    order_date: date | None
    instance_id: int | None
    ended_at: datetime | None  # ended early (by an administrator, or where a newer order starts)
    ended_by: str | None
    ended_reason: str
    state: str  # CURRENT, UPCOMING or PAST at the moment of listing

    @property
    def until(self) -> date | None:
        """The last day it holds (or held): its end date, or the last day it held before it was ended
        (None: open-ended, or ended before it began)."""
        if self.ended_at is None:
            return self.valid_to
        last = local_date(self.ended_at - timedelta(microseconds=1))
        last = min(last, self.valid_to) if self.valid_to else last
        return None if self.valid_from is not None and last < self.valid_from else last


def _state(assignment: RoleAssignment, now: datetime) -> str:
    if assignment.in_force(now):
        return CURRENT
    today = local_date(now)
    never_ended = assignment.ended_at is None or assignment.ended_at > now
    if never_ended and assignment.valid_from is not None and assignment.valid_from > today:
        return UPCOMING
    return PAST


def list_assignments(ctx: ServiceContext, actor: Actor) -> list[AssignmentRow]:
    """Every role assignment: in force now first (by role and name), then those still to come, then the
    ended ones (latest first). Raises PermissionDeniedError."""
    require_admin(actor, "read and end role assignments")
    now = ctx.now()
    ender = aliased(User)
    with ctx.db.read() as session:
        rows = session.execute(
            select(RoleAssignment, User, Group.name, ender.full_name)
            .join(User, User.id == RoleAssignment.user_id)
            .outerjoin(Group, Group.id == RoleAssignment.group_id)
            .outerjoin(ender, ender.id == RoleAssignment.ended_by_id)
        ).all()
        found = [
            AssignmentRow(
                id=a.id,
                user_id=u.id,
                username=u.username,
                full_name=u.full_name,
                role=a.role,
                group=group,
                valid_from=a.valid_from,
                valid_to=a.valid_to,
                order_number=a.order_number,
                order_date=a.order_date,
                instance_id=a.instance_id,
                ended_at=a.ended_at,
                ended_by=ended_by,
                ended_reason=a.ended_reason,
                state=_state(a, now),
            )
            for a, u, group, ended_by in rows
        ]
    order = {CURRENT: 0, UPCOMING: 1, PAST: 2}
    live = sorted(
        (r for r in found if r.state != PAST), key=lambda r: (order[r.state], r.role, r.full_name, r.id)
    )
    past = sorted(
        (r for r in found if r.state == PAST), key=lambda r: (r.until or date.min, r.id), reverse=True
    )
    return live + past


def end_assignment(ctx: ServiceContext, actor: Actor, assignment_id: int, reason: str) -> AssignmentRow:
    """End an assignment now, before its term (or cancel one still to come), with a reason: the admin
    audit trail records it, and the request whose order gave it says so on its timeline; the person's
    sessions end (what they may do has changed). Raises PermissionDeniedError, ValidationError (no
    reason), NotFoundError, ConflictError (already over)."""
    require_admin(actor, "read and end role assignments")
    why = given_reason(reason)
    now = ctx.now()
    with ctx.db.write() as session:
        assignment = session.get(RoleAssignment, assignment_id)
        if assignment is None:
            raise NotFoundError(f"role assignment {assignment_id} not found")
        if _state(assignment, now) == PAST:
            raise ConflictError("this assignment has already ended")
        assignment.ended_at = now
        assignment.ended_by_id = actor.id
        assignment.ended_reason = why[:500]
        user = assignment.user
        facts = {
            "role": assignment.role,
            "order_number": assignment.order_number,
            "valid_from": assignment.valid_from.isoformat() if assignment.valid_from else None,
            "valid_to": assignment.valid_to.isoformat() if assignment.valid_to else None,
            "reason": why,
        }
        audit.record(
            session, "users", "role_ended", f"user {user.username}", actor_id=actor.id, now=now, details=facts
        )
        if assignment.instance_id is not None:
            instance = session.get(ProcessInstance, assignment.instance_id)
            if instance is not None:
                add_event(
                    session,
                    instance,
                    ENDED,
                    now,
                    actor_id=actor.id,
                    comment=why,
                    details={**facts, "user": user.username, "name": user.full_name},
                )
        sessions.end_all(session, user.id, sessions.ROLES_CHANGED, now, tokens=False)
        session.flush()
    return next(r for r in list_assignments(ctx, actor) if r.id == assignment_id)
