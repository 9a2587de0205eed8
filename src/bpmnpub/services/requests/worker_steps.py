"""What the worker moves on its own, each request in its own transaction: timers that are due
(`fire_due_timers`, `fire_timer`), timer-started procedures whose time has come (`run_schedules`), steps
whose lane emptied sent to the office pool or up the chain (`reroute_orphaned`), held steps whose holder
may no longer do them given back (`release_stranded`) — both one routine, `send_on`, with their
difference as data (`LooseStep`) — and a request the worker cannot move put in error with a reason
(`put_in_error`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from ...db import insert_new
from ...engine import next_occurrence
from ...errors import StepFailedError
from ...models import HumanTask, ProcessInstance, ProcessSchedule, User
from ...permissions import acting_as
from ..kernel.context import ServiceContext
from ..kernel.events import add_event
from ..kernel.membership import task_scope
from ..office.accounts import actor_with_delegations
from ..procedures import definitions
from . import notify, routing, units
from .instances import start_in
from .transition import (
    lock_instance,
    lock_instance_of_task,
    recording_failures,
    run_engine,
    up_the_chain,
)


def fire_due_timers(ctx: ServiceContext, now: datetime | None = None, batch: int = 50) -> int:
    """Advance every running instance whose timer is due, each in its own transaction. Several workers
    can run this at once: each skips rows another holds (SKIP LOCKED on PostgreSQL). Returns how many
    instances moved. (The worker's pass, services.worker, adds retries and isolation around the same
    two calls.)"""
    when = now or ctx.now()
    moved, after = 0, 0
    while True:
        ids = due_timer_ids(ctx, when, after=after, batch=batch)
        for instance_id in ids:
            moved += fire_timer(ctx, instance_id, when)
        if len(ids) < batch:
            return moved
        after = ids[-1]


def due_timer_ids(ctx: ServiceContext, now: datetime, *, after: int = 0, batch: int = 50) -> list[int]:
    """Ids above `after` of running instances whose timer is due, in id order, at most `batch`."""
    with ctx.db.read() as session:
        # Strictly earlier: SpiffWorkflow fires a timer only once its due time has passed.
        return list(
            session.scalars(
                select(ProcessInstance.id)
                .where(
                    ProcessInstance.status == "running",
                    ProcessInstance.next_timer_due < now,
                    ProcessInstance.id > after,
                )
                .order_by(ProcessInstance.id)
                .limit(batch)
            ).all()
        )


def fire_timer(ctx: ServiceContext, instance_id: int, now: datetime) -> int:
    """Fire the due timer of one instance in one transaction (its event with it); 1 when it moved, 0 when
    another worker holds it or it is no longer due. A failing step puts the instance in `error`."""
    return recording_failures(ctx, partial(_fire, ctx, instance_id, now))


def put_in_error(
    ctx: ServiceContext, instance_id: int, reason: str, now: datetime, details: dict[str, Any] | None = None
) -> bool:
    """Stop a running instance the worker cannot move (its last good state is kept): status `error`,
    with the reason on the record, so an admin can look and retry. False when it is no longer running."""
    with ctx.db.write() as session:
        instance = lock_instance(session, instance_id)
        if instance.status != "running":
            return False
        instance.status = "error"
        instance.error_message = reason
        instance.error_task = None
        instance.next_timer_due = None
        instance.updated_at = now
        add_event(session, instance, "error", now, comment=reason, details=details)
        return True


def _fire(
    ctx: ServiceContext, instance_id: int, now: datetime, session: Session, failure: StepFailedError | None
) -> int:
    instance = session.scalar(
        select(ProcessInstance)
        .where(ProcessInstance.id == instance_id)
        .options(undefer(ProcessInstance.state))
        .with_for_update(skip_locked=True, of=ProcessInstance)
        .execution_options(populate_existing=True)
    )
    if instance is None or instance.status != "running" or not instance.next_timer_due:
        return 0  # another worker has it, or it moved on meanwhile
    if instance.next_timer_due >= now:
        return 0
    add_event(session, instance, "timer_fired", now, details={"due": _iso(instance.next_timer_due)})
    run_engine(
        ctx,
        session,
        instance,
        now,
        None,
        lambda parsed, ops, state: ctx.engine.resume(parsed, state, now, ops),
        failure=failure,
    )
    return 1


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def orphaned_task_ids(ctx: ServiceContext, now: datetime, instance_ids: list[int] | None = None) -> list[int]:
    """Waiting steps whose lane has nobody left at `now` (services/routing.orphaned_task_ids)."""
    with ctx.db.read() as session:
        return routing.orphaned_task_ids(session, now, instance_ids)


def stranded_task_ids(ctx: ServiceContext, now: datetime) -> list[int]:
    """Open steps held by someone who may no longer do them (services/requests/routing.py)."""
    with ctx.db.read() as session:
        return routing.stranded_task_ids(session, now)


# -- a loose step sent on: one routine, two kinds -------------------------------------------------------

Found = Callable[[Session, datetime, list[int]], list[int]]
LetGo = Callable[[Session, ProcessInstance, HumanTask, datetime], bool]


@dataclass(frozen=True)
class LooseStep:
    """A kind of step the worker sends on by itself: how the step is found again under the lock, what
    is owed its holder first (`let_go`; False: they may still do it, it stays), and whether the lane's
    own members come before the office pool and the chain (an orphan's lane has nobody by definition)."""

    name: str
    found: Found
    let_go: LetGo | None
    lane_first: bool


def _release_holder(session: Session, instance: ProcessInstance, row: HumanTask, now: datetime) -> bool:
    """Give a held step back to its lane with a `claim_lapsed` event; False when its holder may still do
    it (acting for someone who may)."""
    holder = session.get(User, row.assigned_user_id)
    if holder is not None and holder.is_active:
        actor = actor_with_delegations(session, holder, now)
        if acting_as(actor, task_scope(row, unheld=True)) is not None:
            return False
    why = "inactive" if holder is None or not holder.is_active else "role_ended"
    row.assigned_user_id = None
    row.status = "ready"
    details = {"holder": holder.full_name if holder else "", "why": why}
    add_event(session, instance, routing.CLAIM_LAPSED, now, task=row, details=details)
    return True


ORPHANED = LooseStep("orphaned", routing.orphaned_task_ids, let_go=None, lane_first=False)
STRANDED = LooseStep("stranded", routing.stranded_task_ids, let_go=_release_holder, lane_first=True)


def send_on(ctx: ServiceContext, kind: LooseStep, task_id: int, now: datetime) -> bool:
    """One transaction: lock the step's request, find the step again (another worker, or its holder,
    may have moved it), let its holder go (`kind.let_go`), then send it to the lane's members, else to
    the office pool when it was a unit's publish step, else up the chain of superiors (or flag it
    `no_holder`, once), each with its event, and tell whoever it went to. False when it no longer
    needs it."""
    with ctx.db.write() as session:
        instance, rows = lock_instance_of_task(session, task_id)
        if instance.status != "running" or task_id not in kind.found(session, now, [instance.id]):
            return False
        row = next(r for r in rows if r.id == task_id)
        if kind.let_go is not None and not kind.let_go(session, instance, row, now):
            return False
        members = notify.lane_members(session, row, now) if kind.lane_first else []
        if not members and row.unit_id is not None:  # a unit's step: the office pool before the chain
            members = units.fall_back_to_pool(session, instance, row, now)
        if not members:
            members = up_the_chain(session, instance, row, now, routing.LANE_EMPTIED)
        notify.task_arrived(session, instance, row, now, sent_back=False, skip=None, to=members)
        instance.updated_at = now
        return True


def reroute_orphaned(ctx: ServiceContext, task_id: int, now: datetime) -> bool:
    """Send one waiting step whose lane emptied (the appointment of its last holder ended, or they were
    deactivated) to the office pool when it was a unit's publish step, else (or when the pool is empty)
    up the chain of superiors, with its `escalated` event and the superior's notification; or flag it
    "nobody can act" (`no_holder`, director and admins told). False when it no longer needs it (taken,
    done, or someone holds the lane again)."""
    return send_on(ctx, ORPHANED, task_id, now)


def release_stranded(ctx: ServiceContext, task_id: int, now: datetime) -> bool:
    """Give back a step whose holder was deactivated or whose appointment to its lane ended: to the
    lane, or (the lane empty) the office pool or up the chain; its `claim_lapsed` event and the
    notifications. False when it no longer needs it (done, released, or the holder may still do it,
    e.g. acting for someone)."""
    return send_on(ctx, STRANDED, task_id, now)


def run_schedules(ctx: ServiceContext, now: datetime | None = None) -> list[int]:
    """Start timer-started processes (the six-monthly report) whose time has come; returns new ids.
    Each start is one transaction with the move of its schedule."""
    when = now or ctx.now()
    started: list[int] = []
    for process_id, cycle in timed_processes(ctx):
        new_id = run_schedule(ctx, process_id, cycle, when)
        if new_id is not None:
            started.append(new_id)
    return started


def timed_processes(ctx: ServiceContext) -> list[tuple[str, str]]:
    """(process id, time cycle) of every process whose newest version starts by itself."""
    with ctx.db.read() as session:
        return [(d.process_id, d.start_timer) for d in definitions.latest_versions(session) if d.start_timer]


def run_schedule(ctx: ServiceContext, process_id: str, cycle: str, now: datetime) -> int | None:
    """Start one timer-started process if its time has come, with the move of its schedule, in one
    transaction; returns the new instance's id, or None when it is not yet time."""

    def action(session: Session, failure: StepFailedError | None) -> int | None:
        schedule = session.get(ProcessSchedule, process_id, with_for_update=True)
        if schedule is None:  # two workers at once: one row, the other's insert does nothing
            first = {"process_id": process_id, "next_run_at": next_occurrence(cycle, now)}
            session.execute(insert_new(ctx.db, ProcessSchedule, first, "process_id"))
            return None
        if schedule.next_run_at is None or schedule.next_run_at > now:
            return None
        schedule.last_run_at = now
        schedule.next_run_at = next_occurrence(cycle, now)
        return start_in(ctx, session, process_id, {}, None, now, failure).id

    return recording_failures(ctx, action)
