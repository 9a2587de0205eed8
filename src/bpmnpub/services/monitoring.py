"""What administrators read about running requests: the list with filters, one request's page (where it
is on its diagram, the time spent in each step, its timeline, data and files) and the statistics of a
process version. Everything comes from the projection tables and the event log; a workflow is
deserialized only to show one request's current data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session, aliased

from ..db import contains_pattern
from ..engine import PERSON_KINDS, RECORDED_KINDS, DiagramGraph, RewindTarget, rewind_targets
from ..errors import NotFoundError, PermissionDeniedError
from ..models import Group, HumanTask, InstanceEvent, ProcessDefinition, ProcessInstance, User
from ..permissions import OPEN_STATUSES, Actor, may_own_processes
from ..thaidate import BANGKOK
from .context import ServiceContext
from .progress import INSTANCE_STATUSES, LIVE_STATUSES, diagram_loader, load_instance, spec_for
from .request_data import Field
from .tasks import request_parts
from .views import EventView

COUNT_CAP = 1_000  # the list counts matches up to here ("more than 1 000" beyond): counting is a scan


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDeniedError("only administrators can inspect and steer requests")


def graph_for(ctx: ServiceContext, session: Session, definition: ProcessDefinition) -> DiagramGraph:
    return ctx.engine.graph(definition.spec_key, diagram_loader(session, definition), definition.process_id)


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

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP

    @property
    def pages(self) -> int:
        return max(1, -(-min(self.total, COUNT_CAP) // self.per_page))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BANGKOK)


def _filtered(session: Session, f: InstanceFilters, now: datetime) -> Any:
    stmt = select(ProcessInstance.id)
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
        stmt = stmt.where(ProcessInstance.created_at >= _day_start(f.created_from))
    if f.created_to:
        stmt = stmt.where(ProcessInstance.created_at < _day_start(f.created_to + timedelta(days=1)))
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
    """One page of requests, newest first, with the steps they wait on. Raises PermissionDeniedError."""
    require_admin(actor)
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
        )
        for i, name, version, requester_name, group_name in rows
    ]
    return InstanceList(items, total, page, per_page, processes, versions, groups)


def _processes(session: Session) -> list[tuple[str, str]]:
    names: dict[str, str] = {}
    for process_id, name in session.execute(
        select(ProcessDefinition.process_id, ProcessDefinition.name).order_by(ProcessDefinition.version)
    ):
        names[process_id] = name  # the newest version's name
    return sorted(names.items(), key=lambda item: item[1])


# -- one request ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepTime:
    """How often a step was reached and the time spent in it (open rounds count until now)."""

    spec_id: str
    name: str
    rounds: int
    seconds: float
    open: bool


@dataclass(frozen=True)
class OpenTask:
    id: int
    spec_id: str
    name: str
    lane: str
    status: str
    holder: str | None  # username
    holder_name: str | None
    created_at: datetime
    due_at: datetime | None


@dataclass(frozen=True)
class Marks:
    """CSS classes for the viewer: element ids completed, active, failed, and sequence flows taken."""

    completed: list[str]
    active: list[str]
    failed: list[str]
    cancelled: list[str]
    flows: list[str]


@dataclass(frozen=True)
class AdminInstancePage:
    id: int
    title: str
    status: str
    outcome: str | None
    process_id: str
    process_name: str
    version: int
    newer_versions: list[int]
    requester: str | None
    group: str | None
    created_at: datetime
    updated_at: datetime
    error: str | None
    error_task: str | None
    diagram_xml: str
    marks: Marks
    steps: list[StepTime]
    events: list[EventView]
    data: dict[str, Any]
    labels: dict[str, str]
    choices: dict[str, dict[str, str]]
    shown: list[Field]  # `data` as people read it
    files: dict[str, dict[str, Any]]
    open_tasks: list[OpenTask]
    rewind: list[RewindTarget]  # every person's step with why it cannot be a rewind target (None: it can)
    users: list[tuple[str, str]]  # (username, full name) of active users, to reassign to


def get_instance_page(ctx: ServiceContext, instance_id: int, actor: Actor) -> AdminInstancePage:
    """Raises NotFoundError, PermissionDeniedError."""
    require_admin(actor)
    now = ctx.now()
    with ctx.db.read() as session:
        instance = load_instance(session, instance_id)
        definition = instance.definition
        parsed = spec_for(ctx, session, definition)
        data = dict(ctx.engine.inspect_state(parsed, instance.state, now).data)
        graph = graph_for(ctx, session, definition)
        holder = aliased(User)
        tasks = session.execute(
            select(HumanTask, holder.username, holder.full_name)
            .outerjoin(holder, holder.id == HumanTask.assigned_user_id)
            .where(HumanTask.instance_id == instance_id)
            .order_by(HumanTask.id)
        ).all()
        recorded = session.execute(
            select(InstanceEvent.at, InstanceEvent.task_spec, InstanceEvent.action).where(
                InstanceEvent.instance_id == instance_id,
                InstanceEvent.action.in_(("service", "completed", "rejected")),
                InstanceEvent.task_spec.is_not(None),
            )
        ).all()
        parts = request_parts(session, instance, data)
        xml = session.scalar(select(ProcessDefinition.bpmn_xml).where(ProcessDefinition.id == definition.id))
        newer = list(
            session.scalars(
                select(ProcessDefinition.version)
                .where(
                    ProcessDefinition.process_id == instance.process_id,
                    ProcessDefinition.version > definition.version,
                )
                .order_by(ProcessDefinition.version)
            )
        )
        users = [
            (u, n)
            for u, n in session.execute(
                select(User.username, User.full_name).where(User.is_active.is_(True)).order_by(User.full_name)
            )
        ]
    visits: list[Visit] = [Visit(instance.created_at, s, "completed") for s in _starts(graph)]
    for task, _, _ in tasks:
        state = (
            "active"
            if task.status in OPEN_STATUSES
            else ("completed" if task.status == "completed" else "cancelled")
        )
        visits.append(Visit(task.created_at, task.task_spec, state))
    visits += [Visit(at, spec, "completed") for at, spec, _ in recorded if spec]
    if instance.status == "error" and instance.error_task:
        visits.append(Visit(instance.updated_at, instance.error_task, "failed"))
    if instance.status not in LIVE_STATUSES:
        visits = [v if v.state != "active" else Visit(v.at, v.spec_id, "cancelled") for v in visits]
    return AdminInstancePage(
        id=instance.id,
        title=instance.title,
        status=instance.status,
        outcome=instance.outcome,
        process_id=instance.process_id,
        process_name=parts["process_name"],
        version=definition.version,
        newer_versions=newer,
        requester=parts["requester"],
        group=parts["group"],
        created_at=instance.created_at,
        updated_at=instance.updated_at,
        error=instance.error_message,
        error_task=instance.error_task,
        diagram_xml=xml or "",
        marks=trace(graph, visits),
        steps=_step_times(graph, [t for t, _, _ in tasks], now),
        events=parts["events"],
        data=data,
        labels=parts["labels"],
        choices=parts["choices"],
        shown=parts["shown"],
        files=parts["files"],
        open_tasks=[
            OpenTask(t.id, t.task_spec, t.name, t.lane, t.status, u, n, t.created_at, t.due_at)
            for t, u, n in tasks
            if t.status in OPEN_STATUSES
        ],
        rewind=rewind_choices(
            graph,
            {t.task_spec for t, _, _ in tasks},
            {t.task_spec for t, _, _ in tasks if t.status in OPEN_STATUSES},
        ),
        users=users,
    )


def _starts(graph: DiagramGraph) -> list[str]:
    return [n.id for n in graph.nodes.values() if n.kind == "startEvent"][:1]


def rewind_choices(graph: DiagramGraph, reached: set[str], active: set[str]) -> list[RewindTarget]:
    """The engine's answer, plus what only the history knows: a step never reached, or the current one."""
    out = []
    for target in rewind_targets(graph):
        reason = target.reason
        if reason is None and target.spec_id in active:
            reason = "the request is at this step now"
        elif reason is None and target.spec_id not in reached:
            reason = "the request has not reached this step yet"
        out.append(RewindTarget(target.spec_id, target.name, reason))
    return out


