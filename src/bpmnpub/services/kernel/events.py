"""A request's timeline: each `instance_event` row, linked into its request's hash chain as it is
written, in the transaction of the change it records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ...models import HumanTask, InstanceEvent, ProcessInstance
from . import trail
from .journal import journal


def add_event(
    session: Session,
    instance: ProcessInstance,
    action: str,
    now: datetime,
    *,
    actor_id: int | None = None,
    on_behalf_of_id: int | None = None,
    task: HumanTask | None = None,
    task_spec: str | None = None,
    task_name: str | None = None,
    decision: str | None = None,
    comment: str | None = None,
    details: dict[str, Any] | None = None,
) -> InstanceEvent:
    event = InstanceEvent(
        instance_id=instance.id,
        at=now,
        actor_id=actor_id,
        on_behalf_of_id=on_behalf_of_id,
        action=action,
        human_task_id=task.id if task is not None else None,
        task_spec=task.task_spec if task is not None else task_spec,
        task_name=task.name if task is not None else task_name,
        decision=decision,
        comment=comment,
        details=details,
    )
    trail.link_instance_event(session, event)
    session.add(event)
    journal(session).events.append(event)  # for the action's response (instances.action_view)
    return event
