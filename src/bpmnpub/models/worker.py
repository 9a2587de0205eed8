"""The heartbeat each `bpmnpub worker` process writes, so admins can see when timers have stopped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class WorkerHeartbeat(Base):
    """One row per worker process (a new row when it restarts): when it last showed a sign of life,
    its last pass, and the last error it survived."""

    __tablename__ = "worker_heartbeat"

    worker_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    pass_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pass_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    passes: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
