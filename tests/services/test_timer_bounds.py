"""Timers cannot hurt the office, through the real services: a hostile timer is refused at deploy; a
hostile value from form data puts only that request in `error` with a Thai reason, at once; no engine
call holds the write lock for long, and another connection writes meanwhile and afterwards."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bpmnpub.errors import DiagramError
from bpmnpub.models import InstanceEvent, ProcessDefinition, ProcessInstance
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.procedures import definitions
from bpmnpub.services.requests import instances, tasks, worker_steps

from ..timer_diagrams import FORM, FORM_KEY, PROCESS_ID, line_of, timer_diagram
from .conftest import task_id

pytestmark = pytest.mark.usefixtures("quiet_gc")  # CPU-time bounds: tests/conftest.py

BOUND_SECONDS = 2.0  # the longest an engine call may hold the write lock: a correctness bound
# How long the probe connection below waits for the write lock, on the wall clock. Generous: on a loaded
# machine a write transaction of ordinary length can wait seconds for a core; a hostile timer that hangs
# is caught by the CPU-time bounds, and the probe must still get its turn between and after the steps.
PROBE_PATIENCE = 30.0
# Engine calls and write transactions are measured in CPU time of the thread that runs them
# (time.thread_time): a hostile timer hangs by computing, and other processes on a loaded machine do not
# inflate a thread's CPU time the way they inflate the wall clock.
ENGINE_CALLS = ("start", "complete", "resume")


@pytest.fixture
def engine_calls(ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float]]:
    """(call, CPU seconds) of every engine call the services make, measured around the call."""
    measured: list[tuple[str, float]] = []

    def timed(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            began = time.thread_time()
            try:
                return call(*args, **kwargs)
            finally:
                measured.append((name, time.thread_time() - began))

        return wrapper

    for name in ENGINE_CALLS:
        monkeypatch.setattr(ctx.engine, name, timed(name, getattr(ctx.engine, name)))
    return measured


@pytest.fixture
def write_locks(ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """CPU seconds of each write transaction, from BEGIN (IMMEDIATE on SQLite: the lock) to its end."""
    held: list[float] = []
    write = ctx.db.write

    @contextmanager
    def timed_write() -> Iterator[Any]:
        began = time.thread_time()
        try:
            with write() as session:
                yield session
        finally:
            held.append(time.thread_time() - began)

    monkeypatch.setattr(ctx.db, "write", timed_write)
    return held


def deploy(ctx: ServiceContext, actor: Any, xml: str) -> None:
    definitions.deploy_upload(
        ctx, xml.encode(), f"{PROCESS_ID}.bpmn", {FORM_KEY: FORM}, actor=actor("procowner1")
    )


def versions(ctx: ServiceContext) -> int:
    with ctx.db.read() as session:
        return len(
            session.scalars(
                select(ProcessDefinition.id).where(ProcessDefinition.process_id == PROCESS_ID)
            ).all()
        )


def file_with_wait(ctx: ServiceContext, actor: Any, wait: Any) -> int:
    owner = actor("owner1")
    started = instances.start_instance(ctx, PROCESS_ID, None, owner)
    tasks.complete_task(ctx, task_id(ctx, owner, started.id), {"title": "ทดสอบ", "wait": wait}, owner)
    return started.id


@pytest.mark.parametrize(
    ("kind", "literal"),
    [
        ("timeDuration", '"P10000000Y"'),
        ("timeDuration", '"P99999999Y"'),
        ("timeDuration", '"P8000Y"'),
        ("timeCycle", '"R/PT0S"'),
        ("timeDate", '"1970-01-01T00:00:00+00:00"'),
    ],
)
def test_a_hostile_timer_deploys_nothing(
    ctx: ServiceContext, actor: Any, write_locks: list[float], kind: str, literal: str
) -> None:
    xml = timer_diagram(kind, literal)
    with pytest.raises(DiagramError) as refused:
        deploy(ctx, actor, xml)  # checked inside the deploy's write transaction
    print(f"\ndeploy {literal}: write lock {max(write_locks) * 1000:.1f} ms")
    assert max(write_locks) < BOUND_SECONDS
    [problem] = refused.value.problems
    assert (problem.element_id, problem.line) == ("Timer_Wait", line_of(xml, f"<bpmn:{kind}"))
    assert versions(ctx) == 0


@pytest.mark.parametrize(
    ("wait", "reason"),
    [
        ("P10000000Y", "ยาวเกิน 10 ปี"),
        ("P99999999Y", "ยาวเกิน 10 ปี"),
        ("P8000Y", "ยาวเกิน 10 ปี"),
        ("PT0S", "ต้องมากกว่าศูนย์"),
        ("สามวัน", "ไม่ใช่รูปแบบ ISO 8601"),
    ],
)
def test_a_hostile_duration_from_form_data_puts_that_request_in_error_at_once(
    ctx: ServiceContext,
    actor: Any,
    engine_calls: list[tuple[str, float]],
    write_locks: list[float],
    wait: str,
    reason: str,
) -> None:
    deploy(ctx, actor, timer_diagram("timeDuration", "wait"))
    write_locks.clear()
    iid = file_with_wait(ctx, actor, wait)
    longest, locked = max(seconds for _, seconds in engine_calls), max(write_locks)
    # Shown with -s, for the report: the engine call and the whole write transaction around it.
    print(f"\n{wait}: longest engine call {longest * 1000:.1f} ms, longest write lock {locked * 1000:.1f} ms")
    assert longest < BOUND_SECONDS and locked < BOUND_SECONDS
    view = instances.get_instance(ctx, iid, actor("admin1"))
    assert view.status == "error"
    assert view.error is not None and reason in view.error and view.error.startswith("รอ: ")
    assert "error" in [e.action for e in view.events]
    # The requester's work is kept (their task is done, their value is in the request) ...
    assert not [t for t in view.tasks if t.status in ("ready", "claimed")]
    # ... and the rest of the office goes on: another request moves while this one waits for an admin.
    other = file_with_wait(ctx, actor, "P3D")
    assert instances.get_instance(ctx, other, actor("admin1")).status == "running"


def test_a_sane_duration_from_form_data_waits_and_fires(ctx: ServiceContext, actor: Any, clock: Any) -> None:
    deploy(ctx, actor, timer_diagram("timeDuration", "wait"))
    iid = file_with_wait(ctx, actor, "P2D")
    with ctx.db.read() as session:
        due = session.scalar(select(ProcessInstance.next_timer_due).where(ProcessInstance.id == iid))
    assert due is not None and due.replace(tzinfo=None) == (clock() + timedelta(days=2)).replace(tzinfo=None)
    clock.advance(days=2, seconds=1)
    assert worker_steps.fire_due_timers(ctx) == 1
    assert [
        t.name for t in instances.get_instance(ctx, iid, actor("admin1")).tasks if t.status == "ready"
    ] == ["หลังรอ"]


def test_a_zero_cycle_left_from_before_the_bounds_stops_the_worker_spinning(
    ctx: ServiceContext,
    actor: Any,
    clock: Any,
    engine_calls: list[tuple[str, float]],
    write_locks: list[float],
) -> None:
    """What `R/PT0S` left in a state saved before the bounds: the worker fired it on every pass, for
    ever. Now the pass puts the request in `error` once, fast, and the next pass leaves it alone."""
    deploy(ctx, actor, timer_diagram("timeCycle", "wait"))
    iid = file_with_wait(ctx, actor, "R3/PT1H")
    with ctx.db.write() as session:
        instance = session.get(ProcessInstance, iid)
        assert instance is not None
        state = json.loads(instance.state)
        for task in state["tasks"].values():
            value = task.get("internal_data", {}).get("event_value")
            if isinstance(value, dict):
                value.update(duration=0, cycles=-1)
        instance.state = json.dumps(state)
    clock.advance(hours=2)
    engine_calls.clear()
    write_locks.clear()
    assert worker_steps.fire_due_timers(ctx) == 1
    longest, locked = max(seconds for _, seconds in engine_calls), max(write_locks)
    print(
        f"\nR/PT0S (worker): longest engine call {longest * 1000:.1f} ms, write lock {locked * 1000:.1f} ms"
    )
    assert longest < BOUND_SECONDS and locked < BOUND_SECONDS
    view = instances.get_instance(ctx, iid, actor("admin1"))
    assert view.status == "error" and view.error and "ไม่มีที่สิ้นสุด" in view.error
    clock.advance(hours=1)
    assert worker_steps.fire_due_timers(ctx) == 0
    with ctx.db.read() as session:
        fired = session.scalars(
            select(InstanceEvent.action).where(
                InstanceEvent.instance_id == iid, InstanceEvent.action == "timer_fired"
            )
        ).all()
    assert len(fired) == 1  # the failed pass rolled back, then recorded; nothing fires it again


@pytest.mark.parametrize("backend", ["sqlite"])  # the office-wide write lock is SQLite's
def test_another_connection_writes_during_and_after_hostile_steps(
    ctx: ServiceContext, actor: Any, engine_calls: list[tuple[str, float]]
) -> None:
    deploy(ctx, actor, timer_diagram("timeDuration", "wait"))
    path = ctx.db.url.split("sqlite:///", 1)[1]
    waits: list[float] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def other_office_writes() -> None:
        # A connection of its own that waits for the write lock, like a sign-in (bounded: PROBE_PATIENCE).
        conn = sqlite3.connect(path, timeout=PROBE_PATIENCE, isolation_level=None)
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS probe_writes (at REAL)")
            while not stop.is_set():
                began = time.perf_counter()
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO probe_writes VALUES (?)", (began,))
                conn.execute("COMMIT")
                waits.append(time.perf_counter() - began)
                time.sleep(0.005)
        except BaseException as failure:  # a lock held past the timeout: reported below, not lost
            failures.append(failure)
        finally:
            conn.close()

    def written(count: int) -> None:
        # The writer runs beside us: wait (bounded) until it has written more than `count` times.
        deadline = time.monotonic() + 2 * PROBE_PATIENCE
        while len(waits) <= count and not failures and writer.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)

    writer = threading.Thread(target=other_office_writes)
    writer.start()
    try:
        written(0)  # the other connection is writing before the first hostile step ...
        before = len(waits)
        for wait in ("P10000000Y", "P99999999Y", "P8000Y", "P10000000Y"):
            assert (
                instances.get_instance(ctx, file_with_wait(ctx, actor, wait), actor("admin1")).status
                == "error"
            )
        written(len(waits))  # ... and writes again after the last one
    finally:
        stop.set()
        writer.join()
    assert not failures, f"the other connection could not write: {failures[0]!r}"
    assert len(waits) > before, "the other connection wrote nothing after the hostile steps"
    assert waits, "the other connection wrote nothing"
    print(f"\nthe probe wrote {len(waits)} times, longest wait {max(waits):.3f} s (wall clock)")
    assert max(seconds for _, seconds in engine_calls) < BOUND_SECONDS
    # After: nobody holds the lock; a writer that will not wait at all gets it.
    after = sqlite3.connect(path, timeout=0, isolation_level=None)
    after.execute("BEGIN IMMEDIATE")
    after.execute("INSERT INTO probe_writes VALUES (0)")
    after.execute("COMMIT")
    after.close()
