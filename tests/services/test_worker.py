"""The worker's pass survives what one request or the database does: a request whose step keeps failing
goes to `error` with its reason and the others fire; a locked database is waited out; each pass leaves
a heartbeat, and an admin sees when it is late."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from bpmnpub.db import Database, is_transient
from bpmnpub.errors import PermissionDeniedError
from bpmnpub.models import ProcessInstance
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.operations import heartbeat
from bpmnpub.services.operations.worker import Backoff, DatabaseUnavailable, Worker
from bpmnpub.services.requests import instances, worker_steps

from ..conftest import Clock
from ..workerprocs import deploy_probe, file_due_timers, fired

FAST = Backoff(attempts=4, base=0.05, cap=0.2)


@pytest.fixture
def due(ctx: ServiceContext, clock: Clock) -> list[int]:
    """Five requests whose one-second timer has passed (at the test clock's time)."""
    deploy_probe(ctx)
    ids = file_due_timers(ctx, 5)
    ctx.clock = clock
    clock.current = datetime.now(UTC)
    return ids


def test_a_request_that_keeps_failing_goes_to_error_and_the_others_fire(
    ctx: ServiceContext, due: list[int], actor: Any
) -> None:
    poisoned = due[2]
    with ctx.db.write() as session:  # a row no engine can read: every try fails the same way
        session.execute(update(ProcessInstance).where(ProcessInstance.id == poisoned).values(state="{}"))
    report = Worker(ctx, interval=30, backoff=FAST).run_pass()
    assert report.moved == 4 and report.failed == [poisoned]
    events, tasks = fired(ctx, due)
    assert events == tasks == dict.fromkeys((i for i in due if i != poisoned), 1)
    view = instances.get_instance(ctx, poisoned, actor("admin1"))
    assert view.status == "error"
    [error] = [e for e in view.events if e.action == "error"]
    assert error.comment is not None and "ไม่สำเร็จ 2 ครั้ง" in error.comment and "DiagramError" in error.comment
    assert Worker(ctx, interval=30, backoff=FAST).run_pass().moved == 0  # nothing fires twice


def test_a_transient_error_is_tried_again_and_the_timer_fires_once(
    ctx: ServiceContext, due: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = worker_steps.fire_timer
    failures = {"left": 3}

    def flaky(context: ServiceContext, instance_id: int, now: datetime) -> int:
        if instance_id == due[0] and failures["left"]:
            failures["left"] -= 1
            with context.db.write() as session:  # a real lost connection: the server ends the session
                if context.db.is_sqlite:
                    raise _sqlite_locked()
                session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        return real(context, instance_id, now)

    monkeypatch.setattr(worker_steps, "fire_timer", flaky)
    report = Worker(ctx, interval=30, backoff=FAST).run_pass()
    assert failures["left"] == 0 and report.moved == 5 and report.failed == []
    assert fired(ctx, due) == (dict.fromkeys(due, 1), dict.fromkeys(due, 1))


def _sqlite_locked() -> Exception:
    """The error SQLite really raises while another connection holds the write lock."""
    return OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))


def test_transient_errors_that_last_end_the_pass_and_leave_the_requests_running(
    ctx: ServiceContext, due: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(*_: object) -> int:
        raise _sqlite_locked()

    monkeypatch.setattr(worker_steps, "fire_timer", locked)
    with pytest.raises(DatabaseUnavailable):
        Worker(ctx, interval=30, backoff=FAST).run_pass()
    with ctx.db.read() as session:
        statuses = {session.get(ProcessInstance, i).status for i in due}  # type: ignore[union-attr]
    assert statuses == {"running"}  # a database that is away never puts a request in error


def test_what_counts_as_transient(ctx: ServiceContext, tmp_path: Any) -> None:
    if ctx.db.is_sqlite:
        holder = sqlite3.connect(str(ctx.db.url).removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        impatient = Database(ctx.db.url, busy_timeout=0.1)
        try:
            with pytest.raises(OperationalError) as locked, impatient.write() as session:
                session.execute(text("SELECT 1"))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
            impatient.dispose()
        assert is_transient(locked.value)
    else:
        with pytest.raises(OperationalError) as lost, ctx.db.write() as session:
            session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        assert is_transient(lost.value)
    with pytest.raises(IntegrityError) as broken, ctx.db.write() as session:
        session.execute(text("INSERT INTO process_schedule (process_id) VALUES ('x'), ('x')"))
    assert not is_transient(broken.value)
    assert not is_transient(ValueError("a bug"))


def test_each_pass_leaves_a_heartbeat_and_a_late_one_is_stale(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    admin = actor("admin1")
    assert heartbeat.worker_health(ctx, admin).status == "missing"
    worker = Worker(ctx, interval=30, backoff=FAST)
    worker.run_pass()
    health = heartbeat.worker_health(ctx, admin)
    assert health.status == "ok" and health.last_beat_at == clock.current
    [beat] = health.workers
    assert beat.passes == 1 and beat.pass_finished_at == clock.current and beat.interval_seconds == 30
    clock.advance(seconds=89)
    assert heartbeat.worker_health(ctx, admin).status == "ok"
    clock.advance(seconds=2)  # three passes of 30 s missed
    assert heartbeat.worker_health(ctx, admin).status == "stale"
    worker.run_pass()
    assert heartbeat.worker_health(ctx, admin).status == "ok"
    with pytest.raises(PermissionDeniedError):
        heartbeat.worker_health(ctx, actor("owner1"))


def test_stop_ends_the_loop_at_once(ctx: ServiceContext) -> None:
    stop = threading.Event()
    worker = Worker(ctx, interval=3600, stop=stop, backoff=FAST)
    thread = threading.Thread(target=worker.run_forever)
    thread.start()
    heartbeat_seen = False
    for _ in range(100):
        with ctx.db.read() as session:
            heartbeat_seen = bool(session.execute(text("SELECT passes FROM worker_heartbeat")).scalar())
        if heartbeat_seen:
            break
        threading.Event().wait(0.05)
    stop.set()
    thread.join(timeout=5)
    assert heartbeat_seen and not thread.is_alive()
