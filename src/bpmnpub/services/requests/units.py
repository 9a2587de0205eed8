"""Routing a publish step to the responsible unit (seed 000 §2; issue #11 item 3).

Seed 000 gives the publishing to units: Plan publishes structure, plans, procurement, manuals and
service standards; PR publishes news and photos; each group's clerk publishes the group's own data.
So a step of the `publisher` lane does not go to every publisher of the office:

    the unit responsible for the request's category (`category.group_id`)
    → else the request's own group (the group's own data, published by its clerk)
    → else, or when that unit has no publisher in force at that moment: the office pool

A publisher's unit is the group of their publisher assignment (`role_assignment.group_id`, dated like
every assignment); an assignment naming no group makes them one of the office pool. The step's row
keeps the unit it went to (`human_task.unit_id`), and the one permission rule (permissions.py, Python
and SQL) and the notifications (`notify.lane_members`) read it: a publisher of another unit neither
sees, claims nor completes it. The timeline says where each step went and, when it fell back to the
pool, why. A step already waiting for a unit whose last publisher's appointment ended goes to the pool
by the worker's pass (`worker_steps.reroute_orphaned`), and up the chain of superiors only when the pool
is empty too (routing.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Category, Group, HumanTask, ProcessInstance
from ...permissions import PUBLISHER
from ..kernel.events import add_event
from . import notify

ROUTED_TO_UNIT = "routed_to_unit"  # events of the timeline
ROUTED_TO_POOL = "routed_to_pool"
# Why a step went where it went (the events' `why`).
CATEGORY_UNIT = "category_unit"  # the unit responsible for the request's category
OWN_GROUP = "own_group"  # the category names no unit: the request's own group
NO_UNIT_PUBLISHER = "no_unit_publisher"  # the unit has no publisher in force
UNIT_REQUESTER_ONLY = "unit_requester_only"  # its only publisher is the requester, who may not decide
UNIT_EMPTIED = "unit_emptied"  # the unit's last publisher's appointment ended while the step waited


def responsible_unit(session: Session, instance: ProcessInstance) -> tuple[int | None, str | None]:
    """(the group that should publish the request, why) — (None, None): nobody in particular."""
    if instance.category:
        unit = session.scalar(select(Category.group_id).where(Category.code == instance.category))
        if unit is not None:
            return unit, CATEGORY_UNIT
    if instance.group_id is not None:
        return instance.group_id, OWN_GROUP
    return None, None


def route_new_step(
    session: Session, instance: ProcessInstance, row: HumanTask, now: datetime
) -> list[int] | None:
    """Give a new publisher-lane row its unit, or leave it to the office pool when the unit has no
    publisher who may do it at `now`; either way on the record (when a unit was in question).
    Returns the unit's members who may do it when it went to a unit (the step's recipients, found
    here already), else None."""
    if row.lane != PUBLISHER:
        return None
    unit, why = responsible_unit(session, instance)
    if unit is None:
        return None
    row.unit_id = unit
    members = notify.lane_members(session, row, now)
    if members:
        _record(session, instance, row, ROUTED_TO_UNIT, unit, why or CATEGORY_UNIT, now)
        return members
    row.unit_id = None
    # Somebody publishes for the unit, but may not do this step: the requester, on their own request.
    why = UNIT_REQUESTER_ONLY if notify.unit_publishers(session, unit, now) else NO_UNIT_PUBLISHER
    _record(session, instance, row, ROUTED_TO_POOL, unit, why, now)
    return None


def fall_back_to_pool(
    session: Session, instance: ProcessInstance, row: HumanTask, now: datetime
) -> list[int]:
    """A waiting step whose unit lost its last publisher: to the office pool, on the record. Returns
    the pool's members who may do it (empty: the caller sends it up the chain)."""
    unit = row.unit_id
    row.unit_id = None
    if unit is not None:
        _record(session, instance, row, ROUTED_TO_POOL, unit, UNIT_EMPTIED, now)
    return notify.lane_members(session, row, now)


def _record(
    session: Session,
    instance: ProcessInstance,
    row: HumanTask,
    action: str,
    unit: int,
    why: str,
    now: datetime,
) -> None:
    group = session.get(Group, unit)
    session.flush()  # the row's id, for the event
    details = {"unit": group.code if group else None, "unit_name": group.name if group else "", "why": why}
    add_event(session, instance, action, now, task=row, details=details)
