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

Who holds a role is asked at a moment (`now`): an appointment that has ended counts for nobody
(RoleAssignment.in_force). A step already waiting in a lane whose last holder's appointment ended
(or who was deactivated) is found by `orphaned_task_ids` and sent up the chain by the worker's pass
(services/requests/worker_steps.reroute_orphaned), with `why` "lane_emptied".

A step someone took (claimed, or was handed) stays theirs only while they may still do it: when its
holder is deactivated, or their appointment to the lane ends, the worker gives it back to the lane
(`stranded_task_ids`, event `claim_lapsed`) and, if the lane is empty, up the chain. A step given to
someone up the chain or by an administrator stays with them while their account is active.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from ...models import HumanTask, InstanceEvent, Notification, ProcessInstance, RoleAssignment, User
from ...statuses import OPEN_STATUSES
from .notify import holds_lane, lane_has_members

# The levels above each lane, nearest first.
_ABOVE: dict[str, tuple[str, ...]] = {
    "group_director": ("deputy_director", "director"),
    "deputy_director": ("director",),
    "director": (),
}
_ABOVE_STAFF = ("group_director", "deputy_director", "director")  # office-wide staff lanes

ESCALATED = "escalated"
NO_HOLDER = "no_holder"
LANE_EMPTIED = "lane_emptied"  # `why` of a waiting step whose lane lost its last holder
CLAIM_LAPSED = "claim_lapsed"  # a held step given back: its holder may no longer do it
GIVEN = (ESCALATED, "reassigned")  # a step given to someone whatever their lane


@dataclass(frozen=True)
class Routing:
    """What became of a new task nobody in its lane could take."""

    to_user_id: int | None  # the superior it was given to; None: nobody in the chain
    to_role: str | None
    # "requester_only": its only holders are the requester; "nobody": the lane is empty; "lane_emptied":
    # the lane emptied while the step waited (an appointment ended); "overdue" (deadlines)
    why: str


def levels_above(lane: str) -> tuple[str, ...]:
    return _ABOVE.get(lane, _ABOVE_STAFF)


def route_new_task(session: Session, task: HumanTask, now: datetime, why: str | None = None) -> Routing:
    """For a task whose lane holds nobody but (at most) the requester at `now`: the nearest superior
    who is not the requester, or nobody. Rare: called only when `notify.recipients` found no one."""
    if why is None:
        why = "requester_only" if _holders_of(session, task.lane, task.scope_group_id, now) else "nobody"
    for role in levels_above(task.lane):
        found = [u for u in _holders_of(session, role, task.scope_group_id, now) if u != task.requester_id]
        if found:
            return Routing(found[0], role, why)
    return Routing(None, None, why)


def superior_of(session: Session, task: HumanTask, holders: list[int], now: datetime) -> Routing:
    """For an overdue task: the nearest person up the chain from its lane who is neither the requester
    nor one of its present `holders`; Routing(None, ...) when the chain is empty."""
    skip = {*holders, task.requester_id}
    for role in levels_above(task.lane):
        found = [u for u in _holders_of(session, role, task.scope_group_id, now) if u not in skip]
        if found:
            return Routing(found[0], role, "overdue")
    return Routing(None, None, "overdue")


def orphaned_task_ids(session: Session, now: datetime, instance_ids: list[int] | None = None) -> list[int]:
    """Open steps of running requests that nobody holds and nobody may take by their lane at `now`
    (the lane's last appointment ended, or its holder was deactivated), not yet flagged "nobody can
    act" since they last moved: the worker sends them up the chain."""
    last_event = (
        select(InstanceEvent.action)
        .where(InstanceEvent.human_task_id == HumanTask.id)
        .order_by(InstanceEvent.id.desc())
        .limit(1)
        .correlate(HumanTask)
        .scalar_subquery()
    )
    stmt = (
        select(HumanTask.id)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(
            ProcessInstance.status == "running",
            HumanTask.status.in_(OPEN_STATUSES),
            HumanTask.lane != "requester",
            HumanTask.assigned_user_id.is_(None),
            ~lane_has_members(now),
            func.coalesce(last_event, "") != NO_HOLDER,
        )
        .order_by(HumanTask.id)
    )
    if instance_ids is not None:
        stmt = stmt.where(HumanTask.instance_id.in_(instance_ids))
    return list(session.scalars(stmt))


def stranded_task_ids(session: Session, now: datetime, instance_ids: list[int] | None = None) -> list[int]:
    """Open steps of running requests held by someone who may no longer do them at `now`: an inactive
    account, or (for a step they took by their lane) no role for the lane any more. Acting-for is not
    seen here: the caller checks it before giving a step back."""
    holder = select(User.is_active).where(User.id == HumanTask.assigned_user_id).correlate(HumanTask)
    given = exists().where(InstanceEvent.human_task_id == HumanTask.id, InstanceEvent.action.in_(GIVEN))
    stmt = (
        select(HumanTask.id)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(
            ProcessInstance.status == "running",
            HumanTask.status.in_(OPEN_STATUSES),
            HumanTask.lane != "requester",
            HumanTask.assigned_user_id.is_not(None),
            or_(
                func.coalesce(holder.scalar_subquery(), False).is_(False),
                ~given & ~holds_lane(now, HumanTask.assigned_user_id),
            ),
        )
        .order_by(HumanTask.id)
    )
    if instance_ids is not None:
        stmt = stmt.where(HumanTask.instance_id.in_(instance_ids))
    return list(session.scalars(stmt))


def alert_no_holder(session: Session, instance: ProcessInstance, task: HumanTask, now: datetime) -> None:
    """Tell the director(s) and the administrators that a step has nobody who can do it."""
    text = f"ไม่มีผู้ดำเนินการได้: {task.name} — {instance.title}"
    for user_id in _alerted(session, now):
        session.add(
            Notification(
                user_id=user_id, instance_id=instance.id, kind=NO_HOLDER, text=text[:500], created_at=now
            )
        )


def _holders_of(session: Session, role: str, group_id: int | None, now: datetime) -> list[int]:
    """Active holders of a role at `now`; for group directors and deputies, those of the given group
    first."""
    stmt = (
        select(User.id, RoleAssignment.group_id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == role, RoleAssignment.in_force_sql(now), User.is_active.is_(True))
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


def _alerted(session: Session, now: datetime) -> list[int]:
    stmt = (
        select(User.id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(
            RoleAssignment.role.in_(("director", "admin")),
            RoleAssignment.in_force_sql(now),
            User.is_active.is_(True),
        )
        .order_by(User.id)
    )
    return list(dict.fromkeys(session.scalars(stmt)))
