"""A request as the people involved see it: its data, files, timeline and open steps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from .. import thaidate
from ..models import HumanTask
from ..permissions import OPEN_STATUSES, Actor
from . import office, register
from .access import readable_instance
from .context import ServiceContext
from .progress import spec_for
from .request_data import Field
from .tasks import request_parts
from .views import EventView


@dataclass(frozen=True)
class RequestPage:
    id: int
    title: str
    status: str
    outcome: str | None
    created_at: datetime
    process_id: str
    process_name: str
    requester: str | None
    group: str | None
    context: dict[str, Any]
    events: list[EventView]
    files: dict[str, dict[str, Any]]
    labels: dict[str, str]
    choices: dict[str, dict[str, str]]
    shown: list[Field]  # the request's data as people read it
    open_steps: list[tuple[int, str]]  # (task id, step name) still to be done
    document_number: str | None = None  # the register's number as printed (ศธ ๐๔๐๘๒/๑๒๓), once decided
    verification_code: str | None = None  # its public page: /v/<code>


def get_request_page(ctx: ServiceContext, instance_id: int, actor: Actor) -> RequestPage:
    """Raises NotFoundError, PermissionDeniedError."""
    with ctx.db.read() as session:
        instance = readable_instance(session, actor, instance_id)
        parsed = spec_for(ctx, session, instance.definition)
        context = dict(ctx.engine.inspect_state(parsed, instance.state, ctx.now()).data)
        steps = session.execute(
            select(HumanTask.id, HumanTask.name)
            .where(HumanTask.instance_id == instance_id, HumanTask.status.in_(OPEN_STATUSES))
            .order_by(HumanTask.id)
        ).all()
        entry = register.find_entry(session, instance_id)
        printed = None
        if entry is not None:
            thai = office.load(session).thai_digits
            printed = thaidate.thai_digits(entry.number_text) if thai else entry.number_text
        return RequestPage(
            id=instance.id,
            title=instance.title,
            status=instance.status,
            outcome=instance.outcome,
            created_at=instance.created_at,
            context=context,
            open_steps=[(i, n) for i, n in steps],
            document_number=printed,
            verification_code=entry.code if entry is not None else None,
            **request_parts(session, instance, context),
        )
