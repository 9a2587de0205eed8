"""The audit trail of what admins change outside requests and published items (those keep their own
`instance_event` / `item_event`): the catalogue, office settings, process drafts, delegations, users."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONText, UTCDateTime


class AdminEvent(Base):
    """One change: who, when, which area and thing, and the fields it changed (before/after). Append only."""

    __tablename__ = "admin_event"
    __table_args__ = (Index("ix_admin_event_area_at", "area", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    area: Mapped[str] = mapped_column(String(32))  # catalogue | office | process | delegation | users
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(255))  # "category 1.9", "ita 2570 O5", "general_publication"
    details: Mapped[dict[str, Any]] = mapped_column(JSONText, default=dict)
    # The hash chain (models/chain.py): tamper-evident, checked by `bpmnpub audit verify`.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))


class AuditChain(Base):
    """The head of one hash chain of events: "admin" (every admin_event row) or "instance:<id>" (one
    request's instance_event rows). Writers lock it (SELECT ... FOR UPDATE) to link their row, so rows
    of one chain line up one after another; the verifier compares the last row with it, so a row cut
    from the end of a chain is noticed too."""

    __tablename__ = "audit_chain"

    chain: Mapped[str] = mapped_column(String(64), primary_key=True)
    head_hash: Mapped[str] = mapped_column(String(64))
    length: Mapped[int] = mapped_column(Integer)
