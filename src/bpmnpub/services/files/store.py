"""Where stored files' bytes are kept: a folder of the data directory, or the database.

`storage.py` is the one way in (every upload, download, photo, memo, report and backup goes through
`storage.blob_store(ctx)`); this module holds the two stores behind it:

- `FolderStore`: `DATA_DIR/files/<2 hex>/<sha256>`, written before the row naming it commits (a reader
  never sees a row without its bytes). SQLite's default: one office on one machine.
- `DatabaseStore`: the `file_blob` row and its `file_blob_chunk` rows (CHUNK bytes each), written in the
  transaction of the row naming them and read back one chunk per statement, so a download never holds
  more than a chunk in memory nor a transaction open. PostgreSQL's default: every app server behind the
  proxy serves every file, and the database's backup holds them all.

Both keep bytes once per sha256 and remove them only when no stored file names them and they were not
stored again lately (the worker's purge of orphans, `file_cleanup`).
"""

from __future__ import annotations

import io
import os
import secrets
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Protocol

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.orm import Session

from ...db import Database, insert_new
from ...errors import NotFoundError
from ...models import FileBlob, FileBlobChunk, StoredFile

CHUNK = 512 * 1024  # bytes per chunk row: large enough for few statements, small enough to stream
KINDS = ("auto", "folder", "database")


class BlobMissingError(NotFoundError):
    """A stored file's row is there, its bytes are not (a folder copied without them, a restore that
    left them out)."""

    code = "file_content_missing"


class Blob(Protocol):
    """A stored file's bytes, wherever they are kept. Nothing is read until asked."""

    sha256: str
    size: int

    @property
    def path(self) -> Path | None:
        """The file on disk (the folder store: sent with the OS's own means), or None."""

    def exists(self) -> bool: ...

    def chunks(self) -> Iterator[bytes]:
        """The bytes, a chunk at a time. Raises BlobMissingError."""

    def read_bytes(self) -> bytes:
        """All the bytes (for the small files bpmnpub reads itself). Raises BlobMissingError."""

    def open(self) -> BinaryIO:
        """A binary stream of the bytes; the first chunk is read at once, so a missing file raises
        BlobMissingError here rather than half-way through a response."""


class BlobStore(Protocol):
    kind: str

    def put(self, session: Session, digest: str, content: bytes, now: datetime) -> None:
        """Keep `content` under `digest` (stored again: only touched), in or before `session`'s
        transaction."""

    def blob(self, digest: str, size: int) -> Blob: ...

    def remove_unused(self, digests: set[str], now: datetime, recent: timedelta) -> int:
        """Remove the bytes among `digests` that no stored file names and nobody stored again within
        `recent`; returns how many were removed."""

    def digests(self) -> Iterator[str]:
        """Every sha256 this store keeps."""


# --- the folder ------------------------------------------------------------------------------------


def blob_path(files_dir: Path, digest: str) -> Path:
    """Where the folder store keeps a file's bytes (by their sha256)."""
    return files_dir / digest[:2] / digest


class FolderBlob:
    def __init__(self, files_dir: Path, digest: str, size: int) -> None:
        self.sha256, self.size = digest, size
        self._path = blob_path(files_dir, digest)

    @property
    def path(self) -> Path | None:
        return self._path

    def exists(self) -> bool:
        return self._path.is_file()

    def open(self) -> BinaryIO:
        try:
            return self._path.open("rb")
        except FileNotFoundError as exc:
            raise BlobMissingError(f"the content of file {self.sha256[:12]}… is missing") from exc

    def chunks(self) -> Iterator[bytes]:
        with self.open() as stream:
            while block := stream.read(CHUNK):
                yield block

    def read_bytes(self) -> bytes:
        with self.open() as stream:
            return stream.read()


class FolderStore:
    kind = "folder"

    def __init__(self, files_dir: Path, db: Database) -> None:
        self.files_dir, self.db = files_dir, db

    def put(self, session: Session, digest: str, content: bytes, now: datetime) -> None:
        path = blob_path(self.files_dir, digest)
        try:  # already there: touched, so the worker's purge of orphans never takes bytes just reused
            os.utime(path)
            return
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
        tmp.write_bytes(content)
        os.replace(tmp, path)  # atomic: a reader never sees half a file

    def blob(self, digest: str, size: int) -> FolderBlob:
        return FolderBlob(self.files_dir, digest, size)

    def remove_unused(self, digests: set[str], now: datetime, recent: timedelta) -> int:
        # The files' times are the machine's, not the services' clock.
        removed = 0
        touched_after = time.time() - recent.total_seconds()
        for digest in digests:
            with self.db.read() as session:  # stored again since the caller looked: keep the bytes
                if session.scalar(select(exists().where(StoredFile.sha256 == digest))):
                    continue
            path = blob_path(self.files_dir, digest)
            try:
                if path.stat().st_mtime < touched_after:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def digests(self) -> Iterator[str]:
        if not self.files_dir.is_dir():
            return
        for folder in sorted(self.files_dir.iterdir()):
            if folder.is_dir() and len(folder.name) == 2:
                for path in sorted(folder.iterdir()):
                    if len(path.name) == 64 and path.is_file():
                        yield path.name


