"""Who publishes for which unit (seed 000 §2; issue #11 item 3): administrators appoint a publisher
for a unit (a group: Plan, PR, a group's clerk) or for the office pool (no group), dated and with the
order's number like every assignment (`RoleAssignment`; its group is the unit). The routing of the
publish steps that reads these is services/requests/units.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import ConflictError, FieldProblem, ValidationError, problem
from ...models import Group, RoleAssignment, User
from ...permissions import PUBLISHER, Actor, require_admin
from ...thaidate import local_date
from ..kernel import audit
from ..kernel.context import ServiceContext
from . import sessions


@dataclass(frozen=True)
class UnitChoice:
    code: str  # "" = the office pool
    name: str


def unit_choices(ctx: ServiceContext) -> list[UnitChoice]:
    """The units a publisher may be appointed for: the office pool first, then every group."""
    with ctx.db.read() as session:
        groups = session.scalars(select(Group).order_by(Group.name)).all()
        return [UnitChoice("", "กลุ่มกลางของสำนักงาน"), *(UnitChoice(g.code, g.name) for g in groups)]


def appoint_publisher(
    ctx: ServiceContext,
    actor: Actor,
    *,
    username: str,
    unit_code: str,
    valid_from: date | None,
    valid_to: date | None,
    order_number: str = "",
) -> int:
    """Make `username` a publisher for the unit (`unit_code`; "" = the office pool) from `valid_from`
    (today when empty) to `valid_to` (open when empty); the audit trail records it and the person's
    sessions end (what they may do has changed). Returns the assignment's id. Raises
    PermissionDeniedError, ValidationError (unknown or inactive person, unknown unit, dates the wrong
    way round, order number too long), ConflictError (they already publish for that unit then)."""
    require_admin(actor, "appoint publishers")
    now = ctx.now()
    with ctx.db.write() as session:
        problems: list[FieldProblem] = []
        user = session.scalar(select(User).where(User.username == username.strip()))
        if user is None or not user.is_active:
            problems.append(problem("user", "เลือกผู้ใช้ที่ยังใช้งานอยู่"))
        unit = _unit(session, unit_code, problems)
        start = valid_from or local_date(now)
        if valid_to is not None and valid_to < start:
            problems.append(problem("valid_to", "วันสิ้นสุดต้องไม่ก่อนวันเริ่ม"))
        number = order_number.strip()
        if len(number) > 100:
            problems.append(problem("order_number", "ยาวได้ไม่เกิน %(n)s ตัวอักษร", n=100))
        if problems or user is None:
            raise ValidationError("the appointment has errors", problems)
        unit_id = unit.id if unit else None
        if any(_overlaps(a, unit_id, start, valid_to) for a in user.roles):
            raise ConflictError("this person already publishes for this unit then")
        assignment = RoleAssignment(
            role=PUBLISHER,
            group_id=unit_id,
            valid_from=start,
            valid_to=valid_to,
            order_number=number,
            created_at=now,
        )
        user.roles.append(assignment)
        session.flush()
        facts = {
            "role": PUBLISHER,
            "unit": unit.code if unit else None,
            "valid_from": start.isoformat(),
            "valid_to": valid_to.isoformat() if valid_to else None,
            "order_number": number,
        }
        audit.record(
            session,
            "users",
            "publisher_appointed",
            f"user {user.username}",
            actor_id=actor.id,
            now=now,
            details=facts,
        )
        sessions.end_all(session, user.id, sessions.ROLES_CHANGED, now, tokens=False)
        return assignment.id


def _unit(session: Session, code: str, problems: list[FieldProblem]) -> Group | None:
    if not code.strip():
        return None
    group = session.scalar(select(Group).where(Group.code == code.strip()))
    if group is None:
        problems.append(problem("unit", "ไม่พบกลุ่ม/หน่วยนี้"))
    return group


def _overlaps(held: RoleAssignment, unit_id: int | None, start: date, end: date | None) -> bool:
    """A publisher assignment of the same unit, not ended, whose dates meet [start, end]."""
    if held.role != PUBLISHER or held.group_id != unit_id or held.ended_at is not None:
        return False
    if held.valid_to is not None and held.valid_to < start:
        return False
    return not (end is not None and held.valid_from is not None and held.valid_from > end)
