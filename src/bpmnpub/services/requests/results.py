"""What the request flow's use cases return: plain frozen values, never ORM rows (the session is closed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...models import HumanTask, InstanceEvent, ProcessInstance


@dataclass(frozen=True)
class TaskSummary:
    id: int
    instance_id: int
    name: str
    title: str
    lane: str
    status: str
    round: int
    process_id: str
    assigned_to: str | None
    created_at: datetime
    due_at: datetime | None
    process_name: str = ""
    requester: str | None = None  # full name
    group: str | None = None  # group name
    task_spec: str = ""
    draft: bool = False  # the first form of a request its requester has not sent yet

    @classmethod
    def of(cls, task: HumanTask, instance: ProcessInstance, assigned_to: str | None) -> TaskSummary:
        return cls.from_row(
            task,
            title=instance.title,
            process_id=instance.process_id,
            assigned_to=assigned_to,
            draft=instance.submitted_at is None,
        )

    @classmethod
    def from_row(
        cls,
        task: HumanTask,
        *,
        title: str,
        process_id: str,
        assigned_to: str | None,
        process_name: str = "",
        requester: str | None = None,
        group: str | None = None,
        draft: bool = False,
    ) -> TaskSummary:
        """A task row with what the inbox shows of its request (names read in the same query)."""
        return cls(
            id=task.id,
            instance_id=task.instance_id,
            name=task.name,
            title=title,
            lane=task.lane,
            status=task.status,
            round=task.round,
            process_id=process_id,
            assigned_to=assigned_to,
            created_at=task.created_at,
            due_at=task.due_at,
            process_name=process_name,
            requester=requester,
            group=group,
            task_spec=task.task_spec,
            draft=draft,
        )


@dataclass(frozen=True)
class TaskDetail:
    id: int
    instance_id: int
    name: str
    title: str
    lane: str
    status: str
    round: int
    instructions: str
    form: dict[str, Any]
    data: dict[str, Any]  # current values of this form's fields: post them back as they are
    context: dict[str, Any]  # everything the request holds so far (read-only), e.g. a reviewer's comment
    assigned_to: str | None


@dataclass(frozen=True)
class EventView:
    at: datetime
    action: str
    actor: str | None
    task: str | None
    task_name: str | None
    decision: str | None
    comment: str | None
    details: dict[str, Any] | None
    on_behalf_of: str | None = None  # acting for (รักษาราชการแทน)

    @classmethod
    def of(cls, event: InstanceEvent, actor: str | None, on_behalf_of: str | None = None) -> EventView:
        return cls(
            at=event.at,
            action=event.action,
            actor=actor,
            task=event.task_spec,
            task_name=event.task_name,
            decision=event.decision,
            comment=event.comment,
            details=event.details,
            on_behalf_of=on_behalf_of,
        )


@dataclass(frozen=True)
class InstanceView:
    id: int
    process_id: str
    process_version: int
    status: str
    outcome: str | None
    title: str
    started_by: str | None
    group: str | None
    created_at: datetime
    updated_at: datetime
    error: str | None
    tasks: list[TaskSummary] = field(default_factory=list)
    events: list[EventView] = field(default_factory=list)
    draft: bool = False  # its requester has not sent the first form: nobody else sees it yet

    @classmethod
    def of(
        cls,
        instance: ProcessInstance,
        *,
        started_by: str | None,
        group: str | None,
        tasks: list[TaskSummary],
        events: list[EventView],
    ) -> InstanceView:
        return cls(
            id=instance.id,
            process_id=instance.process_id,
            process_version=instance.definition.version,
            status=instance.status,
            outcome=instance.outcome,
            title=instance.title,
            started_by=started_by,
            group=group,
            created_at=instance.created_at,
            updated_at=instance.updated_at,
            error=instance.error_message,
            tasks=tasks,
            events=events,
            draft=instance.submitted_at is None,
        )


@dataclass(frozen=True)
class InboxPage:
    items: list[TaskSummary]
    total: int
    page: int
    per_page: int
    processes: list[tuple[str, str]]  # (process id, name) the actor has tasks in, for the filter
    steps: list[tuple[str, str]] = field(default_factory=list)  # (task spec, step name)
    categories: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))
