"""The parts of a request every page shows the same way: the procedure's and people's names, the
timeline, the files the request refers to, its fields' titles and option labels, its data as people
read it (the task page, a request's page, the admin page, the memo)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ...models import InstanceEvent, ProcessDefinition, ProcessInstance, User
from ..files import file_access
from .request_data import describe
from .results import EventView


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
        "events": [
            _as_filed(EventView.of(e, name or username, for_whom), instance.submitted_at)
            for e, username, name, for_whom in rows
        ],
        "files": referenced,
        "labels": labels,
        "choices": choices,
        "shown": shown,
    }


def _as_filed(event: EventView, submitted_at: datetime | None) -> EventView:
    """A request is filed when its first form is sent, not when its draft was made: until then its
    "started" event reads "draft_created" (สร้างร่างคำขอ), afterwards it is dated when it was sent."""
    if event.action != "started":
        return event
    if submitted_at is None:
        return replace(event, action="draft_created")
    return replace(event, at=submitted_at)


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