def _step_times(graph: DiagramGraph, tasks: list[HumanTask], now: datetime) -> list[StepTime]:
    totals: dict[str, list[Any]] = {}
    for task in tasks:
        end = task.completed_at or (now if task.status in OPEN_STATUSES else task.created_at)
        entry = totals.setdefault(task.task_spec, [task.name, 0, 0.0, False])
        entry[1] += 1
        entry[2] += max((end - task.created_at).total_seconds(), 0.0)
        entry[3] = entry[3] or task.status in OPEN_STATUSES
    return [
        StepTime(spec, graph.nodes[spec].name if spec in graph.nodes else name, rounds, seconds, is_open)
        for spec, (name, rounds, seconds, is_open) in totals.items()
    ]


@dataclass(frozen=True)
class Visit:
    at: datetime
    spec_id: str
    state: str  # completed | active | failed | cancelled


def trace(graph: DiagramGraph, visits: list[Visit]) -> Marks:
    """Where a request has been on its diagram, from the recorded visits of its steps.

    Only some elements are recorded (a person's task, a service step, the start, an end); the gateways
    and other elements between two recorded ones are found by walking back along the sequence flows from
    each visit to the most recently visited recorded element before it."""
    ordered = sorted(visits, key=lambda v: v.at)
    state: dict[str, str] = {}
    last_seen: dict[str, datetime] = {}
    flows: set[str] = set()
    passed: set[str] = set()
    for index, visit in enumerate(ordered):
        for other in ordered[index:]:  # visits at the same moment (one transaction) count as before
            if other.at > visit.at:
                break
            last_seen.setdefault(other.spec_id, other.at)
        path = _path_back(graph, visit.spec_id, last_seen)
        if path is not None:
            flows.update(path[0])
            passed.update(path[1])
        if state.get(visit.spec_id) != "failed":
            state[visit.spec_id] = visit.state  # the latest visit tells, except that a failure stays
        last_seen[visit.spec_id] = visit.at
    for node_id in passed:
        state.setdefault(node_id, "completed")
    by = {
        k: sorted(n for n, s in state.items() if s == k)
        for k in ("completed", "active", "failed", "cancelled")
    }
    return Marks(by["completed"], by["active"], by["failed"], by["cancelled"], sorted(flows))


