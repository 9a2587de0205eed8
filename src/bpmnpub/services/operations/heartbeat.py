"""The worker's heartbeat: each worker process writes when it last showed a sign of life, and the admin
pages read whether timers and scheduled starts are still being run."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select

from ...models import WorkerHeartbeat
from ...permissions import Actor, require_admin
from ..kernel.context import ServiceContext

# A worker is late when it has not shown a sign of life for this many of its passes.
STALE_AFTER_PASSES = 3
# Rows of workers gone this long are removed (a restarted worker writes a new row).
FORGET_AFTER = timedelta(days=7)

Health = Literal["ok", "stale", "missing"]


@dataclass(frozen=True)
class WorkerIdentity:
    """Who is beating: a fresh id per process start, with host and pid for the operator."""

    worker_id: str
    host: str
    pid: int
    interval_seconds: int

    @classmethod
    def of_this_process(cls, interval_seconds: int) -> WorkerIdentity:
        return cls(uuid.uuid4().hex, socket.gethostname()[:255], os.getpid(), interval_seconds)


@dataclass(frozen=True)
class WorkerBeat:
    worker_id: str
    host: str
    pid: int
    interval_seconds: int
    started_at: datetime
    beat_at: datetime
    pass_started_at: datetime | None
    pass_finished_at: datetime | None
    passes: int
    last_error: str | None
    last_error_at: datetime | None
    stale: bool


@dataclass(frozen=True)
class WorkerHealth:
    """`ok` when some worker showed a sign of life within its last few passes; `stale` when every worker
    is late; `missing` when no worker has ever run on this database."""

    status: Health
    last_beat_at: datetime | None
    workers: list[WorkerBeat]


def record_beat(
    ctx: ServiceContext,
    who: WorkerIdentity,
    now: datetime,
    *,
    pass_started: bool = False,
    pass_finished: bool = False,
    error: str | None = None,
) -> None:
    """Write this worker's heartbeat (one small transaction): a sign of life, optionally the start or
    end of a pass and the last error it survived."""
    with ctx.db.write() as session:
        row = session.get(WorkerHeartbeat, who.worker_id)
        if row is None:
            # A new worker clears out the rows of workers long gone.
            session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGET_AFTER))
            row = WorkerHeartbeat(
                worker_id=who.worker_id,
                host=who.host,
                pid=who.pid,
                interval_seconds=who.interval_seconds,
                started_at=now,
                beat_at=now,
                passes=0,
            )
            session.add(row)
        row.beat_at = now
        if pass_started:
            row.pass_started_at = now
        if pass_finished:
            row.pass_finished_at = now
            row.passes = (row.passes or 0) + 1
        if error is not None:
            row.last_error = error[:2000]
            row.last_error_at = now


def is_stale(beat_at: datetime, interval_seconds: int, now: datetime) -> bool:
    """Late by more than STALE_AFTER_PASSES passes (never less than a minute: a pass takes time too)."""
    allowed = max(STALE_AFTER_PASSES * max(interval_seconds, 1), 60)
    return now - beat_at > timedelta(seconds=allowed)


def worker_health(ctx: ServiceContext, actor: Actor, now: datetime | None = None) -> WorkerHealth:
    """Whether timers and scheduled starts are being run: the workers' heartbeats, newest first.
    Raises PermissionDeniedError (admins only)."""
    require_admin(actor, "can see the worker's heartbeat")
    when = now or ctx.now()
    with ctx.db.read() as session:
        rows = session.scalars(
            select(WorkerHeartbeat).order_by(WorkerHeartbeat.beat_at.desc()).limit(20)
        ).all()
        beats = [
            WorkerBeat(
                worker_id=r.worker_id,
                host=r.host,
                pid=r.pid,
                interval_seconds=r.interval_seconds,
                started_at=r.started_at,
                beat_at=r.beat_at,
                pass_started_at=r.pass_started_at,
                pass_finished_at=r.pass_finished_at,
                passes=r.passes,
                last_error=r.last_error,
                last_error_at=r.last_error_at,
                stale=is_stale(r.beat_at, r.interval_seconds, when),
            )
            for r in rows
        ]
    if not beats:
        return WorkerHealth("missing", None, [])
    status: Health = "stale" if all(b.stale for b in beats) else "ok"
    return WorkerHealth(status, beats[0].beat_at, beats)
