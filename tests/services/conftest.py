"""Service tests run on SQLite and on PostgreSQL (the `ctx` fixture is parametrized)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from bpmnpub.permissions import Actor
from bpmnpub.services.files import storage
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import inbox, instances, tasks
from bpmnpub.services.requests.results import InstanceView

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def upload_pdf(ctx: ServiceContext, who: Actor, content: bytes = PDF, name: str = "ประกาศ.pdf") -> str:
    return storage.upload_file(ctx, io.BytesIO(content), name, actor_id=who.id).id


def request_data(file_id: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "title": "ประกาศผลการคัดเลือกครูผู้ช่วย",
        "category": "1.3",
        "description": "รายละเอียดประกาศ",
        "purpose": "เพื่อเผยแพร่ต่อสาธารณะ",
        "channels": ["website"],
        "attachments": [file_id],
    }
    data.update(overrides)
    return data


def task_id(ctx: ServiceContext, who: Actor, instance_id: int, spec: str | None = None) -> int:
    """The id of the open task of an instance that `who` can act on (found through their inbox)."""
    mine = [t for t in inbox.list_tasks(ctx, who, limit=200) if t.instance_id == instance_id]
    view = instances.get_instance(ctx, instance_id, who) if spec else None
    if spec and view:
        wanted = {t.id for t in view.tasks if t.status in ("ready", "claimed")}
        mine = [t for t in mine if t.id in wanted]
    assert mine, f"{who.id} has no task in request {instance_id}"
    return mine[0].id


def file_request(ctx: ServiceContext, who: Actor) -> int:
    """A general_publication request `who` has filed: it waits for their group director. Returns its id."""
    started = instances.start_instance(ctx, "general_publication", None, who)
    tasks.complete_task(ctx, task_id(ctx, who, started.id), request_data(upload_pdf(ctx, who)), who)
    return started.id


@pytest.fixture
def filed(ctx: ServiceContext, actor: Any) -> InstanceView:
    """A general_publication request filed by owner1 and waiting for gdir_plan."""
    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    first = task_id(ctx, owner, started.id)
    return tasks.complete_task(ctx, first, request_data(upload_pdf(ctx, owner)), owner)


@pytest.fixture
def legal_step(ctx: ServiceContext, actor: Any) -> tuple[int, int]:
    """legal1 appointed legal officer until 20 November 2026, owner1's memo waiting for them: (request
    id, the legal step's task id) — tests/services/appointment_walk.py."""
    from .appointment_walk import legal_step_on_a_term  # the walk stands on this module's helpers

    return legal_step_on_a_term(ctx, actor)
