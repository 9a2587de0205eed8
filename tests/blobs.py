"""Looking at stored files' bytes in whichever store the context uses (the folder on SQLite, the database
on PostgreSQL), as the tests of both databases need."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import delete

from bpmnpub.models import FileBlob, FileBlobChunk
from bpmnpub.services.files import storage
from bpmnpub.services.kernel.context import ServiceContext


def contents(ctx: ServiceContext) -> list[str]:
    """The sha256 of every content the store keeps."""
    return list(storage.blob_store(ctx).digests())


def content(ctx: ServiceContext, file_id: str) -> bytes:
    return storage.read_file(ctx, file_id)[1]


def image(ctx: ServiceContext, file_id: str) -> Image.Image:
    return Image.open(io.BytesIO(content(ctx, file_id)))


def remove_content(ctx: ServiceContext, file_id: str) -> None:
    """The file's bytes gone (a lost disk, a restore without them), its row kept."""
    info, blob = storage.get_file(ctx, file_id)
    if blob.path is not None:
        blob.path.unlink()
        return
    with ctx.db.write() as session:
        session.execute(delete(FileBlobChunk).where(FileBlobChunk.sha256 == info.sha256))
        session.execute(delete(FileBlob).where(FileBlob.sha256 == info.sha256))
