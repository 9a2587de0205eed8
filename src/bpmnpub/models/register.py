"""The office's document register (ทะเบียนหนังสือส่ง): one running number per calendar year (พ.ศ.), as
ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ numbers what an office issues, and the issued memo it belongs to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class DocumentCounter(Base):
    """The last number given in a year. Only ever goes up (an upsert), so a number is never given twice,
    even when a register row were removed."""

    __tablename__ = "document_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # Buddhist era
    last_number: Mapped[int] = mapped_column(Integer)


class RegisteredDocument(Base):
    """A number of the register, given to a request when the director decided it (ที่ ศธ ๐๔xxx/๑๒๓),
    and the signed PDF issued under it (rendered once, then served as stored)."""

    __tablename__ = "document_register"
    __table_args__ = (UniqueConstraint("year", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(50))  # the office's "ที่" prefix when the number was given
    year: Mapped[int] = mapped_column(Integer)  # Buddhist era, calendar year of the decision (Bangkok)
    number: Mapped[int] = mapped_column(Integer)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    decision_event_id: Mapped[int] = mapped_column(ForeignKey("instance_event.id"))  # the memo as of then
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    code: Mapped[str] = mapped_column(String(16), unique=True)  # the public verification URL's /v/<code>
    # Filled once, when the signed PDF is issued:
    file_id: Mapped[str | None] = mapped_column(ForeignKey("stored_file.id"))
    sha256: Mapped[str | None] = mapped_column(String(64))
    signer_fingerprint: Mapped[str | None] = mapped_column(String(64))  # sha256 of the certificate (DER)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
