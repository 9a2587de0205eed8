"""Bytes kept in the database: stored files' content (the database file store, PostgreSQL's default)
and the office's signing key, so that several app servers share them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class FileBlob(Base):
    """The content of stored files with one sha256, in `FileBlobChunk` rows (read back chunk by chunk).
    `touched_at` moves whenever the same bytes are stored again: the purge of orphans keeps them then."""

    __tablename__ = "file_blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    chunks: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class FileBlobChunk(Base):
    __tablename__ = "file_blob_chunk"

    sha256: Mapped[str] = mapped_column(
        String(64), ForeignKey("file_blob.sha256", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class OfficeKeyRecord(Base):
    """The office's signing key and certificate (PEM) when kept in the database: `slot` is "current",
    or "replaced-<time>-<random>" for a pair an import replaced (documents issued before name it)."""

    __tablename__ = "office_key"

    slot: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_pem: Mapped[bytes] = mapped_column(LargeBinary)
    cert_pem: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
