"""What administrators read about requests: the list, with filters, from the projection tables alone
(one request's page is `admin_page.py`, a version's statistics `statistics.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ...db import contains_pattern
from ...models import Group, HumanTask, ProcessDefinition, ProcessInstance, User
from ...permissions import Actor, require_admin
from ...statuses import INSTANCE_STATUSES, OPEN_STATUSES
from ...thaidate import day_start
from ..kernel.context import ServiceContext
from .overview import OfficeOverview, office_overview_in

COUNT_CAP = 1_000  # the list counts matches up to here ("more than 1 000" beyond): counting is a scan


# -- the list ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstanceFilters:
    process_id: str | None = None
    version: int | None = None
    status: str | None = None
    group: str | None = None  # group code
    requester: str | None = None  # username
    created_from: date | None = None  # office dates, inclusive
    created_to: date | None = None
    overdue: bool = False  # an open step is past its due date
    waiting_days: int | None = None  # an open step has waited longer than this many days
    q: str | None = None  # words of the title


@dataclass(frozen=True)
class WaitingStep:
    task_id: int
    name: str
    since: datetime
    due_at: datetime | None
    holder: str | None  # full name of who holds it


@dataclass(frozen=True)
class InstanceRow:
    id: int
    title: str
    process_id: str
    process_name: str
    version: int
    status: str
    outcome: str | None
    requester: str | None
    group: str | None
    created_at: datetime
    updated_at: datetime
    waiting: list[WaitingStep] = field(default_factory=list)
    next_timer_due: datetime | None = None  # a running request with no open step waits for this time


@dataclass(frozen=True)
class InstanceList:
    items: list[InstanceRow]
    total: int  # capped at COUNT_CAP + 1
    page: int
    per_page: int
    processes: list[tuple[str, str]]  # (process id, name)
    versions: list[int]  # of the chosen process
    groups: list[tuple[str, str]]  # (code, name)
    statuses: tuple[str, ...] = INSTANCE_STATUSES
    overview: OfficeOverview | None = None  # the office at a glance: the first page, nothing filtered

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP

    @property
    def pages(self) -> int:
        return max(1, -(-min(self.total, COUNT_CAP) // self.per_page))


def _filtered(session: Session, f: InstanceFilters, now: datetime) -> Any:
    # A draft (its first form not yet sent) is its requester's alone: not a request admins list.
    stmt = select(ProcessInstance.id).where(ProcessInstance.submitted_at.is_not(None))
    if f.process_id:
        stmt = stmt.where(ProcessInstance.process_id == f.process_id)
        if f.version:
            stmt = stmt.where(
                ProcessInstance.definition_id
                == select(ProcessDefinition.id)
                .where(ProcessDefinition.process_id == f.process_id, ProcessDefinition.version == f.version)
                .scalar_subquery()
            )
    if f.status:
        stmt = stmt.where(ProcessInstance.status == f.status)
    if f.group:
        stmt = stmt.where(
            ProcessInstance.group_id == select(Group.id).where(Group.code == f.group).scalar_subquery()
        )
    if f.requester:
        stmt = stmt.where(
            ProcessInstance.started_by_id
            == select(User.id).where(User.username == f.requester).scalar_subquery()
        )
    if f.created_from:
        stmt = stmt.where(ProcessInstance.created_at >= day_start(f.created_from))
    if f.created_to:
        stmt = stmt.where(ProcessInstance.created_at < day_start(f.created_to + timedelta(days=1)))
    if f.q:
        stmt = stmt.where(ProcessInstance.title.ilike(contains_pattern(f.q), escape="\\"))
    if f.overdue or f.waiting_days is not None:
        waiting = select(HumanTask.instance_id).where(HumanTask.status.in_(OPEN_STATUSES))
        if f.overdue:
            waiting = waiting.where(HumanTask.due_at < now)
        if f.waiting_days is not None:
            waiting = waiting.where(HumanTask.created_at < now - timedelta(days=f.waiting_days))
        stmt = stmt.where(ProcessInstance.id.in_(waiting))
    return stmt


def list_instances(
    ctx: ServiceContext, actor: Actor, filters: InstanceFilters, *, page: int = 1, per_page: int = 25
) -> InstanceList:
    """One page of requests, newest first, with the steps they wait on; before any filter is chosen,
    the office-wide counts too (`overview.py`). Raises PermissionDeniedError."""
    require_admin(actor, "can inspect and steer requests")
    page, per_page = max(page, 1), min(max(per_page, 1), 100)
    now = ctx.now()
    requester, holder = aliased(User), aliased(User)
    with ctx.db.read() as session:
        matching = _filtered(session, filters, now)
        newest, offset = matching.order_by(ProcessInstance.id.desc()), (page - 1) * per_page
        if (filters.overdue or filters.waiting_days is not None) and offset + per_page <= COUNT_CAP:
            # A filter on the open steps makes its list of requests in both the page query and the
            # count: one query for the newest COUNT_CAP + 1 ids does it once (bench/admin_monitoring).
            # Not for the other filters: walking the requests newest first past the page reads rows
            # a capped count reads from an index.
            first = session.scalars(newest.limit(COUNT_CAP + 1)).all()
            ids, total = first[offset : offset + per_page], len(first)
        else:
            ids = session.scalars(newest.limit(per_page).offset(offset)).all()
            capped = matching.limit(COUNT_CAP + 1).subquery()
            total = int(session.scalar(select(func.count()).select_from(capped)) or 0)
        rows = session.execute(
            select(
                ProcessInstance,
                ProcessDefinition.name,
                ProcessDefinition.version,
                requester.full_name,
                Group.name,
            )
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .outerjoin(requester, requester.id == ProcessInstance.started_by_id)
            .outerjoin(Group, Group.id == ProcessInstance.group_id)
            .where(ProcessInstance.id.in_(ids))
            .order_by(ProcessInstance.id.desc())
        ).all()
        waiting: dict[int, list[WaitingStep]] = {}
        if ids:
            for task, name in session.execute(
                select(HumanTask, holder.full_name)
                .outerjoin(holder, holder.id == HumanTask.assigned_user_id)
                .where(HumanTask.instance_id.in_(ids), HumanTask.status.in_(OPEN_STATUSES))
                .order_by(HumanTask.id)
            ):
                waiting.setdefault(task.instance_id, []).append(
                    WaitingStep(task.id, task.name, task.created_at, task.due_at, name)
                )
        processes = _processes(session)
        versions = (
            list(
                session.scalars(
                    select(ProcessDefinition.version)
                    .where(ProcessDefinition.process_id == filters.process_id)
                    .order_by(ProcessDefinition.version)
                )
            )
            if filters.process_id
            else []
        )
        groups = [(g.code, g.name) for g in session.scalars(select(Group).order_by(Group.name))]
        overview = office_overview_in(session, now) if filters == InstanceFilters() and page == 1 else None
    items = [
        InstanceRow(
            id=i.id,
            title=i.title,
            process_id=i.process_id,
            process_name=name,
            version=version,
            status=i.status,
            outcome=i.outcome,
            requester=requester_name,
            group=group_name,
            created_at=i.created_at,
            updated_at=i.updated_at,
            waiting=waiting.get(i.id, []),
            next_timer_due=i.next_timer_due if i.status == "running" else None,
        )
        for i, name, version, requester_name, group_name in rows
    ]
    return InstanceList(items, total, page, per_page, processes, versions, groups, overview=overview)


def _processes(session: Session) -> list[tuple[str, str]]:
    names: dict[str, str] = {}
    for process_id, name in session.execute(
        select(ProcessDefinition.process_id, ProcessDefinition.name).order_by(ProcessDefinition.version)
    ):
        names[process_id] = name  # the newest version's name
    return sorted(names.items(), key=lambda item: item[1])


# -- one request ------------------------------------------------------------------------------------


# -- statistics -------------------------------------------------------------------------------------