def _path_back(
    graph: DiagramGraph, target: str, seen: dict[str, datetime]
) -> tuple[list[str], list[str]] | None:
    """The flows and pass-through nodes from the latest seen recorded element to `target`."""
    best: tuple[datetime, list[str], list[str]] | None = None
    stack: list[tuple[str, list[str], list[str]]] = [(target, [], [])]
    visited = {target}
    while stack:
        node_id, path_flows, path_nodes = stack.pop()
        for flow in graph.incoming(node_id):
            source = graph.nodes.get(flow.source)
            if source is None:
                continue
            if source.kind in RECORDED_KINDS:
                at = seen.get(source.id)
                if at is not None and (best is None or at > best[0]):
                    best = (at, [*path_flows, flow.id], path_nodes)
            elif source.id not in visited:
                visited.add(source.id)
                stack.append((source.id, [*path_flows, flow.id], [*path_nodes, source.id]))
    return None if best is None else (best[1], best[2])


# -- statistics -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElementStats:
    spec_id: str
    name: str
    count: int  # times reached in the period
    median: float | None  # seconds spent, of the completed ones
    p90: float | None


@dataclass(frozen=True)
class ProcessStats:
    process_id: str
    process_name: str
    version: int
    versions: list[int]
    date_from: date | None
    date_to: date | None
    instances: int  # started in the period
    elements: list[ElementStats]
    diagram_xml: str


