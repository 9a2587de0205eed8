"""The inbox: list, read, claim, release and complete user tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased, undefer

from ..db import contains_pattern
from ..errors import (
    ConflictError,
    FieldProblem,
    NotFoundError,
    PermissionDeniedError,
    StepFailedError,
    ValidationError,
)
from ..forms import validate
from ..models import (
    Group,
    HumanTask,
    InstanceEvent,
    Notification,
    ProcessDefinition,
    ProcessInstance,
    User,
)
from ..permissions import (
    OPEN_STATUSES,
    Actor,
    TaskColumns,
    TaskScope,
    acting_as,
    actionable_clause,
    eligible,
    held_by_others_clause,
    may_act,
)
from . import file_access, o_items, prefill, register
from .accounts import actor_of
from .catalogue import unknown_categories
from .context import ServiceContext
from .files import not_images, uploaders
from .instances import action_view
from .notify import lane_members
from .progress import (
    add_event,
    form_for,
    lock_instance_of_task,
    recording_failures,
    require_running,
    run_engine,
    spec_for,
)
from .reasons import given_reason
from .request_data import Field, describe
from .views import EventView, InboxPage, InstanceView, TaskDetail, TaskSummary

_COLUMNS = TaskColumns(
    lane=HumanTask.lane,
    status=HumanTask.status,
    requester_id=HumanTask.requester_id,
    scope_group_id=HumanTask.scope_group_id,
    assigned_user_id=HumanTask.assigned_user_id,
    decides=HumanTask.decides,
)


def _scope(task: HumanTask) -> TaskScope:
    return TaskScope(
        task.lane, task.status, task.requester_id, task.scope_group_id, task.assigned_user_id, task.decides
    )


def _actionable(actor: Actor, view: str | None = None, now: datetime | None = None) -> Any:
    """Open tasks of running requests the actor can act on, narrowed to one inbox view: `mine` (held by
    them), `unassigned`, `overdue` (due before `now`), or `others` (of their lanes, held by someone
    else: to see, not to act on)."""
    rule = held_by_others_clause if view == "others" else actionable_clause
    stmt = (
        select(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(rule(actor, _COLUMNS), ProcessInstance.status == "running")
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
    (or by `sort`, narrowed to a `view`: see _actionable). No workflow is deserialized: this reads the
    human_task projection only. In two steps: the page's ids from the inbox index, then the details of
    just those (a director may see thousands)."""
    assignee, requester = aliased(User), aliased(User)
    order = _order(sort)
    page_ids = (
        _filtered(_actionable(actor, view, ctx.now()), process_id, task_spec, q, category)
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
        )
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .outerjoin(requester, requester.id == ProcessInstance.started_by_id)
        .outerjoin(Group, Group.id == ProcessInstance.group_id)
        .outerjoin(assignee, assignee.id == HumanTask.assigned_user_id)
        .order_by(*order)
    )
    with ctx.db.read() as session:
        return [
            TaskSummary.from_row(
                t,
                title=title,
                process_id=process,
                assigned_to=holder,
                process_name=process_name,
                requester=requester_name,
                group=group_name,
            )
            for t, title, process, process_name, requester_name, group_name, holder in session.execute(stmt)
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
        return int(session.scalar(_actionable(actor).with_only_columns(func.count(HumanTask.id))) or 0)


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
    page = max(page, 1)
    items = list_tasks(
        ctx,
        actor,
        limit=per_page,
        offset=(page - 1) * per_page,
        process_id=process_id,
        task_spec=task_spec,
        q=q,
        category=category,
        view=view,
        sort=sort,
    )
    mine = _actionable(actor)
    with ctx.db.read() as session:
        filtered = _filtered(_actionable(actor, view, ctx.now()), process_id, task_spec, q, category)
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


def _unique_steps(rows: Any) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for spec, name in rows:
        seen.setdefault(spec, name)
    return sorted(seen.items(), key=lambda item: item[1])


def _get(session: Session, task_id: int) -> HumanTask:
    task = session.get(HumanTask, task_id)
    if task is None:
        raise NotFoundError(f"task {task_id} not found")
    return task


def get_task(ctx: ServiceContext, task_id: int, actor: Actor) -> TaskDetail:
    """A task with its form and current data. Raises NotFoundError, PermissionDeniedError."""
    with ctx.db.read() as session:
        task = _get(session, task_id)
        if not (actor.is_admin or task.completed_by_id == actor.id or eligible(actor, _scope(task)) is None):
            raise PermissionDeniedError("this task is not yours")
        instance = session.get(ProcessInstance, task.instance_id)
        assert instance is not None
        form = form_for(session, instance.definition, task.form_key) if task.form_key else None
        parsed = spec_for(ctx, session, instance.definition)
        if task.status in OPEN_STATUSES:
            context = ctx.engine.task_data(parsed, instance.state, task.task_guid)
        else:  # a finished step shows the request as it stands now
            context = dict(ctx.engine.inspect_state(parsed, instance.state, ctx.now()).data)
        data = prefill.opening_values(parsed.model, task.task_spec, form, context) if form else {}
        holder = session.get(User, task.assigned_user_id) if task.assigned_user_id else None
        schema = form.schema if form else {}
        if form and task.status in OPEN_STATUSES and instance.started_by is not None:
            schema = form.with_profile(_profile(instance.started_by))
        return TaskDetail(
            id=task.id,
            instance_id=task.instance_id,
            name=task.name,
            title=instance.title,
            lane=task.lane,
            status=task.status,
            round=task.round,
            instructions=task.instructions,
            form={"key": form.key, "schema": schema, "ui": form.ui()} if form else {},
            data=data,
            context=context,
            assigned_to=holder.username if holder else None,
        )


def _profile(user: User) -> dict[str, str]:
    """What a form may fill in from the requester's profile (`"x-profile"`)."""
    return {
        "full_name": user.full_name,
        "position": user.position or "",
        "group": user.group.code if user.group else "",
    }


def group_choices(ctx: ServiceContext) -> list[tuple[str, str]]:
    """[(code, name)] of the office's groups, for the selects of forms (`x-source: groups`)."""
    with ctx.db.read() as session:
        return [
            (code, name)
            for code, name in session.execute(select(Group.code, Group.name).order_by(Group.name))
        ]


def _locked_task(session: Session, task_id: int) -> tuple[HumanTask, ProcessInstance, list[HumanTask]]:
    """The open task, its instance locked, and the instance's open tasks, all read after the lock.
    Raises NotFoundError, ConflictError (the task is no longer open)."""
    instance, rows = lock_instance_of_task(session, task_id)
    task = next((row for row in rows if row.id == task_id), None)
    if task is None:
        status = session.scalar(select(HumanTask.status).where(HumanTask.id == task_id))
        if status == "completed":
            raise ConflictError("this task has already been completed")
        raise ConflictError(f"this task is {status}")
    return task, instance, rows


def _for_whom(actor: Actor, task: HumanTask) -> int | None:
    """The person the actor acts for on this task, when it is not their own (รักษาราชการแทน)."""
    subject = acting_as(actor, _scope(task))
    return subject.id if subject is not None and subject.id != actor.id else None


def _check_actor(actor: Actor, task: HumanTask) -> None:
    reason = eligible(actor, _scope(task))
    if reason is not None:
        raise PermissionDeniedError(reason)
    if may_act(actor, _scope(task)) is not None:
        raise ConflictError("someone else holds this task")


def claim_task(ctx: ServiceContext, task_id: int, actor: Actor) -> TaskSummary:
    """Take a task so nobody else works on it. Raises NotFoundError, PermissionDeniedError, ConflictError."""
    now = ctx.now()
    with ctx.db.write() as session:
        task, instance, _ = _locked_task(session, task_id)
        require_running(instance)
        _check_actor(actor, task)
        # A task given to the actor (up the chain, handed over, reassigned) is still "ready": taking it
        # marks it claimed, as for anyone else.
        if task.assigned_user_id != actor.id or task.status != "claimed":
            task.assigned_user_id = actor.id
            task.status = "claimed"
            add_event(
                session,
                instance,
                "claimed",
                now,
                actor_id=actor.id,
                on_behalf_of_id=_for_whom(actor, task),
                task=task,
            )
        return TaskSummary.of(task, instance, _username(session, actor.id))


def release_task(ctx: ServiceContext, task_id: int, actor: Actor) -> TaskSummary:
    """Give a claimed task back to everyone who may do it. Raises NotFoundError, ConflictError."""
    now = ctx.now()
    with ctx.db.write() as session:
        task, instance, _ = _locked_task(session, task_id)
        if task.assigned_user_id != actor.id:
            raise ConflictError("you do not hold this task")
        task.assigned_user_id = None
        task.status = "ready"
        add_event(session, instance, "released", now, actor_id=actor.id, task=task)
        return TaskSummary.of(task, instance, None)


def handover_candidates(ctx: ServiceContext, task_id: int, actor: Actor) -> list[tuple[int, str]]:
    """[(user id, full name)] of colleagues the actor may hand the task to (empty when they may not
    hand it on). Raises NotFoundError."""
    with ctx.db.read() as session:
        task = _get(session, task_id)
        if task.status not in OPEN_STATUSES or task.lane == "requester" or _may_give(actor, task) is not None:
            return []
        ids = [i for i in lane_members(session, task) if i not in actor.ids and i != task.assigned_user_id]
        users = session.scalars(select(User).where(User.id.in_(ids)).order_by(User.full_name)).all()
        return [(u.id, u.full_name) for u in users if _may_receive(actor_of(u), task) is None]


def _may_give(actor: Actor, task: HumanTask) -> str | None:
    """The giver holds the task, or may claim it (eligible and nobody else holds it)."""
    return may_act(actor, _scope(task))


def _may_receive(person: Actor, task: HumanTask) -> str | None:
    """The receiver is eligible by the lane rule itself, not by holding (what an administrator's
    reassignment could have given them)."""
    unheld = TaskScope(task.lane, "ready", task.requester_id, task.scope_group_id, None, task.decides)
    return eligible(person, unheld)


def hand_over_task(
    ctx: ServiceContext, task_id: int, to_user_id: int, actor: Actor, reason: str
) -> TaskSummary:
    """Give an open task to a colleague of the same lane, with a reason: recorded as an event, the
    colleague notified, the task theirs until they finish or release it. Raises NotFoundError,
    PermissionDeniedError (the giver may not act on it), ConflictError (no longer open, held by someone
    else), ValidationError (no reason; the receiver is not eligible, inactive or the giver)."""
    why = given_reason(reason)
    now = ctx.now()
    with ctx.db.write() as session:
        task, instance, _ = _locked_task(session, task_id)
        require_running(instance)
        _check_actor(actor, task)
        if task.lane == "requester":
            raise PermissionDeniedError("only the requester can do their own step")
        receiver = session.get(User, to_user_id)
        problem = None if receiver is not None and receiver.is_active else "no such active user"
        if receiver is not None and problem is None:
            problem = "that is you" if receiver.id in actor.ids else _may_receive(actor_of(receiver), task)
        if receiver is None or problem is not None:
            raise ValidationError(problem or "no such user", [FieldProblem("to", "ผู้รับงานนี้ทำขั้นตอนนี้ไม่ได้")])
        task.assigned_user_id = receiver.id
        task.status = "claimed"
        add_event(
            session,
            instance,
            "handed_over",
            now,
            actor_id=actor.id,
            on_behalf_of_id=_for_whom(actor, task),
            task=task,
            comment=why,
            details={"to": receiver.full_name},
        )
        session.add(
            Notification(
                user_id=receiver.id,
                instance_id=instance.id,
                kind="task",
                text=f"มีงานส่งต่อถึงคุณ: {task.name} — {instance.title} ({why})"[:500],
                created_at=now,
                human_task=task,
            )
        )
        instance.updated_at = now
        return TaskSummary.of(task, instance, receiver.username)


@dataclass(frozen=True)
class NextStep:
    """Where a request stands after a submit: the actor's own next task, or who holds it now."""

    task_id: int | None  # the submitter's next task of this request, to open at once
    holders: list[str]  # otherwise: the people (full names) holding the open steps
    groups: list[str]  # names of groups whose director an open step waits for
    lanes: list[str]  # role codes of other open steps nobody holds (the page names the roles)


def next_step(ctx: ServiceContext, instance_id: int, actor: Actor) -> NextStep:
    """After a submit: the actor's next open task of the request if any, else who has the request now."""
    with ctx.db.read() as session:
        mine = session.scalar(
            _actionable(actor)
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
        return NextStep(None, list(unique(holders)), list(unique(groups)), list(unique(lanes)))


def _username(session: Session, user_id: int) -> str | None:
    return session.scalar(select(User.username).where(User.id == user_id))


def complete_task(
    ctx: ServiceContext, task_id: int, data: Any, actor: Actor, now: datetime | None = None
) -> InstanceView:
    """Submit a task's form and move the request on, in one transaction with its event.
    Returns the request as this left it: its open tasks and the events written now (GET the instance
    for the whole timeline). Raises NotFoundError, PermissionDeniedError, ConflictError (already
    done, held by someone else, request not running), ValidationError (field by field)."""
    when = now or ctx.now()

    def action(session: Session, failure: StepFailedError | None) -> InstanceView:
        task, instance, rows = _locked_task(session, task_id)
        _check_actor(actor, task)
        require_running(instance)
        cleaned = _validated(session, instance, task, data, actor, when)
        values, cleared = _written(ctx, session, instance, task, cleaned)
        if task.form_key:  # the request now refers to the files of the form's file fields
            form = form_for(session, instance.definition, task.form_key)
            file_access.record_form_files(session, instance.id, form, cleaned, when)
        task.status = "completed"
        task.assigned_user_id = actor.id
        task.completed_by_id = actor.id
        task.completed_at = when
        decided = add_event(
            session,
            instance,
            "task_completed",
            when,
            actor_id=actor.id,
            on_behalf_of_id=_for_whom(actor, task),
            task=task,
            decision=_text(cleaned.get("decision")),
            comment=_text(cleaned.get("comment")),
            details={"round": task.round},
        )
        run_engine(
            ctx,
            session,
            instance,
            when,
            actor.id,
            lambda parsed, ops, state: ctx.engine.complete(
                parsed, state, task.task_guid, values, when, ops, lane=task.lane, clear=cleared
            ),
            open_rows=rows,
            failure=failure,
        )
        # A director's decision gives the memo its register number, in this same transaction.
        register.record_decision(session, instance, decided, actor_id=actor.id, now=when)
        return action_view(session, instance, rows, actor)

    return recording_failures(ctx, action)


def _written(
    ctx: ServiceContext, session: Session, instance: ProcessInstance, task: HumanTask, cleaned: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """(values to set, names to remove) for a checked submission (services/prefill.submission)."""
    if not task.form_key:
        return cleaned, []
    form = form_for(session, instance.definition, task.form_key)
    return prefill.submission(
        spec_for(ctx, session, instance.definition).model, task.task_spec, form, cleaned
    )


def _validated(
    session: Session, instance: ProcessInstance, task: HumanTask, data: Any, actor: Actor, now: datetime
) -> dict[str, Any]:
    """The submission checked against the task's form, categories and files included: a category must be
    an active one of the catalogue; a file must exist and be the submitter's own upload or already part
    of the request. Raises ValidationError."""
    if not task.form_key:
        return {}
    form = form_for(session, instance.definition, task.form_key)
    cleaned = validate(form, data if data is not None else {})
    not_listed = unknown_categories(session, form.sourced(cleaned, "categories"))
    if not_listed:
        raise ValidationError("a category is not in the office's catalogue", not_listed)
    # O items chosen for this item (the publisher's ticks, the director's choice for the six-monthly
    # report) must be the current year's; a code in a row (the programme's topics, planned for a year)
    # is left to its form. Found by the differential walk: an unknown code used to pass here and put
    # the request in error at the publish step.
    ticked = [(path, v) for path, v in form.sourced(cleaned, o_items.SOURCE) if path.count(".") <= 1]
    not_o_items = o_items.unknown_o_items(session, ticked, now)
    if not_o_items:
        raise ValidationError("an O item is not in the year's ITA list", not_o_items)
    ids = form.file_ids(cleaned)
    stored = uploaders(session, ids)
    missing = [f for f in ids if f not in stored]
    if missing:
        raise ValidationError(
            "attached files do not exist",
            [FieldProblem("", f"ไม่พบไฟล์แนบ: {', '.join(missing)}")],
        )
    # An album's photos must be images: found here, not when the album is published at the very end
    # (a PDF there put the approved request in error; tests/services/test_task_projection_orders.py).
    photos = form.photo_ids(cleaned)
    wrong = set(not_images(session, [file_id for _, file_id in photos]))
    if wrong:
        raise ValidationError(
            "a photo is not an image",
            [FieldProblem(path, "ไฟล์นี้ไม่ใช่ไฟล์ภาพ") for path, f in photos if f in wrong],
        )
    ours = file_access.referenced_by(session, instance.id, ids)
    foreign = [f for f in ids if f not in ours and stored[f] != actor.id]
    if foreign:
        raise ValidationError(
            "attached files belong to someone else",
            [FieldProblem("", "ไฟล์แนบไม่ได้อัปโหลดโดยคุณและไม่อยู่ในคำขอนี้")],
        )
    return cleaned


def check_submission(ctx: ServiceContext, task_id: int, data: Any, actor: Actor) -> None:
    """Validate a submission without completing the task (to show every problem of a form at once).
    Raises NotFoundError, PermissionDeniedError, ConflictError, ValidationError."""
    with ctx.db.read() as session:
        task = _get(session, task_id)
        instance = session.get(ProcessInstance, task.instance_id, options=[undefer(ProcessInstance.state)])
        assert instance is not None
        _check_actor(actor, task)
        _validated(session, instance, task, data, actor, ctx.now())


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class TaskPage:
    task: TaskDetail
    process_id: str
    process_name: str
    requester: str | None
    group: str | None
    events: list[EventView]
    files: dict[str, dict[str, Any]]  # id -> {filename, content_type, size} of files the request refers to
    labels: dict[str, str]  # data key -> the Thai title its form gives it
    choices: dict[str, dict[str, str]]  # data key -> {code: label} for fields with labelled options
    shown: list[Field]  # the request's data as people read it (request_data.describe)


def get_task_page(ctx: ServiceContext, task_id: int, actor: Actor) -> TaskPage:
    """Everything the task page shows: the task and its form, the request, its whole timeline, its files.
    Raises NotFoundError, PermissionDeniedError."""
    detail = get_task(ctx, task_id, actor)
    with ctx.db.read() as session:
        instance = session.get(ProcessInstance, detail.instance_id)
        assert instance is not None
        parts = request_parts(session, instance, detail.context)
        return TaskPage(task=detail, **parts)


def request_parts(session: Session, instance: ProcessInstance, context: dict[str, Any]) -> dict[str, Any]:
    """What a page shows about a request besides a form: names, timeline, files, field labels."""
    principal = aliased(User)
    rows = session.execute(
        select(InstanceEvent, User.username, User.full_name, principal.full_name)
        .outerjoin(User, User.id == InstanceEvent.actor_id)
        .outerjoin(principal, principal.id == InstanceEvent.on_behalf_of_id)
        .where(InstanceEvent.instance_id == instance.id)
        .order_by(InstanceEvent.id)
    ).all()
    all_forms = session.scalar(
        select(ProcessDefinition.forms).where(ProcessDefinition.id == instance.definition_id)
    )
    labels, choices = _labels(all_forms or {})
    # Only the files the request refers to (file_access), with their photos' thumbnails: a file id
    # found elsewhere in its data is shown as the text it is.
    referenced = file_access.request_files(session, instance.id)
    shown = describe(session, all_forms or {}, context, files=set(referenced))
    return {
        "process_id": instance.process_id,
        "process_name": instance.definition.name,
        "requester": instance.started_by.full_name if instance.started_by else None,
        "group": instance.group.name if instance.group else None,
        "events": [EventView.of(e, name or username, for_whom) for e, username, name, for_whom in rows],
        "files": referenced,
        "labels": labels,
        "choices": choices,
        "shown": shown,
    }


def _labels(all_forms: dict[str, Any]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Field titles and option labels of every form of a process version, to show a request's data."""
    labels: dict[str, str] = {}
    choices: dict[str, dict[str, str]] = {}
    for schema in all_forms.values():
        for name, prop in schema.get("properties", {}).items():
            labels.setdefault(name, str(prop.get("title", name)))
            options = prop.get("oneOf") or prop.get("items", {}).get("oneOf") or []
            for option in options:
                if isinstance(option, dict) and "const" in option:
                    choices.setdefault(name, {})[str(option["const"])] = str(
                        option.get("title", option["const"])
                    )
    return labels, choices
