"""Where a request stands, as its requester and the people involved read it: the steps done (who, when,
what they decided), the steps open now and who holds them, the steps still to come if it goes ahead,
and its diagram with the path taken and the current step marked (the same marks as the admins' page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ...engine import DiagramGraph, lane_codes
from ...models import Group, HumanTask, InstanceEvent, ProcessDefinition, ProcessInstance, User
from ...statuses import LIVE_STATUSES, OPEN_STATUSES
from ..kernel.context import ServiceContext
from ..procedures.versions import graph_for
from .admin_page import Marks, Visit, trace


@dataclass(frozen=True)
class DoneStep:
    name: str
    by: str | None  # full name
    at: datetime
    decision: str | None
    round: int


@dataclass(frozen=True)
class OpenStep:
    task_id: int
    name: str
    lane: str  # role code: the page names the role
    holder: str | None  # the person holding it (full name), when someone does
    group: str | None  # for a group director's step nobody holds: the group's name
    since: datetime
    due_at: datetime | None


@dataclass(frozen=True)
class Progress:
    done: list[DoneStep]
    now: list[OpenStep]
    ahead: list[str]  # names of the people's steps still to come if every decision goes ahead
    diagram_xml: str
    marks: Marks
    lanes: dict[str, str]  # lane element id -> role code (the page shows the role's name)


def request_progress(ctx: ServiceContext, session: Session, instance: ProcessInstance) -> Progress:
    """The progress of a request the caller may read (the caller checked that)."""
    graph = graph_for(ctx, session, instance.definition)
    done_by, holder = aliased(User), aliased(User)
    rows = session.execute(
        select(HumanTask, done_by.full_name, holder.full_name, Group.name)
        .outerjoin(done_by, done_by.id == HumanTask.completed_by_id)
        .outerjoin(holder, holder.id == HumanTask.assigned_user_id)
        .outerjoin(Group, Group.id == HumanTask.scope_group_id)
        .where(HumanTask.instance_id == instance.id)
        .order_by(HumanTask.id)
    ).all()
    decisions = dict(
        session.execute(
            select(InstanceEvent.human_task_id, InstanceEvent.decision).where(
                InstanceEvent.instance_id == instance.id,
                InstanceEvent.action == "task_completed",
                InstanceEvent.human_task_id.is_not(None),
            )
        ).all()
    )
    recorded = session.execute(
        select(InstanceEvent.at, InstanceEvent.task_spec).where(
            InstanceEvent.instance_id == instance.id,
            InstanceEvent.action.in_(("service", "completed", "rejected")),
            InstanceEvent.task_spec.is_not(None),
        )
    ).all()
    xml = session.scalar(
        select(ProcessDefinition.bpmn_xml).where(ProcessDefinition.id == instance.definition_id)
    )
    live = instance.status in LIVE_STATUSES
    done = [
        DoneStep(t.name, by, t.completed_at or t.created_at, decisions.get(t.id), t.round)
        for t, by, _, _ in rows
        if t.status == "completed"
    ]
    done.sort(key=lambda step: step.at)
    now = [
        OpenStep(
            t.id,
            t.name,
            t.lane,
            held
            or (instance.started_by.full_name if t.lane == "requester" and instance.started_by else None),
            group if t.lane == "group_director" else None,
            t.created_at,
            t.due_at,
        )
        for t, _, held, group in rows
        if t.status in OPEN_STATUSES and live
    ]
    visits = [Visit(instance.created_at, s, "completed") for s in graph.starts()]
    for t, _, _, _ in rows:
        state = (
            "active"
            if t.status in OPEN_STATUSES
            else ("completed" if t.status == "completed" else "cancelled")
        )
        visits.append(Visit(t.created_at, t.task_spec, state if live or state != "active" else "cancelled"))
    visits += [Visit(at, spec, "completed") for at, spec in recorded if spec]
    current = {t.task_spec for t, _, _, _ in rows if t.status in OPEN_STATUSES} if live else set()
    return Progress(
        done=done,
        now=now,
        ahead=[graph.nodes[n].name for n in steps_ahead(graph, current)],
        diagram_xml=xml or "",
        marks=trace(graph, visits),
        lanes=lane_roles(xml or ""),
    )


def steps_ahead(graph: DiagramGraph, current: set[str]) -> list[str]:
    """The people's steps (user tasks) on the way from the current steps to the end that lies furthest:
    the shortest way to each end event (so never round a revise loop, and optional steps are skipped
    when a way around them exists), and of those ends the one with the most steps on its way (a
    rejection ends sooner than publishing). The road ahead when every decision goes ahead."""
    outgoing: dict[str, list[str]] = {}
    for flow in graph.flows:
        outgoing.setdefault(flow.source, []).append(flow.target)
    parent: dict[str, str | None] = dict.fromkeys(sorted(current))
    queue = list(parent)
    while queue:
        node = queue.pop(0)
        for target in outgoing.get(node, []):
            if target not in parent and target in graph.nodes:
                parent[target] = node
                queue.append(target)
    best: list[str] = []
    for end in (n for n in parent if graph.nodes[n].kind == "endEvent"):
        way: list[str] = []
        at: str | None = end
        while at is not None and at not in current:
            if graph.nodes[at].kind == "userTask":
                way.append(at)
            at = parent[at]
        way.reverse()
        if len(way) > len(best):
            best = way
    return best


def lane_roles(xml: str) -> dict[str, str]:
    """{lane element id: role code} of a diagram: lanes are named by role codes (docs/authoring-processes.md);
    the page puts the role's name in their place when it draws the diagram."""
    return lane_codes(xml) if xml else {}
