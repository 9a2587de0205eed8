"""File references are data: written from the forms' file fields (never from free text) and from what an
item publishes; the upgrade fills them for existing requests exactly as the forms would have."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select

from bpmnpub.db import alembic_config
from bpmnpub.errors import NotFoundError
from bpmnpub.models import FileReference, HumanTask, PublishedItem, StoredFile
from bpmnpub.services.files import cleanup, file_access, storage
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import instances, tasks

from ..blobs import contents
from ..conftest import Clock
from ..scenarios import runner
from ..scenarios.paths import SCENARIOS

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MIGRATION = "0021"  # the one that made file_reference


def references(ctx: ServiceContext) -> set[tuple[str, int | None, int | None, str]]:
    with ctx.db.read() as session:
        rows = session.execute(
            select(
                FileReference.file_id, FileReference.instance_id, FileReference.item_id, FileReference.field
            )
        )
        return {(f, i, item, field) for f, i, item, field in rows}


def walk(ctx: ServiceContext, clock: Clock, actor: Any, path: str) -> int:
    return runner.walk(ctx, clock, actor, next(s for s in SCENARIOS if s.id == path))[0]


def file_with_free_text(ctx: ServiceContext, actor: Any, named: str) -> tuple[int, str]:
    """owner1's request whose description names `named`; its one attachment is owner1's own."""
    owner = actor("owner1")
    instance_id = instances.start_instance(ctx, "general_publication", None, owner).id
    own = storage.upload_file(ctx, io.BytesIO(PDF), "ของฉัน.pdf", actor_id=owner.id).id
    with ctx.db.read() as session:
        task_id = session.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance_id))
    assert task_id is not None
    data = {
        "title": "ประกาศ",
        "category": "1.3",
        "description": f"ดูไฟล์ {named}",
        "purpose": named,
        "channels": ["website"],
        "attachments": [own],
    }
    tasks.complete_task(ctx, task_id, data, owner)
    return instance_id, own


def test_only_declared_file_fields_and_published_parts_are_references(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    album = walk(ctx, clock, actor, "photo_publication-approve")
    with ctx.db.read() as session:
        item = session.scalar(select(PublishedItem).where(PublishedItem.instance_id == album))
        assert item is not None
        photo, thumb = item.photos[0]["file"], item.photos[0]["thumb"]
    request, own = file_with_free_text(ctx, actor, photo)
    found = references(ctx)
    assert (photo, album, None, "photos.file") in found
    assert {(photo, None, item.id, "photos"), (thumb, None, item.id, "thumbnails")} <= found
    assert [r for r in found if r[1] == request] == [(own, request, None, "attachments")]
    with ctx.db.read() as session:
        assert set(file_access.request_files(session, request)) == {own}


def test_the_upgrade_fills_the_references_the_forms_wrote(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    walk(ctx, clock, actor, "photo_publication-approve")
    published = walk(ctx, clock, actor, "general_publication-approve")
    with ctx.db.read() as session:
        item = session.scalar(select(PublishedItem).where(PublishedItem.instance_id == published))
        assert item is not None
        attachment = item.attachments[0]
    file_with_free_text(ctx, actor, attachment)
    written = references(ctx)
    config = alembic_config(ctx.db.url)
    with ctx.db.write_engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, f"{MIGRATION}-1")
        command.upgrade(config, "head")
        connection.commit()
    assert references(ctx) == written
    with ctx.db.read() as session:  # thumbnails know their photo again
        assert session.scalar(
            select(StoredFile.thumbnail_of).where(
                StoredFile.id
                == storage.thumbnail_id(next(iter(r[0] for r in written if r[3] == "photos.file")))
            )
        )


@pytest.mark.parametrize(
    ("case", "recent", "kept"),
    [("alone", timedelta(0), False), ("shared", timedelta(0), True), ("just stored again", None, True)],
)
def test_an_orphans_bytes_go_unless_another_file_has_them_or_they_were_just_stored(
    ctx: ServiceContext, clock: Clock, actor: Any, case: str, recent: timedelta | None, kept: bool
) -> None:
    orphan = storage.upload_file(ctx, io.BytesIO(PDF), "ทิ้ง.pdf", actor_id=actor("owner1").id)
    if case == "shared":  # the same bytes, attached to a request
        _, twin = file_with_free_text(ctx, actor, "ไม่มี")
        assert storage.get_file(ctx, twin)[0].sha256 == orphan.sha256
    later = clock.advance(hours=25)
    if case == "just stored again":  # the same bytes, being stored by an upload whose row is not in yet
        with ctx.db.write() as session:
            storage.blob_store(ctx).put(session, orphan.sha256, PDF, later)
    purged = (
        cleanup.purge_orphans(ctx, later)
        if recent is None
        else cleanup.purge_orphans(ctx, later, recent_bytes=recent)
    )
    assert purged.files == 1
    with pytest.raises(NotFoundError):
        storage.get_file(ctx, orphan.id)
    assert (orphan.sha256 in contents(ctx)) == kept