# --- the database ----------------------------------------------------------------------------------


class _ChunkReader(io.RawIOBase):
    """A read-only stream over an iterator of chunks."""

    def __init__(self, first: bytes, rest: Iterator[bytes]) -> None:
        self._buffer, self._rest = memoryview(first), rest

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer:
            following = next(self._rest, None)
            if following is None:
                return 0
            self._buffer = memoryview(following)
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return count


class DatabaseBlob:
    def __init__(self, db: Database, digest: str, size: int) -> None:
        self.db, self.sha256, self.size = db, digest, size

    @property
    def path(self) -> Path | None:
        return None

    def exists(self) -> bool:
        with self.db.lookup() as session:
            return bool(session.scalar(select(exists().where(FileBlob.sha256 == self.sha256))))

    def _chunk(self, seq: int) -> bytes | None:
        # One statement per chunk, outside any transaction on PostgreSQL: a slow reader holds nothing.
        with self.db.lookup() as session:
            data = session.scalar(
                select(FileBlobChunk.data).where(
                    FileBlobChunk.sha256 == self.sha256, FileBlobChunk.seq == seq
                )
            )
        return None if data is None else bytes(data)

    def _missing(self) -> BlobMissingError:
        return BlobMissingError(f"the content of file {self.sha256[:12]}… is missing")

    def _first(self) -> bytes:
        first = self._chunk(0)
        if first is None:
            if self.size == 0 and self.exists():
                return b""
            raise self._missing()
        return first

    def _after(self, first: bytes) -> Iterator[bytes]:
        sent, seq = len(first), 1
        while sent < self.size:
            data = self._chunk(seq)
            if data is None:  # removed while being read: end the response short rather than pad it
                raise self._missing()
            sent += len(data)
            seq += 1
            yield data

    def chunks(self) -> Iterator[bytes]:
        first = self._first()
        if first:
            yield first
        yield from self._after(first)

    def read_bytes(self) -> bytes:
        return b"".join(self.chunks())

    def open(self) -> BinaryIO:
        first = self._first()
        return io.BufferedReader(_ChunkReader(first, self._after(first)), CHUNK)


class DatabaseStore:
    kind = "database"

    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, session: Session, digest: str, content: bytes, now: datetime) -> None:
        values = {
            "sha256": digest,
            "size": len(content),
            "chunks": _count(len(content)),
            "created_at": now,
            "touched_at": now,
        }
        for _ in range(3):
            inserted = session.execute(insert_new(self.db, FileBlob, values, "sha256")).first()
            if inserted is not None:
                rows = [
                    {"sha256": digest, "seq": seq, "data": content[offset : offset + CHUNK]}
                    for seq, offset in enumerate(range(0, len(content), CHUNK))
                ]
                if rows:
                    session.execute(insert(FileBlobChunk), rows)
                return
            # There already: touched, so the purge keeps it. Gone meanwhile (purged as we looked): again.
            touched = session.execute(
                update(FileBlob).where(FileBlob.sha256 == digest).values(touched_at=now)
            )
            if touched.rowcount:  # type: ignore[attr-defined]
                return
        raise RuntimeError(f"file content {digest[:12]}… could neither be stored nor found")

    def blob(self, digest: str, size: int) -> DatabaseBlob:
        return DatabaseBlob(self.db, digest, size)

    def remove_unused(self, digests: set[str], now: datetime, recent: timedelta) -> int:
        if not digests:
            return 0
        with self.db.write() as session:
            doomed = list(
                session.scalars(
                    select(FileBlob.sha256)
                    .where(
                        FileBlob.sha256.in_(sorted(digests)),
                        FileBlob.touched_at < now - recent,
                        ~exists().where(StoredFile.sha256 == FileBlob.sha256),
                    )
                    .with_for_update(of=FileBlob)
                )
            )
            if doomed:
                session.execute(delete(FileBlobChunk).where(FileBlobChunk.sha256.in_(doomed)))
                session.execute(delete(FileBlob).where(FileBlob.sha256.in_(doomed)))
        return len(doomed)

    def digests(self) -> Iterator[str]:
        with self.db.read() as session:
            yield from list(session.scalars(select(FileBlob.sha256).order_by(FileBlob.sha256)))


def _count(size: int) -> int:
    return (size + CHUNK - 1) // CHUNK


def resolve_kind(setting: str, db: Database) -> str:
    """`FILE_STORE` as used: `auto` is the database on PostgreSQL and the folder on SQLite."""
    kind = (setting or "auto").strip().lower()
    if kind not in KINDS:
        raise ValueError(f"BPMNPUB_FILE_STORE must be one of {', '.join(KINDS)}, not {setting!r}")
    if kind == "auto":
        return "folder" if db.is_sqlite else "database"
    return kind
