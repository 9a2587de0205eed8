"""One request as administrators see it: where it is on its diagram (the path it took, the steps open now),
the time spent in each step, its timeline, data and files, and what an administrator may do to it now.
Everything comes from the projection tables and the event log; the workflow is deserialized only to show
the request's current data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ...engine import RECORDED_KINDS, DiagramGraph, RewindTarget, rewind_targets
from ...models import HumanTask, InstanceEvent, ProcessDefinition, User
from ...permissions import Actor, require_admin
from ...statuses import LIVE_STATUSES, OPEN_STATUSES, admin_actions
from ..kernel.context import ServiceContext
from ..procedures.versions import graph_for, spec_for
from .request_data import Field
from .request_parts import request_parts
from .results import EventView
from .transition import load_instance


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
    actions: frozenset[str]  # what an admin may do to the request now (statuses.ADMIN_ACTIONS)


def get_instance_page(ctx: ServiceContext, instance_id: int, actor: Actor) -> AdminInstancePage:
    """Raises NotFoundError, PermissionDeniedError."""
    require_admin(actor, "can inspect and steer requests")
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
    visits: list[Visit] = [Visit(instance.created_at, s, "completed") for s in graph.starts()]
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
        actions=admin_actions(instance.status),
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
