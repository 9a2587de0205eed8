"""Who takes part in a request, and so may read it, its files and its discussion: the one rule."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFoundError, PermissionDeniedError
from ..models import HumanTask, ProcessInstance
from ..permissions import OPEN_STATUSES, Actor, TaskScope, eligible, may_view_instance


def readable_instance(session: Session, actor: Actor, instance_id: int) -> ProcessInstance:
    """A request, for someone who takes part in it. Raises NotFoundError, PermissionDeniedError."""
    # Not progress.load_instance: progress imports the operators, which import this module.
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFoundError(f"request {instance_id} not found")
    if not involved(session, actor, instance):
        raise PermissionDeniedError("you take no part in this request")
    return instance


def involved(session: Session, actor: Actor, instance: ProcessInstance) -> bool:
    """Whether the actor takes part in a request: may see it by role, has done or holds a step of it,
    or may do one of its open steps."""
    if may_view_instance(actor, instance.started_by_id, instance.group_id):
        return True
    rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).all()
    for task in rows:
        if actor.id in (task.completed_by_id, task.assigned_user_id):
            return True
        scope = TaskScope(
            task.lane,
            task.status,
            task.requester_id,
            task.scope_group_id,
            task.assigned_user_id,
            task.decides,
        )
        if task.status in OPEN_STATUSES and eligible(actor, scope) is None:
            return True
    return False
