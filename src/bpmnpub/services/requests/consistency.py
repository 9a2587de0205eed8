"""The invariant check: every live request's inbox rows agree with its workflow, no request waits on
nothing, and the event log agrees with the completions. `bpmnpub check`, the admin badge and the
scenario tests and load benchmark (which require zero findings) all call this one module.

A finding is something a person would feel: a task in an inbox that cannot be done, a task that is in
no inbox, a request that will never move again without an admin ("stalled"), a completion recorded
twice or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, undefer

from ...engine import state_health
from ...errors import DiagramError
from ...models import HumanTask, InstanceEvent, ProcessInstance
from ...permissions import Actor, require_admin
from ...statuses import LIVE_STATUSES, OPEN_STATUSES
from ..kernel.context import ServiceContext
from ..procedures.versions import spec_for
from . import notify

# Kinds of finding (stable codes; the pages translate them).
PROJECTION = "projection"  # open inbox rows differ from the workflow's ready user tasks
STALLED = "stalled"  # running, nothing to do for anyone, nothing awaited
TIMER_UNSCHEDULED = "timer_unscheduled"  # waits for a timer the worker will never look at
ENDED_BUT_RUNNING = "ended_but_running"  # the workflow has ended, the request says running
OPEN_ON_ENDED = "open_task_on_ended_request"
EVENTS = "events"  # a completion without its event, or recorded twice
UNREADABLE = "unreadable"  # the saved state cannot be read with its version's diagram
NO_HOLDER = "no_holder"  # an open step nobody can act on, even up the chain (services/requests/routing.py)

CHECKED_STATUSES = ("running", "suspended")
BATCH = 200


@dataclass(frozen=True)
class Finding:
    instance_id: int
    kind: str
    detail: str


@dataclass(frozen=True)
class CheckReport:
    checked: int  # live requests whose workflow was read
    findings: tuple[Finding, ...]

    @property
    def clean(self) -> bool:
        return not self.findings


def check_all(ctx: ServiceContext, actor: Actor | None = None) -> CheckReport:
    """Check every live request (and the event log of all). `actor` None: the command line or a test.
    Raises PermissionDeniedError for a signed-in non-admin."""
    if actor is not None:
        require_admin(actor, "can inspect and steer requests")
    findings: list[Finding] = []
    checked = 0
    with ctx.db.read() as session:
        ids = list(
            session.scalars(
                select(ProcessInstance.id)
                .where(ProcessInstance.status.in_(CHECKED_STATUSES))
                .order_by(ProcessInstance.id)
            )
        )
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            findings.extend(_check_workflows(ctx, session, batch))
            checked += len(batch)
        findings.extend(_open_tasks_on_ended(session))
        findings.extend(_event_mismatches(session))
        findings.extend(_without_holder(session, ctx.now()))
    findings.sort(key=lambda f: (f.instance_id, f.kind))
    return CheckReport(checked=checked, findings=tuple(findings))


def check_instances(ctx: ServiceContext, instance_ids: Iterable[int]) -> CheckReport:
    """Check the given requests only (scenario tests after each step)."""
    ids = sorted(set(instance_ids))
    with ctx.db.read() as session:
        findings = list(_check_workflows(ctx, session, ids))
        findings.extend(_open_tasks_on_ended(session, ids))
        findings.extend(_event_mismatches(session, ids))
        findings.extend(_without_holder(session, ctx.now(), ids))
    findings.sort(key=lambda f: (f.instance_id, f.kind))
    return CheckReport(checked=len(ids), findings=tuple(findings))


def suspect_count(ctx: ServiceContext, actor: Actor) -> int:
    """The admin alert: running requests that no inbox holds and no timer will move, or with an open
    step flagged "nobody can act" (services/requests/routing.py), from the projection and the log alone (two
    indexed queries; the full check reads every workflow). Raises PermissionDeniedError."""
    require_admin(actor, "can inspect and steer requests")
    open_task = exists().where(
        HumanTask.instance_id == ProcessInstance.id, HumanTask.status.in_(OPEN_STATUSES)
    )
    flagged = (
        select(HumanTask.instance_id)
        .join(InstanceEvent, InstanceEvent.human_task_id == HumanTask.id)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(
            InstanceEvent.action == NO_HOLDER,
            HumanTask.status.in_(OPEN_STATUSES),
            HumanTask.assigned_user_id.is_(None),
            ProcessInstance.status == "running",
        )
    )
    with ctx.db.read() as session:
        stalled = set(
            session.scalars(
                select(ProcessInstance.id).where(
                    ProcessInstance.status == "running",
                    ProcessInstance.next_timer_due.is_(None),
                    ~open_task,
                )
            )
        )
        return len(stalled | set(session.scalars(flagged)))


def _check_workflows(ctx: ServiceContext, session: Session, ids: list[int]) -> Iterable[Finding]:
    if not ids:
        return
    instances = session.scalars(
        select(ProcessInstance)
        .where(ProcessInstance.id.in_(ids), ProcessInstance.status.in_(CHECKED_STATUSES))
        .options(undefer(ProcessInstance.state))
    ).all()
    rows: dict[int, set[str]] = {i.id: set() for i in instances}
    for instance_id, guid in session.execute(
        select(HumanTask.instance_id, HumanTask.task_guid).where(
            HumanTask.instance_id.in_(list(rows)), HumanTask.status.in_(OPEN_STATUSES)
        )
    ):
        rows[instance_id].add(guid)
    for instance in instances:
        try:
            health = state_health(spec_for(ctx, session, instance.definition), instance.state)
        except DiagramError as exc:
            yield Finding(instance.id, UNREADABLE, exc.message)
            continue
        open_rows = rows[instance.id]
        if open_rows != health.ready_user_tasks:
            missing = len(health.ready_user_tasks - open_rows)
            extra = len(open_rows - health.ready_user_tasks)
            yield Finding(
                instance.id,
                PROJECTION,
                f"{missing} ready task(s) in no inbox, {extra} inbox row(s) the workflow does not have",
            )
        if health.completed:
            yield Finding(instance.id, ENDED_BUT_RUNNING, f"the workflow has ended; status {instance.status}")
            continue
        if instance.status != "running":
            continue
        if health.waiting_timers and instance.next_timer_due is None:
            yield Finding(instance.id, TIMER_UNSCHEDULED, f"{health.waiting_timers} timer(s) never scheduled")
        if not health.ready_user_tasks and not health.waiting_events:
            detail = "no open task, no timer, no awaited event"
            if health.ready_automatic:
                detail += f"; {health.ready_automatic} automatic step(s) ready but not run"
            yield Finding(instance.id, STALLED, detail)


def _open_tasks_on_ended(session: Session, ids: list[int] | None = None) -> Iterable[Finding]:
    query = (
        select(HumanTask.instance_id, func.count())
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(HumanTask.status.in_(OPEN_STATUSES), ProcessInstance.status.not_in(LIVE_STATUSES))
        .group_by(HumanTask.instance_id)
    )
    if ids is not None:
        query = query.where(HumanTask.instance_id.in_(ids))
    for instance_id, count in session.execute(query):
        yield Finding(instance_id, OPEN_ON_ENDED, f"{count} open task(s) on an ended request")


def _event_mismatches(session: Session, ids: list[int] | None = None) -> Iterable[Finding]:
    """Each completed inbox row has exactly one completion event; no other row has one."""
    completions = (
        select(func.count(InstanceEvent.id))
        .where(InstanceEvent.human_task_id == HumanTask.id, InstanceEvent.action == "task_completed")
        .scalar_subquery()
    )
    query = select(HumanTask.instance_id, HumanTask.id, HumanTask.status, completions).where(
        or_(
            and_(HumanTask.status == "completed", completions != 1),
            and_(HumanTask.status != "completed", completions > 0),
        )
    )
    if ids is not None:
        query = query.where(HumanTask.instance_id.in_(ids))
    for instance_id, task_id, status, count in session.execute(query):
        yield Finding(instance_id, EVENTS, f"task {task_id} is {status} with {count} completion event(s)")


def _without_holder(session: Session, now: datetime, ids: list[int] | None = None) -> Iterable[Finding]:
    """Open steps nobody holds and nobody may take by their lane at `now` (notify.lane_has_members)."""
    query = (
        select(HumanTask.instance_id, HumanTask.name)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(
            ProcessInstance.status == "running",
            HumanTask.status.in_(OPEN_STATUSES),
            HumanTask.lane != "requester",
            HumanTask.assigned_user_id.is_(None),
            ~notify.lane_has_members(now),
        )
    )
    if ids is not None:
        query = query.where(HumanTask.instance_id.in_(ids))
    for instance_id, name in session.execute(query):
        yield Finding(instance_id, NO_HOLDER, f"nobody can do {name!r}")
