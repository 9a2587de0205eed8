"""The statistics of a process version for process owners and administrators: how many requests passed
each element of its diagram, and how long people spent in each step (median, 90th percentile), from
the projection and the event log alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Integer, cast, func, select

from ...engine import PERSON_KINDS
from ...errors import NotFoundError, PermissionDeniedError
from ...models import HumanTask, InstanceEvent, ProcessDefinition, ProcessInstance
from ...permissions import Actor, may_own_processes
from ...thaidate import day_start
from ..kernel.context import ServiceContext
from ..procedures.versions import graph_for


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
        of_version = select(ProcessInstance.id).where(
            ProcessInstance.definition_id == definition.id, ProcessInstance.submitted_at.is_not(None)
        )
        low = day_start(date_from) if date_from else None
        high = day_start(date_to + timedelta(days=1)) if date_to else None
        minutes = _minutes(ctx, HumanTask.completed_at, HumanTask.created_at)
        counted = (
            select(HumanTask.task_spec, minutes, func.count())
            .where(HumanTask.instance_id.in_(of_version))
            .group_by(HumanTask.task_spec, minutes)
        )
        started = (
            select(func.count())
            .select_from(ProcessInstance)
            .where(ProcessInstance.definition_id == definition.id, ProcessInstance.submitted_at.is_not(None))
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
        elif node.kind == "startEvent" and node.id in graph.starts():
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
