"""The inbox: the steps a person may do now, filtered (mine, unassigned, others', overdue), searched and
sorted, counted from the `human_task` projection alone (lists never deserialize a workflow); the rule
of who may do a step is `permissions`' SQL clause; and where a request stands after a submit
(`next_step`: the submitter's next step of it, or who has it now)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from ...db import contains_pattern
from ...models import Group, HumanTask, ProcessDefinition, ProcessInstance, PublishedItem, User
from ...permissions import (
    Actor,
    actionable_clause,
    held_by_others_clause,
    lanes_clause,
)
from ...statuses import OPEN_STATUSES
from ..kernel.context import ServiceContext
from ..kernel.membership import TASK_COLUMNS
from .results import InboxPage, TaskSummary


def actionable(actor: Actor, view: str | None = None, now: datetime | None = None) -> Any:
    """Open tasks of running requests the actor can act on, narrowed to one inbox view: `mine` (held by
    them), `unassigned`, `overdue` (due before `now`), or `others` (of their lanes, held by someone
    else: to see, not to act on)."""
    rule = held_by_others_clause if view == "others" else actionable_clause
    stmt = (
        select(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(rule(actor, TASK_COLUMNS), ProcessInstance.status == "running")
    )
    if view == "mine":
        stmt = stmt.where(HumanTask.assigned_user_id.in_(actor.ids))
    elif view == "unassigned":
        stmt = stmt.where(HumanTask.assigned_user_id.is_(None))
    elif view == "overdue" and now is not None:
        stmt = stmt.where(HumanTask.due_at < now)
    return stmt


VIEWS = ("mine", "unassigned", "others", "overdue")


SORTS = ("waiting", "created", "due")


def _order(sort: str | None) -> list[Any]:
    """`waiting` (the default: waiting longest first), `created` (newest first), `due` (soonest due
    first, tasks without a due date last). Every column is in the inbox index."""
    if sort == "created":
        return [HumanTask.created_at.desc(), HumanTask.id.desc()]
    if sort == "due":
        return [HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at, HumanTask.id]
    return [HumanTask.created_at, HumanTask.id]


def list_tasks(
    ctx: ServiceContext,
    actor: Actor,
    *,
    limit: int = 50,
    offset: int = 0,
    process_id: str | None = None,
    task_spec: str | None = None,
    q: str | None = None,
    category: str | None = None,
    view: str | None = None,
    sort: str | None = None,
) -> list[TaskSummary]:
    """Tasks the actor can act on now: held by them, or unclaimed and theirs to claim, oldest first
    (or by `sort`, narrowed to a `view`: see actionable). See list_tasks_in."""
    query = InboxQuery(process_id, task_spec, q, category, view, sort)
    with ctx.db.read() as session:
        return list_tasks_in(session, actor, ctx.now(), query, limit=limit, offset=offset)


@dataclass(frozen=True)
class InboxQuery:
    """What the reader narrowed the inbox to (the page's query arguments)."""

    process_id: str | None = None
    task_spec: str | None = None
    q: str | None = None
    category: str | None = None
    view: str | None = None
    sort: str | None = None

    @property
    def narrowed(self) -> bool:
        """Anything but the whole inbox (the sort only orders it)."""
        return any((self.process_id, self.task_spec, self.q, self.category, self.view))


def list_tasks_in(
    session: Session, actor: Actor, now: datetime, query: InboxQuery, *, limit: int = 50, offset: int = 0
) -> list[TaskSummary]:
    """No workflow is deserialized: this reads the human_task projection only. In two steps: the page's
    ids from the inbox index, then the details of just those (a director may see thousands)."""
    assignee, requester = aliased(User), aliased(User)
    order = _order(query.sort)
    page_ids = (
        _filtered(
            actionable(actor, query.view, now), query.process_id, query.task_spec, query.q, query.category
        )
        .with_only_columns(HumanTask.id)
        .order_by(*order)
        .limit(min(max(limit, 1), 200))
        .offset(max(offset, 0))
        .scalar_subquery()
    )
    stmt = (
        select(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(HumanTask.id.in_(page_ids))
        .with_only_columns(
            HumanTask,
            ProcessInstance.title,
            ProcessInstance.process_id,
            ProcessDefinition.name,
            requester.full_name,
            Group.name,
            assignee.username,
            ProcessInstance.submitted_at,
        )
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .outerjoin(requester, requester.id == ProcessInstance.started_by_id)
        .outerjoin(Group, Group.id == ProcessInstance.group_id)
        .outerjoin(assignee, assignee.id == HumanTask.assigned_user_id)
        .order_by(*order)
    )
    rows = session.execute(stmt).all()
    return [
        TaskSummary.from_row(
            t,
            title=title,
            process_id=process,
            assigned_to=holder,
            process_name=process_name,
            requester=requester_name,
            group=group_name,
            draft=submitted is None,
        )
        for t, title, process, process_name, requester_name, group_name, holder, submitted in rows
    ]


def _filtered(
    stmt: Any, process_id: str | None, task_spec: str | None, q: str | None, category: str | None = None
) -> Any:
    if category:
        stmt = stmt.where(HumanTask.category == category)
    if process_id:
        stmt = stmt.where(HumanTask.process_id == process_id)
    if task_spec:
        stmt = stmt.where(HumanTask.task_spec == task_spec)
    if q:
        stmt = stmt.where(_matching(q))
    return stmt


def _matching(q: str) -> Any:
    """A search term finds the request's title (its topic), its requester's name or its number
    ("123" or "#123")."""
    pattern = contains_pattern(q)
    by_requester = select(User.id).where(User.full_name.ilike(pattern, escape="\\"))
    found: list[Any] = [
        ProcessInstance.title.ilike(pattern, escape="\\"),
        ProcessInstance.started_by_id.in_(by_requester),
    ]
    number = q.strip().lstrip("#").strip()
    if number.isdecimal() and len(number) < 10:
        found.append(ProcessInstance.id == int(number))
    return or_(*found)


def count_tasks(ctx: ServiceContext, actor: Actor) -> int:
    """How many tasks the actor can act on now (the inbox badge)."""
    with ctx.db.read() as session:
        return int(session.scalar(actionable(actor).with_only_columns(func.count(HumanTask.id))) or 0)


def inbox(
    ctx: ServiceContext,
    actor: Actor,
    *,
    page: int = 1,
    per_page: int = 25,
    process_id: str | None = None,
    task_spec: str | None = None,
    q: str | None = None,
    category: str | None = None,
    view: str | None = None,
    sort: str | None = None,
) -> InboxPage:
    """One page of the actor's inbox with its total and what to filter by (procedures, steps,
    categories of the tasks they can act on)."""
    query = InboxQuery(process_id, task_spec, q, category, view, sort)
    with ctx.db.read() as session:
        return inbox_in(session, actor, ctx.now(), query, page=page, per_page=per_page)


def inbox_in(
    session: Session,
    actor: Actor,
    now: datetime,
    query: InboxQuery,
    *,
    page: int = 1,
    per_page: int = 25,
    total: int | None = None,
) -> InboxPage:
    """inbox() inside the caller's transaction; `total` when the caller has counted it already (the
    page's view counts are the total of an unfiltered view)."""
    page = max(page, 1)
    items = list_tasks_in(session, actor, now, query, limit=per_page, offset=(page - 1) * per_page)
    mine = actionable(actor)
    if total is None:
        filtered = _filtered(
            actionable(actor, query.view, now), query.process_id, query.task_spec, query.q, query.category
        )
        total = int(session.scalar(filtered.with_only_columns(func.count(HumanTask.id))) or 0)
    # Every list below comes from the inbox index (human_task copies process id and category).
    process_ids = session.scalars(mine.with_only_columns(HumanTask.process_id).distinct()).all()
    names = dict(
        session.execute(
            select(ProcessDefinition.process_id, ProcessDefinition.name)
            .where(ProcessDefinition.process_id.in_(process_ids))
            .order_by(ProcessDefinition.version)
        ).all()
    )
    processes = sorted(((p, names.get(p, p)) for p in process_ids), key=lambda item: item[1])
    steps = session.execute(mine.with_only_columns(HumanTask.task_spec, HumanTask.name).distinct()).all()
    categories = sorted(
        c for c in session.scalars(mine.with_only_columns(HumanTask.category).distinct()).all() if c
    )
    return InboxPage(items, total, page, per_page, processes, _unique_steps(steps), categories)


def view_counts_in(session: Session, actor: Actor, now: datetime) -> dict[str, int]:
    """How many tasks each inbox view holds ("all" for the whole inbox, then VIEWS), in one pass over
    the open tasks of the actor's lanes (the inbox index)."""
    mine = HumanTask.assigned_user_id.in_(actor.ids)
    free = HumanTask.assigned_user_id.is_(None)
    actionable_now = or_(free, mine)
    counts = session.execute(
        select(
            func.count(case((actionable_now, 1))),
            func.count(case((mine, 1))),
            func.count(case((free, 1))),
            func.count(case((and_(HumanTask.assigned_user_id.is_not(None), ~mine), 1))),
            func.count(case((and_(actionable_now, HumanTask.due_at < now), 1))),
        )
        .select_from(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(lanes_clause(actor, TASK_COLUMNS), ProcessInstance.status == "running")
    ).one()
    return dict(zip(("all", *VIEWS), (int(n or 0) for n in counts), strict=True))


def _unique_steps(rows: Any) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for spec, name in rows:
        seen.setdefault(spec, name)
    return sorted(seen.items(), key=lambda item: item[1])


@dataclass(frozen=True)
class NextStep:
    """Where a request stands after a submit: the actor's own next task, or who holds it now."""

    task_id: int | None  # the submitter's next task of this request, to open at once
    holders: list[str]  # otherwise: the people (full names) holding the open steps
    groups: list[str]  # names of groups whose director an open step waits for
    lanes: list[str]  # role codes of other open steps nobody holds (the page names the roles)
    published: tuple[int, str] | None = None  # nothing open and its item on the portal: (item id, slug)


def next_step(ctx: ServiceContext, instance_id: int, actor: Actor) -> NextStep:
    """After a submit: the actor's next open task of the request if any, else who has the request now."""
    with ctx.db.read() as session:
        return next_step_in(session, instance_id, actor)


def next_step_in(session: Session, instance_id: int, actor: Actor) -> NextStep:
    mine = session.scalar(
        actionable(actor)
        .where(HumanTask.instance_id == instance_id)
        .with_only_columns(HumanTask.id)
        .order_by(HumanTask.id)
        .limit(1)
    )
    if mine is not None:
        return NextStep(mine, [], [], [])
    rows = session.execute(
        select(HumanTask.lane, HumanTask.scope_group_id, User.full_name)
        .outerjoin(User, User.id == HumanTask.assigned_user_id)
        .where(HumanTask.instance_id == instance_id, HumanTask.status.in_(OPEN_STATUSES))
        .order_by(HumanTask.id)
    ).all()
    holders: list[str] = []
    groups: list[str] = []
    lanes: list[str] = []
    for lane, group_id, holder in rows:
        if holder:
            holders.append(holder)
        elif lane == "requester":
            instance = session.get(ProcessInstance, instance_id)
            holders.append(instance.started_by.full_name if instance and instance.started_by else lane)
        elif lane == "group_director" and group_id is not None:
            group = session.scalar(select(Group.name).where(Group.id == group_id))
            groups.append(group or "")
        else:
            lanes.append(lane)
    unique = dict.fromkeys
    published = None
    if not rows:  # the request is over: a publisher's last step has just put its item on the portal
        found = session.execute(
            select(PublishedItem.id, PublishedItem.slug).where(
                PublishedItem.instance_id == instance_id, PublishedItem.status == "published"
            )
        ).first()
        published = (found.id, found.slug) if found else None
    return NextStep(None, list(unique(holders)), list(unique(groups)), list(unique(lanes)), published)