def process_stats(
    ctx: ServiceContext,
    actor: Actor,
    process_id: str,
    version: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> ProcessStats:
    """For every element of a version: how many times it ran and the median and 90th percentile of the
    time spent in it, over steps begun in the period. From the task projection and the event log only:
    durations are grouped by the minute in the database, percentiles read from those counts.
    Raises PermissionDeniedError, NotFoundError."""
    if not may_own_processes(actor):
        raise PermissionDeniedError("only administrators and process owners can read statistics")
    with ctx.db.read() as session:
        versions = list(
            session.scalars(
                select(ProcessDefinition.version)
                .where(ProcessDefinition.process_id == process_id)
                .order_by(ProcessDefinition.version)
            )
        )
        if not versions:
            raise NotFoundError(f"process {process_id} not found")
        chosen = version if version in versions else versions[-1]
        definition = session.scalar(
            select(ProcessDefinition).where(
                ProcessDefinition.process_id == process_id, ProcessDefinition.version == chosen
            )
        )
        assert definition is not None
        graph = graph_for(ctx, session, definition)
        of_version = select(ProcessInstance.id).where(ProcessInstance.definition_id == definition.id)
        low = _day_start(date_from) if date_from else None
        high = _day_start(date_to + timedelta(days=1)) if date_to else None
        minutes = _minutes(ctx, HumanTask.completed_at, HumanTask.created_at)
        counted = (
            select(HumanTask.task_spec, minutes, func.count())
            .where(HumanTask.instance_id.in_(of_version))
            .group_by(HumanTask.task_spec, minutes)
        )
        started = (
            select(func.count())
            .select_from(ProcessInstance)
            .where(ProcessInstance.definition_id == definition.id)
        )
        events = (
            select(InstanceEvent.task_spec, func.count())
            .where(
                InstanceEvent.instance_id.in_(of_version),
                InstanceEvent.action.in_(("service", "completed", "rejected")),
                InstanceEvent.task_spec.is_not(None),
            )
            .group_by(InstanceEvent.task_spec)
        )
        if low is not None:
            counted = counted.where(HumanTask.created_at >= low)
            started = started.where(ProcessInstance.created_at >= low)
            events = events.where(InstanceEvent.at >= low)
        if high is not None:
            counted = counted.where(HumanTask.created_at < high)
            started = started.where(ProcessInstance.created_at < high)
            events = events.where(InstanceEvent.at < high)
        histograms: dict[str, dict[int | None, int]] = {}
        for spec, minute, count in session.execute(counted):
            bucket = histograms.setdefault(spec, {})
            key = None if minute is None else int(minute)
            bucket[key] = bucket.get(key, 0) + int(count)
        instance_count = int(session.scalar(started) or 0)
        event_counts = {spec: int(n) for spec, n in session.execute(events)}
        xml = session.scalar(select(ProcessDefinition.bpmn_xml).where(ProcessDefinition.id == definition.id))
        name = definition.name
    elements = []
    for node in graph.nodes.values():
        if node.kind in PERSON_KINDS:
            histogram = histograms.get(node.id, {})
            count = sum(histogram.values())
            done = sorted((m, n) for m, n in histogram.items() if m is not None)
            elements.append(
                ElementStats(node.id, node.name, count, _percentile(done, 0.5), _percentile(done, 0.9))
            )
        elif node.kind == "startEvent" and node.id in _starts(graph):
            elements.append(ElementStats(node.id, node.name, instance_count, None, None))
        elif node.id in event_counts:
            elements.append(ElementStats(node.id, node.name, event_counts[node.id], None, None))
    return ProcessStats(
        process_id, name, chosen, versions, date_from, date_to, instance_count, elements, xml or ""
    )


def _minutes(ctx: ServiceContext, end: Any, begin: Any) -> Any:
    """Minutes between two timestamps, to the nearest, in the database's own dialect (NULL while open)."""
    if ctx.db.is_sqlite:
        return cast(func.round((func.julianday(end) - func.julianday(begin)) * 1440), Integer)
    return cast(func.round(func.extract("epoch", end - begin) / 60), Integer)


def _percentile(histogram: list[tuple[int, int]], share: float) -> float | None:
    """Nearest-rank percentile (in seconds) of minutes given as sorted (minute, count) pairs."""
    total = sum(n for _, n in histogram)
    if not total:
        return None
    rank = max(1, -(-int(total * share * 1000) // 1000))  # ceil(total * share) without float surprises
    running = 0
    for minute, count in histogram:
        running += count
        if running >= rank:
            return float(minute * 60)
    return float(histogram[-1][0] * 60)
