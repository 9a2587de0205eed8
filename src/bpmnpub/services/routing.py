"""The chain of superiors: where a new task goes when nobody in its lane can take it.

A step whose natural holders are only the requester (a group director filing a request that their
own group director must review; the office's only PR officer starting a photo album that a PR officer
must check) or nobody at all goes up the chain automatically and on the record:

    the task's group → its group director → the deputy director in charge of that group → the director

For the director's lane nobody is above. A deputy in charge of a group holds the role
`deputy_director` with that group (a deputy assigned without a group is in charge of every group).
Acting-for needs nothing here: a substitute already does what the absent person may do.

If nobody in the chain can take the step, it stays open and is flagged: the director(s) and the
administrators are notified, the timeline says "ไม่มีผู้ดำเนินการได้", and `bpmnpub check` lists it.
This is the one place the rule lives; tests/services/test_routing.py walks it over org shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..models import HumanTask, Notification, ProcessInstance, RoleAssignment, User

# The levels above each lane, nearest first.
_ABOVE: dict[str, tuple[str, ...]] = {
    "group_director": ("deputy_director", "director"),
    "deputy_director": ("director",),
    "director": (),
}
_ABOVE_STAFF = ("group_director", "deputy_director", "director")  # office-wide staff lanes

ESCALATED = "escalated"
NO_HOLDER = "no_holder"


@dataclass(frozen=True)
class Routing:
    """What became of a new task nobody in its lane could take."""

    to_user_id: int | None  # the superior it was given to; None: nobody in the chain
    to_role: str | None
    why: str  # "requester_only": its only holders are the requester; "nobody": the lane is empty


def levels_above(lane: str) -> tuple[str, ...]:
    return _ABOVE.get(lane, _ABOVE_STAFF)


def route_new_task(session: Session, task: HumanTask) -> Routing:
    """For a new task whose lane holds nobody but (at most) the requester: the nearest superior who
    is not the requester, or nobody. Rare: called only when `notify.recipients` found no one."""
    why = "requester_only" if _holders_of(session, task.lane, task.scope_group_id) else "nobody"
    for role in levels_above(task.lane):
        found = [u for u in _holders_of(session, role, task.scope_group_id) if u != task.requester_id]
        if found:
            return Routing(found[0], role, why)
    return Routing(None, None, why)


def superior_of(session: Session, task: HumanTask, holders: list[int]) -> Routing:
    """For an overdue task: the nearest person up the chain from its lane who is neither the requester
    nor one of its present `holders`; Routing(None, ...) when the chain is empty."""
    skip = {*holders, task.requester_id}
    for role in levels_above(task.lane):
        found = [u for u in _holders_of(session, role, task.scope_group_id) if u not in skip]
        if found:
            return Routing(found[0], role, "overdue")
    return Routing(None, None, "overdue")


def alert_no_holder(session: Session, instance: ProcessInstance, task: HumanTask, now: datetime) -> None:
    """Tell the director(s) and the administrators that a step has nobody who can do it."""
    text = f"ไม่มีผู้ดำเนินการได้: {task.name} — {instance.title}"
    for user_id in _alerted(session):
        session.add(
            Notification(
                user_id=user_id, instance_id=instance.id, kind=NO_HOLDER, text=text[:500], created_at=now
            )
        )


def _holders_of(session: Session, role: str, group_id: int | None) -> list[int]:
    """Active holders of a role; for group directors and deputies, those of the given group first."""
    stmt = (
        select(User.id, RoleAssignment.group_id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == role, User.is_active.is_(True))
        .order_by(User.id)
    )
    if role == "group_director":
        if group_id is None:
            return []
        stmt = stmt.where(func.coalesce(RoleAssignment.group_id, User.group_id) == group_id)
        return list(dict.fromkeys(uid for uid, _ in session.execute(stmt)))
    if role == "deputy_director":
        stmt = stmt.where(or_(RoleAssignment.group_id.is_(None), RoleAssignment.group_id == group_id))
        rows = list(session.execute(stmt))
        in_charge = [uid for uid, gid in rows if gid is not None]  # of this group before office-wide
        return list(dict.fromkeys([*in_charge, *(uid for uid, gid in rows if gid is None)]))
    return list(dict.fromkeys(uid for uid, _ in session.execute(stmt)))


def _alerted(session: Session) -> list[int]:
    stmt = (
        select(User.id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role.in_(("director", "admin")), User.is_active.is_(True))
        .order_by(User.id)
    )
    return list(dict.fromkeys(session.scalars(stmt)))
